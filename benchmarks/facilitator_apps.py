"""Facilitators' apps (issue 13): seconds from opening an app to using it, kept ready and cold.

One ``cct serve``, started as the browser tests start it (``tests.browser.voila_server`` with
``app_pool_size=1``: one kernel kept ready per app in ``toolkit.serve.launch.PREHEATED_APPS``;
the participants' form gets ``CCT_BENCH_FORM_POOL`` kernels, default 0, so that every kernel
counted below is an app's), on the three-cycle sample store (``toolkit.evaluate.sample``) for
the apps that read reflections. Before the first visit the benchmark waits until ``/health``
reports every app's pool filled and the server and its kernels have gone quiet (under 0.1 CPU
second in 2 s: the kernels have run their notebooks up to ``wait_for_visit``).

One real headless Chromium (``tests.browser.chromium_page``, Debian's Chromium with the suite's
flags), logged in once with ``?token=``; each visit opens the app in its one tab and leaves
it for a blank page after (which closes the app's connection to its kernel). A visit is timed from ``page.goto`` to the app's first result on screen, by the selectors the suite's own
browser tests wait for:

* debrief ``.cct-debrief-overview`` (its first view, sessions listed with their counts; charts
  are drawn when a session is opened) · evaluation ``.cct-evaluation table.levels`` (the
  organisation's table of the four levels, drawn with its summary and trends at once: the first
  view; a team's section and charts are drawn when the facilitator chooses the team) ·
  needs_assessment ``.cct-profile svg`` · session_plan ``.cct-plan-handout h1, …h2`` ·
  transparency ``text=How we protect people in this report``.

Per app, ``CCT_BENCH_APP_VISITS`` visits (default 3) of each kind, one after another:

* **ready** — ``/voila/render/<app>`` from the kernel kept ready: the first visit right after
  the pool filled, each next one after ``/health`` shows the pool refilled and all is quiet
  again. The refill starts during the visit and competes with it for the CPU, as it would.
* **cold** — the same page with ``?template=lab``: Voila keeps a pool per template, so this
  starts a kernel for the visit (as ``tests/serve/test_launch.py`` does). It is the same
  JupyterLab page on the same server, side by side with the ready visits under the same load,
  which a second server with ``app_pool_size=0`` would not be; it is what every visit cost
  before the apps were preheated. Each cold visit also waits for quiet first.

The browser's cache is warmed by one untimed cold visit before any timed one, so the first
app does not pay for JupyterLab's scripts alone. Reported per app: the first ready visit, the
median (p50) of the ready visits and of the cold ones, their ratio, and the issue's target
(≤ 2 s) as a note, never a pass/fail. Beside each median, "page sent": seconds to the page's
load event. Voila sends the page as the notebook runs, so that is the server's part (the
kernel's start for a cold visit, the notebook's cells after ``wait_for_visit``, Voila's page);
the rest is JupyterLab's scripts in the browser drawing the widgets. Memory ("sized small"): RSS and PSS (``psutil``, PSS
splits shared pages among the processes sharing them) of each app's kernel kept ready — the
refill kernel that appears after its ready visit, read at the end while it still waits — of
every pool kernel before the first visit, and of the server itself.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402

from benchmarks.measure import table  # noqa: E402
from tests.browser import TEST_PASSWORD, chromium_page, voila_server  # noqa: E402
from tests.participant import kernel_processes  # noqa: E402
from toolkit.serve.launch import PREHEATED_APPS  # noqa: E402

VISITS = int(os.environ.get("CCT_BENCH_APP_VISITS", "3"))
FORM_POOL = int(os.environ.get("CCT_BENCH_FORM_POOL", "0"))
LIMIT = float(os.environ.get("CCT_BENCH_APP_LIMIT", "300"))  # s; a visit not usable by then
TARGET = 2.0  # seconds, issue 13
MB = 1024 * 1024
READY_WHEN = {
    "debrief.ipynb": ".cct-debrief-overview",
    "evaluation.ipynb": ".cct-evaluation table.levels",
    "needs_assessment.ipynb": ".cct-profile svg",
    "session_plan.ipynb": ".cct-plan-handout h1, .cct-plan-handout h2",
    "transparency.ipynb": "text=How we protect people in this report",
}
APPS = PREHEATED_APPS


def _progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def _server_process(port: str) -> psutil.Process:
    """`cct serve` on ``port``: a child of this process (voila_server starts it)."""
    for process in psutil.Process().children(recursive=True):
        try:
            if f"--port={port}" in " ".join(process.cmdline()):
                return process
        except psutil.Error:
            continue
    raise RuntimeError(f"no cct serve on port {port} among this process's children")


def _cpu_seconds(server: psutil.Process) -> float:
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _pools(base: str) -> dict:
    try:
        return requests.get(f"{base}/health", timeout=60).json()["pool"]
    except (requests.RequestException, ValueError, KeyError):
        return {}


def wait_ready(base: str, server: psutil.Process, apps=PREHEATED_APPS, limit: float = 900) -> float:
    """Until every app in ``apps`` has its kernel kept ready and nothing works any more."""
    started = time.monotonic()
    deadline = started + limit
    while time.monotonic() < deadline:
        pools = _pools(base)
        if all(pools.get(name, 0) >= 1 for name in apps):
            break
        time.sleep(1)
    else:
        raise RuntimeError(f"the apps' pools did not fill in {limit:.0f} s: {_pools(base)}")
    before = _cpu_seconds(server)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = _cpu_seconds(server)
        if now - before < 0.1:
            break
        before = now
    return time.monotonic() - started


def _memory(process: psutil.Process) -> tuple[float, float]:
    try:
        memory = process.memory_full_info()
        return memory.rss / MB, memory.pss / MB
    except psutil.Error:
        return float("nan"), float("nan")


def visit(page, url: str, selector: str) -> tuple[float, float] | None:
    """Seconds from ``goto`` to the page's load event and to ``selector``; None if not usable
    by ``LIMIT``. The page is left for a blank one after, which closes the app's connection to
    its kernel."""
    started = time.perf_counter()
    try:
        page.goto(url, timeout=LIMIT * 1000)
        loaded = time.perf_counter() - started
        page.wait_for_selector(selector, timeout=LIMIT * 1000)
        return loaded, time.perf_counter() - started
    except Exception as exc:  # reported in the table, the other apps still measured
        _progress(f"{url}: not usable: {type(exc).__name__}: {str(exc)[:200]}")
        return None
    finally:
        page.goto("about:blank")


def measure(folder: Path) -> dict:
    from toolkit.evaluate.sample import write_sample

    store = f"sqlite:///{folder}/reflections.sqlite"
    _progress("writing the three-cycle sample store")
    write_sample(folder, store)
    figures: dict = {"apps": {}, "load": [os.getloadavg()[0]]}
    _progress(f"starting cct serve with one kernel kept ready per app ({len(PREHEATED_APPS)})")
    with voila_server(
        env={"CCT_DATABASE_URL": store}, app_pool_size=1, pool_size=FORM_POOL, timeout=180
    ) as base:
        server = _server_process(base.rsplit(":", 1)[1])
        figures["fill_s"] = wait_ready(base, server)
        _progress(f"pools filled and quiet after {figures['fill_s']:.0f} s")
        kernels = kernel_processes(server.pid)
        figures["pool_kernels"] = [_memory(k) for k in kernels]
        figures["server"] = _memory(server)
        figures["load"].append(os.getloadavg()[0])
        refills: dict[str, psutil.Process] = {}
        with chromium_page() as page:
            page.goto(f"{base}/?token={TEST_PASSWORD}", timeout=LIMIT * 1000)  # logged in
            _progress("warming the browser's cache (one untimed cold visit)")
            first = APPS[0]
            visit(page, f"{base}/voila/render/{first}?template=lab", READY_WHEN[first])
            for name in APPS:
                url = f"{base}/voila/render/{name}"
                ready: list[tuple[float, float] | None] = []
                if name in PREHEATED_APPS:
                    for k in range(VISITS):
                        wait_ready(base, server)
                        before = {p.pid for p in kernel_processes(server.pid)}
                        _progress(f"{name}: ready visit {k + 1} of {VISITS}")
                        ready.append(visit(page, url, READY_WHEN[name]))
                        wait_ready(base, server)
                        new = [p for p in kernel_processes(server.pid) if p.pid not in before]
                        if len(new) == 1:
                            refills[name] = new[0]
                cold: list[tuple[float, float] | None] = []
                cold_url = f"{url}?template=lab" if name in PREHEATED_APPS else url
                for k in range(VISITS):
                    wait_ready(base, server)
                    _progress(f"{name}: cold visit {k + 1} of {VISITS}")
                    cold.append(visit(page, cold_url, READY_WHEN[name]))
                figures["apps"][name] = {"ready": ready, "cold": cold}
                figures["load"].append(os.getloadavg()[0])
        for name, process in refills.items():
            figures["apps"][name]["kernel"] = _memory(process)
    return figures


def _p50(values: list, which: int = 1) -> float | None:
    """Median of the visits' seconds to the load event (0) or to the first result (1)."""
    done = [v[which] for v in values if v is not None]
    return statistics.median(done) if done else None


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def rows() -> tuple[str, list[str]]:
    _progress(
        f"the facilitators' apps in Chromium, kept ready and cold, {VISITS} visit(s) of each "
        f"kind (~{2 + 2 * VISITS} min on a quiet machine)"
    )
    with tempfile.TemporaryDirectory(prefix="cct-bench-apps-") as tmp:
        figures = measure(Path(tmp))
    table_rows = []
    summary_parts = []
    for name in APPS:
        f = figures["apps"][name]
        ready, cold = _p50(f["ready"]), _p50(f["cold"])
        failed = sum(v is None for v in f["ready"] + f["cold"])
        ratio = f"{ready / cold:.2f}" if ready is not None and cold else "—"
        rss, pss = f.get("kernel", (None, None))
        table_rows.append(
            [
                name.removesuffix(".ipynb"),
                _s(_p50(f["ready"][:1])) if f["ready"] else "not preheated",
                _s(ready) if f["ready"] else "—",
                _s(_p50(f["ready"], 0)) if f["ready"] else "—",
                _s(cold),
                _s(_p50(f["cold"], 0)),
                ratio,
                "—" if rss is None else f"{rss:.0f} MB",
                "—" if pss is None else f"{pss:.0f} MB",
                str(failed) if failed else "",
            ]
        )
        summary_parts.append(
            f"{name.removesuffix('.ipynb')} {_s(ready)} vs cold {_s(cold)}"
            if f["ready"]
            else f"{name.removesuffix('.ipynb')} {_s(cold)} (not preheated)"
        )
    pool = figures["pool_kernels"]
    rss_all = [r for r, _ in pool]
    pss_all = [p for _, p in pool]
    load = figures["load"]
    text = "\n".join(
        [
            f"Facilitators' apps (issue 13): seconds from opening to the first result, headless "
            f"Chromium, cct serve with app_pool_size=1, {VISITS} visit(s) of each kind",
            table(
                [
                    "app",
                    "first ready",
                    f"ready p50 ({VISITS})",
                    "page sent",
                    f"cold p50 ({VISITS})",
                    "page sent",
                    "ready/cold",
                    "kept-ready RSS",
                    "PSS",
                    "not usable",
                ],
                table_rows,
            ),
            f"target from the issue: an app usable in <= {TARGET:g} s (a note, not a pass/fail).",
            f"kernels kept ready before the first visit: {len(pool)}, RSS "
            + (
                f"{statistics.median(rss_all):.0f} MB median ({min(rss_all):.0f}–"
                f"{max(rss_all):.0f}), {sum(rss_all):.0f} MB in all; PSS "
                f"{statistics.median(pss_all):.0f} MB median, {sum(pss_all):.0f} MB in all"
                if pool
                else "none found"
            )
            + f"; the server itself RSS {figures['server'][0]:.0f} MB",
            f"pools filled and quiet {figures['fill_s']:.0f} s after the server answered; "
            f"machine load (1-min average, {os.cpu_count()} CPUs) "
            + ", ".join(f"{x:.1f}" for x in load)
            + " (at start, when filled, after each app)",
        ]
    )
    summary = ["facilitator apps, p50 ready vs cold: " + "; ".join(summary_parts)]
    return text, summary


if __name__ == "__main__":
    print(rows()[0])
