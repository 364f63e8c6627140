"""``cct``: the toolkit's command line. Thin commands over the tested core.

Bad input ends with a plain message naming file, row and column, and exit status 2; a
facilitator never sees a traceback.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated

import typer

from toolkit.core.exceptions import ToolkitError
from toolkit.core.paths import NOTEBOOKS_DIR

app = typer.Typer(
    help="Cultural competency training toolkit: assess needs, plan sessions, reflect, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BAD_INPUT = 2


def __getattr__(name: str):
    """``voila_arguments`` and ``voila_environment`` (toolkit.serve.launch), as the tests and
    benchmarks import them from here; loaded on first use so ``cct`` starts quickly."""
    if name in ("voila_arguments", "voila_environment"):
        from toolkit.serve import launch

        return getattr(launch, name)
    raise AttributeError(name)


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
    from toolkit.assess.needs_assessment import run

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
    """Assess the bundled sample organisation (papermill), then plan each team's session."""
    from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS
    from toolkit.core.notebooks import execute_to_html
    from toolkit.core.paths import SAMPLE_DIR

    out = out.resolve()
    parameters = {
        "responses_file": str(SAMPLE_RESPONSES),
        "teams_file": str(SAMPLE_TEAMS),
        "output_dir": str(out),
    }
    executed, html = execute_to_html(NEEDS_NOTEBOOK, out, parameters)
    from toolkit.plan.batch import read_jobs, run_batch

    summary = run_batch(
        read_jobs(SAMPLE_DIR / "sessions.csv", out / "assessment.json", out / "plans"),
        out / "plans",
    )
    typer.echo("The sample organisation, assessed and planned. Open:")
    typer.echo(f"  needs assessment report: {out / 'assessment.html'}")
    typer.echo(f"  results for the planner: {out / 'assessment.json'}")
    typer.echo(f"  executed notebook:       {executed}  (as HTML: {html})")
    typer.echo(f"  session plans, one a team: {summary.index}")
    if summary.failed:
        raise typer.Exit(1)


@app.command()
@plain_errors
def plans(
    sessions: Annotated[
        Path,
        typer.Argument(
            help="Sessions file (CSV/XLSX): team_id, minutes, format, group_size, start, language"
        ),
    ],
    results: Annotated[
        Path, typer.Option("--results", "-r", help="assessment.json from the needs assessment")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the plans")] = Path(
        "out/plans"
    ),
    workers: Annotated[int | None, typer.Option(help="Processes (default: every core)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-plan unchanged sessions too")] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            "--base-url",
            help="Address of the reflection app on handouts and QR codes "
            "(default: Room.public_url in cct_config.py, else this machine's cct serve)",
        ),
    ] = None,
    config: ConfigOption = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address: run on a cluster instead of local processes"),
    ] = None,
) -> None:
    """Plan every team's session: executed notebook, handout, facilitator guide, index page."""
    from toolkit.core.signing import SECRET_ENV
    from toolkit.plan.batch import read_jobs, run_batch
    from toolkit.serve.settings import public_url as served_at
    from toolkit.serve.settings import settings

    room, server = settings(config, public_url=public_url)
    if room.secret_file:  # the key that signs the form links, for the planning kernels
        os.environ[SECRET_ENV] = str(Path(room.secret_file).resolve())
    # without the trailing slash, as the plans made before had it (a re-run skips them)
    jobs = read_jobs(sessions, results, out, base_url=served_at(room, server).rstrip("/"))
    executor = None
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            typer.secho(
                "Error: --scheduler needs dask.distributed (pip install distributed)",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(BAD_INPUT) from None
        executor = Client(scheduler).get_executor()
    summary = run_batch(jobs, out, workers=workers, executor=executor, force=force)
    counts = ", ".join(f"{n} {status}" for status, n in summary.counts().items())
    typer.echo(f"{len(summary.outcomes)} session(s) in {summary.seconds:.1f} s: {counts}")
    for failed in summary.failed:
        typer.secho(f"FAILED {failed.session_id}: {failed.message}", err=True, fg=typer.colors.RED)
    typer.echo(f"Index of all plans: {summary.index}")
    if summary.failed:
        raise typer.Exit(1)


# the reflections database, as `cct debrief` and `cct sample-reflections` take it
StoreOption = Annotated[
    str | None,
    typer.Option(help="Reflections database URL (default: CCT_DATABASE_URL, else var/)"),
]


@app.command()
@plain_errors
def debrief(
    store: StoreOption = None,
    session: Annotated[
        list[str] | None, typer.Option("--session", "-s", help="Session id (repeatable)")
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option("--team", "-t", help="Team id (repeatable)")
    ] = None,
    threshold: Annotated[
        int, typer.Option(help="Withhold figures about fewer people than this")
    ] = 5,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the debrief")] = Path(
        "out/debrief"
    ),
) -> None:
    """Debrief sessions from their reflections: report, safe CSV, next cycle's responses."""
    from toolkit.debrief.report import write_outputs
    from toolkit.debrief.summary import run_debrief

    result = run_debrief(store, session or None, team or None, threshold)
    outputs = write_outputs(result, out)
    for notice in result.notices + outputs.notices:
        typer.echo(f"Note: {notice}")
    shown = sum(1 for s in result.sessions if not s.withheld)
    typer.echo(
        f"{len(result.shown_reflections)} reflection(s) in the {shown} of "
        f"{len(result.sessions)} session(s) shown"
    )
    typer.echo(f"Report: {outputs.report}")
    typer.echo(f"Reflections (safe for spreadsheets): {outputs.reflections_csv}")
    typer.echo(f"Next cycle's responses (for cct assess): {outputs.next_cycle_csv}")


