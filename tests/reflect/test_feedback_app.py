"""The anonymous client feedback form in a real Chromium through `cct serve`: answer and send,
reload, a forged link refused, Arabic right to left, no serious axe finding."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, require_chromium, serious_violations, voila_server
from toolkit.plan.planner import feedback_link
from toolkit.reflect.feedback import FeedbackStore
from toolkit.reflect.store import upgrade_schema

pytestmark = pytest.mark.browser
LOAD = 120_000
TEAM = "housing_east"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"
    upgrade_schema(url)
    return url


@pytest.fixture(scope="module")
def server(store_url):
    require_chromium()
    with voila_server(env={"CCT_DATABASE_URL": store_url}) as url:
        yield url


@pytest.fixture
def page(server):
    with chromium_page() as page:
        page.set_viewport_size({"width": 360, "height": 780})  # a client's phone
        yield page


def open_feedback(page, url: str) -> None:
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(".cct-feedback .cct-send", timeout=LOAD)


def answer(page, understood: str = "yes") -> None:
    page.check(f".cct-q-understood input[data-value='{understood}']")
    page.check(".cct-q-respected input[data-value='yes']")
    page.check(".cct-q-interpreter input[data-value='got_one']")


def rows(store_url: str, language: str):
    return [f for f in FeedbackStore(store_url).load() if f.language == language]


def test_answer_send_and_a_reload_sends_nothing_more(page, server, store_url):
    open_feedback(page, feedback_link(server, TEAM) + "&lang=fr")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    page.click(".cct-send")  # nothing chosen: said, nothing stored
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    assert serious_violations(page) == []
    answer(page, "partly")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = rows(store_url, "fr")
    assert row.team_id == TEAM and row.understood == "partly" and row.interpreter == "got_one"
    page.reload(timeout=LOAD)
    page.wait_for_selector(".cct-already", timeout=LOAD)
    assert len(rows(store_url, "fr")) == 1


def test_arabic_right_to_left_and_accessible(page, server, store_url):
    open_feedback(page, feedback_link(server, TEAM) + "&lang=ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.querySelector('.cct-feedback')).direction")
    assert direction == "rtl"
    assert any("\u0600" <= ch <= "\u06ff" for ch in page.inner_text(".cct-send"))
    assert serious_violations(page) == []
    answer(page)
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    assert len(rows(store_url, "ar")) == 1


def test_a_forged_link_is_refused(page, server, store_url):
    before = len(FeedbackStore(store_url).load())
    forged = feedback_link(server, TEAM).replace(f"team={TEAM}", "team=intake_north")
    page.goto(forged, timeout=LOAD)
    page.wait_for_selector("[role=alert]", timeout=LOAD)
    assert "cannot be opened" in page.inner_text("[role=alert]")
    assert page.locator(".cct-send").count() == 0
    assert serious_violations(page) == []
    assert len(FeedbackStore(store_url).load()) == before
