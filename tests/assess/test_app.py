"""The needs-assessment notebook as a Voila app, driven in a real Chromium."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.browser import (
    PHONE,
    TEST_PASSWORD,
    chromium_page,
    layout_problems,
    page_width,
    require_chromium,
    serious_violations,
    voila_server,
)
from toolkit.core.paths import SAMPLE_DIR

pytestmark = pytest.mark.browser

PAGE = "/voila/render/needs_assessment.ipynb"
LOAD = 120_000  # ms: a kernel start and the first assessment on a loaded 2-core machine


@pytest.fixture(scope="module")
def server():
    require_chromium()
    with voila_server() as url:
        yield url


@pytest.fixture
def page(server):
    with chromium_page() as page:
        page.goto(f"{server}{PAGE}?token={TEST_PASSWORD}", timeout=LOAD)
        page.wait_for_selector(".cct-profile svg", timeout=LOAD)
        yield page


def upload(page, button: str, path) -> None:
    """Click the FileUpload button and answer the browser's file chooser, as a person would."""
    with page.expect_file_chooser() as chooser:
        page.click(button)
    chooser.value.set_files(str(path))


def profile_svg(page) -> str:
    return page.inner_html(".cct-profile")


def test_upload_pick_team_and_the_chart_changes(page, tmp_path):
    assert "Traceback" not in page.content()
    page.get_by_role("button", name="My own files").click()
    page.wait_for_selector(".cct-message-box >> text=Upload a responses file", timeout=LOAD)
    assert page.query_selector(".cct-heatmap svg") is None, "no stale chart beside the upload"

    # upload: the sample's responses without one team, to see the upload used
    lines = (SAMPLE_DIR / "responses.csv").read_text().splitlines(keepends=True)
    mine = tmp_path / "our_survey.csv"
    mine.write_text("".join(line for line in lines if ",family_services," not in line))
    upload(page, ".cct-upload-responses", mine)
    upload(page, ".cct-upload-teams", SAMPLE_DIR / "teams.csv")
    page.wait_for_selector(".cct-message-box >> text=Read our_survey.csv", timeout=LOAD)
    assert "Family social work: withheld" not in page.content()

    page.select_option(".cct-profile-team select", label="Central intake, North office")
    page.wait_for_function(
        "document.querySelector('.cct-profile').innerHTML.includes('Central intake, North office')",
        timeout=LOAD,
    )
    before = profile_svg(page)
    page.select_option(".cct-profile-team select", label="Housing support, East")
    page.wait_for_function(
        "document.querySelector('.cct-profile').innerHTML.includes('Housing support, East')",
        timeout=LOAD,
    )
    after = profile_svg(page)
    assert "<svg" in after and after != before
    # the priorities are redrawn after the chart: wait for them rather than read them at once
    page.wait_for_function(
        "document.querySelector('.cct-priorities').innerText.toLowerCase().includes('trauma')",
        timeout=LOAD,
    )

    # the team without answers in this upload is now under the threshold, and says so
    page.select_option(".cct-profile-team select", label="Family social work")
    page.wait_for_selector(
        ".cct-profile >> text=withheld, fewer than 5 people answered", timeout=LOAD
    )


def test_threshold_changes_what_is_withheld(page):
    heatmap = page.inner_html(".cct-heatmap")
    page.fill(".cct-threshold input", "13")
    page.press(".cct-threshold input", "Enter")
    page.wait_for_function(
        f"document.querySelector('.cct-heatmap').innerHTML.length != {len(heatmap)}",
        timeout=LOAD,
    )
    assert "fewer than 13 people" in page.content()


def test_bad_upload_is_explained_in_the_page(page, tmp_path):
    page.get_by_role("button", name="My own files").click()
    bad = tmp_path / "broken.csv"
    bad.write_text("respondent_id,team_id,COM01,COM02\nr1,intake_north,4,9\nr2,nowhere,3,3\n")
    upload(page, ".cct-upload-responses", bad)
    upload(page, ".cct-upload-teams", SAMPLE_DIR / "teams.csv")
    alert = page.wait_for_selector(".cct-message-box [role=alert]", timeout=LOAD)
    text = alert.inner_text()
    assert "broken.csv, row 2, column 'COM02': answer 9 is outside the scale 1–5" in text
    assert "broken.csv, row 3, column 'team_id': team 'nowhere' is not in the team context" in text
    assert "Traceback" not in page.content()


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/needs_assessment.ipynb",
        "/voila/files/../data/sample/responses.csv",
        "/voila/files/%2E%2E/data/sample/responses.csv",
        "/voila/files/../pyproject.toml",
    ],
)
def test_data_files_are_never_served(server, path):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server + path, timeout=10)
    assert info.value.code in (403, 404)


