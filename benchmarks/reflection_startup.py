"""Time from opening the reflection form's URL to a usable form, in headless Chromium.

Side by side in one run: stock ``voila notebooks/reflection.ipynb`` with default settings,
and ``cct serve`` (Voila with the participants' form preheated and its light page, the "cct"
template; see ``toolkit.serve``), both opening the same signed link of a planned session. "Usable" = the Send button is in the page, which the form draws
only once its widget is connected to its kernel.

* single participant: ``SINGLE`` page loads one after another (a fresh browser each, 3 s
  apart), median;
* a session ending: ``CROWD`` participants arriving over ``CROWD_SECONDS`` seconds (evenly
  spaced), median and 90th percentile. Each has a browser context of their own (own cookies,
  storage and connection pool, as on their own phone) in one shared headless Chromium: thirty
  browser processes would measure the 2-core machine, not the server.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    TEST_PASSWORD,
    TEST_SESSIONS,
    free_port,
    signed_form_url,
    write_plans,
)
from toolkit.reflect.store import upgrade_schema  # noqa: E402

SINGLE = 5
CROWD = 30
CROWD_SECONDS = 60
POOL_SIZE = 6
LIMIT = 300  # seconds; a page not usable by then counts as this long


def _start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


async def _open(context, url: str) -> float:
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(url, timeout=LIMIT * 1000)
        await page.wait_for_selector(".cct-send", timeout=LIMIT * 1000)
        return time.perf_counter() - started
    except Exception as exc:  # counted as the limit: a participant who gave up
        print(f"… a participant gave up: {type(exc).__name__}", file=sys.stderr, flush=True)
        return float(LIMIT)
    finally:
        await page.close()


async def _alone(p, url: str) -> float:
    """One participant on a device of their own: a fresh browser, launched before the clock."""
    browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    try:
        context = await browser.new_context(viewport={"width": 390, "height": 800})
        return await _open(context, url)
    finally:
        await browser.close()


async def _arriving(browser, url: str, delay: float) -> float:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 390, "height": 800})
    try:
        return await _open(context, url)
    finally:
        await context.close()


async def _measure(url: str) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        await _alone(p, url)  # warm-up: the first kernel
        await asyncio.sleep(10)
        print(f"… {url.split('/')[2]}: single participant", file=sys.stderr, flush=True)
        single = []
        for _ in range(SINGLE):
            single.append(await _alone(p, url))
            await asyncio.sleep(3)
        await asyncio.sleep(10)
        print(f"… {CROWD} participants over {CROWD_SECONDS} s", file=sys.stderr, flush=True)
        gap = CROWD_SECONDS / CROWD
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            crowd = await asyncio.gather(*(_arriving(browser, url, k * gap) for k in range(CROWD)))
        finally:
            await browser.close()
    print(f"… single {single}, crowd {sorted(crowd)}", file=sys.stderr, flush=True)
    return {"single": single, "crowd": list(crowd)}


def _run(kind: str, db: str, plans: Path) -> dict:
    """One server: stock Voila on the notebook, or `cct serve`; the same signed link."""
    port = free_port()
    env = {
        **os.environ,
        "CCT_DATABASE_URL": db,
        "CCT_PLANS_DIR": str(plans),
        "CCT_PASSWORD": TEST_PASSWORD,
    }
    link = signed_form_url(f"http://127.0.0.1:{port}", TEST_SESSIONS[0])
    if kind == "stock":
        command = [
            sys.executable,
            "-m",
            "voila",
            "notebooks/reflection.ipynb",
            f"--port={port}",
            "--no-browser",
        ]
        url = link.replace("/voila/render/reflection.ipynb", "/")
    else:
        command = [str(Path(sys.executable).with_name("cct")), "serve", f"--port={port}"]
        command += [f"--plans-dir={plans}", f"--pool-size={POOL_SIZE}", "--no-browser"]
        url = link
    server = _start(command, env)
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        time.sleep(15)  # let a preheated pool fill, as it would before a session ends
        return asyncio.run(_measure(url))
    finally:
        server.terminate()
        server.wait(20)


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def rows() -> tuple[str, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/reflections.sqlite"
        upgrade_schema(db)
        plans = write_plans(Path(tmp) / "plans", group_size=CROWD + SINGLE + 5)
        figures = {kind: _run(kind, db, plans) for kind in ("stock", "ours")}
    s, o = figures["stock"], figures["ours"]
    ms, mo = statistics.median(s["single"]), statistics.median(o["single"])
    cs, co = statistics.median(s["crowd"]), statistics.median(o["crowd"])
    text = "\n".join(
        [
            "Reflection form: time from opening the URL to a usable form (headless Chromium)",
            f"  one participant, median of {SINGLE}: stock voila {ms:.2f} s, cct serve {mo:.2f} s "
            f"-> {mo / ms:.2f} of stock (target <= 0.5)",
            f"  {CROWD} arriving over {CROWD_SECONDS} s, median: stock {cs:.2f} s, cct serve "
            f"{co:.2f} s -> {co / cs:.2f} of stock; 90th percentile: stock {_p90(s['crowd']):.2f} s, "
            f"cct serve {_p90(o['crowd']):.2f} s",
        ]
    )
    summary = [
        f"reflection form usable: cct serve {mo:.2f} s vs stock {ms:.2f} s "
        f"({mo / ms:.2f}); {CROWD} over a minute, median {co:.2f} s vs {cs:.2f} s "
        f"({co / cs:.2f})"
    ]
    return text, summary


if __name__ == "__main__":
    print(rows()[0])
