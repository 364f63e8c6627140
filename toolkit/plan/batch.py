"""Plan every team's session in one command: papermill runs ``session_plan.ipynb`` per team.

* All cores: a process pool, or a Dask cluster (:func:`run_on_cluster`, any number of threads
  per worker); each worker thread keeps one warm kernel (:mod:`toolkit.plan.warm_engine`).
* One team's failure is recorded (its partly run notebook kept) and the rest go on; the
  command exits non-zero at the end with a summary.
* Re-runs skip sessions whose inputs and parameters are unchanged (a hash in ``.done.json``).
* Outputs are written atomically (temp file, then rename): a kill never leaves half a file.
* A plan is recorded as current only if it was made by the code whose hash the current-check
  uses: a worker whose toolkit differs from the client's, or that imported an older one than
  its disk holds (a long-lived Dask worker after an update), refuses the job and says so.
* On a cluster, a session finished by an attempt of this batch is never planned again when
  Dask re-runs its task (a worker killed mid-batch): the attempt finds it done and stops.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from tqdm import tqdm

from toolkit.assess.results import read_results
from toolkit.core.exceptions import InputFileError, InputProblem, ToolkitError
from toolkit.core.files import write_atomic
from toolkit.core.i18n import LANGUAGES
from toolkit.core.names import check_base_url, child_path, name_problem
from toolkit.core.paths import DATA_DIR, NOTEBOOKS_DIR, PACKAGE_DIR, TEMPLATES_DIR
from toolkit.core.tables import read_table
from toolkit.plan.materials import MATERIALS_DIR
from toolkit.plan.planner import FORMATS

SESSION_NOTEBOOK = NOTEBOOKS_DIR / "session_plan.ipynb"
MANIFEST = ".done.json"
OUTPUTS = (
    "session_plan.ipynb",
    "handout.html",
    "handout.pdf",
    "facilitator_guide.html",
    "facilitator_guide.pdf",
    "participant_materials.html",
    "participant_materials.pdf",
    "plan.json",
)
BATCH_COLUMNS = ("team_id", "minutes", "format", "group_size", "start", "language")
# the toolkit modules a plan's content depends on: a change to any of them re-plans
PLANNING_MODULES = (
    "plan/planner",
    "plan/report",
    "plan/session_plan",
    "plan/catalog",
    "plan/materials",
    "plan/batch",
    "plan/warm_engine",
    "core/framework",
    "core/teams",
    "core/charts",
    "core/templates",
    "core/pdf",
    "assess/results",
    "assess/language_access",
)
DEFAULTS = {"minutes": "180", "format": "in_person", "group_size": "12", "language": "en"}


@dataclass(frozen=True)
class SessionJob:
    """One session to plan: the notebook's parameters and where its files go."""

    session_id: str
    team_id: str
    parameters: dict
    out_dir: str
    key: str  # hash of everything the outputs depend on
    code: str = ""  # hash of the notebook, data, templates and planning code (part of key)
    batch: str = ""  # this run of the batch, set by run_batch


@dataclass
class Outcome:
    session_id: str
    team_id: str
    status: str  # planned | unchanged | failed
    seconds: float = 0.0
    message: str = ""
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchSummary:
    outcomes: list[Outcome]
    index: Path
    seconds: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        return counts


