"""The participants' reflection form in a real Chromium, served by Voila, storing for real."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser import (
    CuttableProxy,
    chromium_page,
    fill_reflection,
    kernel_exists,
    pick,
    require_chromium,
    signed_form_url,
    voila_server,
)
from toolkit.reflect.store import ReflectionStore, upgrade_schema

pytestmark = pytest.mark.browser
LOAD = 120_000
SESSION = "intake_north-20270201-0930"
COMPETENCIES = "communication.active_listening,language_access.working_with_interpreters"


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


def form_url(server: str, lang: str = "en", session: str = SESSION) -> str:
    return signed_form_url(server, session, lang, COMPETENCIES.split(","))


@pytest.fixture
def page(server):
    with chromium_page() as page:
        page.set_viewport_size({"width": 360, "height": 780})  # a phone
        yield page


def open_form(page, url: str) -> None:
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(".cct-send", timeout=LOAD)


def poll(page, predicate: str, timeout: float = LOAD / 1000) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(predicate):
                return True
        except Exception:  # the page is navigating (reloading) right now
            pass
        time.sleep(0.2)
    return False


def stored(store_url: str, commitment: str):
    return [r for r in ReflectionStore(store_url).load() if r.commitment == commitment]


def test_fill_in_english_submit_and_find_the_row(page, server, store_url):
    open_form(page, form_url(server))
    assert page.evaluate("document.documentElement.lang") == "en"
    # laid out for a 360-pixel phone: nothing wider than the screen
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    fill_reflection(page, commitment="english-1")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "english-1")
    assert row.session_id == SESSION and row.team_id == "intake_north" and row.language == "en"
    assert row.ratings["communication.active_listening"].before == 2
    assert row.self_code is None


def test_fill_in_arabic_laid_out_right_to_left(page, server, store_url):
    open_form(page, form_url(server, lang="ar"))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    direction = page.evaluate(
        "getComputedStyle(document.querySelector('.cct-reflection')).direction"
    )
    assert direction == "rtl"
    send = page.inner_text(".cct-send")
    assert any("\u0600" <= ch <= "\u06ff" for ch in send), send
    fill_reflection(page, commitment="سأطلب مترجمًا مؤهلاً")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "سأطلب مترجمًا مؤهلاً")
    assert row.language == "ar"


def test_double_click_saves_once(page, server, store_url):
    open_form(page, form_url(server))
    fill_reflection(page, commitment="double-click")
    page.dblclick(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    page.wait_for_timeout(1000)
    assert len(stored(store_url, "double-click")) == 1


def test_a_draft_survives_a_reload_and_a_reload_after_sending_saves_nothing(
    page, server, store_url
):
    session = "housing_east-20270204-0930"
    open_form(page, form_url(server, session=session))
    fill_reflection(page, commitment="draft-kept")
    # the last field filled (usefulness) has reached the browser's storage: the whole draft is there
    page.wait_for_function(
        f"""(() => {{
            const d = JSON.parse(localStorage.getItem('cct-reflection:{session}') || '{{}}');
            return d.values && d.values.commitment == 'draft-kept' && d.values.usefulness == 4;
        }})()""",
        timeout=LOAD,
    )
    page.reload()
    page.wait_for_selector(".cct-send", timeout=LOAD)
    page.wait_for_function(
        "document.querySelector('.cct-commitment textarea').value == 'draft-kept'", timeout=LOAD
    )
    page.wait_for_function(
        "document.querySelector(\".cct-usefulness input[data-value='4']\").checked", timeout=LOAD
    )
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    page.reload()
    page.wait_for_selector(".cct-already", timeout=LOAD)
    assert len(stored(store_url, "draft-kept")) == 1
    state = json.loads(page.evaluate(f"localStorage.getItem('cct-reflection:{session}')"))
    assert state["sent"] is True


def test_a_required_field_left_empty_is_named_next_to_it(page, server, store_url):
    open_form(page, form_url(server))
    fill_reflection(page, commitment="")
    page.click(".cct-send")
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    assert "missing" in page.inner_text(".cct-status").lower()
    error = page.locator(".cct-commitment + .cct-error")
    assert error.inner_text() == "Please answer this question."
    assert not page.query_selector(".cct-saved")
    assert stored(store_url, "") == []


def test_missing_session_gets_a_plain_message(page, server):
    page.goto(f"{server}/voila/render/reflection.ipynb?lang=fr", timeout=LOAD)
    page.wait_for_selector("[role=alert]", timeout=LOAD)
    assert "Traceback" not in page.content()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_form_passes_automated_accessibility_checks(page, server, lang):
    from axe_playwright_python.sync_playwright import Axe

    open_form(page, form_url(server, lang=lang))
    results = Axe().run(page, context={"include": [[".cct-reflection"]]})
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious
    ]


def test_the_form_works_with_the_keyboard(page, server):
    open_form(page, form_url(server))
    page.focus(".cct-before-0 input[data-value='1']")
    page.keyboard.press("ArrowRight")  # radio groups move with the arrow keys
    page.keyboard.press("Space")
    assert page.is_checked(".cct-before-0 input[data-value='2']")
    page.focus(".cct-send")
    page.keyboard.press("Enter")
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    assert page.locator(".cct-commitment + .cct-error").inner_text() == (
        "Please answer this question."
    )


def test_the_page_is_light_and_asks_nothing_of_other_sites(page, server):
    """The participants' page is not Voila's JupyterLab frontend (about 5 MB and a CDN font
    sheet): a phone on a venue's Wi-Fi loads a few kilobytes, and no third party learns who
    opened it."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_form(page, form_url(server))
    host = server.split("//")[1]
    assert requested and all(url.split("/")[2] == host for url in requested), requested
    transferred = page.evaluate(
        """performance.getEntriesByType('navigation')[0].transferSize +
           performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0)"""
    )
    assert transferred < 150_000, f"{transferred} bytes"
    assert not page.query_selector("script[src*='voila.js']")  # not JupyterLab's frontend


