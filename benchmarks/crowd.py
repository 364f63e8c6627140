"""A session ending: a crowd of participants opens the reflection form and sends it.

Side by side in one run: stock ``voila notebooks/reflection.ipynb`` (default settings) and
``cct serve`` (preheated pool, light page, culling). Participants are websocket clients
(``tests/participant.py``: the page's GET, then the Jupyter kernel and widget protocol, as the
page's own client speaks it), so the figures measure the server, not a hundred browsers on two
cores; one real headless Chromium participant runs alongside.

Reported per server: p50/p95 seconds from arriving to a usable form (the widget's state has
arrived) and to the confirmation (the kernel says it is stored), reflections stored, kernels of
visitors still alive ``LINGER`` seconds after everyone left (pool kernels not counted), and the
peak resident memory of the server and its kernels, in total and per participant.

Sizes from the environment (defaults as the issue asks): ``CCT_BENCH_CROWD`` (100),
``CCT_BENCH_SECONDS`` (60, arrivals evenly spread), ``CCT_BENCH_LINGER`` (120),
``CCT_BENCH_POOL`` (8).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    TEST_PASSWORD,
    TEST_SESSIONS,
    free_port,
    signed_form_url,
    wait_until_up,
    write_plans,
)
from tests.participant import kernel_processes, run_participant  # noqa: E402

CROWD = int(os.environ.get("CCT_BENCH_CROWD", "100"))
SECONDS = float(os.environ.get("CCT_BENCH_SECONDS", "60"))
LINGER = float(os.environ.get("CCT_BENCH_LINGER", "120"))
POOL = int(os.environ.get("CCT_BENCH_POOL", "8"))
# "ours": cct serve as configured by default (kernels forked from one process,
# toolkit/serve/kernels.py); "started": cct serve with c.Server.forked_kernels = False
KINDS = os.environ.get("CCT_BENCH_KINDS", "stock,ours").split(",")
MB = 1024 * 1024


class MemoryWatch:
    """Peak memory of a process and all its children, and their CPU time, sampled every second.

    Two sums: resident (RSS) counts a page shared by several processes once in each, so for
    kernels forked from one process (``cct serve``) it counts the shared imports once per
    kernel; proportional (PSS) splits each shared page among the processes sharing it, so its
    sum is the memory the machine actually spends. Both are reported; the target is read
    against PSS. Also the largest RSS and PSS of one kernel.

    CPU: each process's user + system seconds as last seen (a kernel shut between two samples
    loses its last second at most), summed for the server process, the kernels and the rest,
    so a report can say where a crowd's time goes.
    """

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak_rss = 0
        self.peak_pss = 0
        self.kernel_rss = 0
        self.kernel_pss = 0
        self.cpu_seen: dict[int, tuple[str, float]] = {}  # pid: (server/kernel/other, s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        rss = pss = 0
        kernel_ids = {p.pid for p in kernel_processes(self.root.pid)}
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                memory = process.memory_full_info()  # /proc/<pid>/smaps_rollup
                times = process.cpu_times()
            except psutil.Error:
                continue
            role = (
                "server"
                if process.pid == self.root.pid
                else "kernel"
                if process.pid in kernel_ids
                else "other"
            )
            self.cpu_seen[process.pid] = (role, times.user + times.system)
            rss += memory.rss
            pss += memory.pss
            if process.pid in kernel_ids:
                self.kernel_rss = max(self.kernel_rss, memory.rss)
                self.kernel_pss = max(self.kernel_pss, memory.pss)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def cpu(self) -> dict[str, float]:
        """CPU seconds by role, and how many kernels were seen."""
        totals = {"server": 0.0, "kernel": 0.0, "other": 0.0}
        for role, seconds in self.cpu_seen.values():
            totals[role] += seconds
        totals["kernels"] = sum(1 for role, _ in self.cpu_seen.values() if role == "kernel")
        return totals

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def kernels(pid: int) -> int:
    return len(kernel_processes(pid))


def chromium_participant(link: str, result: dict) -> None:
    """One real browser in the crowd: opens, fills in and sends the form."""
    from datetime import date, timedelta

    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.goto(link, timeout=300_000)
            page.wait_for_selector(".cct-send", timeout=300_000)
            result["usable_s"] = time.perf_counter() - started
            for k in range(2):
                page.check(f".cct-before-{k} input[data-value='2']")
                page.check(f".cct-now-{k} input[data-value='4']")
            page.click(".cct-more summary")  # the optional prompts, folded until asked for
            page.fill(".cct-prompt-description textarea", "A role-play")
            page.fill(".cct-prompt-action textarea", "Brief the interpreter")
            page.fill(".cct-commitment textarea", "crowd-chromium")
            page.fill(".cct-commitment-date input", (date.today() + timedelta(days=9)).isoformat())
            page.check(".cct-relevance input[data-value='5']")
            page.check(".cct-usefulness input[data-value='4']")
            page.click(".cct-send")
            page.wait_for_selector(".cct-saved", timeout=300_000)
            result["confirmed_s"] = time.perf_counter() - started
            browser.close()
    except Exception as exc:  # reported, not raised: the crowd's figures still count
        result["problem"] = f"{type(exc).__name__}: {exc}"[:200]


def crowd_on(kind: str, folder: Path) -> dict:
    port = free_port()
    db = f"sqlite:///{folder}/{kind}.sqlite"
    plans = write_plans(folder / f"plans-{kind}", group_size=CROWD + 1)
    from toolkit.reflect.store import upgrade_schema

    upgrade_schema(db).engine.dispose()  # as `cct db upgrade` before a session
    env = {
        **os.environ,
        "CCT_DATABASE_URL": db,
        "CCT_PLANS_DIR": str(plans),
        "CCT_PASSWORD": TEST_PASSWORD,
    }
    base = f"http://127.0.0.1:{port}"
    if kind == "stock":
        command = [sys.executable, "-m", "voila", "notebooks/reflection.ipynb"]
        command += [f"--port={port}", "--no-browser"]
        link = signed_form_url(base, TEST_SESSIONS[0]).replace(
            "/voila/render/reflection.ipynb", "/"
        )
        pool = 0
    else:
        command = [str(Path(sys.executable).with_name("cct")), "serve", f"--port={port}"]
        command += [f"--plans-dir={plans}", f"--pool-size={POOL}", "--no-browser"]
        config = folder / f"cct_config-{kind}.py"
        config.write_text(
            "c.Server.app_pool_size = 0\n"  # the form's pool only: kernels counted below
            f"c.Server.forked_kernels = {kind != 'started'}\n",
            encoding="utf-8",
        )
        command.append(f"--config={config}")
        link = signed_form_url(base, TEST_SESSIONS[0])
        pool = POOL
    log = open(folder / f"{kind}.log", "w+")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until_up(base, server, log, 120)
        deadline = time.monotonic() + 180
        while kernels(server.pid) < pool and time.monotonic() < deadline:
            time.sleep(1)  # the pool fills before the session ends, as it would in a room
        time.sleep(10 if pool else 0)  # and its kernels run the form up to the visitor's link
        load_before = os.getloadavg()[0]
        print(f"… {kind}: {CROWD} participants over {SECONDS:.0f} s", file=sys.stderr, flush=True)
        gap = SECONDS / CROWD
        browser: dict = {}

        def arrive(k: int):
            time.sleep(k * gap)
            return run_participant(link, commitment=f"crowd-{k}")

        with MemoryWatch(server.pid) as memory:
            memory.sample()  # the CPU already spent (start, pool) is counted apart
            spent_before = memory.cpu()
            crowd_started = time.perf_counter()
            chromium = threading.Thread(target=chromium_participant, args=(link, browser))
            chromium.start()
            with ThreadPoolExecutor(max_workers=CROWD) as pool_of_people:
                visits = list(pool_of_people.map(arrive, range(CROWD)))
            chromium.join(600)
            crowd_wall = time.perf_counter() - crowd_started
            memory.sample()
        peak = memory
        spent = memory.cpu()
        load_during = os.getloadavg()[0]
        print(f"… {kind}: everyone left; waiting {LINGER:.0f} s", file=sys.stderr, flush=True)
        time.sleep(LINGER)
        left = max(0, kernels(server.pid) - pool)
        from toolkit.reflect.store import ReflectionStore

        stored = sum(1 for r in ReflectionStore(db).load() if r.commitment.startswith("crowd-"))
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()
        kept = Path(tempfile.gettempdir()) / f"cct-crowd-{kind}.log"
        kept.write_bytes((folder / f"{kind}.log").read_bytes())  # read after the folder is gone
        print(f"… {kind}: server log in {kept}", file=sys.stderr, flush=True)
    return {
        "visits": visits,
        "browser": browser,
        "peak_rss_mb": peak.peak_rss / MB,
        "peak_pss_mb": peak.peak_pss / MB,
        "kernel_rss_mb": peak.kernel_rss / MB,
        "kernel_pss_mb": peak.kernel_pss / MB,
        "left": left,
        "load": (load_before, load_during),
        "stored": stored,
        "cpu": {k: spent[k] - spent_before[k] for k in ("server", "kernel", "other")},
        "kernels_seen": spent["kernels"],
        "wall": crowd_wall,
    }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def describe(kind: str, figures: dict) -> list[str]:
    visits = figures["visits"]
    usable = [v.usable_s for v in visits if v.usable_s is not None]
    confirmed = [v.confirmed_s for v in visits if v.confirmed_s is not None]
    problems = [v.problem for v in visits if v.problem]
    b = figures["browser"]
    chromium = (
        f"usable {b['usable_s']:.2f} s, confirmed {b['confirmed_s']:.2f} s"
        if "confirmed_s" in b
        else f"problem: {b.get('problem', 'did not finish')}"
    )
    return [
        f"  {kind}: usable p50 {_quantile(usable, 50):.2f} s, p95 {_quantile(usable, 95):.2f} s; "
        f"confirmed p50 {_quantile(confirmed, 50):.2f} s, p95 {_quantile(confirmed, 95):.2f} s",
        f"    stored {figures['stored']} of {CROWD + 1} (crowd + Chromium); {len(problems)} "
        f"gave up or failed; visitors' kernels alive {LINGER:.0f} s after: {figures['left']}",
        f"    peak memory, server and kernels: PSS {figures['peak_pss_mb']:.0f} MB = "
        f"{figures['peak_pss_mb'] / (CROWD + 1):.0f} MB per participant (RSS sum "
        f"{figures['peak_rss_mb']:.0f} MB = {figures['peak_rss_mb'] / (CROWD + 1):.0f} MB, "
        f"counting shared pages once per process); largest kernel RSS "
        f"{figures['kernel_rss_mb']:.0f} MB, PSS {figures['kernel_pss_mb']:.0f} MB",
        f"    Chromium participant: {chromium}; machine load (1-min average, 2 cores, shared) "
        f"{figures['load'][0]:.1f} before, {figures['load'][1]:.1f} at the end",
        f"    CPU during the crowd ({figures['wall']:.0f} s wall, 2 cores): server process "
        f"{figures['cpu']['server']:.0f} s, kernels {figures['cpu']['kernel']:.0f} s "
        f"({figures['kernels_seen']} seen, pool included), other children "
        f"{figures['cpu']['other']:.0f} s",
        *(f"    e.g. {p}" for p in problems[:3]),
    ]


def rows() -> tuple[str, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for kind in KINDS:
            figures[kind] = crowd_on(kind, Path(tmp))
            print("\n".join(describe(kind, figures[kind])), file=sys.stderr, flush=True)
    lines = [
        f"A crowd: {CROWD} websocket participants + 1 Chromium arriving over {SECONDS:.0f} s "
        "(targets: p95 usable <= 1.5 s, all stored, 0 kernels left, <= 60 MB per participant)"
    ]
    names = {"stock": "stock voila", "ours": "cct serve", "started": "cct serve, started kernels"}
    for kind in KINDS:
        lines += describe(names[kind], figures[kind])
    if not {"ours", "stock"} <= figures.keys():
        return "\n".join(lines), []
    o = [v.usable_s for v in figures["ours"]["visits"] if v.usable_s is not None]
    s = [v.usable_s for v in figures["stock"]["visits"] if v.usable_s is not None]
    summary = [
        f"crowd of {CROWD}: p95 usable cct serve {_quantile(o, 95):.2f} s vs stock "
        f"{_quantile(s, 95):.2f} s; stored {figures['ours']['stored']} vs "
        f"{figures['stock']['stored']}; kernels left {figures['ours']['left']} vs "
        f"{figures['stock']['left']}"
    ]
    return "\n".join(lines), summary


if __name__ == "__main__":
    print(rows()[0])
