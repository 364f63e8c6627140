"""How the survey import compares text: tolerant of case, whitespace, punctuation and accents.

Headers and answers typed or exported by different tools differ in small ways ("Strongly agree",
"strongly_agree", "STRONGLY AGREE ", "Tout a fait d'accord" for "Tout à fait d’accord"). Both
sides of every comparison go through :func:`text_key`, so they meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["text_key"]

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def text_key(text: str) -> str:
    """Casefolded, accents and diacritics dropped, punctuation and symbols as spaces, one space.

    >>> text_key("  Tout à fait d’accord! ")
    'tout a fait d accord'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn":  # accents, Arabic harakat: dropped
            continue
        kept.append(" " if category[0] in "PSZC" else char)
    return _SPACES.sub(" ", "".join(kept)).strip().casefold()
