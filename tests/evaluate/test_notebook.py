"""notebooks/evaluation.ipynb with the stock papermill CLI, on the three-cycle sample."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from tests.executed import outputs, shown_html
from toolkit.core.paths import NOTEBOOKS_DIR

NOTEBOOK = NOTEBOOKS_DIR / "evaluation.ipynb"
PAPERMILL = Path(sys.executable).with_name("papermill")


def test_parameters_each_with_a_comment():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(params) == [
        "store_url",
        "teams_file",
        "followups_file",
        "observations_file",
        "outcomes_file",
        "assessments",
        "privacy_threshold",
        "cycle",
        "output_dir",
    ]
    assert params["privacy_threshold"]["default"] == "5"
    assert all(p["help"] for p in params.values())


@pytest.mark.notebook
@pytest.mark.timeout(600)
def test_the_evaluation_runs_with_the_stock_papermill_cli(tmp_path, sample):
    url, files = sample
    out = tmp_path / "evaluation"
    command = [
        str(PAPERMILL), str(NOTEBOOK), str(tmp_path / "out.ipynb"),
        "-p", "store_url", url,
        "-p", "teams_file", str(files.teams),
        "-p", "followups_file", str(files.followups),
        "-p", "observations_file", str(files.observations),
        "-p", "outcomes_file", str(files.outcomes),
        "-p", "output_dir", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = shown_html(tmp_path / "out.ipynb")
    assert "Level 4 · Results" in shown and "2027Q1" in shown and "2027Q3" in shown
    assert "Evening intake desk" in shown and "withheld (fewer than 5)" in shown
    assert "Linking people across cycles, without names" in shown
    html = (out / "evaluation.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert (out / "evaluation_figures.csv").exists()


@pytest.mark.notebook
def test_a_bad_file_shows_words_not_a_traceback(tmp_path):
    bad = tmp_path / "outcomes.csv"
    bad.write_text("team_id,period,complaints\nintake_north,someday,3\n", encoding="utf-8")
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(out),
            parameters={
                "store_url": f"sqlite:///{tmp_path}/r.sqlite",
                "outcomes_file": str(bad),
                "output_dir": "",
            },
            progress_bar=False,
            cwd=str(tmp_path),
        )
    errors = [o for o in outputs(out) if o.get("output_type") == "error"]
    assert errors and errors[-1]["ename"] == "InputFileError"
    text = "\n".join(errors[-1]["traceback"])
    assert "outcomes.csv, row 2, column 'period': 'someday' is not a period" in text
    assert "Traceback" not in text
