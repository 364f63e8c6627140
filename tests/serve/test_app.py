"""`cct serve` as an attacker meets it: a real server on loopback, plain HTTP, no browser.

What a visitor without the password tries (the facilitators' apps, the notebook list, path
tricks, an open redirect, guessing), what a participant with a link tries (editing it), and the
headers and cookies every answer carries.
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
import requests

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    signed_form_url,
    voila_server,
    write_plans,
)
from toolkit.core import messages as M
from toolkit.core.i18n import translator
from toolkit.reflect.store import ReflectionStore

FACILITATOR_PAGES = [
    "/voila/render/debrief.ipynb",
    "/voila/render/needs_assessment.ipynb",
    "/voila/render/session_plan.ipynb",
    "/voila/render/./debrief.ipynb",
    "/voila/render/reflection.ipynb/../debrief.ipynb",
    "/voila/render/%64ebrief.ipynb",
    "/voila/render//debrief.ipynb",
    "/voila/api/contents/debrief.ipynb",
]
TODAY_SESSION = f"intake_south-{date.today():%Y%m%d}-0930"
PUBLIC_URL = "http://training.example.org/cct/"  # what the room's phones use


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    plans = write_plans(tmp_path_factory.mktemp("plans"))
    write_plans(plans, [TODAY_SESSION], group_size=2, start=f"{date.today()}T09:30")
    with voila_server(
        [f"--public-url={PUBLIC_URL}"],
        env={"CCT_DATABASE_URL": store_url},
        plans_dir=plans,
        pool_size=1,
    ) as url:
        pool_filled(url)
        yield url


def pool_filled(server: str, size: int = 1, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = requests.get(f"{server}/health", timeout=10).json()
        if report["pool"].get("reflection.ipynb") == size:
            return report
        time.sleep(0.3)
    raise AssertionError(f"the pool did not fill: {report}")


def kernels(server: str) -> int:
    return requests.get(f"{server}/health", timeout=10).json()["kernels"]


def logged_in(server: str) -> requests.Session:
    browser = requests.Session()
    browser.get(f"{server}/login", timeout=10)
    answer = browser.post(
        f"{server}/login",
        data={
            "password": TEST_PASSWORD,
            "next": "/",
            "_xsrf": browser.cookies["_xsrf"],
        },
        timeout=10,
    )
    assert answer.status_code == 200
    return browser


@pytest.mark.parametrize("path", FACILITATOR_PAGES)
def test_facilitator_pages_send_a_visitor_to_the_login_and_start_no_kernel(server, path):
    before = kernels(server)
    answer = requests.get(server + path, allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 403, 404), answer.status_code
    if answer.status_code == 302:
        assert answer.headers["Location"].startswith("/login?next=")
    assert "commitment" not in answer.text.lower()
    assert kernels(server) == before


def test_the_notebook_list_and_the_landing_pages_sessions_need_the_login(server):
    assert requests.get(f"{server}/voila/api/contents", timeout=10).status_code == 403
    assert requests.get(f"{server}/counts", timeout=10).status_code == 403
    landing = requests.get(server + "/", timeout=10).text
    assert "log in" in landing and TODAY_SESSION not in landing and "sig=" not in landing


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_apps(server):
    browser = requests.Session()
    browser.get(f"{server}/login", timeout=10)
    started = time.monotonic()
    wrong = browser.post(
        f"{server}/login",
        data={"password": "guess", "next": "/", "_xsrf": browser.cookies["_xsrf"]},
        timeout=10,
    )
    assert wrong.status_code == 403 and "not right" in wrong.text
    assert time.monotonic() - started >= 1  # a second a guess
    assert "cct-facilitator" not in browser.cookies
    browser = logged_in(server)
    cookie = next(c for c in browser.cookies if c.name == "cct-facilitator")
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get(f"{server}/voila/render/debrief.ipynb", timeout=120)
    assert page.status_code == 200 and "jupyter-config-data" in page.text


def test_the_token_in_the_url_logs_in(server):
    browser = requests.Session()
    page = browser.get(f"{server}/?token={TEST_PASSWORD}", timeout=10)
    assert TODAY_SESSION in page.text
    assert TODAY_SESSION in browser.get(f"{server}/", timeout=10).text  # the cookie holds
    assert TODAY_SESSION not in requests.get(f"{server}/?token=wrong", timeout=10).text


def test_the_login_never_sends_anyone_to_another_site(server):
    browser = requests.Session()
    browser.get(f"{server}/login", timeout=10)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = browser.post(
            f"{server}/login",
            data={"password": TEST_PASSWORD, "next": target, "_xsrf": browser.cookies["_xsrf"]},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.headers["Location"] == "/"


def test_the_login_form_needs_its_xsrf_token(server):
    answer = requests.post(
        f"{server}/login", data={"password": TEST_PASSWORD, "next": "/"}, timeout=10
    )
    assert answer.status_code == 403 and "cct-facilitator" not in answer.cookies


def test_the_landing_page_gives_facilitators_todays_links_qr_codes_and_counts(server, store_url):
    page = logged_in(server).get(f"{server}/", timeout=10).text
    assert "Needs assessment" in page and "Debrief" in page and "Session plan" in page
    assert TODAY_SESSION in page and "<svg" in page
    assert "0 of at most 5" in page  # group of 2, margin 3
    assert logged_in(server).get(f"{server}/counts", timeout=10).json() == {}
    link = page.split(f'data-session="{TODAY_SESSION}"')[1].split('href="')[1].split('"')[0]
    assert link.replace("&amp;", "&") == signed_form_url(PUBLIC_URL, TODAY_SESSION)
    other = TEST_SESSIONS[0]
    assert other not in page  # not today


def test_an_edited_form_link_gets_a_plain_page_in_the_participants_language(server, store_url):
    link = signed_form_url(server, TEST_SESSIONS[0], lang="es")
    edited = link.replace("communication.active_listening%2C", "")
    page = requests.get(edited, timeout=120).text
    outputs = [
        json.loads(part.split(">", 1)[1].split("</script>")[0])
        for part in page.split('<script type="application/vnd.voila.cell-output+json"')[1:]
    ]
    shown = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert translator("es")(M.LINK_INVALID) in shown and 'lang="es"' in shown
    assert "application/vnd.jupyter.widget-view+json" not in page  # no form
    assert ReflectionStore(store_url).count() == 0


def test_every_answer_has_a_content_security_policy_and_samesite_cookies(server):
    browser = logged_in(server)
    pages = [
        "/",
        "/login",
        "/health",
        "/voila/render/debrief.ipynb",
        signed_form_url("", TEST_SESSIONS[0]),
    ]
    for path in pages:
        answer = browser.get(server + path, timeout=120)
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "object-src 'none'" in policy, path
        assert "frame-ancestors 'self'" in policy, path
        for header in answer.raw.headers.getlist("Set-Cookie"):
            assert "samesite=" in header.lower(), (path, header)
    form = requests.get(server + signed_form_url("", TEST_SESSIONS[0]), timeout=120)
    assert "'unsafe-eval'" not in form.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in form.headers["Content-Security-Policy"].split("style-src")[0]


def test_health_answers_quickly_with_the_pool_store_kernels_and_memory(server):
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        report = requests.get(f"{server}/health", timeout=10).json()
        timings.append(time.perf_counter() - started)
    assert report["ok"] and report["store"]["ok"]
    assert report["pool"] == {"reflection.ipynb": 1} and report["pool_target"] == 1
    assert report["kernels"] >= 1 and report["memory_mb"]["total"] > report["memory_mb"]["server"]
    assert min(timings) < 0.05, timings  # best of ten, on a machine shared with others
