"""The participants' handout speaks the session's language: every fixed word from
``data/locale/<lang>/LC_MESSAGES/handout.po``, every competency's sentence from
``data/framework.yaml`` (``practise``), dates as the language writes them, Arabic right to left.
The facilitator guide stays in English and says which language the handout is in."""

from __future__ import annotations

import gettext
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from toolkit.core.charts import to_svg
from toolkit.core.exceptions import DataFileError
from toolkit.core.framework import FRAMEWORK_FILE, default_framework, load_framework
from toolkit.core.i18n import LANGUAGES, LOCALE_DIR, catalog_path, translator
from toolkit.core.paths import TEMPLATES_DIR
from toolkit.plan import report
from toolkit.plan.catalog import CATALOG_FILE, default_catalog
from toolkit.plan.planner import PlanError, SessionParameters, plan_session
from toolkit.plan.report import (
    HANDOUT_DOMAIN,
    gaps_chart,
    guide_html,
    handout_html,
    handout_page,
)
from toolkit.plan.session_plan import sample_results

POT = LOCALE_DIR / f"{HANDOUT_DOMAIN}.pot"
SOURCES = [
    (TEMPLATES_DIR / "plan" / "handout.html.j2", "jinja2.ext:babel_extract"),
    (TEMPLATES_DIR / "plan" / "handout_body.html.j2", "jinja2.ext:babel_extract"),
    (TEMPLATES_DIR / "plan" / "participant_materials.html.j2", "jinja2.ext:babel_extract"),
    (Path(report.__file__), "python"),
]
ARABIC = re.compile(r"[\u0600-\u06FF]")


def msgids(path: Path) -> set[str | tuple[str, str]]:
    """Each message's id; (singular, plural) for one that has plural forms."""
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A translation's text, or each of its plural forms."""
    return text if isinstance(text, tuple) else (text,)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


@cache
def planned(team: str, minutes: int, fmt: str, lang: str):
    params = SessionParameters(team, minutes, fmt, 16, datetime(2027, 2, 8, 9, 30), lang)
    return plan_session(sample_results(), params)


