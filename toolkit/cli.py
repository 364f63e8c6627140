"""``cct``: the toolkit's command line. Thin commands over the tested core.

Bad input ends with a plain message naming file, row and column, and exit status 2; a
facilitator never sees a traceback.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from .exceptions import ToolkitError
from .paths import NOTEBOOKS_DIR, PROJECT_ROOT

app = typer.Typer(
    help="Cultural competency training toolkit: assess needs, plan sessions, reflect, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BAD_INPUT = 2
NEEDS_NOTEBOOK = NOTEBOOKS_DIR / "needs_assessment.ipynb"


def plain_errors(command):
    """Turn toolkit errors into a message on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ToolkitError as exc:
            typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(BAD_INPUT) from None

    return wrapper


@app.command()
@plain_errors
def assess(
    responses: Annotated[Path, typer.Argument(help="Responses file, CSV or XLSX")],
    teams: Annotated[Path, typer.Argument(help="Team context file, CSV or XLSX")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results")] = Path(
        "out/assessment"
    ),
    threshold: Annotated[
        int, typer.Option(help="Withhold figures about fewer people than this")
    ] = 5,
    team: Annotated[
        list[str] | None, typer.Option("--team", "-t", help="Team id to detail (repeatable)")
    ] = None,
) -> None:
    """Assess training needs per team; write assessment.json and assessment.html."""
    from .needs_assessment import run

    outputs = run(responses, teams, threshold=threshold, team_ids=team or None, out_dir=out)
    for notice in outputs.assessment.notices:
        typer.echo(f"Note: {notice}")
    typer.echo(f"Results for the planner: {outputs.results_path}")
    typer.echo(f"Report: {outputs.report_path}")


@app.command()
@plain_errors
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results")] = Path(
        "out/demo"
    ),
) -> None:
    """Run the needs-assessment notebook with papermill on the bundled sample organisation."""
    from .notebooks import execute_to_html
    from .needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS

    out = out.resolve()
    parameters = {
        "responses_file": str(SAMPLE_RESPONSES),
        "teams_file": str(SAMPLE_TEAMS),
        "output_dir": str(out),
    }
    executed, html = execute_to_html(NEEDS_NOTEBOOK, out, parameters)
    typer.echo("Needs assessment of the sample organisation, done. Open:")
    typer.echo(f"  report:              {out / 'assessment.html'}")
    typer.echo(f"  results for planner: {out / 'assessment.json'}")
    typer.echo(f"  executed notebook:   {executed}  (as HTML: {html})")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8866,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser")] = False,
) -> None:
    """Serve the notebooks as Voila apps (data files are never served)."""
    command = [sys.executable, "-m", "voila", *voila_arguments(port)]
    if no_browser:
        command.append("--no-browser")
    raise typer.Exit(subprocess.call(command, cwd=PROJECT_ROOT))


def voila_arguments(port: int) -> list[str]:
    """Voila options shared by ``cct serve`` and the browser tests."""
    return [
        str(NOTEBOOKS_DIR),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        # only images next to the notebooks may be fetched; CSV/XLSX/JSON never are
        "--VoilaConfiguration.file_allowlist=['.*\\.(png|jpg|gif|svg)$']",
    ]


@app.command()
@plain_errors
def sample(
    out: Annotated[Path | None, typer.Option(help="Folder (default: data/sample)")] = None,
) -> None:
    """Regenerate the synthetic sample organisation (deterministic)."""
    from .sample import write_sample

    paths = write_sample(out) if out else write_sample()
    for path in paths:
        typer.echo(f"wrote {path}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of assessment.json (what the session planner reads)."""
    from .results import results_schema

    typer.echo(results_schema())


@app.command("check-data")
@plain_errors
def check_data() -> None:
    """Validate the files in data/ (framework and sample); exit 2 with the problems if not."""
    from .framework import load_framework
    from .needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS, load_inputs

    framework = load_framework()
    load_inputs(SAMPLE_RESPONSES, SAMPLE_TEAMS, framework=framework)
    typer.echo(
        f"framework {framework.version}: {len(framework.domains)} domains, "
        f"{len(framework.competencies)} competencies, {len(framework.items)} items; sample OK"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
