"""The three-cycle sample, written once per test session (store and files), and its report
made once by the stock papermill CLI (the notebook's test reads the notebook, the report's
tests the pages: one run of the report and its PDF, not two)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.core.paths import NOTEBOOKS_DIR
from toolkit.evaluate.report import FIGURES_NAME, REPORT_NAME, EvaluationOutputs
from toolkit.evaluate.sample import SampleFiles, write_sample

NOTEBOOK = NOTEBOOKS_DIR / "evaluation.ipynb"
PAPERMILL = Path(sys.executable).with_name("papermill")


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> tuple[str, SampleFiles]:
    folder = tmp_path_factory.mktemp("sample-cycles")
    url = f"sqlite:///{folder}/reflections.sqlite"
    return url, write_sample(folder, url)


@dataclass
class NotebookRun:
    notebook: Path  # the executed notebook
    done: subprocess.CompletedProcess
    outputs: EvaluationOutputs


@pytest.fixture(scope="session")
def stock_run(sample, tmp_path_factory) -> NotebookRun:
    url, files = sample
    folder = tmp_path_factory.mktemp("evaluation-notebook")
    out = folder / "evaluation"
    command = [
        str(PAPERMILL), str(NOTEBOOK), str(folder / "out.ipynb"),
        "-p", "store_url", url,
        "-p", "teams_file", str(files.teams),
        "-p", "followups_file", str(files.followups),
        "-p", "observations_file", str(files.observations),
        "-p", "outcomes_file", str(files.outcomes),
        "-p", "output_dir", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=600)
    report = out / REPORT_NAME
    return NotebookRun(
        folder / "out.ipynb",
        done,
        EvaluationOutputs(report, out / FIGURES_NAME, report.with_suffix(".pdf")),
    )
