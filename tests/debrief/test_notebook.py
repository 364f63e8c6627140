"""notebooks/debrief.ipynb with the stock papermill CLI, on a store filled with the sample."""

import csv
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from tests.executed import outputs, shown_html
from toolkit.core.paths import NOTEBOOKS_DIR
from toolkit.reflect.sample import fill_sample_store

NOTEBOOK = NOTEBOOKS_DIR / "debrief.ipynb"
PAPERMILL = Path(sys.executable).with_name("papermill")


def test_parameters_each_with_a_comment():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(params) == [
        "store_url",
        "sessions",
        "teams",
        "teams_file",
        "privacy_threshold",
        "output_dir",
        "next_cycle_dir",
    ]
    assert params["privacy_threshold"]["default"] == "5"
    assert params["sessions"]["default"] == params["teams"]["default"] == '"all"'
    assert all(p["help"] for p in params.values())


@pytest.mark.notebook
def test_debrief_runs_with_the_stock_papermill_cli(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    fill_sample_store(url)
    out = tmp_path / "debrief"
    command = [
        str(PAPERMILL),
        str(NOTEBOOK),
        str(tmp_path / "out.ipynb"),
        "-p", "store_url", url,
        "-p", "teams", "intake_north,product_data,refugee_casework",
        "-p", "privacy_threshold", "5",
        "-p", "output_dir", str(out),
        "-p", "next_cycle_dir", str(tmp_path / "next_cycle_pseudonymous_rows"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = shown_html(tmp_path / "out.ipynb")
    assert "Central intake, North office · 2027-02-01 09:30" in shown
    assert "Withheld: fewer than 5 reflections" in shown  # product_data
    assert "العربية" in shown  # Arabic themes of refugee_casework
    assert "housing_east" not in shown and "Housing support, East" not in shown
    html = (out / "debrief.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    with (out / "reflections.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and "self_code" not in rows[0]
    assert {r["team_id"] for r in rows} == {"intake_north", "refugee_casework"}
    assert not (out / "next_cycle_responses.csv").exists()  # never beside the report
    next_cycle = tmp_path / "next_cycle_pseudonymous_rows" / "next_cycle_responses.csv"
    with next_cycle.open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["respondent_id", "team_id", "COM01"]


@pytest.mark.notebook
def test_a_bad_store_url_shows_words_not_a_traceback(tmp_path):
    command = [
        str(PAPERMILL), str(NOTEBOOK), str(tmp_path / "out.ipynb"),
        "-p", "store_url", f"sqlite:///{tmp_path}/missing.sqlite",
        "-p", "output_dir", str(tmp_path / "debrief"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0
    errors = [o for o in outputs(tmp_path / "out.ipynb") if o["output_type"] == "error"]
    assert errors and "no reflections database at" in errors[0]["evalue"]
    assert not (tmp_path / "missing.sqlite").exists()
