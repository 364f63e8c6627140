"""Translations of participant-facing text: gettext PO catalogs in ``data/locale``.

PO is what translators' tools (Poedit, Weblate, Crowdin) edit. Catalogs are read with Babel at
run time, so a translator's edit shows on the next page load without a build step. English is
the source language: its msgids are the English text.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
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


@lru_cache(maxsize=16)
def _read(lang: str, domain: str, mtime: float) -> gettext.GNUTranslations:
    """The PO catalog as the standard library's translations: compiled in memory (no .mo file
    to build or to forget), fuzzy and incomplete entries left out, so they fall back to
    English; ``ngettext`` chooses the form by the catalog's own ``Plural-Forms``."""
    path = catalog_path(lang, domain)
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in list(catalog):
            if message.id and isinstance(message.id, tuple) and not all(message.string):
                del catalog[message.id]  # a plural missing a form: English, not a blank
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # without fuzzy entries
        compiled.seek(0)
        return gettext.GNUTranslations(compiled)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"Cannot read the {lang} translations {path}: {exc}") from exc


def _translations(lang: str, domain: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        lang = SOURCE_LANGUAGE
    path = catalog_path(lang, domain)
    if not path.exists():
        return gettext.NullTranslations()  # English: the msgids are the text
    return _read(lang, domain, path.stat().st_mtime)


def translator(lang: str, domain: str = DOMAIN) -> Callable[[str], str]:
    """``_(english) -> text in lang``; falls back to English for anything untranslated."""
    return _translations(lang, domain).gettext


def plural_translator(lang: str, domain: str = DOMAIN) -> Callable[[str, str, int], str]:
    """``ngettext(singular, plural, n) -> text in lang`` in the form its grammar takes for
    ``n`` (the catalog's ``Plural-Forms``: Arabic has six); English if untranslated."""
    return _translations(lang, domain).ngettext


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
