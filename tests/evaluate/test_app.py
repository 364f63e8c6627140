"""The evaluation app (Voila): the organisation at once, a team's charts only when chosen."""

from __future__ import annotations

import re

import pytest

from tests.evaluate.test_report import small_evaluation
from toolkit.core.widgets import NOTHING
from toolkit.evaluate.app import EvaluationApp
from toolkit.evaluate.pipeline import Run, run
from toolkit.evaluate.report import render_report, team_section


def _page(app: EvaluationApp) -> str:
    """Everything the app shows, as one HTML text."""
    return "".join(w.value for w in app.children if isinstance(getattr(w, "value", None), str))


def _no_svg(html: str) -> str:
    return re.sub(r"<svg.*?</svg>", "<svg/>", html, flags=re.S)


def test_the_first_view_is_the_organisation_with_no_team_chart():
    ev = small_evaluation()
    app = EvaluationApp(Run(ev, None, []))
    page = _page(app)
    assert 'class="cct-report cct-evaluation"' in page and '<table class="levels' in page
    assert "In plain words" in page  # the organisation's summary
    assert page.count("<svg") == 1  # the organisation's trends; no team's
    assert 'class="team"' not in page and app.team.view.value == ""
    assert app.team.value == NOTHING and app.team.drawn == {}
    assert "cct-app" in app._dom_classes  # core/widgets.fit_style: fits a 390 px phone


def test_choosing_a_team_draws_its_section_once_per_visit():
    ev = small_evaluation()
    ev.team_names["a"] = "Intake north desk"
    app = EvaluationApp(Run(ev, None, []))
    labels = [label for label, _ in app.team.picker.options]
    assert "Intake north desk" in labels and "a" not in labels  # names, not ids
    app.team.value = "a"
    assert app.team.view.value.count("<svg") == 1 and "Intake north desk" in app.team.view.value
    assert list(app.team.drawn) == [(None, "a")]
    drawn = app.team.drawn[None, "a"]
    app.team.value = "b"
    app.team.value = "a"
    assert app.team.drawn[None, "a"] is drawn and set(app.team.drawn) == {
        (None, "a"),
        (None, "b"),
    }  # drawn once per visit
    app.team.value = NOTHING
    assert app.team.view.value == ""


def test_a_withheld_team_shows_no_figure():
    """Team b has 3 people: every figure withheld, in words, never a number or a point."""
    app = EvaluationApp(Run(small_evaluation(), None, []))
    app.team.value = "b"
    section = app.team.view.value
    assert "withheld (fewer than 5)" in section
    assert 'class="num"' not in section and "n = " not in section


def test_the_written_report_draws_every_team_with_the_same_section():
    ev = small_evaluation()
    report = render_report(ev)
    for team in ev.teams:  # one function draws a team's section, in both (the charts' ids vary)
        assert _no_svg(team_section(ev, team)) in _no_svg(report)
    assert report.count("<svg") == 1 + len(ev.teams)
    fragment = render_report(ev, standalone=False, teams=False)
    assert 'class="team"' not in fragment and fragment.count("<svg") == 1
    assert not re.search(r'href="#team-', fragment)  # no contents entry to a missing section


def test_the_servers_threshold_holds_in_the_app(sample, monkeypatch):
    """A page asks for 5; the server says 12: the app withholds as the server says."""
    from toolkit.core.disclosure import FLOOR_ENV

    url, files = sample
    monkeypatch.setenv(FLOOR_ENV, "12")
    done = run(url, teams_file=files.teams, threshold=5)
    assert done.evaluation.threshold == 12
    app = EvaluationApp(done)
    assert "fewer than 5" not in _page(app)
    team = done.evaluation.teams[0]
    app.team.value = team
    assert "fewer than 5" not in app.team.view.value
    assert "answered" in app.team.view.value  # response rates beside the figures
    names = [label for label, _ in app.team.picker.options]
    assert team not in names  # the teams file's names


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_in_chromium_a_team_is_drawn_when_chosen(sample):
    """The real server (cct serve) and Chromium: the organisation first, no team's chart; the
    chosen team's section and charts after choosing it by name."""
    from tests.browser import TEST_PASSWORD, chromium_page, voila_server
    from toolkit.core.config import DATABASE_ENV

    url, files = sample
    with voila_server(env={DATABASE_ENV: url}, timeout=180) as base, chromium_page() as page:
        page.goto(f"{base}/voila/render/evaluation.ipynb?token={TEST_PASSWORD}", timeout=300_000)
        page.wait_for_selector(".cct-evaluation table.levels", timeout=300_000)
        assert page.locator(".cct-evaluation section.organisation svg").count() == 1
        assert page.locator("section.team").count() == 0
        choice = page.locator(".cct-team-choice select")
        team = choice.locator("option").all_inner_texts()[1]
        choice.select_option(label=team)
        page.wait_for_selector("section.team svg", timeout=120_000)
        assert page.locator("section.team h2").inner_text() == team


def test_without_a_teams_file_the_page_says_why_it_shows_ids(sample):
    """Ids instead of names, and no response rates: the page says what is missing and how to
    add it, rather than leaving the facilitator to guess."""
    from toolkit.evaluate.pipeline import WITHOUT_TEAMS_FILE

    url, files = sample
    bare = run(url)
    assert WITHOUT_TEAMS_FILE in bare.notices
    assert "No team context file was given" in _page(EvaluationApp(bare))
    named = run(url, teams_file=files.teams)
    assert WITHOUT_TEAMS_FILE not in named.notices
    assert "No team context file" not in _page(EvaluationApp(named))
