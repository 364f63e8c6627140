"""What the plan prints: the participants' handout and the facilitator guide, on A4, in a real
Chromium (its own PDF) and as the PDFs written beside them (WeasyPrint)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser import chromium_page, require_chromium, serious_violations
from tests.plan.test_materials_translations import stand_in
from tests.plan.test_materials_translations import write as write_translation
from toolkit.core.framework import default_framework
from toolkit.plan.catalog import default_catalog
from toolkit.plan.planner import SessionParameters, material_suits, plan_session
from toolkit.plan.report import (
    CHART_FONT_PT,
    GUIDE_NAME,
    HANDOUT_NAME,
    MATERIALS_NAME,
    write_plan_files,
)
from toolkit.plan.session_plan import sample_results

A4_POINTS = (595, 842)
# the sample organisation's hardest shapes: the most competencies (11), self-paced, online
SHAPES = {
    "widest": ("clinic_residents", 240, "in_person", 16),
    "usual": ("intake_north", 180, "in_person", 16),
    "self_paced": ("intake_evening", 45, "self_paced", 6),
    "online": ("housing_west", 120, "online", 8),
}


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict:
    """Each shape planned and written as `cct plans` writes it: (plan, folder)."""
    results = sample_results()
    out = tmp_path_factory.mktemp("plans")
    made = {}
    for name, (team, minutes, fmt, size) in SHAPES.items():
        params = SessionParameters(team, minutes, fmt, size, datetime(2027, 2, 8, 9, 30))
        plan = plan_session(results, params)
        write_plan_files(plan, out / name)
        made[name] = (plan, out / name)
    return made


# Spanish runs longer than English, Arabic right to left: the widest plan in each, and online
TRANSLATED = {
    "widest_es": ("clinic_residents", 240, "in_person", 16, "es"),
    "widest_ar": ("clinic_residents", 240, "in_person", 16, "ar"),
    "online_ar": ("housing_west", 120, "online", 8, "ar"),
}


@pytest.fixture(scope="module")
def translated(tmp_path_factory) -> dict:
    """The handout and the participants' page in the session's language, written as
    `cct plans` writes them; the case studies and quizzes from stand-in translations (no
    English in them), so the test does not hang on a translator's words."""
    results = sample_results()
    out = tmp_path_factory.mktemp("translated")
    translations = out / "translations"
    translations.mkdir()
    for lang in {shape[-1] for shape in TRANSLATED.values()}:
        write_translation(translations, stand_in(lang))
    made = {}
    for name, (team, minutes, fmt, size, lang) in TRANSLATED.items():
        params = SessionParameters(team, minutes, fmt, size, datetime(2027, 2, 8, 9, 30), lang)
        plan = plan_session(results, params)
        write_plan_files(plan, out / name, translations=translations)
        made[name] = (plan, out / name)
    return made


@pytest.fixture(scope="module")
def page():
    require_chromium()
    with chromium_page() as page:
        yield page


def a4_sizes(pdf: Path | bytes) -> list[tuple[int, int]]:
    """Each page's size in points, A4 (595 × 842, Chromium's 595.92 × 842.88 included) as A4."""
    reader = PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return [
        A4_POINTS if abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5 else (round(w), round(h))
        for w, h in sizes
    ]


def link_targets(reader: PdfReader) -> list[str]:
    """The URIs of the PDF's link annotations, on every page."""
    return [
        annotation.get_object()["/A"].get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/A")
    ]


