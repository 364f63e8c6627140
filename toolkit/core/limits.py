"""Limits and checks on a user's file *before* it is parsed: what a reader calls first.

* **Size.** A file larger than ``CCT_MAX_INPUT_MB`` (default 50 MB; a survey of 10,000 staff is
  about 1 MB) is refused before it is read.
* **Workbooks** (XLSX is a zip): the sizes its members say they unzip to are added up and
  refused past ``MAX_UNZIPPED_BYTES``, and a sheet's declared size past ``MAX_ROWS`` rows or
  ``MAX_COLUMNS`` columns, all before a byte is decompressed (Python's zipfile stops at the
  declared size, so a member cannot unzip to more). A zip bomb is refused in milliseconds.
* **Formula cells without a stored value** (a workbook written by a program, never opened in a
  spreadsheet) and **links to other workbooks** would be read as blanks: they are reported,
  cell by cell, never read silently.
* **Mixed encodings.** Bytes that are not UTF-8 in a file that otherwise is UTF-8 (a file
  pasted together from two sources) are reported with their line, not guessed at.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

from toolkit.core.exceptions import InputFileError, InputProblem

__all__ = [
    "max_input_bytes",
    "check_file_size",
    "check_bytes",
    "check_workbook",
    "check_single_encoding",
]

SIZE_ENV = "CCT_MAX_INPUT_MB"
DEFAULT_MAX_MB = 50
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 2_000
MAX_REPORTED = 20
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def max_input_bytes() -> int:
    """The largest file accepted, from ``CCT_MAX_INPUT_MB`` (default 50)."""
    try:
        megabytes = float(os.environ.get(SIZE_ENV, DEFAULT_MAX_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * 1024 * 1024)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def check_file_size(path: Path, name: str) -> None:
    """Refuse a file past the size limit before reading it."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader says why it cannot open it
    limit = max_input_bytes()
    if size > limit:
        raise InputFileError(
            [
                InputProblem(
                    name,
                    f"the file is {_megabytes(size)}, larger than the {_megabytes(limit)} this "
                    f"toolkit reads (set {SIZE_ENV} to allow more); a survey export is "
                    "usually far smaller: is it the right file?",
                )
            ]
        )


def check_bytes(data: bytes, name: str, what: str = "Excel workbook") -> None:
    """Every check that applies to a file's bytes: size, and for a zipped workbook (``what``
    names its kind in messages), the rest."""
    limit = max_input_bytes()
    if len(data) > limit:
        raise InputFileError(
            [
                InputProblem(
                    name,
                    f"the file is {_megabytes(len(data))}, larger than the {_megabytes(limit)} "
                    f"this toolkit reads (set {SIZE_ENV} to allow more)",
                )
            ]
        )
    if data.startswith(b"PK\x03\x04"):
        check_workbook(data, name, what)


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _dimension(book: zipfile.ZipFile, member: str) -> tuple[int, int] | None:
    """Rows and columns a sheet declares (``<dimension ref="A1:AN200"/>``), from its start."""
    with book.open(member) as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    match = re.search(r'<dimension[^>]*ref="([^"]+)"', head)
    if not match:
        return None
    last = match[1].split(":")[-1]
    cell = _CELL_REF.match(last)
    if not cell:
        return None
    return int(cell[2]), _column_number(cell[1])


def check_workbook(data: bytes, name: str, what: str = "Excel workbook") -> None:
    """Limits, formula cells without values and external links, before the workbook is parsed."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = book.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputFileError([InputProblem(name, f"this {what} cannot be read ({exc})")]) from None
    unzipped = sum(m.file_size for m in members)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise InputFileError(
            [
                InputProblem(
                    name,
                    f"this workbook would unzip to {_megabytes(unzipped)}, more than the "
                    f"{_megabytes(MAX_UNZIPPED_BYTES)} a survey export can need; it is not read",
                )
            ]
        )
    problems: list[InputProblem] = []
    sheets = [m.filename for m in members if re.match(r"xl/worksheets/[^/]+\.xml$", m.filename)]
    for member in sheets:
        size = _dimension(book, member)
        if size and (size[0] > MAX_ROWS or size[1] > MAX_COLUMNS):
            problems.append(
                InputProblem(
                    name,
                    f"a sheet declares {size[0]:,} rows and {size[1]:,} columns; this toolkit "
                    f"reads at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns",
                )
            )
    if problems:
        raise InputFileError(problems)
    links = [m.filename for m in members if m.filename.startswith("xl/externalLinks/")]
    if links:
        problems.append(
            InputProblem(
                name,
                f"the workbook links to {len(links)} other workbook(s); values that come from "
                "them would be read as blanks. Copy the values in (Paste Special → Values) "
                "and save again.",
            )
        )
    for member in sheets:
        problems += _formulas_without_values(book, member, name)
    if problems:
        raise InputFileError(problems)


def _formulas_without_values(book: zipfile.ZipFile, member: str, name: str) -> list[InputProblem]:
    """Cells holding a formula but no stored result, found by streaming the sheet's XML."""
    found: list[InputProblem] = []
    total = 0
    with book.open(member) as handle:
        for _, element in iterparse(handle, events=("end",)):
            if element.tag != f"{_MAIN}c":
                continue
            formula = element.find(f"{_MAIN}f")
            value = element.find(f"{_MAIN}v")
            if formula is not None and (value is None or value.text is None):
                total += 1
                if len(found) < MAX_REPORTED:
                    cell = _CELL_REF.match(element.get("r", ""))
                    found.append(
                        InputProblem(
                            name,
                            "this cell holds a formula without a stored value (the workbook "
                            "was never opened and saved in a spreadsheet), so its answer "
                            "cannot be read; open it in Excel or LibreOffice, save, and try "
                            "again",
                            row=int(cell[2]) if cell else None,
                            column=cell[1] if cell else None,
                        )
                    )
            element.clear()
    if total > len(found):
        found.append(InputProblem(name, f"… {total - len(found)} more formula cell(s) like these"))
    return found


def check_single_encoding(data: bytes, name: str) -> None:
    """Refuse a file that is partly UTF-8 and partly something else; call it when the bytes
    are not valid UTF-8 (a file wholly in one legacy encoding passes)."""
    try:
        data.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        bad = exc.start
    if not _UTF8_MULTIBYTE.search(data):
        return  # no UTF-8 letters at all: one legacy encoding, detected by the reader
    line = data.count(b"\n", 0, bad) + 1
    raise InputFileError(
        [
            InputProblem(
                name,
                f"this file mixes encodings: it is UTF-8, but byte 0x{data[bad]:02X} on this "
                "line is not (text pasted from a file saved in another encoding). Names would "
                "come out garbled, so it is not guessed at; save the whole file as 'CSV UTF-8' "
                "and try again",
                row=line,
            )
        ]
    )
