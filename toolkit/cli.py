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
import typer.core

from toolkit.core.exceptions import ToolkitError
from toolkit.core.paths import NOTEBOOKS_DIR

# A value's placeholder in help, by the type Typer names (``<int>``, ``<list[str]>`` …)
PLACEHOLDERS = {"int": "NUMBER", "float": "NUMBER", "path": "PATH", "str": "TEXT"}


def _placeholder(typer_type: str | None) -> str:
    """``PATH`` for ``<path>``, ``NUMBER`` for ``<int>``, ``TEXT`` for ``<list[str]>`` (a
    repeatable option says so in its help), the choices for a choice, ``VALUE`` otherwise."""
    kind = (typer_type or "").strip("<>")
    if kind.startswith("list[") and kind.endswith("]"):
        kind = kind[5:-1]
    if "|" in kind:
        return "[" + kind + "]"
    return PLACEHOLDERS.get(kind, "VALUE")


def _usage_pieces(
    command: typer.core.TyperCommand | typer.core.TyperGroup, ctx: typer.Context
) -> list[str]:
    """``[OPTIONS] RESPONSES TEAMS``: arguments by name, in capitals, [optional] ones bracketed."""
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            name = (param.metavar or param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(f"{name}..." if param.nargs != 1 else name)
    return pieces


def _plain_options(
    command: typer.core.TyperCommand | typer.core.TyperGroup, ctx: typer.Context, formatter
) -> None:
    """Arguments and options with their help, default and whether required, as click writes
    them, but with a plain placeholder (PATH, NUMBER, TEXT) instead of a type (``<path>``,
    ``<list[str]>``, ``<bool>``), which Typer puts in every help since 0.25."""
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        text = record[1]
        if param.param_type_name == "argument":
            arguments.append(((param.metavar or param.name or "").upper(), text))
            continue
        names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
        if param.secondary_opts:
            names += " / " + ", ".join(param.secondary_opts)
        if not getattr(param, "is_flag", False) and not getattr(param, "count", False):
            names += " " + (param.metavar or _placeholder(param.display_type(ctx)))
        options.append((names, text))
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


class PlainCommand(typer.core.TyperCommand):
    """A command whose help is plain text (see :func:`_plain_options`)."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        return _usage_pieces(self, ctx)

    def format_options(self, ctx: typer.Context, formatter) -> None:
        _plain_options(self, ctx, formatter)


class PlainGroup(typer.core.TyperGroup):
    """A group of commands whose help, and its commands' help, is plain text.

    Typer builds the commands before the group; they are made :class:`PlainCommand` here
    (same state, other help methods), so a command added later gets plain help too."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            if type(command) is typer.core.TyperCommand:
                command.__class__ = PlainCommand

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        return [*_usage_pieces(self, ctx), self.subcommand_metavar]

    def format_options(self, ctx: typer.Context, formatter) -> None:
        _plain_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: typer.Context, formatter) -> None:
        """Each command with the first sentence of its help, whole (click cuts it at the
        terminal's width, mid-sentence)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = " ".join((command.short_help or command.help or "").split())
            first = text.split(". ")[0]
            rows.append((name, first if first.endswith(".") else f"{first}."))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    help="Cultural competency training toolkit: assess needs, plan sessions, reflect, evaluate.",
    cls=PlainGroup,
    rich_markup_mode=None,
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
    """Assess the sample organisation's training needs, plan each team's session, evaluate
    three cycles of the sample on the four levels, and write the public transparency report."""
    from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS
    from toolkit.core.notebooks import execute_to_html
    from toolkit.core.paths import SAMPLE_DIR

    out = out.resolve()
    parameters = {
        "responses_file": str(SAMPLE_RESPONSES),
        "teams_file": str(SAMPLE_TEAMS),
        "output_dir": str(out),
    }
    typer.echo("Assessing the sample organisation's training needs …")
    execute_to_html(NEEDS_NOTEBOOK, out, parameters, progress=False)
    from toolkit.plan.batch import read_jobs, run_batch

    typer.echo("Planning each team's session …")
    summary = run_batch(
        read_jobs(SAMPLE_DIR / "sessions.csv", out / "assessment.json", out / "plans"),
        out / "plans",
        progress=False,
    )
    from toolkit.evaluate.pipeline import run as evaluate_cycles
    from toolkit.evaluate.sample import write_sample

    typer.echo("Evaluating three cycles of training …")
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
    from toolkit.publish.pipeline import run as publish

    published = publish(
        store,
        teams_file=files.teams,
        followups_file=files.followups,
        observations_file=files.observations,
        outcomes_file=files.outcomes,
        organisation="Sample organisation",
        output_dir=out / "transparency",
    )
    typer.echo("\nDone. Open these pages in your web browser:")
    typer.echo(f"  The needs assessment:               {out / 'assessment.html'}")
    typer.echo(f"  Each team's session plan:           {summary.index}")
    typer.echo(f"  The evaluation, three cycles later: {done.outputs.report}")
    for language, page in published.written.pages.items():
        typer.echo(f"  The public transparency report ({language}): {page}")
    if summary.failed:
        typer.echo(
            f"{len(summary.failed)} session plan(s) could not be made; the plans page says why.",
            err=True,
        )
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
    """Plan every team's session: executed notebook, handout, facilitator guide, the
    participants' case studies and quiz, index page."""
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


