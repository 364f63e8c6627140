"""Every notebook: stripped, parameterised, and runnable with the stock papermill CLI."""

import json
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from tests.executed import shown_html
from toolkit.core.paths import NOTEBOOKS_DIR, SAMPLE_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PAPERMILL = Path(sys.executable).with_name("papermill")


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_a_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    params = papermill.inspect_notebook(str(path))
    assert params and all(p["help"] for p in params.values()), "a comment on every parameter"


def test_needs_assessment_parameters():
    params = papermill.inspect_notebook(str(NOTEBOOKS_DIR / "needs_assessment.ipynb"))
    assert {"responses_file", "teams_file", "teams", "privacy_threshold", "output_dir"} <= set(
        params
    )
    assert params["privacy_threshold"]["default"] == "5"


@pytest.mark.notebook
def test_needs_assessment_runs_with_the_stock_papermill_cli(tmp_path):
    out = tmp_path / "results"
    command = [
        str(PAPERMILL),
        str(NOTEBOOKS_DIR / "needs_assessment.ipynb"),
        str(tmp_path / "out.ipynb"),
        "-p",
        "responses_file",
        str(SAMPLE_DIR / "responses.csv"),
        "-p",
        "teams_file",
        str(SAMPLE_DIR / "teams.csv"),
        "-p",
        "teams",
        "intake_north,housing_west",
        "-p",
        "privacy_threshold",
        "5",
        "-p",
        "output_dir",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "assessment.json").read_text())
    assert len(results["teams"]) == 14
    shown = shown_html(tmp_path / "out.ipynb")
    assert "Central intake, North office" in shown
    assert "Housing support, West" in shown and "Withheld: fewer than 5 people" in shown
    assert "Refugee resettlement casework</h2>" not in shown  # not among the chosen teams


@pytest.mark.notebook
def test_bad_input_in_papermill_shows_words_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,team_id,COM01\nr1,intake_north,9\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / "needs_assessment.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"responses_file": str(bad), "output_dir": str(tmp_path)},
            progress_bar=False,
        )
    assert info.value.ename == "InputFileError"
    assert "bad.csv, row 2, column 'COM01': answer 9 is outside the scale 1–5" in info.value.evalue
    assert all('File "' not in line for line in info.value.traceback)
