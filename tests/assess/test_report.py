"""The needs assessment report as a facilitator reads it: on a laptop, on a phone, on A4."""

import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pypdf import PdfReader

from tests.assess.test_assessment import answers
from tests.browser import chromium_page, serious_violations
from tests.conftest import make_team
from toolkit.assess import charts
from toolkit.assess.assessment import assess
from toolkit.assess.report import render_report
from toolkit.assess.results import to_results
from toolkit.core import disclosure
from toolkit.core.charts import to_svg


def section(html: str, team_id: str) -> str:
    return html.split(f'<section class="team" id="team-{team_id}"')[1].split("</section>")[0]


def rows(html: str) -> list[list[str]]:
    """The cells' text of every body row in this piece of the report."""
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[-1], flags=re.S)
    ]


def report_for(teams, framework, respondents: int = 5) -> str:
    """The report of a hand-made organisation whose every team has ``respondents`` answers."""
    given = [(f"{t}{i}", t, {"COM01": 3, "LAN01": 2}) for t in teams for i in range(respondents)]
    result = assess(answers(framework, given), teams, threshold=5, framework=framework)
    return render_report(result, to_results(result, {"responses": "r.csv", "teams": "t.csv"}))


def test_profile_legend_explains_every_marker_and_covers_no_bar(sample_outputs):
    result = sample_outputs.assessment
    fig = charts.team_profile(result, result.shown_teams[0])
    svg = to_svg(fig)
    assert "_nolegend_" not in svg
    assert "the level the role should reach" in svg  # the black diamond, explained
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert legends
    bars = [p.get_window_extent(renderer) for ax in fig.axes for p in ax.patches]
    assert bars
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(bar) for bar in bars), "the legend covers a bar"


def test_language_share_is_of_all_clients_as_its_heading_says(sample_outputs):
    html = sample_outputs.report_path.read_text(encoding="utf-8")
    team = sample_outputs.results.team("intake_north")  # 45% need support; ar=40 of them
    table = section(html, "intake_north").split("<h3>Language access</h3>")[1]
    assert "% of all clients" in table
    by_language = {r[0]: r for r in rows(table)}
    for row in team.language_access:
        expected = team.interpreter_need_share * row.client_share / 100
        assert by_language[row.language_name][1] == f"{expected:.0f}%"
    assert by_language["Arabic"][1] == "18%"
    shares = sum(float(r[1].rstrip("%")) for r in by_language.values())
    assert shares == pytest.approx(team.interpreter_need_share, abs=2)  # not 100


def test_hours_mostly_covered_are_called_partly_covered(framework):
    team = make_team(
        "desk",
        clients_per_month=100,
        interpreter_need_share=42,
        client_languages={"ar": 100.0},
        staff_languages=("en",),
        interpreter_hours_per_month=40,
    )
    none = make_team("night", client_languages={"so": 100.0}, interpreter_hours_per_month=0)
    html = report_for({"desk": team, "night": none}, framework)
    desk = {r[0]: r for r in rows(section(html, "desk").split("<h3>Language access</h3>")[1])}
    assert desk["Arabic"][2:] == ["42.0", "40.0", "2.0", "partly covered (40 of 42 hours)"]
    night = {r[0]: r for r in rows(section(html, "night").split("<h3>Language access</h3>")[1])}
    assert night["Somali"][-1] == "not covered"


def test_organisation_language_table_is_sorted_by_unmet_hours(sample_outputs):
    html = sample_outputs.report_path.read_text(encoding="utf-8")
    table = html.split('id="language-access"')[1].split("</table>")[0]
    unmet = [float(r[-1]) for r in rows(table)]
    assert len(unmet) >= 5
    assert unmet == sorted(unmet, reverse=True)


def test_a_product_team_needs_no_interpreter_hours_however_many_users(framework):
    app = make_team(
        "app",
        role="tech_product",
        clients_per_month=4000,
        interpreter_need_share=25,
        client_languages={"es": 60.0, "ar": 40.0},
        staff_languages=("en",),
        interpreter_hours_per_month=0,
        client_contact="product",
    )
    desk = make_team("desk", interpreter_hours_per_month=0)
    html = report_for({"app": app, "desk": desk}, framework)
    part = section(html, "app")
    assert "<table" not in part.split("<h3>Language access</h3>")[1]
    assert "no interpreter hours are counted" in part
    assert "Spanish (60%)" in part
    overview = html.split('id="language-access"')[1].split("<section")[0]
    assert "Desk" in overview and "App" not in overview
    assert "1000" not in html and "1,000" not in html  # 4000 × 25%: the old, wrong need


def test_a_withheld_team_shows_nothing_at_all(sample_outputs):
    html = sample_outputs.report_path.read_text(encoding="utf-8")
    withheld = sample_outputs.assessment.withheld_teams
    assert withheld
    for team_id in withheld:
        part = section(html, team_id)
        assert "Nothing about this team is shown" in part
        assert "<table" not in part and "<h3" not in part and "<svg" not in part
        assert (
            sample_outputs.assessment.teams[team_id].name
            not in html.split('id="language-access"')[1].split("<section")[0]
        )


def test_a_gap_that_prints_as_zero_is_never_trained_first(framework, monkeypatch):
    """Even with finer rounding, a gap under 0.05 is at target: no priority, no rank."""
    for name, value in (("SUM_NOISE", 0.0), ("SPREAD_NOISE", 0.0), ("COUNT_NOISE", 0)):
        monkeypatch.setattr(disclosure, name, value)
    monkeypatch.setattr(disclosure, "DECIMALS", 2)
    # COM01 alone makes active listening: 4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,3 ... mean 3.96
    given = [(f"r{i}", "t", {"COM01": 4 if i else 3}) for i in range(25)]
    result = assess(answers(framework, given), {"t": make_team("t")}, 5, framework)
    cells = result.cells.set_index("competency_id")
    assert cells.loc["communication.active_listening", "gap"] == pytest.approx(0.04)
    assert cells.loc["communication.active_listening", "priority"] == 0
    assert "communication.active_listening" not in set(result.priorities("t")["competency_id"])
    html = render_report(result, to_results(result, {"responses": "r", "teams": "t"}))
    train_first = section(html, "t").split("<h3>Train first</h3>")[1].split("<h3")[0]
    assert "Active listening" not in train_first


def test_contents_link_every_team_and_the_pdf_is_short(sample_outputs):
    html = sample_outputs.report_path.read_text(encoding="utf-8")
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    for team in sample_outputs.assessment.teams:
        assert f'href="#team-{team}"' in toc and f'id="team-{team}"' in html
    pdf = sample_outputs.report_path.with_suffix(".pdf")
    reader = PdfReader(pdf)
    assert len(reader.pages) <= 18  # it was 37 A4 pages
    first = reader.pages[0].extract_text()
    assert "Contents" in first and re.search(r"Central intake, North office · p\. \d+", first)
    assert all(abs(float(p.mediabox.width) - 595.3) < 1 for p in reader.pages)  # A4


@pytest.mark.parametrize("width", [390, 1280])
def test_report_fits_the_screen_and_passes_axe(sample_outputs, width):
    with chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(sample_outputs.report_path.resolve().as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []


def test_sample_marks_the_product_teams():
    from toolkit.assess.needs_assessment import SAMPLE_TEAMS
    from toolkit.core.teams import read_teams

    teams = read_teams(SAMPLE_TEAMS)
    assert not teams["product_benefits_app"].needs_interpreting
    assert teams["intake_north"].needs_interpreting
    assert np.isclose(teams["product_benefits_app"].clients_per_month, 4000)
