"""The batch: every team's plan via papermill, failures isolated, re-runs skipped, kills survived."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from tests.browser import free_port
from toolkit.assess.needs_assessment import run
from toolkit.assess.results import read_results
from toolkit.cli import app
from toolkit.core.exceptions import InputFileError
from toolkit.core.paths import NOTEBOOKS_DIR, SAMPLE_DIR
from toolkit.plan.batch import (
    MANIFEST,
    OUTPUTS,
    dask_settings,
    is_current,
    read_jobs,
    run_batch,
    run_job,
    run_on_cluster,
)

pytestmark = pytest.mark.notebook
SESSIONS = SAMPLE_DIR / "sessions.csv"


@pytest.fixture(scope="module")
def results_file(tmp_path_factory) -> Path:
    return run(out_dir=tmp_path_factory.mktemp("assessment")).results_path


def sessions_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "sessions.csv"
    path.write_text("team_id,minutes,format,group_size,start,language\n" + "\n".join(rows) + "\n")
    return path


ROWS = [
    "intake_north,180,in_person,14,2027-02-01 09:30,en",
    "housing_east,120,online,10,2027-02-02 10:00,ar",
    "housing_west,90,in_person,6,2027-02-03 09:00,uk",  # withheld team: planned from its role
    "product_benefits_app,45,self_paced,1,2027-02-04 14:00,es",
]


def test_batch_plans_every_team_and_reruns_skip_unchanged(tmp_path, results_file):
    out = tmp_path / "plans"
    jobs = read_jobs(sessions_file(tmp_path, ROWS), results_file, out)
    summary = run_batch(jobs, out, workers=2, progress=False)
    assert [o.status for o in summary.outcomes] == ["planned"] * 4, summary.outcomes
    for job in jobs:
        folder = Path(job.out_dir)
        assert all((folder / name).exists() for name in OUTPUTS)
        handout = (folder / "handout.html").read_text()
        assert "make_plan(" not in handout and "publish(" not in handout  # no code
        assert 'class="qr-code"' in handout  # the QR code of the reflection link
        assert "reflection.ipynb?session=" + job.session_id in handout
        assert "checkin.ipynb?session=" + job.session_id in handout  # by the refresher dates
        guide = (folder / "facilitator_guide.html").read_text()
        assert "@media print" in guide and "Materials checklist" in guide
        plan = json.loads((folder / "plan.json").read_text())
        assert sum(i["minutes"] for i in plan["agenda"]) == job.parameters["minutes"]
        assert plan["checkin_url"].split("?")[0].endswith("/voila/render/checkin.ipynb")
    index = summary.index.read_text()
    assert index.count("handout</a>") == 4 and "4 planned" in index
    # people's words: team names, when, how and how long; pages to print, not notebooks
    names = {t.team_id: t.team_name for t in read_results(results_file).teams}
    assert names["intake_north"] in index and ">intake_north<" not in index
    assert "Mon 01 Feb 2027, 09:30" in index and "online" in index and "120 min" in index
    assert ".ipynb" not in index and index.count(".pdf") == 12  # guide, handout, materials

    again = run_batch(
        read_jobs(sessions_file(tmp_path, ROWS), results_file, out), out, workers=2, progress=False
    )
    assert [o.status for o in again.outcomes] == ["unchanged"] * 4

    changed = [ROWS[0].replace(",180,", ",240,"), *ROWS[1:]]
    third = run_batch(
        read_jobs(sessions_file(tmp_path, changed), results_file, out),
        out,
        workers=2,
        progress=False,
    )
    assert [o.status for o in third.outcomes] == ["planned"] + ["unchanged"] * 3


def test_a_change_to_the_case_studies_or_quizzes_makes_plans_out_of_date(
    tmp_path, results_file, monkeypatch
):
    """The guide and the participants' page print the materials files: editing one of them
    re-plans the sessions, as editing the catalog does."""
    import shutil

    from toolkit.plan import batch

    sessions = sessions_file(tmp_path, ROWS[:1])
    [job] = read_jobs(sessions, results_file, tmp_path / "plans")
    outcome = run_job(job)
    assert outcome.status == "planned", outcome.message
    assert {"participant_materials.html", "participant_materials.pdf"} <= set(outcome.files)
    assert is_current(job)
    copy = tmp_path / "materials"
    shutil.copytree(batch.MATERIALS_DIR, copy)
    monkeypatch.setattr(batch, "MATERIALS_DIR", copy)
    [same] = read_jobs(sessions, results_file, tmp_path / "plans")
    assert same.key == job.key and is_current(same)  # the same text: still current
    for name in ("quizzes.yaml", "case_studies.yaml"):
        edited = copy / name
        original = edited.read_text(encoding="utf-8")
        edited.write_text(original.replace("questions:", "questions:  # edited", 1), "utf-8")
        [changed] = read_jobs(sessions, results_file, tmp_path / "plans")
        assert changed.key != job.key and not is_current(changed), name
        edited.write_text(original, encoding="utf-8")


def test_a_failing_team_does_not_stop_the_others(tmp_path, results_file):
    rows = [ROWS[0], "intake_south,52,in_person,12,2027-03-01 09:30,en", ROWS[1]]
    result = CliRunner().invoke(
        app,
        [
            "plans",
            str(sessions_file(tmp_path, rows)),
            "-r",
            str(results_file),
            "-o",
            str(tmp_path / "out"),
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 1
    assert "2 planned, 1 failed" in result.output or "1 failed, 2 planned" in result.output
    assert "FAILED intake_south-20270301-0930: PlanError" in result.output
    assert "session length 52 min" in result.output
    folder = tmp_path / "out" / "intake_south-20270301-0930"
    assert (folder / "session_plan.failed.ipynb").exists()
    assert not (folder / MANIFEST).exists()
    index = (tmp_path / "out" / "index.html").read_text()
    # the reason in plain words, and where the partly run notebook is kept (named, not linked)
    assert "session_plan.failed.ipynb" in index and "session length 52 min" in index
    assert 'href="intake_south-20270301-0930/session_plan.failed.ipynb' not in index


def test_sessions_file_problems_are_all_reported_with_row_and_column(tmp_path, results_file):
    rows = [
        "nobody,180,in_person,12,2027-02-01 09:30,en",
        "intake_north,three hours,in_person,12,2027-02-01 09:30,en",
        "intake_north,180,hybrid,12,tomorrow,en",
        "intake_south,180,in_person,12,2027-02-01 09:30,de",
    ]
    with pytest.raises(InputFileError) as info:
        read_jobs(sessions_file(tmp_path, rows), results_file, tmp_path / "out")
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith("sessions.csv, row 2, column 'team_id': team 'nobody' is not in")
    assert "sessions.csv, row 3, column 'minutes': 'three hours' is not a whole number" in messages
    assert (
        "sessions.csv, row 4, column 'format': 'hybrid' is not one of in_person, online, "
        "self_paced" in messages
    )
    assert any("row 4, column 'start': 'tomorrow' is not a date and time" in m for m in messages)
    assert (
        "sessions.csv, row 5, column 'language': 'de' is not one of en, es, fr, ar, uk" in messages
    )


def test_an_interrupted_batch_leaves_no_half_file_and_resumes(tmp_path, results_file):
    out = tmp_path / "plans"
    teams = [
        "intake_north",
        "intake_south",
        "housing_east",
        "health_nav_central",
        "clinic_residents",
        "family_services",
        "refugee_casework",
        "service_leads",
    ]
    rows = [f"{t},180,in_person,12,2027-04-{k + 1:02d} 09:30,en" for k, t in enumerate(teams)]
    sessions = sessions_file(tmp_path, rows)
    command = [
        sys.executable,
        "-m",
        "toolkit.cli",
        "plans",
        str(sessions),
        "-r",
        str(results_file),
        "-o",
        str(out),
        "--workers",
        "2",
    ]
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300  # generous: each session now also prints two PDFs
    while len(list(out.glob(f"*/{MANIFEST}"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the whole batch, workers and kernels included
    process.wait()
    finished = {p.parent.name for p in out.glob(f"*/{MANIFEST}")}
    assert 2 <= len(finished) < len(teams), "killed mid-batch"
    for folder in out.iterdir():
        if not folder.is_dir():
            continue
        for name in OUTPUTS:  # a file under its final name is always whole
            path = folder / name
            if path.exists() and name.endswith(".ipynb"):
                nbformat.read(path, as_version=4)
            elif path.exists() and name.endswith(".json"):
                json.loads(path.read_text())
            elif path.exists() and name.endswith(".pdf"):
                assert path.read_bytes().rstrip().endswith(b"%%EOF")
                assert PdfReader(path).pages
            elif path.exists():
                assert path.read_text().rstrip().endswith("</html>")

    resumed = run_batch(read_jobs(sessions, results_file, out), out, workers=2, progress=False)
    statuses = {o.session_id.rsplit("-", 2)[0]: o.status for o in resumed.outcomes}
    assert all(statuses[f.rsplit("-", 2)[0]] == "unchanged" for f in finished)
    assert set(statuses.values()) <= {"unchanged", "planned"}
    assert all((out / o.session_id / MANIFEST).exists() for o in resumed.outcomes)


def test_session_plan_runs_with_the_stock_papermill_cli(tmp_path, results_file):
    papermill = Path(sys.executable).with_name("papermill")
    done = subprocess.run(
        [
            str(papermill),
            str(NOTEBOOKS_DIR / "session_plan.ipynb"),
            str(tmp_path / "out.ipynb"),
            "-p",
            "results_file",
            str(results_file),
            "-p",
            "team_id",
            "health_nav_harbour",
            "-p",
            "minutes",
            "120",
            "-p",
            "session_format",
            "online",
            "-p",
            "group_size",
            "8",
            "-p",
            "start",
            "2027-05-03 13:00",
            "-p",
            "language",
            "fr",
            "-p",
            "output_dir",
            str(tmp_path / "plan"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert plan["session_id"] == "health_nav_harbour-20270503-1300"
    assert plan["format"] == "online" and plan["language"] == "fr"
    assert (tmp_path / "plan" / "facilitator_guide.html").exists()


# -- the same batch on a real Dask cluster (LocalCluster: a scheduler and worker processes) -----
TEAMS = [
    "intake_north",
    "intake_south",
    "housing_east",
    "health_nav_central",
    "clinic_residents",
    "family_services",
    "refugee_casework",
    "service_leads",
]


def cluster_rows(count: int) -> list[str]:
    return [f"{t},180,in_person,12,2027-04-{k + 1:02d} 09:30,en" for k, t in enumerate(TEAMS)][
        :count
    ]


@contextmanager
def local_cluster(workers: int, threads: int):
    """A real scheduler and worker processes on loopback, with data/dask.yaml's settings as
    the README tells to install them."""
    import dask
    from distributed import LocalCluster

    with (
        dask.config.set(dask_settings()),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        yield cluster


def test_the_dask_settings_are_dasks_own_and_reach_the_workers():
    """A misspelt key would be ignored by Dask without a word: each must be one of Dask's,
    set to something other than its default, and seen by the worker processes."""
    import dask
    import distributed  # noqa: F401  (loads distributed's defaults into dask.config)

    settings = dask_settings()
    assert settings
    for key, value in settings.items():
        assert dask.config.get(key) != value, f"{key} is Dask's default already, or not Dask's"
    with local_cluster(workers=1, threads=1) as cluster:
        from distributed import Client

        with Client(cluster.scheduler_address, set_as_default=False) as client:
            seen = client.run(lambda: {k: dask.config.get(k) for k in settings})
    assert list(seen.values()) == [settings]


@pytest.mark.timeout(600)
def test_a_cluster_worker_with_several_threads_plans_every_session(tmp_path, results_file):
    """Three tasks at once in one worker process: each thread has a kernel of its own."""
    out = tmp_path / "plans"
    jobs = read_jobs(sessions_file(tmp_path, cluster_rows(6)), results_file, out)
    with local_cluster(workers=1, threads=3) as cluster:
        clients_before = len(cluster.scheduler.clients)
        summary = run_on_cluster(jobs, out, cluster.scheduler_address, progress=False)
        assert len(cluster.scheduler.clients) == clients_before  # ours was closed
    assert [o.status for o in summary.outcomes] == ["planned"] * 6, summary.outcomes
    for job in jobs:
        plan = json.loads((Path(job.out_dir) / "plan.json").read_text())
        assert plan["team_id"] == job.team_id  # each notebook ran on its own, not interleaved
        assert job.session_id in (Path(job.out_dir) / "handout.html").read_text()


def _written(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        name: ((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns)
        for name in (*OUTPUTS, MANIFEST)
    }


@pytest.mark.timeout(600)
def test_a_worker_killed_mid_batch_leaves_every_session_written_once(tmp_path, results_file):
    out = tmp_path / "plans"
    jobs = read_jobs(sessions_file(tmp_path, cluster_rows(8)), results_file, out)
    with local_cluster(workers=2, threads=1) as cluster:
        from distributed import Client

        with Client(cluster.scheduler_address) as watcher:
            worker_pids = watcher.run(os.getpid)
        result: dict = {}
        batch = threading.Thread(
            target=lambda: result.update(
                summary=run_on_cluster(jobs, out, cluster.scheduler_address, progress=False)
            )
        )
        batch.start()
        deadline = time.monotonic() + 300
        while len(list(out.glob(f"*/{MANIFEST}"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = {p.parent: _written(p.parent) for p in out.glob(f"*/{MANIFEST}")}
        os.kill(sorted(worker_pids.values())[0], signal.SIGKILL)  # mid-batch, no goodbye
        batch.join(timeout=500)
    summary = result["summary"]
    assert 3 <= len(finished) < len(jobs), "killed mid-batch"
    assert [o.status for o in summary.outcomes] == ["planned"] * len(jobs), summary.outcomes
    for folder, before in finished.items():  # a finished session is never planned again
        assert _written(folder) == before, folder.name
    for job in jobs:
        folder = Path(job.out_dir)
        assert all((folder / name).exists() for name in OUTPUTS)
        nbformat.read(folder / "session_plan.ipynb", as_version=4)
    again = run_batch(read_jobs(sessions_file(tmp_path, cluster_rows(8)), results_file, out), out)
    assert {o.status for o in again.outcomes} == {"unchanged"}


@pytest.mark.parametrize(
    ("host", "says"),
    [("127.0.0.1", "nothing is listening on port"), ("no-such-host.invalid", "is not known")],
)
def test_a_scheduler_that_cannot_answer_is_refused_at_once(tmp_path, results_file, host, says):
    """Dask's client would retry for the whole timeout (here 60 s) before giving up."""
    from toolkit.plan.batch import ClusterError, run_on_cluster

    jobs = read_jobs(sessions_file(tmp_path, ROWS[:1]), results_file, tmp_path / "out")
    started = time.monotonic()
    with pytest.raises(ClusterError, match=says):
        run_on_cluster(jobs, tmp_path / "out", f"tcp://{host}:{free_port()}", connect_timeout=60)
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out" / "index.html").exists()


