"""`cct serve` under a crowd that comes and goes: visitors' kernels are culled, the pool is not,
and stopping the server leaves no process behind.

Participants are websocket clients (tests/participant.py), not browsers: thirty Chromiums would
measure the test machine, not the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    free_port,
    signed_form_url,
    voila_server,
    wait_until_up,
    write_plans,
)
from tests.participant import kernel_processes, run_participant
from toolkit.core.paths import PROJECT_ROOT
from toolkit.reflect.store import ReflectionStore, upgrade_schema

CROWD = 30
POOL = 2
IDLE_SECONDS = 10
CULL_INTERVAL = 2


def health(server: str) -> dict:
    return requests.get(f"{server}/health", timeout=10).json()


def wait_for(condition, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return condition()


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("room")
    config = folder / "cct_config.py"
    config.write_text(
        f"c.Server.kernel_idle_seconds = {IDLE_SECONDS}\n"
        f"c.Server.cull_interval_seconds = {CULL_INTERVAL}\n"
        "c.Server.app_pool_size = 0\n",  # the form's kernels only: counted exactly below
        encoding="utf-8",
    )
    with voila_server(
        [f"--config={config}"],
        env={"CCT_DATABASE_URL": store_url},
        plans_dir=write_plans(folder / "plans"),
        pool_size=POOL,
    ) as url:
        assert wait_for(lambda: health(url)["pool"].get("reflection.ipynb") == POOL, 180)
        yield url


@pytest.mark.timeout(900)
def test_a_crowd_that_leaves_leaves_no_kernel_and_the_pool_refills(server, store_url):
    link = signed_form_url(server, TEST_SESSIONS[0])
    stayer = None
    with ThreadPoolExecutor(max_workers=5) as crowd:
        # twenty open the form, send it and drop the connection; ten only fetch the page (no
        # socket); then one sends a reflection and stays connected
        visits = list(
            crowd.map(
                lambda k: run_participant(link, f"crowd-{k}") if k % 3 else _plain_get(link),
                range(CROWD),
            )
        )
    stayer = _stay_connected(link)
    problems = [v.problem for v in visits if v.problem]
    assert not problems, problems
    assert len({v.kernel_id for v in visits}) == CROWD  # a kernel each
    peak = health(server)["kernels"]
    assert peak >= POOL + 1
    # the interval: idle time plus one culling round, with room for a loaded machine
    settled = wait_for(
        lambda: (
            (h := health(server))["kernels"] == POOL + 1
            and h["pool"].get("reflection.ipynb") == POOL
            and h
        ),
        timeout=IDLE_SECONDS + CULL_INTERVAL + 120,
    )
    assert settled, health(server)
    # the one still connected keeps its kernel (and can still send), the pool is whole again
    stayer.submit("still here after the others left")
    stored = sorted(r.commitment for r in ReflectionStore(store_url).load())
    sent = sorted(f"crowd-{k}" for k in range(CROWD) if k % 3)
    assert stored == sorted([*sent, "still here after the others left"])  # all, once each
    stayer.leave()
    assert wait_for(
        lambda: health(server)["kernels"] == POOL, timeout=IDLE_SECONDS + CULL_INTERVAL + 120
    ), health(server)
    # no kernel was reported dead or restarted, and culling thirty kernels logged no error
    port = server.rsplit(":", 1)[1].strip("/")
    text = (Path(os.environ.get("TMPDIR", "/tmp")) / f"voila-{port}.log").read_text()
    for alarm in ("died", "KernelRestarter", "[RoomServer] ERROR"):
        assert alarm not in text, text[text.index(alarm) - 500 :][:3000]


def _kernels_of(folder: str, since: float) -> list[int]:
    """Kernels of the server that used ``folder`` for its connection files, wherever they are
    now: started ones name their file; forked ones are copies of the fork server (its command
    line), made since the server started, that listen on sockets in ``folder`` (the kernels'
    IPC transport puts them beside the connection files), so another server's forked kernels,
    as in a test running beside this one, are not counted."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status", "create_time"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if folder in cmdline or (
            "multiprocessing.forkserver" in cmdline
            and (process.info["create_time"] or 0) >= since
            and _listens_in(process, folder)
        ):
            found.append(process.info["pid"])
    return found