def printed(page, html: Path) -> tuple[bytes, int, int]:
    """Chromium's PDF of the page, and the page's width against A4's printable width when
    laid out for print (anything wider would be cut)."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 1000})  # 210 mm less the margins, at 96 dpi
    page.goto(html.as_uri())
    width = page.evaluate("document.scrollingElement.scrollWidth")
    pdf = page.pdf(
        format="A4", margin={"top": "12mm", "bottom": "12mm", "left": "13mm", "right": "13mm"}
    )
    page.emulate_media(media="screen")
    return pdf, width, 680


@pytest.mark.parametrize("shape", SHAPES)
def test_the_handout_prints_on_one_a4_page_with_the_qr_code(plans, page, shape):
    plan, folder = plans[shape]
    pdf, width, printable = printed(page, folder / HANDOUT_NAME)
    assert width <= printable, f"{shape}: the handout is {width} px wide"
    assert a4_sizes(pdf) == [A4_POINTS], f"{shape}: {len(a4_sizes(pdf))} pages"
    html = (folder / HANDOUT_NAME).read_text(encoding="utf-8")
    assert 'class="qr-code"' in html and 'alt="Reflection form"' in html  # named for readers
    assert plan.reflection_url in scanned(pdf)  # Chromium's print of it: the code opens the form


@pytest.mark.parametrize("shape", TRANSLATED)
def test_a_translated_handout_prints_on_one_a4_page_and_passes_axe(translated, page, shape):
    """Spanish and Arabic are longer than English; still one sheet with the QR code, in
    Chromium's print and in the PDF written beside it, and axe finds nothing serious."""
    plan, folder = translated[shape]
    pdf, width, printable = printed(page, folder / HANDOUT_NAME)
    assert width <= printable, f"{shape}: the handout is {width} px wide"
    assert a4_sizes(pdf) == [A4_POINTS], f"{shape}: {len(a4_sizes(pdf))} pages in Chromium"
    written = folder / HANDOUT_NAME.replace(".html", ".pdf")
    assert a4_sizes(written) == [A4_POINTS], f"{shape}: {len(a4_sizes(written))} pages (PDF)"
    [first] = PdfReader(written).pages
    links = [a.get_object()["/A"].get("/URI") for a in first.get("/Annots", [])]
    assert plan.reflection_url in links  # the link under the QR code, on the one page
    page.goto((folder / HANDOUT_NAME).as_uri())
    assert page.evaluate("document.documentElement.dir") == ("rtl" if "_ar" in shape else "ltr")
    assert serious_violations(page) == []


@pytest.mark.parametrize("shape", SHAPES)
def test_the_guide_prints_on_a4_with_nothing_cut(plans, page, shape):
    plan, folder = plans[shape]
    pdf, width, printable = printed(page, folder / GUIDE_NAME)
    assert width <= printable, f"{shape}: the guide is {width} px wide"
    sizes = a4_sizes(pdf)
    assert sizes and set(sizes) == {A4_POINTS}
    assert len(sizes) <= 12, f"{shape}: {len(sizes)} pages"
    reader = PdfReader(io.BytesIO(pdf))
    assert plan.reflection_url in link_targets(reader)  # the link itself, whole
    text = "".join(p.extract_text() for p in reader.pages)
    # its visible text, wrapped and not cut: every letter of the signature, in order (how
    # an extractor joins a line broken at a '-' or '_' of the signature is its own affair)
    signature = re.sub(r"[^A-Za-z0-9]", "", plan.reflection_url.rsplit("=", 1)[1])
    assert signature in re.sub(r"[^A-Za-z0-9]", "", text)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_pdf_beside_every_handout_and_guide(plans, shape):
    plan, folder = plans[shape]
    handout = folder / HANDOUT_NAME.replace(".html", ".pdf")
    guide = folder / GUIDE_NAME.replace(".html", ".pdf")
    assert a4_sizes(handout) == [A4_POINTS]  # one page: the QR code is on page 1
    reader = PdfReader(handout)
    [first] = reader.pages
    assert plan.reflection_url in link_targets(reader)  # the link under the QR code, on page 1
    assert "reflection" in first.extract_text().lower()
    sizes = a4_sizes(guide)
    assert sizes and set(sizes) == {A4_POINTS}
    assert plan.reflection_url in scanned(handout)  # the printed code opens the form
    assert plan.reflection_url in scanned(guide)


