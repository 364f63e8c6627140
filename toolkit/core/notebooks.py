"""Run a notebook with papermill and export it to HTML without code (nbconvert)."""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.core.exceptions import ToolkitError
from toolkit.core.files import write_atomic
from toolkit.core.kernels import LocalKernelManager


class NotebookRunError(ToolkitError, RuntimeError):
    """Raised when a notebook fails; the message names the failing cell's error."""


def execute_to_html(
    notebook: Path, out_dir: Path, parameters: dict, *, progress: bool = True
) -> tuple[Path, Path]:
    """Execute with papermill into out_dir, then write a code-free HTML copy beside it."""
    # imported here: every notebook imports this module, and a Voila app needs neither
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / notebook.name
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            progress_bar=progress,
            cwd=str(notebook.parent),
            kernel_manager_class=LocalKernelManager,
        )
    except papermill.PapermillExecutionError as exc:
        raise NotebookRunError(
            f"{notebook.name} stopped at cell {exc.exec_count}: {exc.ename}: {exc.evalue}. "
            f"The partly run notebook is at {executed}."
        ) from exc
    body, _ = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    ).from_notebook_node(nbformat.read(executed, as_version=4))
    html = write_atomic(executed.with_suffix(".html"), body)
    return executed, html


def running_in_voila() -> bool:
    """Voila puts its base URL in every kernel's environment (preheated ones included)."""
    return "VOILA_BASE_URL" in os.environ
