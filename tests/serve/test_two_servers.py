"""Two ``cct serve`` processes on one PostgreSQL, one of them killed with SIGKILL mid-load.

The room grows past one machine: two app servers behind one address share one database.
Participants are spread over both (websocket clients, tests/participant.py). While they send
their reflections, one server and its kernels are killed outright, as a crashed machine would
be. Those who had no confirmation reload the form on the other server, with the draft their
browser kept (its submission id), as the page's script does. Then: every confirmed reflection
is in the database exactly once, nobody's first submission was answered "already sent", and
every participant ends with a confirmation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    free_port,
    signed_form_url,
    wait_until_up,
    write_plans,
)
from tests.participant import Participant, Visit
from toolkit.core.paths import PROJECT_ROOT
from toolkit.reflect.store import ReflectionStore, upgrade_schema

PARTICIPANTS = 12  # half on each server
KILL_AFTER = 2  # confirmations on the doomed server before it is killed
ARRIVAL_GAP = 1.0  # seconds between arrivals on each server


def _cct() -> str:
    return str(Path(sys.executable).with_name("cct"))


def start_server(folder: Path, name: str, database: str, plans: Path):
    port = free_port()
    log = open(folder / f"{name}.log", "w+")
    process = subprocess.Popen(
        [
            _cct(),
            "serve",
            f"--port={port}",
            "--pool-size=2",
            f"--plans-dir={plans}",
            "--no-browser",
        ],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CCT_PASSWORD": TEST_PASSWORD, "CCT_DATABASE_URL": database},
        start_new_session=True,  # its own process group: the kill takes its kernels too
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, log, 180)
    return process, url, log


def visit(url: str, commitment: str, kept_submission: str = "") -> Visit:
    """One participant's visit: open, fill in, send; a failure is recorded, not raised."""
    person = Participant(signed_form_url(url, TEST_SESSIONS[0]), timeout=180)
    try:
        person.open_page()
        if not person.visit.problem:
            person.connect()
            person.submit(commitment, kept_submission=kept_submission)
    except Exception as exc:  # the server died under this participant
        person.visit.problem = f"{type(exc).__name__}: {exc}"
        person.visit.submission_id = person.visit.submission_id or person.state.get(
            "submission_id", ""
        )
    finally:
        person.leave()
    return person.visit


@pytest.mark.timeout(900)
def test_a_server_killed_mid_load_loses_no_confirmed_reflection_and_misleads_nobody(
    tmp_path, postgres
):
    database = postgres.new_database()
    upgrade_schema(database).engine.dispose()
    plans = write_plans(tmp_path / "plans", group_size=PARTICIPANTS + 5)
    servers = [start_server(tmp_path, name, database, plans) for name in ("a", "b")]
    (doomed, doomed_url, _), (_, survivor_url, _) = servers
    try:
        confirmed_on_doomed = threading.Semaphore(0)

        def arrive(k: int) -> tuple[str, Visit]:
            url = doomed_url if k % 2 == 0 else survivor_url
            time.sleep((k // 2) * ARRIVAL_GAP)
            result = visit(url, f"two-servers-{k}")
            if url == doomed_url and result.status:
                confirmed_on_doomed.release()
            return url, result

        with ThreadPoolExecutor(max_workers=PARTICIPANTS) as crowd:
            futures = [crowd.submit(arrive, k) for k in range(PARTICIPANTS)]
            for _ in range(KILL_AFTER):
                assert confirmed_on_doomed.acquire(timeout=400), "no confirmation on server a"
            os.killpg(doomed.pid, signal.SIGKILL)
            first = [f.result(timeout=600) for f in futures]
        doomed.wait(30)

        # nobody's first submission was answered "already sent"
        assert not [v for _, v in first if v.status == "already"], first
        on_doomed = [v for url, v in first if url == doomed_url]
        stranded = [(k, v) for k, (_, v) in enumerate(first) if not v.status]
        assert sum(1 for v in on_doomed if v.status == "saved") >= KILL_AFTER
        assert stranded, "the kill came after everyone on server a was done"
        assert all(first[k][0] == doomed_url for k, _ in stranded), stranded
        # the stranded reload the form on the other server, with the draft they kept
        retries = {
            k: visit(survivor_url, f"two-servers-{k}", kept_submission=v.submission_id)
            for k, v in stranded
        }
        assert not [v for v in retries.values() if v.problem], retries

        rows = ReflectionStore(database).load()
        stored = [r.commitment for r in rows if r.commitment.startswith("two-servers-")]
        assert sorted(stored) == sorted(f"two-servers-{k}" for k in range(PARTICIPANTS))
        for k, retry in retries.items():
            # "already" only where the first attempt reached the database before the kill
            kept = first[k][1].submission_id
            assert retry.status in ("saved", "already")
            if retry.status == "already":
                assert kept and any(r.submission_id == kept for r in rows)
    finally:
        for process, _, log in servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            log.close()
