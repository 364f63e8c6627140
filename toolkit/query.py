"""URL parameters of a Voila page, the one way notebooks read them.

Voila puts the request's query string in the kernel's environment; a preheated kernel must
wait for the request first, which :func:`voila.utils.get_query_string` does.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs


def url_parameters() -> dict[str, str]:
    """``?session=…&lang=…`` as a dict (last value wins); empty outside Voila."""
    if "VOILA_BASE_URL" not in os.environ:
        return {}
    from voila.utils import get_query_string

    query = get_query_string() or ""
    return {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
