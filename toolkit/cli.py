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


NEEDS_NOTEBOOK = NOTEBOOKS_DIR / "needs_assessment.ipynb"


UNEXPECTED = 1
DEBUG_ENV = "CCT_DEBUG"  # set to 1 to see the traceback of an unexpected error


def _say(message: str) -> None:
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)


def plain_errors(command):
    """Turn errors into a message on stderr: toolkit errors, files that cannot be read or
    written and databases that cannot be used exit 2; anything else exits 1, in words too."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except ToolkitError as exc:
            _say(str(exc))
            raise typer.Exit(BAD_INPUT) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            _say(f"cannot read or write{where}: {exc.strerror or exc}")
            raise typer.Exit(BAD_INPUT) from None
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                _say(f"cannot use the reflections database: {reason}")
                raise typer.Exit(BAD_INPUT) from None
            if os.environ.get(DEBUG_ENV):
                raise
            _say(
                f"an unexpected problem stopped the command ({type(exc).__name__}: {exc}). "
                f"Please report it; set {DEBUG_ENV}=1 to see the details."
            )
            raise typer.Exit(UNEXPECTED) from None

    return wrapper


@app.command()
@plain_errors
def assess(
    responses: Annotated[
        Path, typer.Argument(help="Responses file, CSV or a workbook (XLSX, XLS, ODS)")
    ],
    teams: Annotated[
        Path, typer.Argument(help="Team context file, CSV or a workbook (XLSX, XLS, ODS)")
    ],
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
    typer.echo(
        f"Report: {outputs.report_path} (to print: {outputs.report_path.with_suffix('.pdf')})"
    )


@app.command()
@plain_errors
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results")] = Path(
        "out/demo"
    ),
) -> None:
    """Assess the sample organisation (papermill), plan each team's session, then evaluate
    three cycles of the sample on the four levels."""
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
    from toolkit.evaluate.pipeline import run as evaluate_cycles
    from toolkit.evaluate.sample import write_sample

    cycles = out / "cycles"
    store = f"sqlite:///{cycles / 'reflections.sqlite'}"
    files = write_sample(cycles, store)
    done = evaluate_cycles(
        store,
        teams_file=files.teams,
        followups_file=files.followups,
        observations_file=files.observations,
        outcomes_file=files.outcomes,
        output_dir=out / "evaluation",
    )
    typer.echo(f"  three cycles later, the evaluation: {done.outputs.report}")
    if summary.failed:
        raise typer.Exit(1)


@app.command()
@plain_errors
def init(
    folder: Annotated[Path, typer.Argument(help="The folder to make for your organisation")],
) -> None:
    """Make a working folder for your own organisation: the teams and sessions files to fill
    in, a page explaining every column, a place for the survey export, the commands to run.
    Files already in the folder are kept as they are."""
    from toolkit.core.workspace import GUIDE_NAME, make_workspace

    workspace = make_workspace(folder)
    for path in workspace.written:
        typer.echo(f"made  {path}")
    for path in workspace.kept:
        typer.echo(f"kept  {path} (already there, not changed)")
    typer.echo(f"\nRead {folder / GUIDE_NAME} first. When the files are filled in, run:")
    for command in workspace.commands():
        typer.echo(f"  {command}")


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
        typer.Option(
            help="Dask scheduler address (tcp://host:8786): run on a cluster instead of local "
            "processes; workers need the toolkit and the same paths (see README)"
        ),
    ] = None,
) -> None:
    """Plan every team's session: executed notebook, handout, facilitator guide, index page."""
    from toolkit.core.signing import SECRET_ENV
    from toolkit.plan.batch import read_jobs, run_batch, run_on_cluster
    from toolkit.serve.settings import public_url as served_at
    from toolkit.serve.settings import settings

    room, server = settings(config, public_url=public_url)
    if room.secret_file:  # the key that signs the form links, for the planning kernels
        os.environ[SECRET_ENV] = str(Path(room.secret_file).resolve())
    # without the trailing slash, as the plans made before had it (a re-run skips them)
    jobs = read_jobs(sessions, results, out, base_url=served_at(room, server).rstrip("/"))
    if scheduler:
        summary = run_on_cluster(jobs, out, scheduler, force=force)
    else:
        summary = run_batch(jobs, out, workers=workers, force=force)
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
    typer.Option(
        help="Reflections database URL (default: CCT_DATABASE_URL, else var/reflections.sqlite)"
    ),
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
    teams_file: Annotated[
        Path | None,
        typer.Option(
            "--teams-file",
            help="Team context file (CSV or Excel) whose team names the report shows; "
            "without it, the sample organisation's names",
        ),
    ] = None,
    next_cycle: Annotated[
        Path | None,
        typer.Option(
            "--next-cycle-rows",
            help="Also write the next cycle's responses (individual, pseudonymous rows, small "
            "teams' included) into this folder; it must be apart from the report's, e.g. "
            "out/next_cycle_pseudonymous_rows",
        ),
    ] = None,
) -> None:
    """Debrief sessions from their reflections: report and safe CSV; on request, the next
    cycle's responses in a folder of their own."""
    from toolkit.debrief.report import team_names, write_outputs
    from toolkit.debrief.summary import run_debrief

    names = team_names(teams_file)
    result = run_debrief(store, session or None, team or None, threshold)
    outputs = write_outputs(result, out, next_cycle_dir=next_cycle, names=names)
    for notice in result.notices + outputs.notices:
        typer.echo(f"Note: {notice}")
    shown = sum(1 for s in result.sessions if not s.withheld)
    published = sum(s.n or 0 for s in result.sessions if not s.withheld)
    typer.echo(
        f"{published} reflection(s) in the {shown} of {len(result.sessions)} session(s) shown"
    )
    typer.echo(f"Report: {outputs.report} (to print: {outputs.report_pdf})")
    typer.echo(
        f"Reflections of the shown groups (safe for spreadsheets): {outputs.reflections_csv}"
    )
    if outputs.next_cycle_csv is not None:
        typer.echo(
            "Next cycle's responses (individual pseudonymous rows; keep with the raw data, "
            f"do not share; for cct assess): {outputs.next_cycle_csv}"
        )


