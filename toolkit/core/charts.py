"""Charts into reports: every step draws matplotlib Figures (no pyplot state, safe in a
server) and puts them in its HTML as inline SVG through :func:`to_svg`."""

from __future__ import annotations

import html
import io
import re
import unicodedata

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text

# Right-to-left letters (Arabic, Hebrew …) and combining marks (Indic scripts, Thai …): text
# a renderer must shape, joining letters and ordering them, before it can draw it.
_SHAPED_BIDI_CLASSES = {"R", "AL"}
_SHAPED_CATEGORIES = {"Mn", "Mc"}


def needs_shaping(text: str) -> bool:
    """True when ``text`` holds letters that must be shaped to be read (Arabic, Hebrew, Indic
    scripts …), not just placed one after another."""
    return any(
        unicodedata.bidirectional(ch) in _SHAPED_BIDI_CLASSES
        or unicodedata.category(ch) in _SHAPED_CATEGORIES
        for ch in text
    )


def to_svg(fig: Figure) -> str:
    """Inline SVG for HTML reports and the PDFs made from them.

    Text stays ``<text>`` (searchable, sharp when printed) unless the figure holds a script
    that must be shaped, such as a handout's Arabic labels or a team's Arabic name: WeasyPrint
    draws SVG text letter by letter, unjoined and left to right, so the PDF would be
    unreadable. Such a figure's text is drawn as outlines, shaped by matplotlib (libraqm), and
    reads the same in the browser and in the PDF.
    """
    shaped = any(needs_shaping(t.get_text()) for t in fig.findobj(Text))
    buffer = io.StringIO()
    settings = {"svg.fonttype": "path" if shaped else "none", "svg.hashsalt": "cct"}  # stable ids
    with rc_context(settings):
        fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


#: a chart shrinks to the width down to this share of its size, then scrolls in its own box
#: (a 9 pt label stays about 7 px high)
SMALLEST_CHART = 0.6


def fitted_chart(svg: str, label: str = "", labelled_by: str = "") -> str:
    """An inline SVG chart that shrinks to a phone's width while it stays legible, and past
    that scrolls sideways in its own box (by keyboard too: the box takes focus), wherever it
    is put: its style is its own. The box is named by ``label``, or by the element whose id is
    ``labelled_by`` (a figure's caption)."""
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    smallest = f"{float(width.group(1)) * SMALLEST_CHART:.0f}pt" if width else "0"
    name = (
        f'aria-labelledby="{html.escape(labelled_by)}"'
        if labelled_by
        else f'aria-label="{html.escape(label)}"'
    )
    return (
        f'<div class="cct-scrolls" role="region" tabindex="0" {name} '
        'style="overflow-x: auto; max-width: 100%">'
        f'<div style="min-width: {smallest}">{svg}</div></div>'
    )
