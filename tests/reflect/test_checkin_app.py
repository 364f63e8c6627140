"""The follow-up check-in in a real Chromium, served by `cct serve` (Voila), storing for real:
submit, reload, a forged or borrowed link refused, Arabic right to left, no serious axe finding."""

from __future__ import annotations

import time

import pytest

from tests.browser import (
    FORM_COMPETENCIES,
    chromium_page,
    require_chromium,
    serious_violations,
    signed_form_url,
    voila_server,
)
from toolkit.plan.planner import checkin_link
from toolkit.reflect.checkins import CheckInStore
from toolkit.reflect.store import upgrade_schema

pytestmark = pytest.mark.browser
LOAD = 120_000
SESSION = "housing_east-20270204-0930"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"
    upgrade_schema(url)  # as the administrator does with `cct db upgrade`
    return url


@pytest.fixture(scope="module")
def server(store_url):
    require_chromium()
    with voila_server(env={"CCT_DATABASE_URL": store_url}) as url:
        yield url


@pytest.fixture
def page(server):
    with chromium_page() as page:
        page.set_viewport_size({"width": 360, "height": 780})  # a phone
        yield page


def checkin_url(server: str, lang: str = "en") -> str:
    """The link on the handout and in the calendar file, as `cct plans` signs it."""
    return checkin_link(server, SESSION, FORM_COMPETENCIES, lang)


def open_checkin(page, url: str) -> None:
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(".cct-checkin .cct-send", timeout=LOAD)


def fill_all(page, note: str) -> None:
    for k, often in enumerate(["several", "once", "never"]):
        page.check(f".cct-often-{k} input[data-value='{often}']")
        page.check(f".cct-confidence-{k} input[data-value='4']")
    page.check(".cct-obstacles input[data-value='no_interpreter']")
    page.fill(".cct-obstacle-text textarea", note)


def stored(store_url: str, note: str):
    return [c for c in CheckInStore(store_url).load() if c.obstacle_text == note]


def wait_for_row(store_url: str, note: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (rows := stored(store_url, note)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows


def test_submit_then_reload_says_sent_and_stores_once(page, server, store_url):
    open_checkin(page, checkin_url(server))
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360  # fits a phone
    assert page.inner_text(".cct-checkin h1") == "How did it go? A check-in after the session"
    fill_all(page, "english-1")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "english-1")  # on disk when the page says saved
    assert row.session_id == SESSION and row.team_id == "housing_east" and row.language == "en"
    assert row.commitment.applied == "yes" and row.obstacles == ["no_interpreter"]
    assert row.competencies[FORM_COMPETENCIES[1]].frequency == "never"
    assert row.self_code is None and not row.over_cap
    page.reload(timeout=LOAD)
    page.wait_for_selector(".cct-already", timeout=LOAD)
    page.wait_for_timeout(500)
    assert len(stored(store_url, "english-1")) == 1


def test_an_unsent_draft_survives_a_reload(page, server, store_url):
    open_checkin(page, checkin_url(server, "fr"))
    page.check(".cct-often-0 input[data-value='weekly']")
    page.fill(".cct-code input", "ma07n")
    page.fill(".cct-obstacle-text textarea", "draft-1")
    page.reload(timeout=LOAD)
    page.wait_for_selector(".cct-checkin .cct-send", timeout=LOAD)
    assert page.is_checked(".cct-often-0 input[data-value='weekly']")
    assert page.input_value(".cct-code input") == "ma07n"
    page.click(".cct-send")  # two questions unanswered: named next to them, nothing stored
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    assert page.locator(".cct-error:visible").count() >= 1
    assert stored(store_url, "draft-1") == []
    for k in range(3):
        page.check(f".cct-often-{k} input[data-value='once']")
        page.check(f".cct-confidence-{k} input[data-value='3']")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "draft-1")
    assert row.self_code == "MA07N" and row.language == "fr"


def test_arabic_is_laid_out_right_to_left_and_saves(page, server, store_url):
    open_checkin(page, checkin_url(server, "ar"))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.querySelector('.cct-checkin')).direction")
    assert direction == "rtl"
    send = page.inner_text(".cct-send")
    assert any("\u0600" <= ch <= "\u06ff" for ch in send), send
    fill_all(page, "لم يتوفر مترجم")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "لم يتوفر مترجم")
    assert row.language == "ar"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_serious_accessibility_finding(page, server, lang):
    open_checkin(page, checkin_url(server, lang))
    assert serious_violations(page) == []
    page.click(".cct-send")  # with its messages showing too
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    assert serious_violations(page) == []


def test_a_forged_or_borrowed_link_gets_a_plain_page_and_stores_nothing(page, server, store_url):
    before = len(CheckInStore(store_url).load())
    edited = checkin_url(server).replace("lang=en", "lang=es")
    # the reflection's link, signed for the reflection, pointed at the check-in
    borrowed = signed_form_url(server, SESSION).replace("reflection.ipynb", "checkin.ipynb")
    for url in (edited, borrowed):
        page.goto(url, timeout=LOAD)
        page.wait_for_selector("[role=alert]", timeout=LOAD)
        assert "not valid" in page.inner_text("[role=alert]") or "no es válido" in page.inner_text(
            "[role=alert]"
        )
        assert page.locator(".cct-send").count() == 0
        assert "Traceback" not in page.content()
        assert serious_violations(page) == []
    assert len(CheckInStore(store_url).load()) == before