@app.command()
@plain_errors
def report(
    store: StoreOption = None,
    teams: Annotated[
        Path | None,
        typer.Option(
            help="Team context (CSV/XLSX); an optional 'department' column names departments "
            "in your words (else each team's name is used)"
        ),
    ] = None,
    followups: Annotated[
        Path | None, typer.Option(help="Follow-up check-ins (CSV/XLSX), for behaviour")
    ] = None,
    observations: Annotated[
        Path | None, typer.Option(help="Supervisors' observation counts (CSV/XLSX)")
    ] = None,
    outcomes: Annotated[
        Path | None, typer.Option(help="Service outcomes per team and period (CSV/XLSX)")
    ] = None,
    cycles: Annotated[
        str | None, typer.Option(help="Cycles to report, e.g. 2027Q1,2027Q2 (default: all)")
    ] = None,
    threshold: Annotated[
        int, typer.Option(help="Withhold figures about fewer people than this (at least 5)")
    ] = 10,
    zeros: Annotated[
        str, typer.Option(help="show: a zero is published (nobody to protect); withhold")
    ] = "show",
    changes: Annotated[
        Path | None, typer.Option(help="Text file: what you will change next, one a line")
    ] = None,
    organisation: Annotated[str, typer.Option(help="Your organisation's name")] = "",
    language: Annotated[
        list[str] | None, typer.Option("--language", "-l", help="Report language (repeatable)")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Also write a PDF of each page")] = True,
    audit: Annotated[
        Path | None,
        typer.Option(help="Only audit this published-tables CSV (any report's) and say why"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report")] = Path(
        "out/transparency"
    ),
) -> None:
    """Write the public transparency report (HTML, PDF, published tables as CSV), audited so
    that no withheld figure can be worked out; or, with --audit, audit a published file."""
    from toolkit.core.exceptions import InputFileError, InputProblem
    from toolkit.publish.pipeline import audit_file, run
    from toolkit.publish.suppression import public_threshold

    if zeros not in ("show", "withhold"):
        raise InputFileError(
            [InputProblem("--zeros", f"'{zeros}' is not a choice; use show or withhold")]
        )
    limit = public_threshold(threshold)
    if audit is not None:
        result = audit_file(audit, limit)
        result.raise_if_failed()
        typer.echo(
            f"Audit passed: each of {len(result.cells)} withheld figure(s) in {audit} can be "
            f"anything within a range of at least {limit} (and 20% of its size)."
        )
        return
    if teams is None:
        raise InputFileError(
            [InputProblem("--teams", "the team context file (CSV/XLSX) is needed for a report")]
        )
    done = run(
        store,
        teams_file=teams,
        followups_file=followups,
        observations_file=observations,
        outcomes_file=outcomes,
        cycles=cycles,
        threshold=limit,
        zeros=zeros,
        changes_file=changes,
        organisation=organisation,
        languages=language,
        output_dir=out,
        pdf=pdf,
    )
    for notice in done.notices:
        typer.echo(f"Note: {notice}")
    contents, written = done.contents, done.written
    loss, rows = contents.loss, contents.whole_rows_loss
    typer.echo(
        f"Audit passed: {len(contents.audit.cells)} withheld figure(s), each within a range of "
        f"at least {contents.threshold}. Withheld: {loss.cell_share:.0%} of cells holding "
        f"{loss.people_share:.0%} of people (withholding whole departments instead: "
        f"{rows.cell_share:.0%} and {rows.people_share:.0%})."
    )
    for lang, page in written.pages.items():
        typer.echo(
            f"Report ({lang}): {page}"
            + (f"  PDF: {written.pdfs[lang]}" if lang in written.pdfs else "")
        )
    typer.echo(f"Published tables (safe for spreadsheets): {written.tables}")


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
    cls=PlainGroup,
    rich_markup_mode=None,
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
    Server.password, else CCT_PASSWORD, else a token printed at start. Run as a JupyterHub
    service (the hub's JUPYTERHUB_* variables set), it listens where the hub says and
    facilitators log in with their hub account instead.
    """
    import os

    from toolkit.reflect.store import ReflectionStore
    from toolkit.serve.hub import from_environment
    from toolkit.serve.launch import prepare, run
    from toolkit.serve.settings import settings

    # as a JupyterHub service, the hub says where to listen (options given here still win)
    hub = from_environment(os.environ)
    given = {
        "host": host,
        "port": port,
        "public_url": public_url,
        "base_url": base_url,
        "pool_size": pool_size,
        "plans_dir": str(plans_dir) if plans_dir else None,
        "privacy_threshold": threshold,
    }
    given = {name: value for name, value in given.items() if value is not None}
    room, server = settings(config, **{**(hub.listen() if hub else {}), **given})
    # the form saves there: say now (a StoreError, exit 2), not to the first participant
    ReflectionStore(room.database_url or None).engine.dispose()
    run(prepare(room, server, open_browser=not no_browser, hub=hub), say=typer.echo)


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
    out: Annotated[
        Path | None,
        typer.Option(help="Folder (default: data/sample in a checkout, else ./sample)"),
    ] = None,
) -> None:
    """Regenerate the synthetic sample organisation (deterministic)."""
    from toolkit.assess.sample import write_sample
    from toolkit.core.paths import INSTALLED

    if out is None and INSTALLED:  # never into the installed package
        out = Path("sample")
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
