"""Translations of participant-facing text: gettext PO catalogs in ``data/locale``.

PO is what translators' tools (Poedit, Weblate, Crowdin) edit. Catalogs are read with Babel at
run time, so a translator's edit shows on the next page load without a build step. English is
the source language: its msgids are the English text.
"""

from __future__ import annotations

from collections.abc import Callable
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


@lru_cache(maxsize=16)
def _messages(lang: str, domain: str, mtime: float) -> dict[str, str]:
    path = catalog_path(lang, domain)
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"Cannot read the {lang} translations {path}: {exc}") from exc
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def translator(lang: str, domain: str = DOMAIN) -> Callable[[str], str]:
    """``_(english) -> text in lang``; falls back to English for anything untranslated."""
    if lang not in LANGUAGES:
        lang = SOURCE_LANGUAGE
    path = catalog_path(lang, domain)
    messages = _messages(lang, domain, path.stat().st_mtime) if path.exists() else {}

    def gettext(message: str) -> str:
        return messages.get(message) or message

    return gettext


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
