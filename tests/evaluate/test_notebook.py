"""notebooks/evaluation.ipynb with the stock papermill CLI, on the three-cycle sample."""

from __future__ import annotations

import papermill
import pytest

from tests.evaluate.conftest import NOTEBOOK
from tests.executed import outputs, shown_html


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
def test_the_evaluation_runs_with_the_stock_papermill_cli(stock_run):
    assert stock_run.done.returncode == 0, stock_run.done.stderr[-2000:]
    shown = shown_html(stock_run.notebook)
    assert "Level 4 · Results" in shown and "2027Q1" in shown and "2027Q3" in shown
    assert "Evening intake desk" in shown and "withheld (fewer than 5)" in shown
    assert "Linking people across cycles, without names" in shown
    html = stock_run.outputs.report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert stock_run.outputs.figures_csv.exists()


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