def _listens_in(process: psutil.Process, folder: str) -> bool:
    try:
        sockets = process.net_connections(kind="unix")
    except psutil.Error:
        return False
    return any(str(socket.laddr).startswith(folder) for socket in sockets)


def _plain_get(link: str):
    from tests.participant import Participant

    person = Participant(link)
    try:
        return person.open_page()
    finally:
        person.leave()


def _stay_connected(link: str):
    from tests.participant import Participant

    person = Participant(link)
    person.open_page()
    person.connect()
    return person


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    "stop_signal, forked",
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "Ctrl-C", "Ctrl-C-forked-kernels"],
)
def test_stopping_the_server_stops_voila_and_every_kernel(tmp_path, stop_signal, forked):
    """SIGTERM or Ctrl-C: Voila, the fork server and every kernel stop, and the server exits
    cleanly (0). Ctrl-C used to break into whatever was running as a KeyboardInterrupt; with
    forked kernels a kernel then being started stayed pending and the shutdown could hang."""
    port = free_port()
    config = tmp_path / "cct_config.py"
    config.write_text(f"c.Server.forked_kernels = {forked}\n", encoding="utf-8")
    database = f"sqlite:///{tmp_path}/reflections.sqlite"
    upgrade_schema(database).engine.dispose()
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen(
        [
            str(PROJECT_ROOT / ".venv/bin/cct")
            if (PROJECT_ROOT / ".venv/bin/cct").exists()
            else str(os.path.join(os.path.dirname(sys.executable), "cct")),
            "serve",
            f"--port={port}",
            "--pool-size=1",
            f"--plans-dir={write_plans(tmp_path / 'plans')}",
            f"--config={config}",
            "--no-browser",
        ],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CCT_PASSWORD": TEST_PASSWORD, "CCT_DATABASE_URL": database},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    since = psutil.Process(server.pid).create_time() - 1
    try:
        wait_until_up(url, server, log, 120)
        assert wait_for(lambda: health(url)["pool"].get("reflection.ipynb") == 1, 180)
        visit = run_participant(signed_form_url(url, TEST_SESSIONS[0]))  # a visitor's kernel
        assert not visit.problem, visit.problem
        # the pool has refilled (a kernel stopped halfway through its preheating run logs the
        # interrupted run; that is the kernel's word, not a process left behind)
        assert wait_for(lambda: health(url)["pool"].get("reflection.ipynb") == 1, 180)
        processes = psutil.Process(server.pid).children(recursive=True)
        assert len(kernel_processes(server.pid)) >= 2  # the pool's kernel and the visitor's
        log.seek(0)
        folder = log.read().split("Storing connection files in ")[1].split()[0].rstrip(".")
        # the check below sees this server's kernels (the pool's at least; the visitor's may
        # be shutting down by now, as the page has left)
        assert _kernels_of(folder, since)
        server.send_signal(stop_signal)
        assert server.wait(60) == 0  # stopped, not interrupted
        gone, alive = psutil.wait_procs(processes, timeout=30)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
        # nor any kernel started while stopping: none of its connection files is in use
        assert wait_for(lambda: not _kernels_of(folder, since), 30), _kernels_of(folder, since)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        log.seek(0)
        text = log.read()
        log.close()
    # the server stopped cleanly (a kernel interrupted mid-start may print its own traceback)
    assert "Uncaught exception" not in text and "[RoomServer] ERROR" not in text, text[-3000:]
    # kernels on Unix sockets, the toolkit's notebooks trusted: a log without false alarms
    assert "without encryption" not in text and "not trusted" not in text
