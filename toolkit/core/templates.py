"""The one Jinja2 environment over ``templates/``: every report, handout and guide renders
through it, so autoescaping and whitespace rules are the same everywhere."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape

from toolkit.core.paths import TEMPLATES_DIR


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
