"""Growing past one machine (issue 19): PostgreSQL against SQLite, a Dask cluster against the pool.

* **Saves per second from 30 processes** — ``SAVE_PROCESSES`` processes (spawned, the store
  opened, then released together by one event) each save ``SAVES_EACH`` reflections through
  :meth:`ReflectionStore.save`, one transaction each; saves/s = all saves / (last finish −
  release). SQLite: a WAL file with ``synchronous=FULL`` in a temporary folder. PostgreSQL:
  Debian's server started for the run (``tests/postgres.py``: Unix socket, fsync on, defaults).
* **Plans on a cluster** — the same ``PLAN_SESSIONS`` sessions planned (``force``) by the local
  process pool (2 processes), and on a ``distributed.LocalCluster`` with 1 and with 2 worker
  processes of one thread each, through :func:`toolkit.plan.batch.run_on_cluster`. Throughput
  per worker = sessions / wall / workers; scaling = 2-worker throughput / 1-worker throughput
  (2.0 would be perfect). The cluster's workers first plan one session each, untimed, so their
  kernels are warm, as in a long batch; the pool's wall includes starting its kernels (a pool
  lives for one batch). The client's own overhead is shown: connecting, and the round trip of
  ``PLAN_SESSIONS`` no-op tasks.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT

SAVE_PROCESSES = 30
SAVES_EACH = 30
PLAN_SESSIONS = 16


def _progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


# -- the store ------------------------------------------------------------------------------
def _saver(url: str, worker: int, ready, start, answers) -> None:
    from toolkit.reflect.store import Rating, Reflection, ReflectionStore

    store = ReflectionStore(url)
    items = [
        Reflection(
            session_id="intake_north-20270201-0930",
            team_id="intake_north",
            language="en",
            ratings={"language_access.working_with_interpreters": Rating(before=2, now=4)},
            prompts={"description": f"participant {worker}-{k}", "action": "Brief first"},
            commitment="Brief the interpreter before every appointment",
            relevance=5,
            usefulness=4,
        )
        for k in range(SAVES_EACH)
    ]
    ready.release()
    start.wait()
    new = sum(store.save(item) for item in items)
    answers.put((new, time.time()))


def saves_per_second(url: str) -> tuple[float, int]:
    """(saves per second, rows reported new) for SAVE_PROCESSES processes at once."""
    ctx = mp.get_context("spawn")
    ready, start, answers = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_saver, args=(url, w, ready, start, answers))
        for w in range(SAVE_PROCESSES)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.acquire(timeout=300)
    released = time.time()
    start.set()
    reported = [answers.get(timeout=600) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    finished = max(t for _, t in reported)
    return SAVE_PROCESSES * SAVES_EACH / (finished - released), sum(n for n, _ in reported)


def store_rows(tmp: Path) -> tuple[list[str], list[str]]:
    from tests.postgres import postgres_server
    from toolkit.reflect.store import upgrade_schema

    total = SAVE_PROCESSES * SAVES_EACH
    figures = {}
    sqlite_url = f"sqlite:///{tmp}/bench.sqlite"
    upgrade_schema(sqlite_url).engine.dispose()
    _progress(f"{SAVE_PROCESSES} processes × {SAVES_EACH} saves on SQLite")
    figures["SQLite (WAL, synchronous=FULL)"] = saves_per_second(sqlite_url)
    with postgres_server() as server:
        url = server.new_database()
        upgrade_schema(url).engine.dispose()
        _progress(f"{SAVE_PROCESSES} processes × {SAVES_EACH} saves on PostgreSQL")
        figures["PostgreSQL (local socket, fsync on)"] = saves_per_second(url)
    sqlite_rate = figures["SQLite (WAL, synchronous=FULL)"][0]
    lines = [
        f"Reflection saves from {SAVE_PROCESSES} processes at once, {SAVES_EACH} each "
        f"({total} saves, one transaction each)"
    ]
    for name, (rate, new) in figures.items():
        check = "all new" if new == total else f"ONLY {new} of {total} reported new"
        lines.append(
            f"  {name:<38} {rate:8.0f} saves/s  ({rate / sqlite_rate:.2f}x SQLite; {check})"
        )
    pg_rate = figures["PostgreSQL (local socket, fsync on)"][0]
    summary = [
        f"saves from {SAVE_PROCESSES} processes: SQLite {sqlite_rate:.0f}/s, PostgreSQL "
        f"{pg_rate:.0f}/s ({pg_rate / sqlite_rate:.2f}x)"
    ]
    return lines, summary


# -- the plans ------------------------------------------------------------------------------
def _noop(k: int) -> int:
    return k


def plan_rows(tmp: Path) -> tuple[list[str], list[str]]:
    import logging

    from distributed import Client, LocalCluster

    from benchmarks import plans
    from toolkit.plan.batch import read_jobs, run_batch, run_on_cluster

    _progress("assessing a 100-team organisation for the plans")
    results, sessions = plans.organisation(tmp)
    walls: dict[str, tuple[float, int]] = {}

    def jobs(name: str, first: int = 0, count: int = PLAN_SESSIONS):
        return read_jobs(sessions, results, tmp / name)[first : first + count]

    _progress(f"planning {PLAN_SESSIONS} sessions on the local pool (2 processes)")
    started = time.perf_counter()
    summary = run_batch(jobs("pool"), tmp / "pool", workers=2, force=True, progress=False)
    walls["local pool, 2 processes"] = (time.perf_counter() - started, 2)
    planned = {"local pool, 2 processes": summary.counts().get("planned", 0)}
    overhead = {}
    for workers in (1, 2):
        name = f"LocalCluster, {workers} worker process{'es' if workers > 1 else ''}"
        _progress(f"planning {PLAN_SESSIONS} sessions on a LocalCluster of {workers}")
        with LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster:
            started = time.perf_counter()
            with Client(cluster.scheduler_address, set_as_default=False) as client:
                connected = time.perf_counter()
                client.gather(client.map(_noop, range(PLAN_SESSIONS), pure=False))
                overhead[workers] = (connected - started, time.perf_counter() - connected)
            run_on_cluster(  # warm-up, untimed: one kernel started in each worker
                jobs(f"warm{workers}", PLAN_SESSIONS, workers),
                tmp / f"warm{workers}",
                cluster.scheduler_address,
                progress=False,
            )
            started = time.perf_counter()
            summary = run_on_cluster(
                jobs(f"cluster{workers}"),
                tmp / f"cluster{workers}",
                cluster.scheduler_address,
                force=True,
                progress=False,
            )
            walls[name] = (time.perf_counter() - started, workers)
            planned[name] = summary.counts().get("planned", 0)
    lines = [
        f"Session plans on a cluster: {PLAN_SESSIONS} sessions, one thread per worker "
        "(cluster kernels warm; the pool's wall includes starting its kernels)"
    ]
    per_worker = {}
    for name, (wall, workers) in walls.items():
        per_worker[name] = PLAN_SESSIONS / wall / workers
        lines.append(
            f"  {name:<34} {wall:6.1f} s  {PLAN_SESSIONS / wall:5.2f} plans/s  "
            f"{per_worker[name]:5.2f} plans/s per worker  ({planned[name]} planned)"
        )
    one, two = (per_worker[n] for n in list(walls)[1:])
    scaling = 2 * two / one
    lines.append(
        f"  1 → 2 workers: {scaling:.2f}x the throughput (2.0 is perfect; target ≥ 1.8 on an "
        "idle 2-core machine)"
    )
    for workers, (connect, round_trip) in overhead.items():
        lines.append(
            f"  client overhead, {workers} worker(s): connect {connect * 1000:.0f} ms, "
            f"{PLAN_SESSIONS} no-op tasks {round_trip * 1000:.0f} ms "
            f"({round_trip / PLAN_SESSIONS * 1000:.1f} ms a task)"
        )
    per_plan = 1 / two
    lines.append(
        f"  cost model: 10,000 teams on 32 such workers ≈ 10,000 × {per_plan:.2f} s / 32 ≈ "
        f"{10_000 * per_plan / 32 / 60:.0f} min, if the shared folder keeps up"
    )
    summary_lines = [
        f"plans on LocalCluster: {one:.2f} plans/s with 1 worker, {two:.2f} per worker with 2 "
        f"(1→2 scaling {scaling:.2f}x); local pool {per_worker['local pool, 2 processes']:.2f} "
        "per worker"
    ]
    return lines, summary_lines


def rows(tmp: Path) -> tuple[str, list[str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    store_lines, store_summary = store_rows(tmp)
    plan_lines, plan_summary = plan_rows(tmp)
    return "\n".join([*store_lines, "", *plan_lines]), [*store_summary, *plan_summary]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="cct-bench-") as tmp:
        text, summary = rows(Path(tmp))
        print(text)
        print("\n".join(summary))