def test_closing_the_page_shuts_its_kernel_down(page, server):
    open_form(page, form_url(server))
    kernel_id = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
    assert kernel_exists(server, kernel_id)
    page.goto("about:blank")
    deadline = time.monotonic() + 30
    while kernel_exists(server, kernel_id):
        assert time.monotonic() < deadline, "the kernel outlived its page"
        time.sleep(0.3)


def hide_the_page(page, hidden: bool = True) -> None:
    """As when a phone is locked or the participant switches app (no pagehide then)."""
    page.evaluate(
        """(hidden) => {
            Object.defineProperty(document, 'visibilityState',
                                  {value: hidden ? 'hidden' : 'visible', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def test_hiding_the_page_after_sending_frees_its_kernel_and_coming_back_says_sent(
    page, server, store_url
):
    open_form(page, form_url(server))
    kernel_id = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
    hide_the_page(page)  # before sending, the kernel stays: the participant comes back to it
    page.wait_for_timeout(1000)
    assert kernel_exists(server, kernel_id)
    hide_the_page(page, hidden=False)
    fill_reflection(page, commitment="then-locked-the-phone")
    page.click(".cct-send")
    page.wait_for_selector(".cct-saved", timeout=LOAD)
    hide_the_page(page)
    deadline = time.monotonic() + 30
    while kernel_exists(server, kernel_id):
        assert time.monotonic() < deadline, "the kernel outlived the hidden page"
        time.sleep(0.3)
    with page.expect_navigation(timeout=LOAD):
        hide_the_page(page, hidden=False)
    page.wait_for_selector(".cct-already", timeout=LOAD)  # restored from the browser: sent
    assert len(stored(store_url, "then-locked-the-phone")) == 1


def test_a_dropped_connection_comes_back_and_the_reflection_is_saved(page, server, store_url):
    with CuttableProxy(server) as proxy:
        open_form(page, form_url(proxy.url))
        fill_reflection(page, commitment="after-reconnecting")
        page.click(".cct-more summary")  # the optional prompts, folded until asked for
        proxy.cut()  # a phone losing the venue's Wi-Fi for a moment
        page.wait_for_selector(".cct-connection", state="visible", timeout=LOAD)
        page.fill(".cct-prompt-analysis textarea", "typed while the connection was down")
        page.wait_for_selector(".cct-connection", state="hidden", timeout=LOAD)
        page.wait_for_timeout(500)  # the kernel's state, read again, has come back
        # what was typed meanwhile is still on the page (the kernel's older state did not undo it)
        assert page.input_value(".cct-prompt-analysis textarea") == (
            "typed while the connection was down"
        )
        page.fill(".cct-prompt-feelings textarea", "typed after the connection came back")
        page.click(".cct-send")
        page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "after-reconnecting")
    assert row.prompts["feelings"] == "typed after the connection came back"
    assert row.prompts["analysis"] == "typed while the connection was down"


def test_the_same_form_works_on_voilas_standard_page(store_url):
    """The form is an ordinary anywidget: Voila's own page (and JupyterLab) show it too."""
    with voila_server(template="lab", env={"CCT_DATABASE_URL": store_url}) as url:
        with chromium_page() as page:
            open_form(page, form_url(url))
            assert page.query_selector("script[src*='voila.js']")  # JupyterLab's frontend
            assert page.title() == "Reflection after the session"
            fill_reflection(page, commitment="on-the-lab-page")
            page.click(".cct-send")
            page.wait_for_selector(".cct-saved", timeout=LOAD)
    assert len(stored(store_url, "on-the-lab-page")) == 1


def test_a_page_whose_kernel_is_gone_reloads_with_its_draft(page, server):
    """The server restarted mid-session: the connection drops and the kernel is no more. The
    page starts again on a new kernel with the participant's answers kept."""
    with CuttableProxy(server) as proxy:
        open_form(page, form_url(proxy.url, session="housing_east-20270211-0930"))
        page.fill(".cct-commitment textarea", "kept-through-a-restart")
        old_kernel = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
        page.wait_for_function("document.cookie.includes('_xsrf=')", timeout=LOAD)
        status = page.evaluate(
            """async (id) => {
                const xsrf = decodeURIComponent(document.cookie.match(/_xsrf=([^;]*)/)[1]);
                const r = await fetch(`/voila/api/shutdown/${id}`,
                                      {method: 'POST', headers: {'X-XSRFToken': xsrf}});
                return r.status;
            }""",
            old_kernel,
        )
        assert status == 204
        proxy.cut()
        # polled from here: the page's policy forbids the eval Playwright's own polling uses
        assert poll(
            page,
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
            f".kernelId != '{old_kernel}'",
        )
        page.wait_for_selector(".cct-send", timeout=LOAD)
        assert poll(
            page,
            "() => document.querySelector('.cct-commitment textarea').value"
            " == 'kept-through-a-restart'",
        )


def in_view(page, css: str) -> bool:
    return page.evaluate(
        """(css) => {
            const r = document.querySelector(css).getBoundingClientRect();
            return r.top >= -1 && r.bottom <= window.innerHeight + 1;  // sub-pixel layout
        }""",
        css,
    )


def test_send_with_blanks_takes_the_participant_to_the_first_missing_answer(page, server):
    open_form(page, form_url(server))
    fill_reflection(page, commitment="")
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.click(".cct-send")  # the commitment is the only blank
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    page.wait_for_function(
        "document.activeElement.matches('.cct-commitment textarea')", timeout=LOAD
    )
    assert in_view(page, ".cct-commitment textarea")


def test_a_competency_rated_only_once_is_where_the_focus_goes(page, server):
    open_form(page, form_url(server))
    pick(page, ".cct-before-0", 3)
    pick(page, ".cct-now-0", 4)
    pick(page, ".cct-before-1", 2)  # "now" left blank for the second competency
    page.fill(".cct-commitment textarea", "Ask which language first")
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.click(".cct-send")
    page.wait_for_selector(".cct-status [role=alert]", timeout=LOAD)
    page.wait_for_function("document.activeElement.matches('.cct-now-1 input')", timeout=LOAD)
    assert in_view(page, ".cct-competency:has(.cct-now-1) h3")  # its name shows too
    assert in_view(page, ".cct-now-1")
    assert page.evaluate("document.activeElement !== document.body")


def widest_sample_competencies() -> list[str]:
    """Ten competencies: as many as the sample organisation's widest plans cover."""
    from toolkit.core.framework import default_framework

    return [c.id for c in default_framework().competencies][:10]


def test_on_a_phone_every_competency_is_asked_and_the_form_stays_short(server, store_url):
    """390 px wide (a common phone): ten competencies, all of them rated, nothing wider than
    the screen, and the page short enough to get through in a corridor."""
    competencies = widest_sample_competencies()
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        open_form(page, signed_form_url(server, SESSION, "en", competencies))
        assert page.locator(".cct-competency").count() == len(competencies)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        height = page.evaluate("document.scrollingElement.scrollHeight")
        print(f"form height at 390 px with {len(competencies)} competencies: {height} px")
        assert height <= 2500, height  # was 3,638 px with 8 competencies, 2 of 10 left out
        fill_reflection(page, commitment="ten-competencies", competencies=len(competencies))
        page.click(".cct-send")
        page.wait_for_selector(".cct-saved", timeout=LOAD)
    [row] = stored(store_url, "ten-competencies")
    assert sorted(row.ratings) == sorted(competencies)
