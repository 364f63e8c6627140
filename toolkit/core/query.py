"""URL parameters of a Voila page, the one way notebooks read them.

Voila puts the request's query string in the kernel's environment; a preheated kernel must
wait for the request first, which :func:`voila.utils.get_query_string` does.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs

_ASKED: dict[str, str] | None = None


def url_parameters() -> dict[str, str]:
    """``?session=…&lang=…`` as a dict (last value wins); empty outside Voila.

    Asked once per kernel: a preheated kernel receives the request only once, so a second wait
    would never end.
    """
    global _ASKED
    if "VOILA_BASE_URL" not in os.environ:
        return {}
    if _ASKED is None:
        from voila.utils import get_query_string

        query = get_query_string() or ""
        _ASKED = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    return dict(_ASKED)


def wait_for_visit() -> None:
    """In a kernel a server preheated, wait here until someone opens the page; elsewhere return.

    A facilitator's app calls it after its imports and before reading any data, so a kernel
    kept ready has the imports done but shows the data as of the visit, not of the preheat.
    """
    url_parameters()
