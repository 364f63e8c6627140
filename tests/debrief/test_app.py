"""The debrief app's logic (the widgets, without a browser)."""

import pytest

from tests.debrief.test_summary import SESSION, XSS, refl
from toolkit.debrief.app import DebriefApp
from toolkit.reflect.store import upgrade_schema


def test_picking_sessions_teams_and_threshold_redraws(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k, commitment=XSS))
    for k in range(3):
        store.save(refl(k, session="housing_east-20270204-0930", team="housing_east"))
    app = DebriefApp(store_url=url)
    assert app.sessions.options == [
        ("Housing support, East · 2027-02-04 09:30", "housing_east-20270204-0930"),
        ("Central intake, North office · 2027-02-01 09:30", SESSION),
    ]  # tick boxes with the teams' names (from the sample's teams file)
    assert app.teams.options == [
        ("Housing support, East", "housing_east"),
        ("Central intake, North office", "intake_north"),
    ]
    page = app.output.value
    assert "Central intake, North office · 2027-02-01 09:30" in page and "<script" not in page
    assert "&lt;script&gt;" in page
    assert "Withheld: fewer than 5 reflections" in page  # housing_east
    app.threshold.value = 3
    assert "Withheld: fewer than 3" not in app.output.value
    app.teams._boxes["housing_east"].value = True  # what ticking a box does
    assert app.teams.value == ("housing_east",)
    assert "Central intake, North office · 2027" not in app.output.value


def test_a_viewer_cannot_lower_the_servers_threshold(tmp_path, monkeypatch):
    """The attack: a served debrief, the threshold set to 2 as the page's websocket could."""
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k))
    for k in range(3):  # a group of three: withheld at the server's threshold of 5
        store.save(
            refl(k, session="housing_east-20270204-0930", team="housing_east", commitment="SECRET")
        )
    monkeypatch.setenv("CCT_PRIVACY_THRESHOLD", "5")  # as `cct serve` starts its kernels
    app = DebriefApp(store_url=url, threshold=2)  # a parameter in the notebook or URL
    assert app.threshold.value == 5 and app.threshold.min == 5
    app.threshold.value = 2  # what an update message from the browser does
    assert app.threshold.value == 5
    app.threshold.min = 2  # even a changed bound does not help
    app.threshold.value = 2
    app.refresh()
    assert "SECRET" not in app.output.value
    assert "Withheld: fewer than 5 reflections" in app.output.value


def test_a_missing_store_is_a_message_in_the_page(tmp_path):
    app = DebriefApp(store_url=f"sqlite:///{tmp_path}/none.sqlite")
    assert "no reflections database at" in app.output.value
    assert app.sessions.options == []


@pytest.mark.browser
def test_the_voila_app_shows_the_report_and_runs_no_participant_script(tmp_path):
    from tests.browser import TEST_PASSWORD, chromium_page, voila_server

    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k, prompts={"description": XSS}, commitment=XSS))
    dialogs = []
    with voila_server(env={"CCT_DATABASE_URL": url}) as server, chromium_page() as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{server}/voila/render/debrief.ipynb?token={TEST_PASSWORD}", timeout=120_000)
        page.wait_for_selector(".cct-debrief svg", timeout=120_000)
        text = page.inner_text(".cct-debrief")
        assert "Central intake, North office · 2027-02-01 09:30" in text
        assert XSS in text  # shown as text
        assert page.locator(".cct-debrief script").count() == 0
    assert dialogs == []
