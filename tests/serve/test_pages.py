"""The server's own pages in a real Chromium: accessible, working under their CSP."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    chromium_page,
    require_chromium,
    serious_violations,
    signed_form_url,
    voila_server,
    write_plans,
)
from toolkit.reflect.store import Rating, Reflection, ReflectionStore

pytestmark = pytest.mark.browser
LOAD = 120_000
TODAY_SESSION = f"intake_south-{date.today():%Y%m%d}-1400"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    require_chromium()
    plans = write_plans(tmp_path_factory.mktemp("plans"))
    write_plans(plans, [TODAY_SESSION], group_size=12, start=f"{date.today()}T14:00")
    with voila_server(env={"CCT_DATABASE_URL": store_url}, plans_dir=plans, pool_size=1) as url:
        yield url


@pytest.fixture
def page(server):
    with chromium_page() as page:
        refused: list[str] = []
        page.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.refused = refused
        yield page


def reflection(session_id: str) -> Reflection:
    return Reflection(
        session_id=session_id,
        language="en",
        ratings={"communication.active_listening": Rating(before=2, now=4)},
        commitment="Ask how the client prefers to be addressed",
        commitment_date=date.today() + timedelta(days=7),
        relevance=5,
        usefulness=4,
    )


def test_the_public_landing_page_and_the_login_are_accessible(page, server, store_url):
    page.goto(server + "/", timeout=LOAD)
    assert "Participants" in page.inner_text("main")
    assert not serious_violations(page)
    page.click("main a[href*='login']")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]", timeout=LOAD)
    assert not serious_violations(page)  # the failed login, with its message
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(f"[data-session='{TODAY_SESSION}']", timeout=LOAD)
    assert not serious_violations(page)  # today's sessions, links and QR codes
    counted = f"[data-session='{TODAY_SESSION}'] .cct-counted"
    assert page.inner_text(counted) == "0 of at most 15"
    ReflectionStore(store_url).save(reflection(TODAY_SESSION))  # a participant sends meanwhile
    deadline = time.monotonic() + 60
    while page.inner_text(counted) != "1 of at most 15":  # live, without a reload
        assert time.monotonic() < deadline, page.inner_text(counted)
        time.sleep(0.5)
    assert not page.refused, page.refused


def test_the_form_works_under_its_strict_policy(page, server):
    page.goto(signed_form_url(server, TEST_SESSIONS[0]), timeout=LOAD)
    page.wait_for_selector(".cct-send", timeout=LOAD)
    assert not page.refused, page.refused


def test_an_edited_link_shows_the_plain_page_in_the_browser(page, server):
    link = signed_form_url(server, TEST_SESSIONS[0], lang="fr").replace("lang=fr", "lang=ar")
    page.goto(link, timeout=LOAD)
    alert = page.wait_for_selector("[role=alert]", timeout=LOAD)
    assert alert.get_attribute("dir") == "rtl" and page.locator(".cct-send").count() == 0
