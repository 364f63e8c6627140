"""Real Voila and real Chromium for the browser tests (Debian's /usr/bin/chromium, never a download)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest

from toolkit.core.config import DATABASE_ENV
from toolkit.core.paths import PROJECT_ROOT
from toolkit.reflect.store import upgrade_schema
from toolkit.serve.launch import voila_arguments, voila_environment

CHROMIUM = os.environ.get("CCT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> str:
    """In CI a missing browser fails the test; on a developer's machine it skips it."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# the facilitators' password of every test server; their pages open with ?token=…
TEST_PASSWORD = "facilitator-test-password"
# sessions planned for the test servers (group size 30: room for every test's submissions)
TEST_SESSIONS = (
    "intake_north-20270201-0930",
    "housing_east-20270204-0930",
    "housing_east-20270211-0930",
)
FORM_COMPETENCIES = ["communication.active_listening", "language_access.working_with_interpreters"]


def write_plans(folder: Path, sessions=TEST_SESSIONS, group_size: int = 30, start=None) -> Path:
    """plan.json files as `cct plans` writes them, for the sessions a test server accepts."""
    for session_id in sessions:
        (folder / session_id).mkdir(parents=True, exist_ok=True)
        day = session_id.rsplit("-", 2)
        begins = start or f"{day[1][:4]}-{day[1][4:6]}-{day[1][6:]}T{day[2][:2]}:{day[2][2:]}"
        plan = {
            "schema_version": 1,
            "session_id": session_id,
            "team_id": day[0],
            "start": begins,
            "minutes": 180,
            "format": "in_person",
            "group_size": group_size,
            "language": "en",
            "competencies": FORM_COMPETENCIES,
        }
        (folder / session_id / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    return folder


def signed_form_url(server: str, session: str, lang: str = "en", competencies=None) -> str:
    """The form link `cct plans` prints on a handout, signed with the tests' key."""
    from toolkit.plan.planner import form_link

    return form_link(server, session, competencies or FORM_COMPETENCIES, lang)


def wait_until_up(url: str, process: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/voila/api/shutdown", timeout=1)
        except urllib.error.HTTPError:
            return  # the server answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the server did not start:\n{log.read()[-3000:]}") from None
            time.sleep(0.2)
        else:
            return


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@contextmanager
def voila_server(
    extra: list[str] | None = None,
    timeout: float = 60,
    env: dict | None = None,
    template: str = "cct",
    stock: bool = False,
    plans_dir: Path | None = None,
    pool_size: int | None = None,
    app_pool_size: int = 0,
):
    """The toolkit's server as `cct serve` starts it (``stock``: plain Voila, no lock), on a
    free loopback port, with the test sessions planned and ``TEST_PASSWORD`` for facilitators."""
    import tempfile

    port = free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"voila-{port}.log", "w+")
    folder = tempfile.TemporaryDirectory(prefix="cct-plans-")
    plans = plans_dir or write_plans(Path(folder.name))
    server_env = {**os.environ, "CCT_PASSWORD": TEST_PASSWORD, **(env or {})}
    # the test's database, else one of its own (never the checkout's var/), made ready as an
    # administrator would before `cct serve` (`cct db upgrade`)
    database = (env or {}).get(DATABASE_ENV) or f"sqlite:///{folder.name}/reflections.sqlite"
    server_env[DATABASE_ENV] = database
    upgrade_schema(database).engine.dispose()
    if stock:
        command = [
            sys.executable,
            "-m",
            "voila",
            *voila_arguments(port, template=template),
            "--no-browser",
            *(extra or []),
        ]
        server_env = voila_environment(server_env)
    else:
        command = [
            str(Path(sys.executable).with_name("cct")),
            "serve",
            f"--port={port}",
            f"--plans-dir={plans}",
            "--no-browser",
            *([f"--pool-size={pool_size}"] if pool_size is not None else []),
            *(extra or []),
        ]
        # the facilitators' apps get no kernels kept ready unless a test asks (each imports
        # pandas and matplotlib: four more kernels per server on a shared machine)
        # (a test that brings its own config file sets what it needs)
        if not any(arg.startswith("--config") for arg in extra or []):
            config = Path(folder.name) / "cct_config.py"
            config.write_text(
                f"c.Server.template = {template!r}\nc.Server.app_pool_size = {app_pool_size}\n",
                encoding="utf-8",
            )
            command.append(f"--config={config}")
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=server_env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log, timeout)
        yield url
    finally:
        stop(process)
        log.close()
        folder.cleanup()


@contextmanager
def chromium_page():
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            yield page
        finally:
            browser.close()


