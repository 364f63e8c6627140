"""Reading what a notebook executed by papermill shows."""

from __future__ import annotations

import json
from pathlib import Path


def outputs(path: Path) -> list[dict]:
    """Every output of every code cell, in order."""
    executed = json.loads(path.read_text(encoding="utf-8"))
    return [o for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]]


def shown_html(path: Path) -> str:
    """All the HTML the notebook displayed, joined."""
    return "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs(path))
