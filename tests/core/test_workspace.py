"""`cct init`: a working folder whose templates the toolkit really reads, never overwriting."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS
from toolkit.cli import app
from toolkit.core.teams import COLUMNS, read_teams
from toolkit.core.workspace import GUIDE_NAME, SURVEY_FOLDER, input_files, make_workspace
from toolkit.plan.batch import BATCH_COLUMNS, read_jobs

runner = CliRunner()


def test_the_described_columns_are_the_ones_the_toolkit_reads():
    files = input_files()
    assert tuple(c.name for c in files.get("teams").columns) == COLUMNS
    assert tuple(c.name for c in files.get("sessions").columns) == BATCH_COLUMNS


def fill(path, rows):
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_templates_filled_with_the_examples_are_read_by_assess_and_plans(tmp_path):
    """The examples in the help are valid values: the guide never shows a value that fails."""
    workspace = make_workspace(tmp_path / "org")
    files = input_files()
    fill(workspace.folder / "teams.csv", [[c.example for c in files.get("teams").columns]])
    teams = read_teams(workspace.folder / "teams.csv")
    assert list(teams) == ["intake_north"]

    results = tmp_path / "results"
    outcome = runner.invoke(
        app, ["assess", str(SAMPLE_RESPONSES), str(SAMPLE_TEAMS), "-o", str(results)]
    )
    assert outcome.exit_code == 0, outcome.output
    fill(workspace.folder / "sessions.csv", [[c.example for c in files.get("sessions").columns]])
    jobs = read_jobs(workspace.folder / "sessions.csv", results / "assessment.json", tmp_path)
    assert [j.team_id for j in jobs] == ["intake_north"]


def test_init_makes_the_folder_and_names_what_to_run(tmp_path):
    folder = tmp_path / "city"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / SURVEY_FOLDER).is_dir()
    guide = (folder / GUIDE_NAME).read_text(encoding="utf-8")
    for column in COLUMNS + BATCH_COLUMNS:
        assert f"`{column}`" in guide
    assert "`frontline_intake`: Frontline intake" in guide  # roles by code and name
    assert f"cct assess {folder / 'responses.csv'}" in result.output
    header = (folder / "teams.csv").read_text(encoding="utf-8-sig").strip()
    assert header == ",".join(COLUMNS)


def test_init_never_overwrites_what_is_there(tmp_path):
    folder = tmp_path / "city"
    folder.mkdir()
    mine = "team_id,team_name\nmy_team,My team\n"
    (folder / "teams.csv").write_text(mine, encoding="utf-8")
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "teams.csv").read_text(encoding="utf-8") == mine
    assert "kept" in result.output and "teams.csv" in result.output
    assert (folder / "sessions.csv").exists()


def test_init_on_a_file_is_a_plain_error(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert target.read_text(encoding="utf-8") == "x"
