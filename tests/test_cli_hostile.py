"""Every ``cct`` sub-command, given hostile arguments: words and exit 2, never a traceback, and
nothing written outside the folder asked for."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import TEAM_HEADER
from toolkit.cli import app
from toolkit.core.paths import SAMPLE_DIR

runner = CliRunner()
SAMPLE_TEAMS = SAMPLE_DIR / "teams.csv"
SAMPLE_RESPONSES = SAMPLE_DIR / "responses.csv"

HOSTILE_TEAM_IDS = [
    "../../escaped",
    "/tmp/absolute_team",
    "..",
    "a\\b",
    "nul\x00byte",
    "evil\u202egnp.exe",
    "x" * 300,
]


def team_row(team_id: str) -> str:
    quoted = '"' + team_id.replace('"', '""') + '"'
    return f"{quoted},Team,frontline_intake,10,100,50,ar=50; es=50,Somewhere,en; es,10\n"


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    teams = tmp_path / "teams.csv"
    teams.write_text(TEAM_HEADER + "".join(team_row(t) for t in HOSTILE_TEAM_IDS), encoding="utf-8")
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "team_id,minutes,format,group_size,start,language\n"
        + "".join(
            f'"{t}",90,in_person,12,2027-01-12 09:30,en\n'
            for t in HOSTILE_TEAM_IDS
            if "\x00" not in t
        ),
        encoding="utf-8",
    )
    not_a_database = tmp_path / "not_a_database.sqlite"
    not_a_database.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return {"teams": teams, "sessions": sessions, "not_db": not_a_database}


def cases(tmp: Path, files: dict[str, Path]) -> list[list[str]]:
    out = str(tmp / "out")
    proc = "/proc/self/forbidden/out"
    passwd = "/etc/passwd"
    return [
        ["assess", passwd, str(files["teams"]), "-o", out],
        ["assess", str(SAMPLE_RESPONSES), str(files["teams"]), "-o", out],
        ["assess", str(SAMPLE_RESPONSES), str(SAMPLE_TEAMS), "-o", proc],
        ["assess", str(SAMPLE_RESPONSES), str(SAMPLE_TEAMS), "--team", "../x", "-o", out],
        ["assess", str(tmp / "missing.csv"), str(tmp), "-o", out],
        ["assess", str(SAMPLE_RESPONSES), str(SAMPLE_TEAMS), "--threshold", "-1"],
        ["plans", str(files["sessions"]), "--results", passwd, "-o", out],
        ["plans", str(files["sessions"]), "--results", str(tmp / "none.json"), "-o", out],
        ["plans", str(SAMPLE_DIR / "sessions.csv"), "--results", out, "--base-url", "javascript:alert(1)"],
        ["debrief", "--store", "sqlite:////etc/passwd", "-o", out],
        ["debrief", "--store", f"sqlite:///{files['not_db']}", "-o", out],
        ["debrief", "--store", "sqlite:///\x00", "-o", out],
        ["debrief", "--store", "postgresql+psycopg://nobody@127.0.0.1:1/none", "-o", out],
        ["debrief", "--store", "nonsense", "--session", "\u202e", "-o", out],
        ["debrief", "--teams-file", passwd, "-o", out],
        ["debrief", "--teams-file", str(tmp), "-o", out],
        ["debrief", "--teams-file", str(files["teams"]), "-o", out],
        ["sample-reflections", "--store", "sqlite:////etc/passwd"],
        ["sample-reflections", "--store", f"sqlite:///{files['not_db']}"],
        ["sample-reflections", "--store", "sqlite:////proc/self/none/r.sqlite"],
        ["sample", "--out", proc],
        ["import", passwd, "-o", str(tmp / "tidy.csv")],
        ["import", str(tmp), "-o", str(tmp / "tidy.csv")],
        ["import", str(SAMPLE_RESPONSES), "-o", proc + ".csv"],
        ["import", str(SAMPLE_RESPONSES), "--mapping", passwd],
        ["import", str(SAMPLE_RESPONSES), "--format", "../../x"],
        ["import", str(SAMPLE_RESPONSES), "--teams", str(files["teams"])],
        ["import", str(SAMPLE_RESPONSES), "--write-mapping", proc, "--team", "nobody"],
        ["xlsform", str(tmp / "form.xlsx"), "--teams", str(files["teams"])],
        ["xlsform", proc + ".xlsx"],
        ["serve", "--port", "not-a-port"],
        ["schema", "--bogus"],
        ["check-data", "--bogus"],
        ["demo", "--out", proc],
        ["init", passwd],
        ["init", proc],
        ["evaluate", "--store", "sqlite:////etc/passwd", "-o", out],
        ["evaluate", "--store", f"sqlite:///{files['not_db']}", "--outcomes", passwd, "-o", out],
        ["evaluate", "--store", "nonsense", "--assessment", "../../x", "-o", out],
        ["evaluate", "--store", "nonsense", "--cycle", "../x", "--threshold", "-1", "-o", out],
        ["sample-cycles", "--out", proc],
        ["report", "--store", "sqlite:////etc/passwd", "--teams", str(SAMPLE_TEAMS), "-o", out],
        ["report", "--store", f"sqlite:///{files['not_db']}", "--teams", str(files["teams"])],
        ["report", "--store", "nonsense", "--teams", passwd, "-o", out],
        ["report", "--teams", str(SAMPLE_TEAMS), "--threshold", "-1", "-o", out],
        ["report", "--teams", str(SAMPLE_TEAMS), "--zeros", "../x", "-o", out],
        ["report", "--teams", str(SAMPLE_TEAMS), "--changes", passwd, "--store", "nonsense"],
        ["report", "-o", out],
        ["report", "--audit", passwd],
        ["report", "--audit", str(tmp)],
        ["report", "--audit", str(tmp / "missing.csv")],
        ["report", "--audit", str(SAMPLE_RESPONSES)],
        ["due", passwd],
        ["due", str(tmp), "--days", "-5"],
        ["due", str(tmp), "--today", "../x"],
        ["db", "upgrade", "--store", "sqlite:////etc/passwd"],
        ["db", "check", "--store", "nonsense://x"],
        ["config", passwd],
        ["config", proc + ".py"],
        ["serve", "--config", passwd, "--no-browser"],
    ]  # fmt: skip


def test_every_sub_command_answers_hostile_arguments_in_words(tmp_path, hostile):
    commands = {c.name or c.callback.__name__.rstrip("_") for c in app.registered_commands}
    tried = set()
    for args in cases(tmp_path, hostile):
        tried.add(args[0])
        result = runner.invoke(app, args)
        said = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            repr(result.exception),
        )
        assert "Traceback" not in said, (args, said)
        assert result.exit_code == 2, (args, result.exit_code, said)
    assert {c.replace("_", "-") for c in commands} <= tried
    assert not (tmp_path.parent / "escaped").exists()
    assert not Path("/tmp/absolute_team").exists()


def test_hostile_team_ids_are_named_by_file_row_and_column(hostile):
    result = runner.invoke(app, ["assess", str(SAMPLE_RESPONSES), str(hostile["teams"])])
    assert result.exit_code == 2
    for row, team_id in enumerate(HOSTILE_TEAM_IDS, start=2):
        assert f"teams.csv, row {row}, column 'team_id': team id {team_id!r}" in result.output
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in result.output
    assert "U+0000" in result.output
    assert "use at most 64" in result.output


def test_a_team_name_with_a_bidi_override_is_refused(tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text(TEAM_HEADER + team_row("ok").replace("Team,", "Evil\u202eName,", 1))
    result = runner.invoke(app, ["assess", str(SAMPLE_RESPONSES), str(teams)])
    assert result.exit_code == 2
    assert "teams.csv, row 2, column 'team_name'" in result.output and "U+202E" in result.output


def test_plans_refuse_a_script_link_and_hostile_team_ids(tmp_path, hostile):
    from toolkit.assess.needs_assessment import run

    results = run(out_dir=tmp_path / "assessment").results_path
    link = runner.invoke(
        app,
        [
            "plans", str(SAMPLE_DIR / "sessions.csv"), "--results", str(results),
            "--base-url", "javascript:alert(document.cookie)//", "-o", str(tmp_path / "p"),
        ],
    )  # fmt: skip
    assert link.exit_code == 2
    assert "must start with http:// or https://" in link.output
    ids = runner.invoke(
        app,
        ["plans", str(hostile["sessions"]), "--results", str(results), "-o", str(tmp_path / "p")],
    )
    assert ids.exit_code == 2
    assert "sessions.csv, row 2, column 'team_id': team id '../../escaped' contains '/'" in (
        ids.output
    )
    assert not (tmp_path / "p").exists()


FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "-2+3"]


def test_import_writes_a_tidy_csv_with_formulas_neutralised(tmp_path):
    items = ["COM01", "COM02"]
    rows = [[f, "intake_north", "3", "4"] for f in FORMULAS]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["respondent_id", "team_id", *items], *rows])
    source = tmp_path / "export.csv"
    source.write_text(buffer.getvalue(), encoding="utf-8")
    tidy = tmp_path / "tidy.csv"
    result = runner.invoke(app, ["import", str(source), "-o", str(tidy)])
    assert result.exit_code == 0, result.output
    with tidy.open(encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    ids = {r["respondent_id"] for r in written}
    assert ids and all(i.startswith("'") for i in ids), ids
    assert not any(i.lstrip().startswith(("=", "+", "@", "-")) for i in ids)


def test_xlsform_never_writes_a_formula(tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text(
        TEAM_HEADER + team_row("=1+1") + team_row("team2").replace("Team,", "@SUM(A1),", 1),
        encoding="utf-8",
    )
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["xlsform", str(out), "--teams", str(teams)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    choices = [c for c in cells if c.value in ("=1+1", "@SUM(A1)")]
    assert choices and all(c.data_type == "s" and c.quotePrefix for c in choices)