@app.command("sample-reflections")
@plain_errors
def sample_reflections(
    store: StoreOption = None,
) -> None:
    """Fill a reflections store with the sample organisation's synthetic reflections."""
    from toolkit.reflect.sample import fill_sample_store
    from toolkit.reflect.store import ReflectionStore

    target = ReflectionStore(store)
    new, total = fill_sample_store(target)
    typer.echo(f"{new} new of {total} sample reflections saved in {target.url}")


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Settings file (default: cct_config.py in this folder, if there is one)"
    ),
]


@app.command()
@plain_errors
def serve(
    config: ConfigOption = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on: 127.0.0.1 (default) or 0.0.0.0 for the room"),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8866)")] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="Address participants' phones use, as on handouts and QR codes"),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Path prefix behind a proxy or JupyterHub, e.g. /cct/")
    ] = None,
    pool_size: Annotated[
        int | None,
        typer.Option(help="Kernels kept ready for the participants' form (0: none; default 4)"),
    ] = None,
    plans_dir: Annotated[
        Path | None, typer.Option(help="Folder of the session plans (default out/plans)")
    ] = None,
    threshold: Annotated[
        int | None,
        typer.Option(help="Privacy threshold no page can go below (default 5)"),
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser")] = False,
) -> None:
    """Serve the apps: participants' forms by signed link, the rest after a login.

    Loopback only unless --host says otherwise. The facilitators' password is the setting
    Server.password, else CCT_PASSWORD, else a token printed at start.
    """
    from toolkit.serve.launch import prepare, run
    from toolkit.serve.settings import settings

    room, server = settings(
        config,
        host=host,
        port=port,
        public_url=public_url,
        base_url=base_url,
        pool_size=pool_size,
        plans_dir=str(plans_dir) if plans_dir else None,
        privacy_threshold=threshold,
    )
    run(prepare(room, server, open_browser=not no_browser), say=typer.echo)


