"""Charts into reports: every step draws matplotlib Figures (no pyplot state, safe in a
server) and puts them in its HTML as inline SVG through :func:`to_svg`."""

from __future__ import annotations

import io

from matplotlib import rc_context
from matplotlib.figure import Figure


def to_svg(fig: Figure) -> str:
    """Inline SVG for HTML reports (text stays text: searchable, and sharp when printed)."""
    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "cct"}):  # text as <text>, stable ids
        fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
