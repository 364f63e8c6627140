"""CSV exports that are safe to open in a spreadsheet.

* **No formula injection** (OWASP, "CSV Injection"): a text cell whose first character — or
  first after leading spaces — is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running
  it (``=HYPERLINK(…)`` stays words). Numbers are written as numbers.
* **UTF-8 with a byte-order mark**, so Excel opens Arabic and Ukrainian correctly on a
  double click; every reader in this toolkit accepts the mark.
* Written to a temporary name and renamed (:func:`toolkit.core.files.write_atomic`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from toolkit.core.files import write_atomic

__all__ = ["neutralise", "to_csv", "write_csv"]

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
