"""Translations of participant-facing text: gettext PO catalogs in ``data/locale``.

PO is what translators' tools (Poedit, Weblate, Crowdin) edit. Catalogs are read with Babel at
run time, so a translator's edit shows on the next page load without a build step. English is
the source language: its msgids are the English text.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po

from toolkit.core.exceptions import DataFileError
from toolkit.core.paths import DATA_DIR

LOCALE_DIR = DATA_DIR / "locale"
DOMAIN = "reflection"
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
    "uk": "Українська",
}
SOURCE_LANGUAGE = "en"


def catalog_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


@dataclass(frozen=True)
class _Catalog:
    messages: dict[str, str]  # msgid → msgstr
    plurals: dict[str, tuple[str, ...]]  # singular msgid → one msgstr per plural form
    plural: Callable[[int], int]  # n → index of the form, from the catalog's Plural-Forms


@lru_cache(maxsize=16)
def _read(lang: str, domain: str, mtime: float) -> _Catalog:
    path = catalog_path(lang, domain)
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        plural = _gettext.c2py(catalog.plural_expr)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"Cannot read the {lang} translations {path}: {exc}") from exc
    usable = [m for m in catalog if m.id and not m.fuzzy]
    return _Catalog(
        {m.id: m.string for m in usable if isinstance(m.id, str) and m.string},
        {m.id[0]: tuple(m.string) for m in usable if isinstance(m.id, tuple) and all(m.string)},
        plural,
    )


def _messages(lang: str, domain: str) -> _Catalog | None:
    path = catalog_path(lang, domain)
    return _read(lang, domain, path.stat().st_mtime) if path.exists() else None


def translator(lang: str, domain: str = DOMAIN) -> Callable[[str], str]:
    """``_(english) -> text in lang``; falls back to English for anything untranslated."""
    if lang not in LANGUAGES:
        lang = SOURCE_LANGUAGE
    catalog = _messages(lang, domain)
    messages = catalog.messages if catalog else {}

    def gettext(message: str) -> str:
        return messages.get(message) or message

    return gettext


def plural_translator(lang: str, domain: str = DOMAIN) -> Callable[[str, str, int], str]:
    """``ngettext(singular, plural, n) -> text in lang`` in the form its grammar takes for
    ``n`` (the catalog's ``Plural-Forms``: Arabic has six); English if untranslated."""
    if lang not in LANGUAGES:
        lang = SOURCE_LANGUAGE
    catalog = _messages(lang, domain)

    def ngettext(singular: str, plural: str, n: int) -> str:
        forms = catalog.plurals.get(singular) if catalog else None
        if forms:
            index = catalog.plural(n)
            if 0 <= index < len(forms):
                return forms[index]
        return singular if n == 1 else plural

    return ngettext


def direction(lang: str) -> str:
    """'rtl' for right-to-left languages (Arabic …), from CLDR via Babel."""
    try:
        return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"
    except (ValueError, TypeError):
        return "ltr"


def normalise_language(lang: str | None) -> str:
    """A supported language code from what a URL or browser gives (``ar-EG`` → ``ar``)."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else SOURCE_LANGUAGE