def test_kobo_export_upload_says_what_it_read_and_every_problem(page, tmp_path):
    page.get_by_role("button", name="My own files").click()
    kobo = tmp_path / "kobo.csv"
    kobo.write_text(
        '"_uuid";"_submission_time";"team_id";"grp/COM01";"grp/COM02"\n'
        '"u1";"2026-03-01";"intake_north";"Strongly agree";"9"\n'
        '"u2";"2026-03-01";"nowhere";"Maybe";"2"\n',
        encoding="utf-8",
    )
    upload(page, ".cct-upload-responses", kobo)
    upload(page, ".cct-upload-teams", SAMPLE_DIR / "teams.csv")
    alert = page.wait_for_selector(".cct-message-box [role=alert]", timeout=LOAD)
    text = alert.inner_text()
    assert "Read as kobo.csv: KoboToolbox (utf-8, separated by semicolon)" in text
    assert "kobo.csv, row 2, column 'grp/COM02': answer 9 is outside the scale 1–5" in text
    assert "kobo.csv, row 3, column 'grp/COM01': answer 'Maybe' is not on the scale" in text
    assert "kobo.csv, row 3, column 'team_id': team 'nowhere' is not in the team context" in text
    assert "Traceback" not in page.content()


def test_the_app_speaks_plainly_with_names_tick_boxes_and_whole_labels(page):
    text = page.inner_text("body")
    for developer in ("papermill", "Run it three ways", " -p ", "team_id", "need_hours"):
        assert developer not in text
    language = page.inner_text(".cct-language")
    assert "Unmet (hours a month)" in language and "Needed (hours a month)" in language
    assert "Central intake, North office" in language  # a name, never intake_north
    assert page.locator("select[multiple]").count() == 0  # no Ctrl-click lists
    picker = page.locator(".cct-team-picker input[type=checkbox]")
    assert picker.count() == 14
    button = page.locator("button", has_text="Prepare downloads")
    assert button.evaluate("b => b.scrollWidth <= b.clientWidth")  # not "Prepare downlo…"
    before = page.inner_text(".cct-language")
    page.locator(".cct-team-picker label", has_text="Evening intake desk").click()
    page.wait_for_function(
        "before => document.querySelector('.cct-language').innerText !== before", arg=before
    )
    assert "Central intake, North office" not in page.inner_text(".cct-language")


# what a facilitator uses on the page, each to be wholly on screen with its label uncut
CONTROLS = [
    ".cct-assessment-app button",
    ".cct-threshold",
    ".cct-threshold label",
    ".cct-team-picker",
    ".cct-team-picker label",
    ".cct-profile-team",
    ".cct-profile-team select",
    ".cct-table",
    ".cct-heatmap .cct-scrolls",
    ".cct-profile .cct-scrolls",
    ".cct-assessment-app a[download]",
]
UPLOADS = [".cct-upload-responses", ".cct-upload-teams", ".cct-assessment-app button"]


@pytest.mark.parametrize("window", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "laptop"])
def test_on_a_phone_and_a_laptop_every_control_fits_and_wide_tables_scroll_inside(server, window):
    """390 px (a facilitator's phone) and 1280 px: the sample, one team ticked and its
    downloads prepared; the page never scrolls sideways, every control and chart is on screen
    with its label whole, wide tables scroll in their own box, and axe finds nothing serious."""
    with chromium_page() as page:
        page.set_viewport_size(window)
        page.goto(f"{server}{PAGE}?token={TEST_PASSWORD}", timeout=LOAD)
        page.wait_for_selector(".cct-profile svg", timeout=LOAD)
        page.locator(".cct-team-picker label", has_text="Central intake, North office").click()
        page.wait_for_selector(".cct-assessment-app >> text=1 team(s) shown", timeout=LOAD)
        page.wait_for_function(
            "document.querySelector('.cct-profile').innerHTML.includes('Central intake')",
            timeout=LOAD,
        )
        page.get_by_role("button", name="Prepare downloads").click()
        page.wait_for_selector(".cct-assessment-app a[download]", timeout=LOAD)
        assert layout_problems(page, CONTROLS) == [], page_width(page)
        for chart in page.locator(".cct-heatmap svg, .cct-profile svg").all():  # still legible
            assert (
                chart.evaluate("s => s.getBoundingClientRect().width / s.width.baseVal.value")
                > 0.55
            )
        table = page.locator(".cct-language table")
        assert table.get_attribute("tabindex") == "0"  # a keyboard can scroll it too
        assert serious_violations(page) == []

        page.get_by_role("button", name="My own files").click()
        page.wait_for_selector(".cct-message-box >> text=Upload a responses file", timeout=LOAD)
        assert layout_problems(page, UPLOADS) == [], page_width(page)
        assert serious_violations(page) == []
