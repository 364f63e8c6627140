"""The reflection form's PO catalogs: complete, in step with the code, and safe to show."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from toolkit.core import messages as M
from toolkit.core.i18n import LANGUAGES, LOCALE_DIR, catalog_path, direction, translator

TEMPLATE = LOCALE_DIR / "reflection.pot"
KEPT_TOKENS = re.compile(r"MA07N|\d+")  # the example code and every number stay as they are


def read_catalog(path, lang=None):
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def template_ids() -> list[str]:
    return [m.id for m in read_catalog(TEMPLATE) if m.id]


def translations(lang: str) -> dict[str, object]:
    return {m.id: m for m in read_catalog(catalog_path(lang), lang) if m.id}


def test_template_lists_exactly_the_messages_in_the_code():
    ids = template_ids()
    assert len(ids) == len(set(ids)), "duplicate msgid in the template"
    code = M.all_messages()
    missing = [m for m in code if m not in ids]
    stale = [m for m in ids if m not in code]
    assert not missing, f"in toolkit/core/messages.py but not in reflection.pot: {missing}"
    assert not stale, f"in reflection.pot but no longer in toolkit/core/messages.py: {stale}"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_translates_every_template_message(lang):
    path = catalog_path(lang)
    assert path.exists(), f"no catalog for {lang}: {path}"
    catalog = read_catalog(path, lang)
    assert str(catalog.locale) == lang
    assert catalog.charset.lower() == "utf-8"
    messages = {m.id: m for m in catalog if m.id}
    for msgid in template_ids():
        assert msgid in messages, f"{lang}: missing {msgid!r}"
        message = messages[msgid]
        assert not message.fuzzy, f"{lang}: fuzzy {msgid!r}"
        assert isinstance(message.string, str) and message.string.strip(), (
            f"{lang}: empty translation of {msgid!r}"
        )


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_numbers_and_example_code_are_kept(lang):
    messages = translations(lang)
    for msgid in template_ids():
        text = messages[msgid].string
        for token in KEPT_TOKENS.findall(msgid):
            assert token in text, f"{lang}: {token!r} lost in the translation of {msgid!r}"


def test_text_direction():
    assert direction("ar") == "rtl"
    for lang in LANGUAGES:
        if lang != "ar":
            assert direction(lang) == "ltr", lang


def test_arabic_is_shown_in_arabic_script():
    text = translator("ar")(M.SEND)
    assert any("\u0600" <= ch <= "\u06ff" for ch in text), text


def test_unknown_language_falls_back_to_english():
    english = translator("en")
    unknown = translator("xx")
    assert unknown(M.SEND) == english(M.SEND) == M.SEND
    for message in M.all_messages():
        assert unknown(message) == english(message)


# a Ukrainian word's apostrophe (п’ять, здоров’я): the typographic one everywhere in data/,
# not the modifier letter ʼ in some files and a typewriter ' in others (a search for a word
# in one spelling misses the others, and they look different side by side on one page)
UKRAINIAN_APOSTROPHE = "’"
_CYRILLIC = "а-яіїєґА-ЯІЇЄҐ"
_OTHER_APOSTROPHES = re.compile(f"[{_CYRILLIC}]['ʼ`´‘][{_CYRILLIC}]")


def test_ukrainian_words_take_one_apostrophe_in_every_data_file():
    from toolkit.core.paths import DATA_DIR

    found = []
    for path in sorted(DATA_DIR.rglob("*")):
        if path.suffix not in {".yaml", ".po", ".pot", ".csv"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [
                f"{path.name}:{number}: {m.group()}" for m in _OTHER_APOSTROPHES.finditer(line)
            ]
    assert found == [], f"use {UKRAINIAN_APOSTROPHE} (U+2019) in: {found}"
    assert any(
        UKRAINIAN_APOSTROPHE in p.read_text(encoding="utf-8") for p in DATA_DIR.rglob("uk*.yaml")
    )  # the check reads the files it means to read