def visible_text(html: str) -> str:
    html = re.sub(r"<(style|svg|title)[\s\S]*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_template_lists_every_string_the_handout_translates():
    """A new _("…") in the handout's templates or report.py must reach handout.pot, or no
    translator would ever see it."""
    used = {
        message
        for path, method in SOURCES
        for _, message, _, _ in extract_from_file(
            method, str(path), keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
        )
    }
    listed = msgids(POT)
    assert not used - listed, f"{POT}: missing {sorted(used - listed)}"
    assert not listed - used, f"{POT}: no longer used {sorted(listed - used)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_handout_string(lang):
    path = catalog_path(lang, HANDOUT_DOMAIN)
    assert path.exists(), f"{path} is missing"
    with path.open("rb") as fh:
        po = read_po(fh, locale=lang)
    catalog = {m.id: m for m in po if m.id}
    wanted_ids = sorted(msgids(POT), key=str)
    missing = [m for m in wanted_ids if m not in catalog or not all(forms(catalog[m].string or ""))]
    fuzzy = [m for m in wanted_ids if m in catalog and catalog[m].fuzzy]
    assert not missing, f"{path}: no translation for {missing}"
    assert not fuzzy, f"{path}: marked fuzzy (not yet checked) {fuzzy}"
    for message in wanted_ids:  # placeholders kept exactly, or the page breaks
        wanted = placeholders(forms(message)[0])
        texts = forms(catalog[message].string)
        if isinstance(message, tuple):  # one text per plural form of the language
            assert len(texts) == po.num_plurals, f"{path}: {message[0]!r}: {len(texts)} forms"
        for number, text in enumerate(texts):
            got = placeholders(text)
            # a form for one number only ("دقيقتان": two minutes) may leave the count out
            counted = {"%(minutes)s"} if isinstance(message, tuple) else set()
            assert wanted - counted <= got <= wanted, (
                f"{path}: {message!r} form {number} has placeholders {sorted(got)}, "
                f"expected {sorted(wanted)}"
            )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_competency_has_its_handout_sentence_in_every_language(lang):
    for competency in default_framework().competencies:
        sentence = competency.practise.get(lang, "").strip()
        assert sentence, f"{FRAMEWORK_FILE}: competency {competency.id} has no practise.{lang}"
        if lang == "ar":
            assert ARABIC.search(sentence), f"{FRAMEWORK_FILE}: {competency.id} practise.ar"
        elif lang != "en":
            assert sentence != competency.practise["en"], f"{competency.id} practise.{lang}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_module_has_its_handout_title_in_every_language(lang):
    for module in default_catalog().modules:
        title = module.handout_title.get(lang, "").strip()
        assert title, f"{CATALOG_FILE}: module {module.id} has no handout_title.{lang}"
        assert title != module.title, f"{CATALOG_FILE}: module {module.id} handout_title.{lang}"


def test_a_missing_sentence_is_refused_naming_the_competency_and_language(tmp_path):
    data = yaml.safe_load(FRAMEWORK_FILE.read_text(encoding="utf-8"))
    competency = data["domains"][1]["competencies"][0]
    del competency["practise"]["uk"]
    broken = tmp_path / "framework.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"(?s)practise.*no text in uk"):
        load_framework(broken)


def english_fragments(lang: str) -> set[str]:
    """Every piece of the English handout strings (placeholders cut out) that a translation
    would not contain, and each competency's English sentence."""
    path = catalog_path(lang, HANDOUT_DOMAIN)
    with path.open("rb") as fh:
        translated = {m.id: " ".join(forms(m.string)) for m in read_po(fh, locale=lang) if m.id}
    pieces = {
        piece.strip(" ,.;:()")
        for message in msgids(POT)
        for english in forms(message)
        for piece in re.split(r"%\(\w+\)s", english)
        if piece.strip() and piece not in translated[message]
    }
    sentences = {c.practise["en"] for c in default_framework().competencies}
    titles = {m.title for m in default_catalog().modules}
    return {p for p in pieces if len(re.findall(r"[A-Za-z]", p)) >= 3} | sentences | titles


@pytest.mark.parametrize(
    "lang, shape",
    [
        ("es", ("clinic_residents", 240, "in_person")),
        ("ar", ("clinic_residents", 240, "in_person")),
        ("es", ("intake_evening", 45, "self_paced")),
        ("ar", ("housing_west", 120, "online")),
    ],
)
def test_a_translated_handout_has_no_english_words_left(lang, shape):
    plan = planned(*shape, lang)
    html = handout_page(plan)
    assert re.search(rf'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"', html)
    text = visible_text(html)
    left = sorted(p for p in english_fragments(lang) if p in text)
    assert not left, f"{lang} handout still says {left}"
    assert "February" not in text and "Monday" not in text  # the date is in the language too
    framework = default_framework()
    for cid in plan.covered_competencies:
        assert framework.competency(cid).practise[lang] in text
        assert framework.competency(cid).name[lang] in text
    if lang == "ar":
        assert len(ARABIC.findall(text)) > 500, "the Arabic handout has little Arabic text"
    else:
        for word in ("Qué vamos a practicar y por qué", "Programa", "tu reflexión", "febrero"):
            assert word in text, word


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_charts_legend_fits_inside_the_chart_in_every_language(lang):
    """Spanish and French legend labels are longer than English ones: none may run off."""
    figure = gaps_chart(
        planned("clinic_residents", 240, "in_person", lang), default_framework(), lang
    )
    legend = figure.axes[0].get_legend()
    box = legend.get_window_extent(figure._get_renderer())
    assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1, (lang, box, figure.bbox)
    texts = [text.get_text() for text in legend.get_texts()]
    assert len(texts) == 2 and (lang == "en" or "our team now (average answer)" not in texts)


def test_the_arabic_chart_reads_right_to_left_and_its_words_survive_the_pdf():
    """Names on the right, bars growing leftwards, the first legend entry on the right; and
    its text drawn shaped by matplotlib, because WeasyPrint would place each letter alone."""
    figure = gaps_chart(
        planned("clinic_residents", 240, "in_person", "ar"), default_framework(), "ar"
    )
    ax = figure.axes[0]
    low, high = ax.get_xlim()
    assert low > high  # the scale runs from right to left
    figure.draw_without_rendering()  # lays the legend out
    renderer = figure._get_renderer()
    names = [t for t in ax.get_yticklabels() if t.get_text()]
    assert names and all(t.get_window_extent(renderer).x0 >= ax.bbox.x1 for t in names)
    legend = ax.get_legend()
    entries = {t.get_text(): t.get_window_extent(renderer).x0 for t in legend.get_texts()}
    _ = translator("ar", HANDOUT_DOMAIN)
    ours, target = _("our team now (average answer)"), _("the level our role asks for")
    assert entries[ours] > entries[target]
    svg = to_svg(figure)
    assert "<text" not in svg  # matplotlib names each label in a comment; nothing else
    assert not ARABIC.search(re.sub(r"<!--.*?-->", "", svg))


def test_the_handout_inside_a_notebook_carries_its_language_and_direction():
    body = handout_html(planned("intake_north", 180, "in_person", "ar"))
    assert re.match(r'\s*(<!--.*?-->\s*)?<div class="cct-handout" lang="ar" dir="rtl">', body)


def test_the_guide_stays_in_english_and_names_the_handouts_language():
    guide = guide_html(planned("intake_north", 180, "in_person", "es"))
    assert '<html lang="en"' in guide
    assert "Spanish (Español)" in visible_text(guide)
    assert "Arabic (العربية)" in visible_text(
        guide_html(planned("intake_north", 180, "in_person", "ar"))
    )


def test_a_language_the_handout_does_not_speak_is_refused_plainly():
    params = SessionParameters("intake_north", 180, "in_person", 12, language="de")
    with pytest.raises(PlanError, match="language 'de' is not one of en, es, fr, ar, uk"):
        plan_session(sample_results(), params)


# Arabic counts in six forms (CLDR): 0, 1, 2, 3–10, 11–99, and 100, 101, 102 … (n % 100 < 3)
CLDR_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
ARABIC_MINUTES = {
    1: "مدة كل منها دقيقة واحدة،",
    2: "مدة كل منها دقيقتان،",
    3: "مدة كل منها 3 دقائق،",
    10: "مدة كل منها 10 دقائق،",
    11: "مدة كل منها 11 دقيقة،",
    15: "مدة كل منها 15 دقيقة،",
    100: "مدة كل منها 100 دقيقة،",
}


def test_the_arabic_catalog_chooses_its_plural_form_as_cldr_does():
    with catalog_path("ar", HANDOUT_DOMAIN).open("rb") as fh:
        po = read_po(fh, locale="ar")
    form = gettext.c2py(po.plural_expr)
    cldr = Locale.parse("ar").plural_form
    assert po.num_plurals == 6
    wrong = [n for n in range(0, 1001) if form(n) != CLDR_CATEGORIES.index(cldr(n))]
    assert not wrong, f"Plural-Forms of {po.plural_expr!r} differs from CLDR for {wrong[:10]}"


@pytest.mark.parametrize("n", ARABIC_MINUTES)
def test_arabic_minutes_take_the_form_their_number_needs(n):
    """ "10 دقائق" but "15 دقيقة", "دقيقتان" for two: the handout's follow-ups in each form."""
    ngettext = report.handout_words("ar")["ngettext"]
    text = ngettext(
        "Short follow-ups of %(minutes)s minute each will keep what we practise fresh: %(dates)s.",
        "Short follow-ups of %(minutes)s minutes each will keep what we practise fresh: %(dates)s.",
        n,
        minutes=n,
        dates="…",
    )
    assert ARABIC_MINUTES[n] in text, text
    others = {words for m, words in ARABIC_MINUTES.items() if m != n and str(m) not in str(n)}
    assert not [words for words in others if words in text]


def test_the_arabic_handout_says_minutes_in_the_right_form():
    """The 10-minute follow-ups ("دقائق", 3–10) and a 120-minute session ("دقيقة", 11–99)."""
    text = visible_text(handout_page(planned("housing_west", 120, "online", "ar")))
    assert "مدة كل منها 10 دقائق،" in text
    assert "120 دقيقة،" in text and "120 دقائق" not in text