@app.command("config")
@plain_errors
def config_(
    out: Annotated[Path, typer.Argument(help="Settings file to write")] = Path("cct_config.py"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file")] = False,
) -> None:
    """Write a settings file for cct serve and cct plans, every option explained."""
    from toolkit.serve.settings import write_config

    typer.echo(f"Settings file: {write_config(out, force=force)} (uncomment what you change)")


@app.command()
@plain_errors
def sample(
    out: Annotated[Path | None, typer.Option(help="Folder (default: data/sample)")] = None,
) -> None:
    """Regenerate the synthetic sample organisation (deterministic)."""
    from toolkit.assess.sample import write_sample

    paths = write_sample(out) if out else write_sample()
    for path in paths:
        typer.echo(f"wrote {path}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of assessment.json (what the session planner reads)."""
    from toolkit.assess.results import results_schema

    typer.echo(results_schema())


@app.command("check-data")
@plain_errors
def check_data() -> None:
    """Validate the files in data/ (framework and sample); exit 2 with the problems if not."""
    from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS, load_inputs
    from toolkit.core.framework import load_framework

    framework = load_framework()
    load_inputs(SAMPLE_RESPONSES, SAMPLE_TEAMS, framework=framework)
    typer.echo(
        f"framework {framework.version}: {len(framework.domains)} domains, "
        f"{len(framework.competencies)} competencies, {len(framework.items)} items; sample OK"
    )


@app.command("import")
@plain_errors
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="A survey export: CSV or XLSX from KoboToolbox, "
            "ODK, LimeSurvey, Google/Microsoft Forms, Qualtrics, "
            "or a spreadsheet"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Tidy CSV to write (respondent_id,team_id,item_id,value); "
            "default out/import/<name>.csv",
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", "-m", help="Mapping file (YAML) naming what unmatched columns hold"
        ),
    ] = None,
    write_mapping: Annotated[
        Path | None,
        typer.Option(
            "--write-mapping", help="Write a mapping file template listing unmatched columns"
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option("--team", "-t", help="Team id for every respondent whose row names no team"),
    ] = None,
    teams: Annotated[
        Path | None,
        typer.Option(
            "--teams", help="Team context file: check team answers against its ids and names"
        ),
    ] = None,
    survey_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Skip detection: kobo, odk, limesurvey, google_forms, "
            "microsoft_forms, qualtrics, qualtrics_legacy, tidy, spreadsheet",
        ),
    ] = None,
) -> None:
    """Import a survey export: print what was detected and matched, write the tidy CSV."""
    from toolkit.core.exceptions import SurveyImportError
    from toolkit.core.framework import default_framework
    from toolkit.core.teams import read_teams
    from toolkit.intake.item_matching import mapping_template, read_mapping
    from toolkit.intake.survey_import import import_survey

    framework = default_framework()
    known = None
    if teams is not None:
        known = {t.team_id: t.name for t in read_teams(teams, framework=framework).values()}
    existing = read_mapping(mapping, framework) if mapping else None

    def save_template(report) -> None:
        if write_mapping is None or report is None:
            return
        from toolkit.intake.item_matching import Matching

        matching = Matching(
            items=report.matched,
            team=report.team_column,
            respondent=report.respondent_column,
            unmatched=report.unmatched,
        )
        write_mapping.parent.mkdir(parents=True, exist_ok=True)
        write_mapping.write_text(
            mapping_template(source.name, matching, framework, existing), encoding="utf-8"
        )
        typer.echo(f"Mapping template: {write_mapping} ({len(report.unmatched)} column(s) to fill)")

    try:
        result = import_survey(
            source,
            mapping=existing,
            framework=framework,
            known_teams=known,
            default_team=team,
            survey_format=survey_format,
        )
    except SurveyImportError as exc:
        if exc.report is not None:
            typer.echo(exc.report.text())
            save_template(exc.report)
        raise
    typer.echo(result.report.text())
    save_template(result.report)
    target = out or Path("out/import") / f"{source.stem}.csv"
    typer.echo(f"Tidy CSV: {result.write_tidy(target)}")


@app.command()
@plain_errors
def xlsform(
    out: Annotated[Path, typer.Argument(help="XLSForm workbook to write (.xlsx)")] = Path(
        "out/cct_self_assessment.xlsx"
    ),
    teams: Annotated[
        Path | None,
        typer.Option(
            "--teams", help="Team context file: the team question becomes a list of its teams"
        ),
    ] = None,
) -> None:
    """Write the self-assessment as an XLSForm for KoboToolbox or ODK (import its export back)."""
    from toolkit.core.framework import default_framework
    from toolkit.core.teams import read_teams
    from toolkit.intake.xlsform import write_xlsform

    framework = default_framework()
    names = None
    if teams is not None:
        names = {t.team_id: t.name for t in read_teams(teams, framework=framework).values()}
    typer.echo(f"XLSForm: {write_xlsform(out, framework, names)}")


if __name__ == "__main__":  # pragma: no cover
    app()
