"""The one Jinja2 environment over ``templates/``: every report, handout and guide renders
through it, so autoescaping and whitespace rules are the same everywhere."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from toolkit.core.paths import TEMPLATES_DIR


@cache
def environment() -> Environment:
    """The environment, made once per process: it keeps each template compiled (and recompiles
    one whose file changed), so a batch of plans or a report of 2,000 teams compiles each
    template once instead of once a page or once a team. Nothing may modify it."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