def test_an_unreachable_scheduler_is_one_plain_sentence(tmp_path, results_file):
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "toolkit.cli",
            "plans",
            str(sessions_file(tmp_path, ROWS[:1])),
            "-r",
            str(results_file),
            "-o",
            str(tmp_path / "out"),
            "--scheduler",
            f"tcp://127.0.0.1:{free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: Cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert "is `dask scheduler` running there?" in lines[0]
    assert time.monotonic() - started < 60


def test_a_worker_running_other_code_than_the_check_hashed_records_nothing(
    tmp_path, results_file, monkeypatch
):
    from toolkit.plan import batch

    out = tmp_path / "plans"
    [job] = read_jobs(sessions_file(tmp_path, ROWS[:1]), results_file, out)
    other = replace(job, code="0" * 64)  # the client hashed another toolkit than this disk's
    outcome = run_job(other)
    assert outcome.status == "failed" and "install the same version" in outcome.message
    monkeypatch.setattr(batch, "IMPORTED_CODE", "0" * 64)  # imported before an update
    outcome = run_job(job)
    assert outcome.status == "failed" and "restart the workers" in outcome.message
    assert not (Path(job.out_dir) / MANIFEST).exists() and not is_current(job)


KERNEL_PID = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_code_cell("import os\nprint(os.getpid())")]
)


