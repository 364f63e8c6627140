import subprocess
import sys

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
