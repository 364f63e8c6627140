"""`cct serve --base-url /cct/` behind Debian's nginx, on loopback: the form, its websocket,
its kernel's shutdown (with its XSRF check) and the login all work under the prefix."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    chromium_page,
    free_port,
    require_chromium,
    signed_form_url,
    voila_server,
    write_plans,
)
from tests.participant import Participant
from toolkit.reflect.store import ReflectionStore

NGINX = "/usr/sbin/nginx"
PREFIX = "/cct/"
CONFIG = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location {prefix} {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;  # with the port: the origin check compares
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
        }}
    }}
}}
"""


def require_nginx() -> str:
    if Path(NGINX).exists():
        return NGINX
    message = "nginx not found: apt-get install nginx-light (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"


@pytest.fixture(scope="module")
def proxied(store_url, tmp_path_factory):
    """nginx on a free loopback port, passing /cct/ to `cct serve --base-url /cct/`."""
    require_nginx()
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    public = f"http://127.0.0.1:{port}{PREFIX}"
    with voila_server(
        [f"--base-url={PREFIX}", f"--public-url={public}"],
        env={"CCT_DATABASE_URL": store_url},
        plans_dir=write_plans(tmp / "plans"),
        pool_size=1,
    ) as direct:
        upstream = int(direct.rsplit(":", 1)[1])
        (tmp / "nginx.conf").write_text(
            CONFIG.format(tmp=tmp, port=port, prefix=PREFIX, upstream=upstream), encoding="utf-8"
        )
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(f"{public}health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline and nginx.poll() is None, (
                    tmp / "error.log"
                ).read_text()
                time.sleep(0.3)
            yield public
        finally:
            nginx.terminate()
            nginx.wait(20)


def test_a_participant_sends_the_form_through_the_proxy_under_the_prefix(proxied, store_url):
    person = Participant(signed_form_url(proxied, TEST_SESSIONS[0]))
    try:
        person.open_page()
        assert not person.visit.problem
        person.connect()  # the websocket, upgraded by nginx
        person.submit("through nginx")
        # leaving: the page's shutdown request, with the XSRF cookie the start page sets
        person.http.get(proxied, timeout=10)
        xsrf = person.http.cookies["_xsrf"]
        gone = person.http.post(
            f"{proxied}voila/api/shutdown/{person.visit.kernel_id}",
            headers={"X-XSRFToken": xsrf, "Referer": proxied},
            timeout=30,
        )
        assert gone.status_code == 204
        refused = requests.post(
            f"{proxied}voila/api/shutdown/{person.visit.kernel_id}", timeout=30
        )  # no XSRF token: refused
        assert refused.status_code in (403, 404)
    finally:
        person.leave()
    assert [r.commitment for r in ReflectionStore(store_url).load()] == ["through nginx"]


def test_the_login_and_the_apps_work_under_the_prefix(proxied):
    browser = requests.Session()
    page = browser.get(f"{proxied}voila/render/debrief.ipynb", timeout=60)
    assert page.url.startswith(f"{proxied}login?next=")  # redirected under the prefix
    answer = browser.post(
        f"{proxied}login",
        data={
            "password": TEST_PASSWORD,
            "next": f"{PREFIX}voila/render/debrief.ipynb",
            "_xsrf": browser.cookies["_xsrf"],
        },
        headers={"Referer": proxied},
        timeout=120,
    )
    assert answer.status_code == 200 and "jupyter-config-data" in answer.text
    assert answer.url == f"{proxied}voila/render/debrief.ipynb"


@pytest.mark.browser
def test_the_form_in_chromium_through_the_proxy(proxied, store_url):
    require_chromium()
    with chromium_page() as page:
        page.goto(signed_form_url(proxied, TEST_SESSIONS[1], lang="fr"), timeout=120_000)
        page.wait_for_selector(".cct-send", timeout=120_000)
        assert page.evaluate("document.documentElement.lang") == "fr"
