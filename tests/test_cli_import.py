"""``cct import`` and ``cct xlsform``: thin commands over the survey import and the XLSForm."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from toolkit.assess.needs_assessment import SAMPLE_TEAMS
from toolkit.cli import app

runner = CliRunner()
EXPORTS = Path(__file__).parent / "files" / "exports"


def test_import_prints_the_report_and_writes_the_tidy_csv(tmp_path):
    out = tmp_path / "tidy.csv"
    result = runner.invoke(
        app, ["import", str(EXPORTS / "kobo.csv"), "-o", str(out), "--teams", str(SAMPLE_TEAMS)]
    )
    assert result.exit_code == 0, result.output
    assert "Detected: kobo.csv: KoboToolbox (utf-8, separated by semicolon)" in result.output
    assert "communication/COM01 → COM01 (by code)" in result.output
    assert "row 5: same respondent id 'uuid-A' as row 2; kept the latest submission" in (
        result.output
    )
    tidy = pd.read_csv(out)
    assert list(tidy.columns) == ["respondent_id", "team_id", "item_id", "value"]
    assert len(tidy) == 13
    again = runner.invoke(app, ["import", str(out), "-o", str(tmp_path / "again.csv")])
    assert again.exit_code == 0 and "the toolkit's own layout" in again.output


def test_import_problems_exit_2_without_traceback_and_write_a_mapping(tmp_path):
    source = tmp_path / "survey.csv"
    source.write_text("Timestamp,Site,How are you?\n1,North,4\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "toolkit.cli",
            "import",
            str(source),
            "--write-mapping",
            str(mapping),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "survey.csv, row 1: no column matches a framework item" in done.stderr
    assert "Detected: survey.csv: Google Forms" in done.stdout
    text = mapping.read_text(encoding="utf-8")
    assert '  "Site":\n  "How are you?":\n' in text
    mapping.write_text(
        text.replace('"Site":', '"Site": team').replace('"How are you?":', '"How are you?": COM01'),
        encoding="utf-8",
    )
    out = tmp_path / "tidy.csv"
    result = runner.invoke(app, ["import", str(source), "--mapping", str(mapping), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "How are you? → COM01 (by mapping file)" in result.output
    assert pd.read_csv(out).to_dict("records") == [
        {"respondent_id": "row-2", "team_id": "North", "item_id": "COM01", "value": 4}
    ]


def test_import_with_a_team_for_the_whole_file(tmp_path):
    source = tmp_path / "s.csv"
    source.write_text("Timestamp,COM01\n1,Agree\n", encoding="utf-8")
    result = runner.invoke(
        app, ["import", str(source), "--team", "intake_north", "-o", str(tmp_path / "t.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "Team: 'intake_north' for the whole file (--team)" in result.output


def test_xlsform_command(tmp_path):
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["xlsform", str(out), "--teams", str(SAMPLE_TEAMS)])
    assert result.exit_code == 0, result.output
    choices = pd.read_excel(out, sheet_name="choices")
    assert "intake_north" in set(choices["name"])
