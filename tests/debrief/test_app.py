"""The debrief app's logic (the widgets, without a browser), and the app served by `cct serve`
in Chromium."""

import ipywidgets as W
import pytest

from tests.debrief.test_summary import SESSION, XSS, refl
from toolkit.debrief.app import DebriefApp
from toolkit.reflect.sample import fill_sample_store
from toolkit.reflect.store import upgrade_schema

LATE = "housing_east-20270204-0930"


def shown(widget) -> str:
    """All the HTML the app shows now: the overview and whatever section is open."""
    own = widget.value if isinstance(widget, W.HTML) else ""
    return own + "".join(shown(child) for child in getattr(widget, "children", ()))


def test_picking_sessions_teams_and_threshold_redraws(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k, commitment=XSS))
    for k in range(3):
        store.save(refl(k, session=LATE, team="housing_east"))
    app = DebriefApp(store_url=url)
    assert app.sessions.options == [
        ("Housing support, East · 2027-02-04 09:30", LATE),
        ("Central intake, North office · 2027-02-01 09:30", SESSION),
    ]  # tick boxes with the teams' names (from the sample's teams file)
    assert app.teams.options == [
        ("Housing support, East", "housing_east"),
        ("Central intake, North office", "intake_north"),
    ]
    page = app.output.value
    assert "Central intake, North office · 2027-02-01 09:30" in page and "<script" not in page
    assert "withheld (fewer than 5)" in page  # housing_east, in the overview
    app.open_session.value = SESSION  # what choosing it in the list does
    assert "&lt;script&gt;" in app.open_session.view.value and "<script" not in shown(app)
    app.open_session.value = LATE
    assert "Withheld: fewer than 5 reflections" in app.open_session.view.value
    app.threshold.value = 3  # the open section is drawn again, at the new threshold
    assert "Withheld: fewer than 3" not in shown(app)
    assert "3 reflections" in app.open_session.view.value and "<svg" in app.open_session.view.value
    app.teams._boxes["housing_east"].value = True  # what ticking a box does
    assert app.teams.value == ("housing_east",)
    assert "Central intake, North office · 2027" not in shown(app)
    assert SESSION not in dict(app.open_session.picker.options).values()


def test_the_app_opens_without_charts_and_draws_a_session_when_it_is_opened(tmp_path):
    """Issue 13: the overview at once, no chart drawn; a section's chart when it is opened,
    drawn once for the visit."""
    url = f"sqlite:///{tmp_path}/r.sqlite"
    fill_sample_store(url)
    app = DebriefApp(store_url=url)
    assert shown(app).count("<svg") == 0 and app.open_session.drawn == app.open_team.drawn == {}
    assert "Central intake, North office · 2027-02-01 09:30" in app.output.value
    labels = dict((label, value) for label, value in app.open_session.picker.options)
    opened = labels["Central intake, North office · 2027-02-01 09:30"]
    app.open_session.value = opened
    section = app.open_session.view.value
    assert section.count("<svg") == 1 and shown(app).count("<svg") == 1
    assert "Central intake, North office · 2027-02-01 09:30: confidence before" in section
    assert '<ul class="commitments">' in section and '<bdi dir="auto"' in section
    assert len(app.open_session.drawn) == 1
    app.open_session.value = ""  # closed, then opened again: not drawn a second time
    assert app.open_session.view.value == ""
    app.open_session.value = opened
    assert app.open_session.view.value is section and len(app.open_session.drawn) == 1
    withheld = [v for label, v in app.open_session.picker.options if label.endswith("(withheld)")]
    assert withheld  # the sample has small sessions
    app.open_session.value = withheld[0]
    section = app.open_session.view.value
    assert "Withheld: fewer than 5 reflections" in section
    assert "<svg" not in section and "commitments" not in section.split("</p>", 1)[1]
    assert "<table" not in section and "Frequent themes" not in section
    app.open_team.value = "intake_north"
    assert app.open_team.view.value.count("<svg") == 1
    assert "Central intake, North office: confidence before and now" in app.open_team.view.value


def test_a_viewer_cannot_lower_the_servers_threshold(tmp_path, monkeypatch):
    """The attack: a served debrief, the threshold set to 2 as the page's websocket could."""
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k))
    for k in range(3):  # a group of three: withheld at the server's threshold of 5
        store.save(refl(k, session=LATE, team="housing_east", commitment="SECRET"))
    monkeypatch.setenv("CCT_PRIVACY_THRESHOLD", "5")  # as `cct serve` starts its kernels
    app = DebriefApp(store_url=url, threshold=2)  # a parameter in the notebook or URL
    assert app.threshold.value == 5 and app.threshold.min == 5
    app.threshold.value = 2  # what an update message from the browser does
    assert app.threshold.value == 5
    app.threshold.min = 2  # even a changed bound does not help
    app.threshold.value = 2
    app.refresh()
    app.open_session.value = LATE  # opened, as the page's websocket could
    app.open_team.value = "housing_east"
    assert "SECRET" not in shown(app)
    assert "Withheld: fewer than 5 reflections" in app.open_session.view.value
    assert "Withheld: fewer than 5 reflections" in app.open_team.view.value


def test_a_missing_store_is_a_message_in_the_page(tmp_path):
    app = DebriefApp(store_url=f"sqlite:///{tmp_path}/none.sqlite")
    assert "no reflections database at" in app.output.value
    assert app.sessions.options == []
    assert app.open_session.picker.layout.display == "none"  # nothing to open


@pytest.mark.browser
def test_the_voila_app_opens_a_session_chosen_by_name_and_runs_no_participant_script(tmp_path):
    """Served as facilitators open it: the overview first, no chart; a session chosen by its
    team's name and date shows its chart and its commitments, at a phone's width too; a
    withheld one shows nothing of what it holds."""
    from tests.browser import TEST_PASSWORD, chromium_page, voila_server

    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(5):
        store.save(refl(k, prompts={"description": XSS}, commitment=XSS))
    for k in range(3):
        store.save(refl(k, session=LATE, team="housing_east", commitment="SECRET"))
    dialogs = []
    with voila_server(env={"CCT_DATABASE_URL": url}) as server, chromium_page() as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}/voila/render/debrief.ipynb?token={TEST_PASSWORD}", timeout=120_000)
        page.wait_for_selector(".cct-debrief-overview", timeout=120_000)
        text = page.inner_text(".cct-debrief-overview")
        assert "Central intake, North office · 2027-02-01 09:30" in text
        assert page.locator(".cct-debrief svg").count() == 0  # no chart until one is opened
        picker = ".cct-debrief-open-session select"
        page.select_option(picker, label="Central intake, North office · 2027-02-01 09:30")
        page.wait_for_selector(".cct-debrief-section svg", timeout=120_000)
        section = page.inner_text(".cct-debrief-section")
        assert "Central intake, North office · 2027-02-01 09:30" in section
        commitments = page.locator(".cct-debrief-section ul.commitments bdi")
        assert commitments.count() == 5 and commitments.first.inner_text() == XSS  # as text
        assert commitments.first.get_attribute("dir") == "auto"
        assert page.locator(".cct-debrief script").count() == 0
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        page.select_option(picker, label="Housing support, East · 2027-02-04 09:30 (withheld)")
        page.wait_for_selector("text=Withheld: fewer than 5 reflections", timeout=120_000)
        section = page.inner_text(".cct-debrief-section")
        assert "Housing support, East · 2027-02-04 09:30" in section
        assert "SECRET" not in page.content() and page.locator(".cct-debrief svg").count() == 0
    assert dialogs == []
