import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS
from toolkit.cli import app

runner = CliRunner()


def test_assess_writes_results_and_report(tmp_path):
    result = runner.invoke(
        app,
        [
            "assess",
            str(SAMPLE_RESPONSES),
            str(SAMPLE_TEAMS),
            "-o",
            str(tmp_path),
            "--team",
            "intake_north",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "assessment.json").exists()
    assert "Central intake, North office" in (tmp_path / "assessment.html").read_text()


def test_bad_input_exits_2_with_file_row_column_and_no_traceback(write, tmp_path):
    bad = write("bad.csv", "respondent_id,team_id,COM01\nr1,intake_north,7\n")
    command = [
        sys.executable,
        "-m",
        "toolkit.cli",
        "assess",
        str(bad),
        str(SAMPLE_TEAMS),
        "-o",
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2
    assert "bad.csv, row 2, column 'COM01': answer 7 is outside the scale 1–5" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_unknown_team_parameter_is_a_plain_error(tmp_path):
    result = runner.invoke(
        app,
        [
            "assess",
            str(SAMPLE_RESPONSES),
            str(SAMPLE_TEAMS),
            "-o",
            str(tmp_path),
            "--team",
            "nobody",
        ],
    )
    assert result.exit_code == 2
    assert "team(s) nobody not in the team context file" in result.output


def test_check_data_validates_bundled_files():
    result = runner.invoke(app, ["check-data"])
    assert result.exit_code == 0, result.output
    assert "20 competencies, 40 items; sample OK" in result.output


def _command_paths(command, prefix=()) -> list[tuple[str, ...]]:
    """Every command and group of the cct command line, as the words that name it."""
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


def test_every_help_reads_as_plain_help():
    """`cct --help` and each command's help, as a facilitator runs them: plain words and
    placeholders (PATH, NUMBER), no Python types such as <bool> or <list[str]>, whole
    sentences in the list of commands."""
    import re

    import typer

    cct = str(Path(sys.executable).with_name("cct"))  # the script `make install` puts there
    paths = _command_paths(typer.main.get_command(app))
    assert ("assess",) in paths and ("db", "grant") in paths  # every command, groups' too
    for path in paths:
        done = subprocess.run(
            [cct, *path, "--help"],
            capture_output=True,
            text=True,
        )
        said = done.stdout + done.stderr
        assert done.returncode == 0, said
        assert done.stdout.startswith(f"Usage: cct {' '.join(path)}".rstrip()), said
        types = r"<(?:bool|int|float|str|path|text|datetime|uuid|list\[[^\]]*\]|[a-z_]+\|[a-z_|]+)>"
        assert not re.search(types, said), said  # <bool>, <path>, <list[str]>, <a|b>
        assert not re.search(r"\{[a-z_]+\}", said), said  # Typer's usage names: {responses}
        assert "..." not in said.replace("[ARGS]...", ""), said  # no sentence cut short
    assess_help = subprocess.run([cct, "assess", "--help"], capture_output=True, text=True).stdout
    assert "Usage: cct assess [OPTIONS] RESPONSES TEAMS" in assess_help
    assert re.search(r"-o, --out PATH\s+Folder for the results", assess_help)
    assert re.search(r"--threshold NUMBER\s+Withhold figures", assess_help)
