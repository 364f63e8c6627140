"""CSV and XLSX exports that are safe to open in a spreadsheet: every file the toolkit writes
for a spreadsheet goes through here.

* **No formula injection** (OWASP, "CSV Injection"): a text cell whose first character — or
  first after leading whitespace — is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  gets a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of
  running it (``=HYPERLINK(…)`` stays words). So does such a character after a separator
  (``,`` ``;`` tab ``|``) inside a cell, since a spreadsheet set to another list separator
  splits the cell there. Numbers are written as numbers.
* **XLSX**: text is stored as text, never as a formula (openpyxl would turn ``=…`` into one);
  a cell the CSV rule would neutralise keeps its text and gets Excel's quote prefix, the mark
  Excel itself sets when someone types ``'=…``.
* **UTF-8 with a byte-order mark**, so Excel opens Arabic and Ukrainian correctly on a
  double click; every reader in this toolkit accepts the mark.
* Written to a temporary name and renamed (:func:`toolkit.core.files.write_atomic`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from toolkit.core.files import write_atomic

__all__ = ["neutralise", "to_csv", "write_csv", "write_frame_csv", "write_xlsx"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
_AFTER_SEPARATOR = re.compile(r"([,;\t|][^\S\r\n]*)(?=[=+\-@])")


def neutralise(value: object) -> object:
    """A cell value that a spreadsheet will not evaluate: text that could start a formula is
    prefixed with an apostrophe (at its start and after any separator inside it); numbers,
    dates and empty cells pass through."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return value
    text = str(value)
    head = ""
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        start = len(text) - len(text.lstrip()) + 1  # the leading whitespace and the formula sign
        head, text = "'" + text[:start], text[start:]
    return head + _AFTER_SEPARATOR.sub(r"\1'", text)


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


def write_frame_csv(path: Path | str, frame) -> Path:
    """A pandas DataFrame as a safe CSV (header and every cell neutralised)."""
    return write_csv(path, [str(c) for c in frame.columns], frame.itertuples(index=False))


def write_xlsx(path: Path | str, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """A workbook, one sheet per entry (first row bold and frozen), every text cell stored as
    text and neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                safe = neutralise(value)
                if isinstance(safe, str) and safe != value:  # would be read as a formula
                    cell.value = str(value)  # the text itself, stored as text…
                    cell.data_type = "s"
                    cell.quotePrefix = True  # …and marked so, as Excel does for '=…
                else:
                    cell.value = safe
                    if isinstance(safe, str) and safe:
                        cell.data_type = "s"
                if r == 1:
                    cell.font = bold
        sheet.freeze_panes = "A2"
    tmp = path.with_name(f".{path.name}.tmp")
    book.save(tmp)
    tmp.replace(path)
    return path
