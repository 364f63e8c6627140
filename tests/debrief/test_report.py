"""The debrief report as a facilitator reads it: names, right-to-left text, phone, A4."""

import re

import pytest
from pypdf import PdfReader

from tests.browser import chromium_page, serious_violations
from tests.debrief.test_summary import SESSION, refl
from toolkit.debrief.report import render_report, team_names, write_outputs
from toolkit.debrief.summary import compute, run_debrief
from toolkit.reflect.sample import fill_sample_store

ARABIC = "تحضير المترجم قبل كل موعد."  # "Brief the interpreter before every appointment."


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("debrief")
    url = f"sqlite:///{folder}/r.sqlite"
    fill_sample_store(url)
    return write_outputs(run_debrief(url), folder / "out", names=team_names())


def visible_text(html: str) -> str:
    body = html.split("<body>", 1)[1]
    body = re.sub(r"<(style|svg)\b.*?</\1>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_names_not_ids_throughout(sample_report):
    html = sample_report.report.read_text(encoding="utf-8")
    names = team_names()
    shown = visible_text(html)
    assert "Central intake, North office · 2027-02-01 09:30" in shown
    for team_id in names:  # ids live only in links and anchors, never in what is read
        assert not re.search(rf"(?<![\w-]){re.escape(team_id)}(?![\w-])", shown), team_id
    charts = " ".join(re.findall(r"<svg\b.*?</svg>", html, flags=re.S))
    assert "Central intake, North office" in charts and "intake_north" not in charts


def test_an_arabic_commitment_ends_on_its_left(tmp_path):
    items = [refl(k, language="ar", commitment=ARABIC) for k in range(5)]
    page_file = tmp_path / "debrief.html"
    page_file.write_text(render_report(compute(items), names={"intake_north": "Intake"}))
    with chromium_page() as page:
        page.goto(page_file.as_uri())
        item = page.locator("ul.commitments bdi").first
        assert item.get_attribute("dir") == "auto"
        left_of_stop, right_of_first = page.evaluate(
            """() => {
                const text = document.querySelector('ul.commitments bdi').firstChild;
                const rect = (a, b) => { const r = document.createRange();
                    r.setStart(text, a); r.setEnd(text, b); return r.getBoundingClientRect(); };
                const n = text.length;
                return [rect(n - 1, n).left, rect(0, 1).right];
            }"""
        )
        assert left_of_stop < right_of_first  # the full stop ends the sentence, on its left
        assert serious_violations(page) == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_report_fits_a_phone_and_passes_axe(sample_report, width):
    with chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(sample_report.report.resolve().as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []


def test_a_pdf_beside_the_report(sample_report):
    assert sample_report.report_pdf == sample_report.report.with_suffix(".pdf")
    reader = PdfReader(sample_report.report_pdf)
    assert all(abs(float(p.mediabox.width) - 595.3) < 1 for p in reader.pages)  # A4
    text = "".join(p.extract_text() for p in reader.pages[:3])
    assert "retrospective" in text  # the caveat about the ratings prints too
    assert sample_report.report_pdf in sample_report.paths()


def test_without_names_the_ids_still_read(tmp_path):
    html = render_report(compute([refl(k) for k in range(5)]))
    assert "intake_north, 2027-02-01 09:30" in html and SESSION in html