@app.command()
@plain_errors
def evaluate(
    store: StoreOption = None,
    teams: Annotated[
        Path | None,
        typer.Option(help="Team context (CSV/XLSX): names and sizes, for response rates"),
    ] = None,
    followups: Annotated[
        Path | None,
        typer.Option(help="Follow-up check-ins (CSV/XLSX): team_id, date, applied, code"),
    ] = None,
    observations: Annotated[
        Path | None, typer.Option(help="Supervisors' observation counts (CSV/XLSX)")
    ] = None,
    outcomes: Annotated[
        Path | None, typer.Option(help="Service outcomes per team and period (CSV/XLSX)")
    ] = None,
    assessment: Annotated[
        list[str] | None,
        typer.Option(help="A cycle's needs assessment, CYCLE=assessment.json (repeatable)"),
    ] = None,
    threshold: Annotated[
        int, typer.Option(help="Withhold figures about fewer people than this")
    ] = 5,
    cycle: Annotated[str, typer.Option(help="Length of a cycle: M, Q or Y")] = "Q",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the evaluation")] = Path(
        "out/evaluation"
    ),
) -> None:
    """Evaluate over cycles on the four levels; write evaluation.html and the figures as CSV."""
    from toolkit.evaluate.pipeline import run
    from toolkit.evaluate.report import published_match_rate

    done = run(
        store,
        teams_file=teams,
        followups_file=followups,
        observations_file=observations,
        outcomes_file=outcomes,
        assessments=assessment or None,
        threshold=threshold,
        cycle=cycle.upper(),
        output_dir=out,
    )
    for notice in done.notices:
        typer.echo(f"Note: {notice}")
    evaluation = done.evaluation
    typer.echo(
        f"{len(evaluation.teams)} team(s) over {len(evaluation.cycles)} cycle(s): "
        f"{', '.join(evaluation.cycles) or 'none'}"
    )
    for pair in evaluation.links:
        typer.echo(f"Linked {pair}: {published_match_rate(evaluation, pair)}")
    typer.echo(f"Report: {done.outputs.report}")
    typer.echo(f"Figures (safe for spreadsheets): {done.outputs.figures_csv}")


@app.command("sample-cycles")
@plain_errors
def sample_cycles(
    store: StoreOption = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the sample's CSV files")
    ] = Path("out/sample-cycles"),
) -> None:
    """Three cycles of the sample organisation: reflections into the store, the rest as CSV."""
    from toolkit.evaluate.sample import write_sample

    files = write_sample(out, store)
    typer.echo(f"{files.reflections} reflections saved; files in {out}:")
    for path in (files.teams, files.followups, files.observations, files.outcomes):
        typer.echo(f"  {path}")
    typer.echo(
        f"Then: cct evaluate --teams {files.teams} --followups {files.followups} "
        f"--observations {files.observations} --outcomes {files.outcomes}"
        + (f" --store {store}" if store else "")
    )


