"""CSV exports that are safe to open in a spreadsheet.

* **No formula injection** (OWASP, "CSV Injection"): a text cell whose first character — or
  first after leading spaces — is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running
  it (``=HYPERLINK(…)`` stays words). Numbers are written as numbers.
* **UTF-8 with a byte-order mark**, so Excel opens Arabic and Ukrainian correctly on a
  double click; every reader in this toolkit accepts the mark.
* Written to a temporary name and renamed (:func:`toolkit.results.write_atomic`).
* Reflections are exported without the participant's self code unless asked for.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from .results import write_atomic
from .store import GIBBS_STAGES, Reflection

__all__ = ["neutralise", "to_csv", "write_csv", "reflection_rows", "write_reflections_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: object) -> object:
    """A cell value that a spreadsheet will not evaluate: text that could start a formula is
    prefixed with an apostrophe; numbers, dates and empty cells pass through."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (with the byte-order mark), every cell neutralised, header included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return BOM + buffer.getvalue()


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    return write_atomic(Path(path), to_csv(header, rows))


def reflection_rows(
    reflections: Iterable[Reflection], include_self_code: bool = False
) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a reflections export: where, the free text, the commitment and the
    ratings of the session. Sorted by session, team and text, not by when people submitted, so
    the order does not point at anyone."""
    header = ["session_id", "team_id", "language", *GIBBS_STAGES]
    header += ["commitment", "commitment_date", "relevance", "usefulness"]
    if include_self_code:
        header.append("self_code")
    rows = []
    for r in reflections:
        row: list[object] = [r.session_id, r.team_id or "", r.language]
        row += [r.prompts.get(stage, "") for stage in GIBBS_STAGES]
        row += [
            r.commitment,
            r.commitment_date.isoformat() if r.commitment_date else "",
            r.relevance,
            r.usefulness,
        ]
        if include_self_code:
            row.append(r.self_code or "")
        rows.append(row)
    rows.sort(key=lambda row: tuple(str(v).casefold() for v in row))
    return header, rows


def write_reflections_csv(
    path: Path | str, reflections: Iterable[Reflection], include_self_code: bool = False
) -> Path:
    header, rows = reflection_rows(reflections, include_self_code)
    return write_csv(path, header, rows)
