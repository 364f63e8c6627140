"""Growing past one machine (issue 19): PostgreSQL against SQLite, a Dask cluster against the pool.

* **Saves per second from 30 processes** — ``SAVE_PROCESSES`` processes (spawned, the store
  opened, then released together by one event) each save ``SAVES_EACH`` reflections through
  :meth:`ReflectionStore.save`, one transaction each; saves/s = all saves / (last finish −
  release). SQLite: a WAL file with ``synchronous=FULL`` in a temporary folder. PostgreSQL:
  Debian's server started for the run (``tests/postgres.py``: Unix socket, fsync on, defaults).
* **Plans on a cluster** — the same ``PLAN_SESSIONS`` sessions planned (``force``) by the local
  process pool (2 processes), and on a ``distributed.LocalCluster`` with 1 and with 2 worker
  processes of one thread each, through :func:`toolkit.plan.batch.run_on_cluster`, with
  ``data/dask.yaml``'s settings (as the README tells to install them on a real cluster). Throughput
  per worker = sessions / wall / workers; scaling = 2-worker throughput / 1-worker throughput
  (2.0 would be perfect). The cluster's workers first plan one session each, untimed, so their
  kernels are warm, as in a long batch; the pool's wall includes starting its kernels (a pool
  lives for one batch). The client's own overhead is shown: connecting, and the round trip of
  ``PLAN_SESSIONS`` no-op tasks.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT

SAVE_PROCESSES = 30
SAVES_EACH = 30
PLAN_SESSIONS = int(os.environ.get("CCT_BENCH_PLAN_SESSIONS", "16"))
RESET_ROUNDS = 8  # pairs of plans, full reset and light, on one warm kernel


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


def _cpu_by_role() -> dict[str, float]:
    """CPU seconds so far of this process (the client and, in a LocalCluster, the scheduler),
    of the Dask worker processes (and their nannies), and of the kernels they keep."""
    import psutil

    me = psutil.Process()
    times = me.cpu_times()
    roles = {"client + scheduler": times.user + times.system, "workers": 0.0, "kernels": 0.0}
    for child in me.children(recursive=True):
        try:
            kernel = "ipykernel" in " ".join(child.cmdline())
            times = child.cpu_times()
        except psutil.Error:
            continue
        roles["kernels" if kernel else "workers"] += times.user + times.system
    return roles


def reset_rows(tmp: Path, results: Path, sessions: Path) -> tuple[list[str], list[str]]:
    """One warm kernel, plans alternating between a full ``%reset -f`` before each notebook
    (before issue 19's change) and the light reset: CPU per plan of the kernel and of the
    process driving it (CPU time, so other load on the machine counts less than in walls)."""
    import papermill  # noqa: F401  (first: it loads the cct_warm entry point itself)
    import psutil

    from toolkit.plan import warm_engine
    from toolkit.plan.batch import read_jobs, run_job

    jobs = read_jobs(sessions, results, tmp / "reset")
    run_job(jobs[-1])  # the kernel started and warm
    kernel = psutil.Process(warm_engine.WarmKernelEngine.current().km.provisioner.process.pid)
    me = psutil.Process()
    spent = {"full %reset -f each notebook": [0.0, 0.0, 0], "light reset": [0.0, 0.0, 0]}
    for k, job in enumerate(jobs[: 2 * RESET_ROUNDS]):
        name = list(spent)[k % 2]  # interleaved: full, light, full, light …
        warm_engine.FULL_RESET_EVERY = 1 if k % 2 == 0 else 25
        before = (sum(kernel.cpu_times()[:2]), sum(me.cpu_times()[:2]))
        run_job(job)
        spent[name][0] += sum(kernel.cpu_times()[:2]) - before[0]
        spent[name][1] += sum(me.cpu_times()[:2]) - before[1]
        spent[name][2] += 1
    warm_engine.FULL_RESET_EVERY = 25
    warm_engine.shutdown_all()
    lines = [f"Warm kernel, {2 * RESET_ROUNDS} plans alternating (CPU ms per plan)"]
    per = {n: (kern / count * 1000, own / count * 1000) for n, (kern, own, count) in spent.items()}
    for name, (kern, own) in per.items():
        lines.append(f"  {name:<30} kernel {kern:5.0f} ms   papermill + handout {own:5.0f} ms")
    full, light = (sum(v) for v in per.values())
    lines.append(f"  light / full: {light / full:.2f}x the CPU of a plan")
    return lines, [f"warm kernel reset: a plan costs {light / full:.2f}x the CPU it did"]


def _every_session_planned(summary, where: str) -> None:
    """A throughput of failed plans means nothing: stop and say why the first one failed."""
    failed = [o for o in summary.outcomes if o.status != "planned"]
    if failed:
        raise SystemExit(
            f"{where}: {len(failed)} of {len(summary.outcomes)} sessions were not planned; the "
            f"first: {failed[0].session_id}: {failed[0].message or failed[0].status}"
        )


def plan_rows(tmp: Path) -> tuple[list[str], list[str]]:
    import logging

    import dask
    from distributed import Client, LocalCluster

    from benchmarks import plans
    from toolkit.plan.batch import dask_settings, read_jobs, run_batch, run_on_cluster

    _progress("assessing a 100-team organisation for the plans")
    results, sessions = plans.organisation(tmp, PLAN_SESSIONS + 2)  # + 2 to warm the workers
    _progress("the warm kernel's reset, full and light, interleaved")
    reset_lines, reset_summary = reset_rows(tmp, results, sessions)
    walls: dict[str, list[tuple[float, int]]] = {}
    cpu: dict[int, list[dict[str, float]]] = {1: [], 2: []}

    def jobs(name: str, first: int = 0, count: int = PLAN_SESSIONS):
        return read_jobs(sessions, results, tmp / name)[first : first + count]

    _progress(f"planning {PLAN_SESSIONS} sessions on the local pool (2 processes)")
    started = time.perf_counter()
    summary = run_batch(jobs("pool"), tmp / "pool", workers=2, force=True, progress=False)
    walls["local pool, 2 processes"] = [(time.perf_counter() - started, 2)]
    _every_session_planned(summary, "the local pool")
    planned = {"local pool, 2 processes": summary.counts().get("planned", 0)}
    overhead = {}
    half = PLAN_SESSIONS // 2
    for run, workers in enumerate((1, 2, 2, 1)):  # interleaved: the load drifts, both see it
        name = f"LocalCluster, {workers} worker process{'es' if workers > 1 else ''}"
        # each size plans every session once: the first half in its first run, the rest after
        first, count = (0, half) if run < 2 else (half, PLAN_SESSIONS - half)
        _progress(f"planning sessions {first + 1}–{first + count} on a LocalCluster of {workers}")
        with (
            dask.config.set(dask_settings()),  # data/dask.yaml, as the README installs it
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
        ):
            started = time.perf_counter()
            with Client(cluster.scheduler_address, set_as_default=False) as client:
                connected = time.perf_counter()
                client.gather(client.map(_noop, range(PLAN_SESSIONS), pure=False))
                overhead[workers] = (connected - started, time.perf_counter() - connected)
            run_on_cluster(  # warm-up, untimed: one kernel started in each worker
                jobs(f"warm{run}", PLAN_SESSIONS, workers),  # the two spare sessions
                tmp / f"warm{run}",
                cluster.scheduler_address,
                progress=False,
            )
            before = _cpu_by_role()
            started = time.perf_counter()
            summary = run_on_cluster(
                jobs(f"cluster{run}", first, count),
                tmp / f"cluster{run}",
                cluster.scheduler_address,
                force=True,
                progress=False,
            )
            walls.setdefault(name, []).append((time.perf_counter() - started, workers))
            _every_session_planned(summary, name)
            after = _cpu_by_role()
            cpu[workers].append({role: (after[role] - before[role]) / count for role in after})
            planned[name] = planned.get(name, 0) + summary.counts().get("planned", 0)
    lines = [
        f"Session plans on a cluster: {PLAN_SESSIONS} sessions on each, one thread per worker; "
        "the cluster runs interleaved 1, 2, 2, 1 workers, each size planning the first half in "
        "its first run and the rest in its second (cluster kernels warm; the pool's wall "
        "includes starting its kernels)"
    ]
    per_worker = {}
    for name, runs in walls.items():
        wall = sum(w for w, _ in runs)  # all PLAN_SESSIONS, in one run or two halves
        workers = runs[0][1]
        per_worker[name] = PLAN_SESSIONS / wall / workers
        lines.append(
            f"  {name:<34} {wall:6.1f} s  {PLAN_SESSIONS / wall:5.2f} plans/s  "
            f"{per_worker[name]:5.2f} plans/s per worker  ({planned[name]} planned in "
            f"{len(runs)} run(s); walls {', '.join(f'{w:.1f}' for w, _ in runs)} s)"
        )
    one, two = (per_worker[n] for n in list(walls)[1:])
    scaling = 2 * two / one
    lines.append(
        f"  1 → 2 workers, measured: {scaling:.2f}x the throughput (2.0 is perfect; target ≥ 1.8 "
        f"on an idle 2-core machine; load average now {os.getloadavg()[0]:.1f})"
    )
    roles = {}
    for workers, runs in cpu.items():
        roles[workers] = {r: sum(run[r] for run in runs) / len(runs) for r in runs[0]}
        lines.append(
            f"  CPU per plan, {workers} worker(s): "
            + ", ".join(f"{role} {s * 1000:.0f} ms" for role, s in roles[workers].items())
        )
    parallel = roles[2]["workers"] + roles[2]["kernels"]
    shared = roles[2]["client + scheduler"]
    model = 2 * parallel / (parallel + shared)
    lines.append(
        f"  1 → 2 workers on an idle 2-core machine, from CPU per plan: 2 × {parallel:.2f} / "
        f"({parallel:.2f} + {shared:.2f} client + scheduler) = {model:.2f}x"
    )
    for workers, (connect, round_trip) in overhead.items():
        lines.append(
            f"  client overhead, {workers} worker(s): connect {connect * 1000:.0f} ms, "
            f"{PLAN_SESSIONS} no-op tasks {round_trip * 1000:.0f} ms "
            f"({round_trip / PLAN_SESSIONS * 1000:.1f} ms a task)"
        )
    cpu_plan = parallel
    lines.append(
        f"  cost model: 10,000 teams on 32 one-core workers ≈ 10,000 × {cpu_plan:.2f} s CPU / 32 "
        f"≈ {10_000 * cpu_plan / 32 / 60:.0f} min (+ the scheduler, one core), if the shared "
        f"folder keeps up; by this run's walls: {10_000 / two / 32 / 60:.0f} min"
    )
    summary_lines = [
        f"plans on LocalCluster: {one:.2f} plans/s with 1 worker, {two:.2f} per worker with 2 "
        f"(1→2 scaling {scaling:.2f}x measured, {model:.2f}x from CPU per plan); local pool "
        f"{per_worker['local pool, 2 processes']:.2f} per worker",
        *reset_summary,
    ]
    return [*reset_lines, "", *lines], summary_lines


def rows(tmp: Path) -> tuple[str, list[str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    store_lines, store_summary = store_rows(tmp)
    plan_lines, plan_summary = plan_rows(tmp)
    return "\n".join([*store_lines, "", *plan_lines]), [*store_summary, *plan_summary]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="cct-bench-") as tmp:
        if sys.argv[1:] == ["plans"]:  # the plans only, not the store
            lines, summary = plan_rows(Path(tmp))
            text = "\n".join(lines)
        else:
            text, summary = rows(Path(tmp))
        print(text)
        print("\n".join(summary))