def test_the_warm_kernel_is_kept_per_tag_and_replaced_for_other_code(tmp_path):
    import papermill

    from toolkit.plan.warm_engine import ENGINE_NAME, shutdown_all

    source = tmp_path / "pid.ipynb"
    nbformat.write(KERNEL_PID, source)

    def kernel_pid(tag: str) -> str:
        nb = papermill.execute_notebook(
            str(source),
            str(tmp_path / "out.ipynb"),
            engine_name=ENGINE_NAME,
            kernel_name="python3",
            progress_bar=False,
            kernel_tag=tag,
        )
        return nb.cells[0].outputs[0]["text"].strip()

    try:
        first = kernel_pid("code-a")
        assert kernel_pid("code-a") == first  # warm: the same kernel
        assert kernel_pid("code-b") != first  # another toolkit: a fresh kernel
        pids = set()
        threads = [
            threading.Thread(target=lambda: pids.add(kernel_pid("code-b"))) for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(pids) == 2  # two threads at once: two kernels, never one shared
    finally:
        shutdown_all()


LEAVE_THINGS = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_code_cell("leftover = 1\n_private_leftover = 2\nleftover")]
)
LOOK_AROUND = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_code_cell(
            "import os\n"
            "print(os.getpid(), [n for n in ('leftover', '_private_leftover') if n in dir()], "
            "len(Out), get_ipython().history_manager.enabled)"
        )
    ]
)


