"""notebooks/transparency.ipynb: the stock papermill CLI on the three-cycle sample, and Voila."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from tests.executed import shown_html
from toolkit.core.paths import NOTEBOOKS_DIR
from toolkit.publish.pipeline import audit_file

NOTEBOOK = NOTEBOOKS_DIR / "transparency.ipynb"
PAPERMILL = Path(sys.executable).with_name("papermill")


def test_parameters_each_with_a_comment():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert params["privacy_threshold"]["default"] == "10"
    assert params["languages"]["default"] == '"en,ar"'
    assert all(p["help"] for p in params.values())


@pytest.mark.notebook
@pytest.mark.timeout(600)
def test_the_report_runs_with_the_stock_papermill_cli(tmp_path, sample_report):
    url, files, _ = sample_report
    out = tmp_path / "transparency"
    command = [
        str(PAPERMILL), str(NOTEBOOK), str(tmp_path / "out.ipynb"),
        "-p", "store_url", url,
        "-p", "teams_file", str(files.teams),
        "-p", "cycles", "2027Q1,2027Q2",
        "-p", "organisation", "Sample City Services",
        "-p", "output_dir", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = shown_html(tmp_path / "out.ipynb")
    assert "Audit passed" in shown and "How we protect people in this report" in shown
    assert "2027Q2" in shown and "2027Q3" not in shown
    assert (out / "transparency.ar.html").exists() and (out / "transparency.en.pdf").exists()
    assert audit_file(out / "published_tables.csv").passed


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_the_voila_app_shows_the_report_behind_the_login(sample_report):
    from tests.browser import TEST_PASSWORD, chromium_page, voila_server

    url, _, _ = sample_report
    with voila_server(env={"CCT_DATABASE_URL": url}) as server, chromium_page() as page:
        page.goto(f"{server}/voila/render/transparency.ipynb", timeout=120_000)
        assert "Our training programme" not in page.content()  # the login comes first
        page.goto(
            f"{server}/voila/render/transparency.ipynb?token={TEST_PASSWORD}", timeout=300_000
        )
        page.wait_for_selector("text=How we protect people in this report", timeout=300_000)
        assert "Audit passed" in page.inner_text("body")