# -- reading the batch file ----------------------------------------------------------------
def read_jobs(
    batch_file: Path | str,
    results_file: Path | str,
    out_dir: Path | str,
    base_url: str = "http://localhost:8866",
) -> list[SessionJob]:
    """Check every row of the sessions file against the results; all problems at once."""
    table = read_table(batch_file)
    frame = table.frame
    frame.columns = [c.strip().lower() for c in frame.columns]
    base_url = check_base_url(base_url)
    results = read_results(results_file)
    known = {t.team_id for t in results.teams}
    problems: list[InputProblem] = []
    if "team_id" not in frame.columns:
        raise InputFileError(
            [InputProblem(table.name, "required column team_id is missing", row=1)]
        )
    results_path = Path(results_file).resolve()
    static = code_fingerprint()
    team_parts = {t.team_id: t.model_dump_json() for t in results.teams}
    jobs: list[SessionJob] = []
    seen: set[str] = set()
    for idx, row in enumerate(frame.to_dict("records")):
        line = idx + 2
        values = {c: (str(row.get(c, "")).strip() or DEFAULTS.get(c, "")) for c in BATCH_COLUMNS}

        def problem(column: str, message: str, line: int = line) -> None:
            problems.append(InputProblem(table.name, message, row=line, column=column))

        unsafe = name_problem(values["team_id"])
        if unsafe:  # the team id names the plan's folder
            problem("team_id", f"team id {values['team_id']!r} {unsafe}")
            continue
        if values["team_id"] not in known:
            problem(
                "team_id",
                f"team '{values['team_id']}' is not in {results_path.name} "
                f"(teams: {', '.join(sorted(known))})",
            )
        for column in ("minutes", "group_size"):
            if not values[column].isdigit():
                problem(column, f"'{values[column]}' is not a whole number")
        if values["format"] not in FORMATS:
            problem("format", f"'{values['format']}' is not one of {', '.join(FORMATS)}")
        if values["language"] not in LANGUAGES:  # the handout and the form speak these
            problem("language", f"'{values['language']}' is not one of {', '.join(LANGUAGES)}")
        try:
            start = datetime.fromisoformat(values["start"]) if values["start"] else None
        except ValueError:
            start = None
            problem("start", f"'{values['start']}' is not a date and time like 2027-01-12 09:30")
        if start is None and not values["start"]:
            problem("start", "the session's start date and time is missing")
        if start is None or values["team_id"] not in known:
            continue
        session_id = f"{values['team_id']}-{start:%Y%m%d-%H%M}"
        if session_id in seen:
            problem("start", f"session {session_id} is listed twice")
            continue
        seen.add(session_id)
        folder = child_path(out_dir, session_id, f"{table.name}, row {line}")
        parameters = {
            "results_file": str(results_path),
            "team_id": values["team_id"],
            "minutes": int(values["minutes"]) if values["minutes"].isdigit() else 0,
            "session_format": values["format"],
            "group_size": int(values["group_size"]) if values["group_size"].isdigit() else 0,
            "start": start.isoformat(sep=" ", timespec="minutes"),
            "language": values["language"],
            "base_url": base_url,
            "output_dir": str(folder),
        }
        key = _hash(
            static,
            team_parts[values["team_id"]],
            json.dumps({k: v for k, v in parameters.items() if k != "output_dir"}, sort_keys=True),
        )
        jobs.append(
            SessionJob(session_id, values["team_id"], parameters, str(folder), key, code=static)
        )
    if problems:
        raise InputFileError(problems)
    return jobs