@pytest.mark.parametrize("full_every", [25, 2])
def test_each_notebook_on_a_warm_kernel_starts_from_an_empty_namespace(
    tmp_path, monkeypatch, full_every
):
    """The light reset (no full garbage collection) and the periodic full one leave nothing of
    the notebook before; the kept kernel writes no IPython history."""
    import papermill

    from toolkit.plan import warm_engine

    monkeypatch.setattr(warm_engine, "FULL_RESET_EVERY", full_every)
    leave, look = tmp_path / "leave.ipynb", tmp_path / "look.ipynb"
    nbformat.write(LEAVE_THINGS, leave)
    nbformat.write(LOOK_AROUND, look)

    def run(source: Path):
        return papermill.execute_notebook(
            str(source),
            str(tmp_path / "out.ipynb"),
            engine_name=warm_engine.ENGINE_NAME,
            kernel_name="python3",
            progress_bar=False,
        )

    try:
        seen = []
        for _ in range(3):
            run(leave)
            seen.append(run(look).cells[0].outputs[0]["text"].split(maxsplit=1))
        pids = {pid for pid, _ in seen}
        assert len(pids) == 1  # one warm kernel throughout
        assert [rest.strip() for _, rest in seen] == ["[] 0 False"] * 3
    finally:
        warm_engine.shutdown_all()