@app.command()
@plain_errors
def due(
    plans: Annotated[Path, typer.Argument(help="Folder of session plans (from cct plans)")] = Path(
        "out/plans"
    ),
    today: Annotated[
        str | None, typer.Option(help="Start of the week, YYYY-MM-DD (default: today)")
    ] = None,
    days: Annotated[int, typer.Option(help="How many days ahead to list")] = 7,
    calendars: Annotated[
        bool, typer.Option("--calendars", help="Also write reminders.ics beside each plan")
    ] = False,
) -> None:
    """List the refreshers and follow-up check-ins due per team this week."""
    from datetime import date

    from toolkit.core.exceptions import InputFileError, InputProblem
    from toolkit.evaluate.reminders import due as due_reminders
    from toolkit.evaluate.reminders import write_calendars

    try:
        start = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise InputFileError(
            [InputProblem("--today", f"'{today}' is not a date; write it as YYYY-MM-DD")]
        ) from None
    if calendars:
        for path in write_calendars(plans):
            typer.echo(f"Calendar: {path}")
    per_team = due_reminders(plans, start, days)
    if not per_team:
        typer.echo(f"Nothing due from {start} for {days} day(s).")
    for team, items in per_team.items():
        typer.echo(team)
        for item in items:
            typer.echo(f"  {item.day:%a %d %b}: {item.title}")


@app.command("sample-reflections")
@plain_errors
def sample_reflections(
    store: StoreOption = None,
) -> None:
    """Fill a reflections store with the sample organisation's synthetic reflections."""
    from toolkit.reflect.sample import fill_sample_store
    from toolkit.reflect.store import display_url, upgrade_schema

    target = upgrade_schema(store)  # sample data is an explicit request for a store
    new, total = fill_sample_store(target)
    typer.echo(f"{new} new of {total} sample reflections saved in {display_url(target.url)}")


db_app = typer.Typer(
    help="The reflections database's schema: create or upgrade it, check it, grant the app a role.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@plain_errors
def db_upgrade(store: StoreOption = None) -> None:
    """Create the reflections tables, or upgrade them to this toolkit's schema (keeps every row)."""
    from toolkit.reflect.store import display_url, schema_state, upgrade_schema

    before, head = schema_state(store)
    target = upgrade_schema(store)
    where = display_url(target.url)
    if before == head:
        typer.echo(f"{where}: schema {head}, already this toolkit's; nothing to do")
    elif before is None:
        typer.echo(f"{where}: tables created (schema {head}), {target.count()} reflection(s)")
    else:
        typer.echo(
            f"{where}: schema upgraded {before} → {head}, {target.count()} reflection(s) kept"
        )
    target.engine.dispose()


@db_app.command("check")
@plain_errors
def db_check(store: StoreOption = None) -> None:
    """Check the schema: exit 0 if it is this toolkit's, 1 if it needs `cct db upgrade`, 2 if the database cannot be used."""
    from toolkit.reflect.store import ReflectionStore, SchemaNotReady, display_url

    try:
        target = ReflectionStore(store)
    except SchemaNotReady as exc:
        typer.echo(str(exc))
        raise typer.Exit(1) from None
    typer.echo(
        f"{display_url(target.url)}: schema {target.revision()}, this toolkit's; "
        f"{target.count()} reflection(s)"
    )
    target.engine.dispose()


@db_app.command("grant")
@plain_errors
def db_grant(
    role: Annotated[str, typer.Argument(help="An existing PostgreSQL role the app logs in as")],
    store: StoreOption = None,
) -> None:
    """PostgreSQL: let the app's role read and add reflections, nothing else (run as the tables' owner, after `cct db upgrade`)."""
    from toolkit.reflect.store import grant_app_role

    for statement in grant_app_role(role, store):
        typer.echo(f"{statement};")
    typer.echo(f"The app can now run as {role}: it may add and read reflections, not change them.")


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
    from toolkit.reflect.store import ReflectionStore
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
    # the form saves there: say now (a StoreError, exit 2), not to the first participant
    ReflectionStore(room.database_url or None).engine.dispose()
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
@plain_errors
def schema() -> None:
    """Print the JSON Schema of assessment.json (what the session planner reads)."""
    from toolkit.assess.results import results_schema

    typer.echo(results_schema())


@app.command("check-data")
@plain_errors
def check_data() -> None:
    """Validate the files in data/ (framework, sample, input file help); exit 2 if not."""
    from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS, load_inputs
    from toolkit.core.framework import load_framework
    from toolkit.core.workspace import input_files

    framework = load_framework()
    load_inputs(SAMPLE_RESPONSES, SAMPLE_TEAMS, framework=framework)
    described = input_files()
    typer.echo(
        f"framework {framework.version}: {len(framework.domains)} domains, "
        f"{len(framework.competencies)} competencies, {len(framework.items)} items; sample OK; "
        f"help for {len(described.files)} input files OK"
    )


@app.command("import")
@plain_errors
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="A survey export: CSV, XLSX, XLS or ODS from KoboToolbox, "
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