def _hash(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def code_fingerprint() -> str:
    """What every plan depends on besides its parameters: notebook, data (the case studies and
    quizzes included), templates, code, as they are on disk now."""
    files = [
        SESSION_NOTEBOOK,
        DATA_DIR / "framework.yaml",
        DATA_DIR / "catalog.yaml",
        *sorted(MATERIALS_DIR.glob("*.yaml")),
        *sorted((TEMPLATES_DIR / "plan").glob("*")),
        TEMPLATES_DIR / "base" / "page.html.j2",
        *(PACKAGE_DIR / f"{name}.py" for name in PLANNING_MODULES),
    ]
    return _hash(*(f.read_bytes() for f in files if f.is_file()))


# the code this process runs: what was on disk when it imported the toolkit
IMPORTED_CODE = code_fingerprint()


class ClusterError(ToolkitError, RuntimeError):
    """The Dask cluster cannot be used (not installed, unreachable)."""


#: The Dask settings for planning machines, readable and copied as-is to each machine's Dask
#: configuration (the README's recipe); clusters the toolkit starts itself use them too.
DASK_SETTINGS_FILE = DATA_DIR / "dask.yaml"


def dask_settings() -> dict[str, object]:
    """``data/dask.yaml`` as dotted keys for ``dask.config.set`` (a nested dict there would
    replace Dask's whole ``distributed`` section, not the three values)."""
    import yaml

    def flat(settings: dict, prefix: str = "") -> dict[str, object]:
        found: dict[str, object] = {}
        for key, value in settings.items():
            if isinstance(value, dict):
                found.update(flat(value, f"{prefix}{key}."))
            else:
                found[f"{prefix}{key}"] = value
        return found

    return flat(yaml.safe_load(DASK_SETTINGS_FILE.read_text(encoding="utf-8")))


# -- running one job (in a worker process) -----------------------------------------------------
def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_current(job: SessionJob) -> bool:
    folder = Path(job.out_dir)
    done = _manifest(folder)
    return done.get("key") == job.key and all((folder / name).exists() for name in OUTPUTS)


def _code_problem(job: SessionJob) -> str:
    """Why this process must not plan the job, or "" if it may."""
    if not job.code:
        return ""
    on_disk = code_fingerprint()
    if on_disk != job.code:
        return (
            "this worker's toolkit (session notebook, data, templates or planning code) is not "
            "the one that checked the plans: install the same version on the workers as on the "
            "machine running cct plans"
        )
    if IMPORTED_CODE != on_disk:
        return (
            "this worker still runs the toolkit it imported before the toolkit was updated: "
            "restart the workers (dask worker) so they load the new code"
        )
    return ""


def run_job(job: SessionJob, timeout: int = 600) -> Outcome:
    """Execute one session's notebook with the warm engine: it writes the handout, the guide,
    the participants' materials (each with its PDF) and plan.json; the executed notebook is
    kept beside them."""
    import papermill

    from toolkit.plan import warm_engine

    started = time.perf_counter()
    folder = Path(job.out_dir)
    done = _manifest(folder)
    if job.batch and done.get("batch") == job.batch and is_current(job):
        # Dask re-ran a task an earlier attempt of this batch finished (its worker died)
        return Outcome(
            job.session_id,
            job.team_id,
            "planned",
            message="planned by an earlier attempt",
            files=done.get("files", {}),
        )
    problem = _code_problem(job)
    if problem:
        return Outcome(job.session_id, job.team_id, "failed", message=problem)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)  # not current until this run completes
    partial = folder / f".session_plan.part-{uuid.uuid4().hex}.ipynb"
    try:
        papermill.execute_notebook(
            str(SESSION_NOTEBOOK),
            str(partial),
            parameters=job.parameters,
            engine_name=warm_engine.ENGINE_NAME,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            kernel_tag=job.code,  # a kernel that imported other code is replaced
        )
    except papermill.PapermillExecutionError as exc:
        failed = folder / "session_plan.failed.ipynb"
        if partial.exists():
            os.replace(partial, failed)
        return Outcome(
            job.session_id,
            job.team_id,
            "failed",
            time.perf_counter() - started,
            f"{exc.ename}: {exc.evalue} (cell {exc.exec_count}; see {failed.name})",
            {"failed notebook": str(failed)},
        )
    except Exception as exc:  # kernel died, disk full …: this team fails, the batch goes on
        partial.unlink(missing_ok=True)
        return Outcome(
            job.session_id,
            job.team_id,
            "failed",
            time.perf_counter() - started,
            f"{type(exc).__name__}: {exc}",
        )
    os.replace(partial, folder / "session_plan.ipynb")
    (folder / "session_plan.failed.ipynb").unlink(missing_ok=True)
    files = {name: str(folder / name) for name in OUTPUTS}
    if job.code and code_fingerprint() != job.code:
        return Outcome(
            job.session_id,
            job.team_id,
            "failed",
            time.perf_counter() - started,
            "the toolkit changed while this session was planned; run cct plans again",
            files,
        )
    write_atomic(
        folder / MANIFEST, json.dumps({"key": job.key, "batch": job.batch, "files": files})
    )
    return Outcome(
        job.session_id, job.team_id, "planned", time.perf_counter() - started, files=files
    )


# -- the batch -----------------------------------------------------------------------------
def run_batch(
    jobs: list[SessionJob],
    out_dir: Path | str,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    force: bool = False,
    progress: bool = True,
) -> BatchSummary:
    """Plan every job not already current; write ``index.html`` and ``summary.json``."""
    started = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    pending = []
    batch = uuid.uuid4().hex
    for job in jobs:
        if not force and is_current(job):
            outcomes[job.session_id] = Outcome(
                job.session_id,
                job.team_id,
                "unchanged",
                files={n: str(Path(job.out_dir) / n) for n in OUTPUTS},
            )
        else:
            pending.append(replace(job, batch=batch))
    if pending:
        own = executor is None
        pool = executor or ProcessPoolExecutor(
            max_workers=min(workers or os.cpu_count() or 1, len(pending))
        )
        try:
            futures = {pool.submit(run_job, job): job for job in pending}
            bar = tqdm(
                as_completed(futures),
                total=len(futures),
                unit="team",
                desc="Planning sessions",
                disable=not progress,
            )
            for future in bar:
                job = futures.pop(future)  # released: a finished task is not kept to redo
                try:
                    outcomes[job.session_id] = future.result()
                except Exception as exc:  # the worker process itself died
                    outcomes[job.session_id] = Outcome(
                        job.session_id,
                        job.team_id,
                        "failed",
                        message=f"{type(exc).__name__}: {exc}",
                    )
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    ordered = [outcomes[j.session_id] for j in jobs]
    index = write_index(ordered, Path(out_dir))
    return BatchSummary(ordered, index, time.perf_counter() - started)


