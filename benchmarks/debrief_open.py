"""The debrief app opening (issue 13): this checkout against another commit, in one run.

``python -m benchmarks.debrief_open [COMMIT]`` (default ``main``) exports COMMIT's tree with
``git archive`` into a temporary folder and measures it and this checkout side by side, on
the three-cycle sample store (``toolkit.evaluate.sample``, 41 sessions), each in fresh
subprocesses of ``sys.executable`` with ``PYTHONPATH`` set to its tree:

* **app built** — seconds to construct ``toolkit.debrief.app.DebriefApp`` on the store, once
  the imports are done: what a kernel kept ready by ``cct serve`` does after
  ``wait_for_visit``.
* **usable in Chromium** — ``CCT_BENCH_DEBRIEF_VISITS`` visits (default 2), each from
  ``page.goto`` of ``/voila/render/debrief.ipynb`` on that tree's own ``cct serve`` (as
  ``benchmarks.facilitator_apps`` starts it: ``app_pool_size=1``, each visit from the app's
  kernel kept ready, once the pools are filled and the server quiet) to the app's first view
  on screen: ``.cct-debrief-overview`` where the tree has it (the overview drawn
  at once, charts when a session is opened), else ``.cct-debrief svg`` (every chart drawn at
  once). Median and each visit.

The machine's 1-minute load average is printed at start and end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VISITS = int(os.environ.get("CCT_BENCH_DEBRIEF_VISITS", "2"))

MEASURE = r"""
import json, statistics, sys, time
from pathlib import Path
store, visits = sys.argv[1], int(sys.argv[2])
from toolkit.debrief.app import DebriefApp
started = time.perf_counter()
DebriefApp(store_url=store)
built = time.perf_counter() - started
fragment = Path("templates/debrief/fragment.html.j2").read_text(encoding="utf-8")
selector = ".cct-debrief-overview" if "cct-debrief-{{ part }}" in fragment else ".cct-debrief svg"
from benchmarks.facilitator_apps import _server_process, wait_ready
from tests.browser import TEST_PASSWORD, chromium_page, voila_server
seconds = []
with voila_server(
    env={"CCT_DATABASE_URL": store}, app_pool_size=1, timeout=180
) as base, chromium_page() as page:
    server = _server_process(base.rsplit(":", 1)[1])
    page.goto(f"{base}/?token={TEST_PASSWORD}", timeout=300_000)
    for _ in range(visits):
        wait_ready(base, server)  # the app's kernel kept ready, and all quiet
        started = time.perf_counter()
        page.goto(f"{base}/voila/render/debrief.ipynb", timeout=300_000)
        page.wait_for_selector(selector, timeout=300_000)
        seconds.append(time.perf_counter() - started)
        page.goto("about:blank")
print(json.dumps({"built": built, "selector": selector, "visits": seconds}))
"""


def measure(tree: Path, store: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, store, str(VISITS)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(commit: str = "main") -> None:
    import statistics

    sys.path.insert(0, str(ROOT))
    from toolkit.evaluate.sample import write_sample

    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="cct-bench-debrief-") as tmp:
        folder = Path(tmp)
        store = f"sqlite:///{folder}/reflections.sqlite"
        write_sample(folder / "sample", store)
        before = folder / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        rows = []
        for name, tree in ((commit, before), ("this checkout", ROOT)):
            print(f"… measuring {name}", file=sys.stderr, flush=True)
            got = measure(tree, store)
            visits = ", ".join(f"{s:.2f}" for s in got["visits"])
            rows.append(
                f"{name:>14}: app built {got['built']:.2f} s · usable in Chromium "
                f"({got['selector']}) median {statistics.median(got['visits']):.2f} s "
                f"[{visits}]"
            )
            loads.append(os.getloadavg()[0])
    print("Debrief app (issue 13), three-cycle sample store, from the kernel kept ready:")
    print("\n".join(rows))
    print(
        f"load average (1 min, {os.cpu_count()} CPUs): "
        + ", ".join(f"{x:.1f}" for x in loads)
        + " (start, after each)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
