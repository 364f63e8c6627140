"""The evaluation report: levels side by side, response rates, flags, charts, escaping."""

from __future__ import annotations

import csv

import pytest

from tests.evaluate.test_levels import Q1, Q2, cohort
from toolkit.evaluate.levels import evaluate
from toolkit.evaluate.report import render_report, side_by_side, trend_chart, write_outputs


def small_evaluation():
    reflections = cohort("a", Q1, 12, 1) + cohort("a", Q2, 6, 2) + cohort("b", Q2, 3, 3)
    return evaluate(reflections, threshold=5)


def test_the_four_levels_sit_side_by_side_with_cycles_as_columns():
    ev = small_evaluation()
    levels = side_by_side(ev, "a")
    assert [lv["name"] for lv in levels] == [
        "Level 1 · Reaction",
        "Level 2 · Learning",
        "Level 3 · Behaviour",
        "Level 4 · Results",
    ]
    useful = levels[0]["measures"][0]
    assert [c["small"] for c in useful["cells"]] == [False, True]  # 12 people, then 6
    assert useful["cells"][1]["n"] == "6"


def test_the_report_flags_small_samples_and_withholds_without_zeros(tmp_path):
    ev = small_evaluation()
    html = render_report(ev)
    assert html.startswith("<!DOCTYPE html>")
    assert "⚑ small sample" in html and "withheld (fewer than 5)" in html
    assert "do not show that the training caused it" in html
    assert html.count("<svg") == 1 + len(ev.teams)
    outputs = write_outputs(ev, tmp_path)
    with outputs.figures_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    withheld = [r for r in rows if r["team_id"] == "b"]
    assert withheld and all(r["value"] == "" and r["shown"] == "False" for r in withheld)


def test_the_page_fragment_has_the_classes_a_browser_waits_for():
    """What ``show`` puts in a notebook or Voila page: one block of class cct-evaluation whose
    first table is the levels table; the app's first result on screen, for
    benchmarks/facilitator_apps.py (the page draws the whole fragment at once)."""
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs).get("class", "").split()))

    tags = Tags()
    tags.feed(render_report(small_evaluation(), standalone=False))
    assert tags.tags[0] == ("div", ["cct-report", "cct-evaluation"])
    tables = [classes for tag, classes in tags.tags if tag == "table"]
    assert tables and "levels" in tables[0]


def test_charts_mark_small_samples_withheld_cycles_and_training_dates():
    ev = small_evaluation()
    fig = trend_chart(ev, "a")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "small (n=6)" in texts
    lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert lines  # the training dates
    withheld = [t.get_text() for ax in trend_chart(ev, "b").axes for t in ax.texts]
    assert "withheld" in withheld


def test_team_names_and_notices_are_escaped():
    ev = small_evaluation()
    ev.team_names["a"] = "<script>alert(1)</script>"
    ev.notices.append("<img src=x onerror=alert(1)>")
    html = render_report(ev)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


@pytest.fixture(scope="module")
def written(stock_run):
    """The report the notebook wrote with the stock papermill CLI (conftest.py)."""
    assert stock_run.done.returncode == 0, stock_run.done.stderr[-2000:]
    return stock_run.outputs


@pytest.mark.parametrize("width", [390, 1280])
def test_the_report_fits_a_phone_and_passes_axe(written, width):
    from tests.browser import chromium_page, serious_violations

    with chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(written.report.resolve().as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []


def test_a_pdf_with_contents_beside_the_report(written):
    from pypdf import PdfReader

    html = written.report.read_text(encoding="utf-8")
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    assert toc.count("<li>") >= 3 and 'href="#organisation"' in toc
    assert written.report_pdf.is_file()  # beside the report, same name
    reader = PdfReader(written.report_pdf)
    assert all(abs(float(p.mediabox.width) - 595.3) < 1 for p in reader.pages)  # A4
    assert "Contents" in reader.pages[0].extract_text()