def run_on_cluster(
    jobs: list[SessionJob],
    out_dir: Path | str,
    scheduler: str,
    *,
    force: bool = False,
    progress: bool = True,
    connect_timeout: float = 10,
) -> BatchSummary:
    """The same batch on a Dask cluster (``dask scheduler`` + ``dask worker`` processes).

    Workers need the toolkit installed (the same version) and the results file and output
    folder at the same absolute paths as here (a shared folder). The client is closed after.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "--scheduler needs Dask's distributed package: pip install 'cct-toolkit[cluster]'"
        ) from None
    _nothing_listening(scheduler, connect_timeout)
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its connection retries are not for a facilitator
    try:
        client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"Cannot reach the Dask scheduler at {scheduler} within {connect_timeout:g} s "
            f"({_first_line(exc)}); is `dask scheduler` running there?"
        ) from None
    finally:
        quiet.setLevel(level)
    with client:
        return run_batch(
            jobs, out_dir, executor=client.get_executor(pure=False), force=force, progress=progress
        )


def _nothing_listening(scheduler: str, timeout: float) -> None:
    """Refuse at once a ``tcp://`` address where nothing listens: Dask's client would retry
    a refused connection for the whole timeout before saying the same thing. Addresses that
    answer, or time out, or use another protocol are left to Dask."""
    parsed = urlsplit(scheduler)
    if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
        return
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise ClusterError(
            f"Cannot reach the Dask scheduler at {scheduler} (nothing is listening on port "
            f"{parsed.port} there); is `dask scheduler` running there?"
        ) from None
    except socket.gaierror:
        raise ClusterError(
            f"Cannot reach the Dask scheduler at {scheduler}: the name {parsed.hostname!r} is "
            "not known on this network (a typing mistake in --scheduler?)"
        ) from None
    except OSError:
        return  # no answer in time: Dask's own wait and message


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".: ")


FORMAT_NAMES = {"in_person": "in person", "online": "online", "self_paced": "self-paced"}


def _index_row(outcome: Outcome, out_dir: Path) -> dict:
    """What a facilitator looks for in the list: the team's name, when, how, how long, and
    the pages to print (HTML and PDF); the plan's own record says it."""
    files = {name: Path(path) for name, path in outcome.files.items()}
    plan: dict = {}
    if "plan.json" in files:
        try:
            plan = json.loads(files["plan.json"].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = {}
    start = None
    if plan.get("start"):
        start = datetime.fromisoformat(plan["start"])
    else:  # a failed session: its id carries the date and time
        day, clock = outcome.session_id.rsplit("-", 2)[1:]
        try:
            start = datetime.strptime(day + clock, "%Y%m%d%H%M")
        except ValueError:
            start = None
    links = {
        name: os.path.relpath(path, out_dir)
        for name, path in files.items()
        if path.suffix in (".html", ".pdf") and path.exists()
    }
    return {
        **asdict(outcome),
        "team_name": plan.get("team_name") or outcome.team_id,
        "start": start,
        "format_name": FORMAT_NAMES.get(plan.get("format", ""), ""),
        "minutes": plan.get("minutes"),
        "links": links,
    }


def write_index(outcomes: Iterable[Outcome], out_dir: Path) -> Path:
    from toolkit.core.templates import environment

    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = list(outcomes)
    rows = [_index_row(o, out_dir) for o in outcomes]
    summary = [
        {**asdict(o), "links": {n: os.path.relpath(f, out_dir) for n, f in o.files.items()}}
        for o in outcomes
    ]
    write_atomic(out_dir / "summary.json", json.dumps(summary, indent=2))
    html = (
        environment()
        .get_template("plan/index.html.j2")
        .render(rows=rows, generated=datetime.now().strftime("%d %B %Y, %H:%M"))
    )
    return write_atomic(out_dir / "index.html", html)