class CuttableProxy:
    """A TCP proxy in front of a server whose open connections a test can cut, as when a phone
    loses the venue's Wi-Fi for a moment; new connections go through again."""

    def __init__(self, target: str):
        self.target_host, target_port = target.split("//")[1].split(":")
        self.target_port = int(target_port)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CuttableProxy:
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        async def stop() -> None:
            self._server.close()  # no new connections (the page keeps reconnecting)
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def cut(self) -> None:
        """Close every connection open now."""

        def close_all() -> None:
            for writer in list(self._writers):
                writer.transport.abort()

        self._loop.call_soon_threadsafe(close_all)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self._started.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()
                self._writers.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def serious_violations(page) -> list:
    """axe-core's serious and critical findings on the page open in ``page`` (empty when none).

    Every page the toolkit serves or writes is checked with this (landing, login, forms,
    dashboards, handouts, guides, reports, index)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


PHONE = {"width": 390, "height": 844}  # a common phone, in CSS pixels
# What a person cannot use on a narrow screen: a page that scrolls sideways (Voila's page
# scrolls in a box of its own, and a widget box scrolls too, so any box that scrolls sideways
# counts, but a table or a chart's .cct-scrolls box: they scroll inside themselves, as in
# templates/publish), a
# control partly off screen, a label cut short ("Prepare downlo…").
_SIDEWAYS = """
() => [document.documentElement, ...document.querySelectorAll('body *')].filter(el =>
  !el.matches('table, .cct-scrolls') && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
  (el === document.documentElement || ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)))
"""
_LAYOUT_PROBLEMS = f"""
(selectors) => {{
  const width = document.documentElement.clientWidth, problems = [];
  for (const el of ({_SIDEWAYS})())
    problems.push(`${{el.id || el.className || el.tagName}} scrolls sideways: ` +
                  `${{el.scrollWidth}} px wide in ${{el.clientWidth}} px`);
  for (const selector of selectors) {{
    const found = [...document.querySelectorAll(selector)];
    if (!found.length) problems.push(`${{selector}}: not on the page`);
    for (const el of found) {{
      const box = el.getBoundingClientRect();
      if (box.width && (box.left < -1 || box.right > width + 1))
        problems.push(`${{selector}}: from ${{Math.round(box.left)}} to ${{Math.round(box.right)}} px`);
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
      if (!scrolls && el.scrollWidth > el.clientWidth + 1)
        problems.push(`${{selector}}: cut, ${{el.scrollWidth}} px shown in ${{el.clientWidth}}`);
    }}
  }}
  return problems;
}}
"""


def layout_problems(page, selectors: list[str]) -> list[str]:
    """What a narrow window does wrong to the page and to the elements of ``selectors``
    (every match is checked; empty when none). Measured once the page has laid itself out
    again for the window's size: JupyterLab's widgets do so a frame or two after a resize, and
    a check right after ``set_viewport_size`` once measured the page still at its old width."""
    width = (page.viewport_size or {}).get("width")
    if width:
        page.wait_for_function(f"document.documentElement.clientWidth <= {width}")
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
        "() => requestAnimationFrame(done))))"
    )
    return page.evaluate(_LAYOUT_PROBLEMS, selectors)


def page_width(page) -> int:
    """How wide the page is to scroll through: the window's width unless something but a
    table scrolls sideways (a figure for a test's message and a report)."""
    return page.evaluate(
        f"Math.max(document.documentElement.clientWidth, ...({_SIDEWAYS})().map(e => e.scrollWidth))"
    )


# -- the reflection form, answered as a participant answers it ------------------------------
def pick(page, css: str, value: int) -> None:
    """Tick ``value`` on the rating scale ``css``."""
    page.check(f"{css} input[data-value='{value}']")


def fill_reflection(
    page, commitment: str = "Brief the interpreter before each appointment", competencies: int = 2
) -> None:
    """Every required answer of the reflection form, as a participant gives them: the
    ratings, the commitment and its date, the two ratings."""
    for k in range(competencies):
        pick(page, f".cct-before-{k}", 2)
        pick(page, f".cct-now-{k}", 4)
    page.fill(".cct-commitment textarea", commitment)
    page.fill(".cct-commitment-date input", (date.today() + timedelta(days=14)).isoformat())
    page.press(".cct-commitment-date input", "Tab")
    pick(page, ".cct-relevance", 5)
    pick(page, ".cct-usefulness", 4)


def kernel_exists(server: str, kernel_id: str) -> bool:
    """Whether the server still runs the kernel (a page's, read from its config)."""
    try:
        urllib.request.urlopen(f"{server}/api/kernels/{kernel_id}", timeout=5)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
    return True
