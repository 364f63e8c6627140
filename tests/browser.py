"""Real Voila and real Chromium for the browser tests (Debian's /usr/bin/chromium, never a download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from toolkit.cli import voila_arguments, voila_environment
from toolkit.paths import PROJECT_ROOT

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


@contextmanager
def voila_server(extra: list[str] | None = None, timeout: float = 60, env: dict | None = None):
    port = free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"voila-{port}.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", *voila_arguments(port), "--no-browser", *(extra or [])],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=voila_environment({**os.environ, **(env or {})}),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/voila/api/shutdown", timeout=1)
            except urllib.error.HTTPError:
                break  # the server answers
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"voila did not start:\n{log.read()[-3000:]}") from None
                time.sleep(0.2)
            else:
                break
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