def scanned(pdf: Path | bytes, dpi: int = 200) -> list[str]:
    """What a phone's camera reads from the QR codes of the printed PDF: every page drawn at
    ``dpi`` (a phone photographing the sheet sees it finer than that), then decoded."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            code.text
            for page in document
            for code in zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil())
        ]
    finally:
        document.close()


def handout_text(folder: Path) -> str:
    html = (folder / HANDOUT_NAME).read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)[\s\S]*?</\1>", " ", html))


@pytest.mark.parametrize("shape", SHAPES)
def test_the_handout_speaks_to_participants(plans, page, shape):
    plan, folder = plans[shape]
    text = handout_text(folder)
    url_free = text.replace(plan.reflection_url.replace("&", "&amp;"), "")
    for word in ("rank", "priority", "gap", "weighted", "percentile"):
        assert not re.search(rf"\b{word}\b", url_free, re.I), word
    assert not re.search(r"\d\.\d", url_free), re.search(r".{30}\d\.\d.{30}", url_free)
    page.goto((folder / HANDOUT_NAME).as_uri())
    bullets = page.locator("ul.practise li").all_inner_texts()
    names = [default_framework().competency(c).name["en"] for c in plan.covered_competencies]
    assert len(bullets) == len(names)
    for bullet, name in zip(bullets, names, strict=True):  # one competency per bullet
        assert bullet.startswith(name)
        assert [n for n in names if n in bullet] == [name]
    aligned = page.evaluate(
        "[...document.querySelectorAll('.agenda .what')].map(e => getComputedStyle(e).textAlign)"
    )
    assert aligned and set(aligned) <= {"left", "start"}


def test_a_self_paced_handout_and_guide_have_no_clock(plans, page):
    plan, folder = plans["self_paced"]
    for name in (HANDOUT_NAME, GUIDE_NAME):
        page.goto((folder / name).as_uri())
        first_column = page.locator(".agenda tbody tr td:first-child").all_inner_texts()
        assert first_column and not any(re.search(r"\d\d:\d\d", c) for c in first_column), name


@pytest.mark.parametrize("name", [HANDOUT_NAME, GUIDE_NAME])
def test_the_pages_load_nothing_from_other_sites_and_pass_axe(plans, page, name):
    plan, folder = plans["usual"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto((folder / name).as_uri())
    assert requested and all(u.startswith(("file:", "data:")) for u in requested), requested
    assert "mathjax" not in (folder / name).read_text(encoding="utf-8").lower()
    assert serious_violations(page) == []


def test_the_plans_index_names_teams_and_links_pages_to_print(plans, page, tmp_path):
    from toolkit.plan.batch import Outcome, write_index

    outcomes = []
    for plan, folder in plans.values():
        files = {p.name: str(p) for p in folder.iterdir()}
        outcomes.append(
            Outcome(plan.parameters.session_id, plan.team.team_id, "planned", 1.0, "", files)
        )
    outcomes.append(
        Outcome("intake_south-20270301-0930", "intake_south", "failed", 1.0, "KeyError: 'x'")
    )
    index = write_index(outcomes, folder.parent)
    page.goto(index.as_uri())
    rows = page.locator("tbody tr").all_inner_texts()
    plan, _ = plans["self_paced"]
    assert any(plan.team.team_name in r and "self-paced" in r and "45 min" in r for r in rows)
    assert any("intake_south" in r and "01 Mar 2027" in r and "failed" in r for r in rows)
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.endswith((".html", ".pdf")) for h in hrefs)
    assert sum(h.endswith(MATERIALS_NAME) for h in hrefs) == len(plans)  # each session's page
    assert serious_violations(page) == []
    page.set_viewport_size(
        {"width": 390, "height": 844}
    )  # a phone: the table scrolls, not the page
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert serious_violations(page) == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def _written(plan, folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def _module_materials(plan) -> list[tuple]:
    """(case study or None, quiz or None) of each planned module that has either."""
    from toolkit.plan.materials import default_materials

    materials = default_materials()
    found = [
        (materials.case_studies.get(i.module_id), materials.quizzes.get(i.module_id))
        for i in plan.agenda
        if i.module_id
    ]
    return [pair for pair in found if any(pair)]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_guide_carries_each_modules_case_study_and_quiz_with_the_answers(plans, shape):
    from markupsafe import escape

    plan, folder = plans[shape]
    guide = _written(plan, folder, GUIDE_NAME)
    found = _module_materials(plan)
    for case, quiz in found:
        for text in (
            [case.title, case.scenario, case.check_locally, *case.questions, *case.good_answer]
            if case
            else []
        ):
            assert str(escape(text)) in guide, text
        if case and case.review:
            assert str(escape(case.review)) in guide
        for q in quiz.questions if quiz else []:
            assert str(escape(q.question)) in guide and str(escape(q.explanation)) in guide
            marked = re.findall(r"<strong>(.*?) ✓ right answer</strong>", guide)
            assert str(escape(q.answer.text)) in marked, q.question
            assert all(str(escape(o.text)) not in marked for o in q.options if not o.is_right)
    if found:
        assert f'href="{MATERIALS_NAME}"' in guide
        materials = [m for m in plan.materials if "without the answers" in m]
        assert len(materials) == 1 and MATERIALS_NAME.split(".")[0] in materials[0]
    assert not [m for m in plan.materials if "case description" in m.lower()]
    sections = guide.split('<section class="module">')[1:]
    modules = [i for i in plan.agenda if i.module_id]
    assert len(sections) == len(modules)
    for item, section in zip(modules, sections, strict=True):  # what each module needs, in it
        module = next(m for m in default_catalog().modules if m.id == item.module_id)
        needs = [m for m in module.materials if material_suits(m, plan.parameters.format)]
        assert "What it needs:" in section
        assert all(str(escape(m)) in section for m in needs), (item.module_id, needs)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_participants_page_has_the_questions_and_none_of_the_answers(plans, shape):
    from markupsafe import escape

    plan, folder = plans[shape]
    page_html = _written(plan, folder, MATERIALS_NAME)
    found = _module_materials(plan)
    assert found or "no case studies or quizzes" in page_html
    options = 0
    for case, quiz in found:
        if case:
            for text in (case.title, case.scenario, *case.questions):
                assert str(escape(text)) in page_html, text
            for text in (*case.good_answer, case.check_locally, case.review):
                assert not text or str(escape(text)) not in page_html, text
        for q in quiz.questions if quiz else []:
            assert str(escape(q.question)) in page_html
            assert str(escape(q.explanation)) not in page_html
            for o in q.options:  # every option written the same way: nothing marks the right one
                assert f"<li>☐ {escape(o.text)}</li>" in page_html, o.text
            options += len(q.options)
    lists = re.findall(r'<ul class="options">(.*?)</ul>', page_html)
    assert all(re.fullmatch(r"(<li>☐ [^<]*</li>)+", items) for items in lists), lists
    assert page_html.count("<li>☐ ") == options and "right answer" not in page_html.lower()


@pytest.mark.parametrize("shape", SHAPES)
def test_a_pdf_beside_the_participants_page_on_a4(plans, shape):
    plan, folder = plans[shape]
    pdf = folder / MATERIALS_NAME.replace(".html", ".pdf")
    sizes = a4_sizes(pdf)
    assert sizes and set(sizes) == {A4_POINTS}
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(pdf).pages))
    for case, quiz in _module_materials(plan):
        first = case.questions[-1] if case else quiz.questions[-1].question
        assert re.sub(r"\s+", "", first) in text, first


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", [GUIDE_NAME, MATERIALS_NAME])
def test_on_a_phone_wide_tables_scroll_inside_themselves_not_the_page(plans, page, shape, name):
    """At 390 px the guide's agenda is wider than the screen: it scrolls on its own, the
    page does not scroll sideways, and the page still passes axe."""
    plan, folder = plans[shape]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto((folder / name).as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if name == GUIDE_NAME:
            inner, shown = page.evaluate(
                "(t => [t.scrollWidth, t.clientWidth])(document.querySelector('table.agenda'))"
            )
            assert inner > shown  # the agenda is wide, and scrolls inside its own box
        assert serious_violations(page) == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


#: the smallest chart word a phone may show, in CSS px (about what a 9 pt label shrunk to
#: core.charts.SMALLEST_CHART gives; the chart scrolls in its own box rather than go smaller)
SMALLEST_WORD_PX = 7


@pytest.mark.parametrize("shape", ["widest", "usual", "widest_ar"])
def test_on_a_phone_the_handouts_chart_words_stay_readable(plans, translated, page, shape):
    """At 390 px the chart shrinks to the width only while its words stay readable, then
    scrolls inside its own box (named by its caption); the page itself never scrolls
    sideways, and axe finds nothing serious."""
    plan, folder = {**plans, **translated}[shape]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto((folder / HANDOUT_NAME).as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("figure .cct-scrolls")
        assert box.get_attribute("aria-labelledby") == page.locator("figcaption").get_attribute(
            "id"
        )
        natural_pt, shown_px = page.eval_on_selector(
            "figure svg",
            "svg => [parseFloat(svg.getAttribute('width')), svg.getBoundingClientRect().width]",
        )
        scale = shown_px / (natural_pt * 4 / 3)  # as drawn against its own size (1 pt = 4/3 px)
        word_px = CHART_FONT_PT * 4 / 3 * scale
        assert word_px >= SMALLEST_WORD_PX, (shape, word_px)
        # the box opens at the side where the names are: on the left, on the right in Arabic
        chart, shown = (
            page.eval_on_selector(css, "e => [e.getBoundingClientRect().left, "
                                  "e.getBoundingClientRect().right]")
            for css in ("figure svg", "figure .cct-scrolls")
        )  # fmt: skip
        if shape.endswith("_ar"):
            assert chart[1] <= shown[1] + 1, (shape, chart, shown)
        else:
            assert chart[0] >= shown[0] - 1, (shape, chart, shown)
        if not shape.endswith("_ar"):  # Arabic words are drawn as outlines, not <text>
            heights = page.eval_on_selector_all(
                "figure svg text", "els => els.map(e => e.getBoundingClientRect().height)"
            )
            assert heights and min(heights) >= SMALLEST_WORD_PX, (shape, sorted(heights)[:3])
        assert serious_violations(page) == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("shape", TRANSLATED)
def test_a_translated_participants_page_speaks_the_sessions_language(translated, page, shape):
    """The case studies and quizzes of a Spanish or Arabic session: lang and dir on the page,
    its words, date and module titles in the language, each case study's translated title and
    scenario and no English sentence of it, no serious axe violation, the PDF on A4."""
    from toolkit.core.i18n import translator

    plan, folder = translated[shape]
    lang = plan.parameters.language
    _ = translator(lang, "handout")
    content = stand_in(lang)
    page.goto((folder / MATERIALS_NAME).as_uri())
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        lang,
        "rtl" if lang == "ar" else "ltr",
    ]
    assert page.inner_text("h1") == _("Case studies and quiz") != "Case studies and quiz"
    text = page.inner_text("main")
    assert "February" not in text and "Monday" not in text  # the date is in the language too
    cases = {c["module"]: c for c in content["case_studies"]}
    found = _module_materials(plan)
    assert any(case for case, _quiz in found), f"{shape}: no case study to check"
    catalog = {m.id: m for m in default_catalog().modules}
    for case, quiz in found:
        module = catalog[(case or quiz).module]
        assert module.title_in(lang) in text and module.title not in text
        if case:
            assert cases[case.module]["title"] in text and cases[case.module]["scenario"] in text
            english = [case.title, case.scenario, *case.questions]
            assert not [sentence for sentence in english if sentence in text], case.module
        for q in quiz.questions if quiz else []:
            assert q.question not in text and not [o.text for o in q.options if o.text in text]
    assert serious_violations(page) == []
    pdf = folder / MATERIALS_NAME.replace(".html", ".pdf")
    sizes = a4_sizes(pdf)
    assert sizes and set(sizes) == {A4_POINTS}


def test_a_participants_page_without_its_translation_marks_the_english_text(translated, tmp_path):
    """Until a language has its translations file, its page's words are translated and the
    case studies and quizzes are English, marked lang="en" so a screen reader reads them so."""
    from markupsafe import escape

    from toolkit.plan.report import materials_page

    plan, _folder = translated["widest_es"]
    html = materials_page(plan, translations=tmp_path)  # an empty folder
    assert '<html lang="es" dir="ltr">' in html and "Casos prácticos y cuestionario" in html
    case, _quiz = next(pair for pair in _module_materials(plan) if pair[0])
    assert re.search(r'<div lang="en" dir="ltr"><p>[^<]*</p></div>', html)
    assert '<ol lang="en" dir="ltr">' in html and str(escape(case.questions[0])) in html
