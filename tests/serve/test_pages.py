"""The server's own pages in a real Chromium: accessible, working under their CSP."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser import (
    TEST_PASSWORD,
    TEST_SESSIONS,
    chromium_page,
    require_chromium,
    signed_form_url,
    voila_server,
    write_plans,
)

pytestmark = pytest.mark.browser
LOAD = 120_000
TODAY_SESSION = f"intake_south-{date.today():%Y%m%d}-1400"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    plans = write_plans(tmp_path_factory.mktemp("plans"))
    write_plans(plans, [TODAY_SESSION], group_size=12, start=f"{date.today()}T14:00")
    db = tmp_path_factory.mktemp("db") / "reflections.sqlite"
    with voila_server(
        env={"CCT_DATABASE_URL": f"sqlite:///{db}"}, plans_dir=plans, pool_size=1
    ) as url:
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


def serious_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_public_landing_page_and_the_login_are_accessible(page, server):
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
