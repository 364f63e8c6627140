"""Read a CSV or XLSX file a user gives us into a DataFrame of text, or say plainly why not.

Everything is read as text (``dtype=str``) so that nothing is coerced silently; the readers of
responses and team context check and convert each column themselves, naming row and column.
Row numbers in messages count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.limits import check_bytes, check_file_size, check_single_encoding

__all__ = [
    "Table",
    "read_table",
    "decode_text",
    "source_bytes",
    "sniff_separator",
    "workbook_kind",
    "read_workbook",
]

XLSX_MAGIC = b"PK\x03\x04"  # a zip: .xlsx, or .ods when its first entry says so
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: legacy Excel .xls
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ENGINES = {"xlsx": "openpyxl", "xls": "xlrd", "ods": "odf"}  # as pandas reads each
_WORKBOOK_NAMES = {
    "xlsx": "Excel workbook",
    "xls": "Excel workbook",
    "ods": "OpenDocument spreadsheet",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class Table:
    """A user's table, as text, with where it came from and how it was read."""

    frame: pd.DataFrame
    name: str
    encoding: str | None  # None for a workbook
    separator: str | None


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes by their BOM, as UTF-8 if valid, else by charset detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    check_single_encoding(data, name)  # partly UTF-8: reported, not guessed
    best = from_bytes(data).best()
    if best is None or b"\x00" in data[:4096]:
        raise InputFileError(
            [
                InputProblem(
                    name,
                    "this is not a text file we can read. Save it from your spreadsheet as "
                    "'CSV UTF-8' or as an Excel workbook (.xlsx) and try again.",
                )
            ]
        )
    return str(best), best.encoding


def workbook_kind(data: bytes) -> str | None:
    """``"xlsx"``, ``"xls"`` or ``"ods"`` when the bytes are a workbook (by their first bytes,
    whatever the file is called), else None: a text file."""
    if data.startswith(XLS_MAGIC):
        return "xls"
    if data.startswith(XLSX_MAGIC):
        return "ods" if ODS_MIMETYPE in data[:256] else "xlsx"
    return None


def read_workbook(data: bytes, name: str, **options) -> tuple[pd.DataFrame, list[str]]:
    """The first sheet as text (``dtype=str``) and the names of all sheets; a workbook that
    cannot be read is a plain problem naming the file."""
    kind = workbook_kind(data) or "xlsx"
    try:
        if kind == "xls":
            frame, sheets = _read_xls(data, header=options.get("header", 0))
        else:
            book = pd.ExcelFile(io.BytesIO(data), engine=_ENGINES[kind])
            sheets = [str(s) for s in book.sheet_names]
            frame = pd.read_excel(book, sheet_name=0, dtype=str, **options) if sheets else None
    except Exception as exc:  # the engines raise many kinds for damaged workbooks
        raise InputFileError(
            [InputProblem(name, f"this {_WORKBOOK_NAMES[kind]} cannot be read ({exc})")]
        ) from exc
    return (frame if frame is not None else pd.DataFrame()), sheets


def _read_xls(data: bytes, header: int | None) -> tuple[pd.DataFrame | None, list[str]]:
    """The first sheet of a legacy .xls as text, read with xlrd as pandas' reader does: whole
    numbers without ".0", dates as ISO text, empty cells as NaN.

    Called directly rather than through ``pd.read_excel``, whose minimum xlrd version is newer
    than the one pyxform (our XLSForm check) pins."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    sheets = book.sheet_names()
    if not sheets:
        return None, []
    sheet = book.sheet_by_index(0)

    def text(cell: xlrd.sheet.Cell) -> str | None:
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if cell.ctype == xlrd.XL_CELL_NUMBER:
            value = cell.value
            return str(int(value)) if value == int(value) else repr(value)
        if cell.ctype == xlrd.XL_CELL_DATE:
            return str(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return str(bool(cell.value))
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERROR")
        return str(cell.value)

    cells = [[text(c) for c in sheet.row(r)] for r in range(sheet.nrows)]
    width = max((len(r) for r in cells), default=0)
    cells = [r + [None] * (width - len(r)) for r in cells]
    if header is None or not cells:
        return pd.DataFrame(cells, dtype=object), sheets
    names = [c if c is not None else f"Unnamed: {k}" for k, c in enumerate(cells[header])]
    return pd.DataFrame(cells[header + 1 :], columns=names, dtype=object), sheets


def sniff_separator(text: str) -> str:
    """The separator of a CSV's first 20 lines: comma, semicolon or tab."""
    sample = "\n".join(text[:65536].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def source_bytes(source: Path | str | bytes, name: str | None = None) -> tuple[bytes, str]:
    """A user's file as bytes, and the name to report it by (a path's file name, or the
    upload's name); a file that cannot be opened is a plain problem, not a traceback."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        check_file_size(path, name)  # before reading a byte
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputFileError([InputProblem(name, f"cannot open the file ({reason})")]) from exc
    else:
        data, name = bytes(source), name or "uploaded file"
    kind = _WORKBOOK_NAMES[workbook_kind(data) or "xlsx"]
    check_bytes(data, name, kind)  # limits, and workbooks' formulas and links, before parsing
    return data, name


def read_table(source: Path | str | bytes, name: str | None = None) -> Table:
    """Read CSV (any of , ; tab) or a workbook (XLSX, XLS, ODS) from a path or uploaded bytes."""
    data, name = source_bytes(source, name)
    if not data.strip():
        raise InputFileError([InputProblem(name, "the file is empty")])
    if workbook_kind(data):
        frame, _ = read_workbook(data, name)
        table = Table(frame, name, None, None)
    else:
        text, encoding = decode_text(data, name)
        separator = sniff_separator(text)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=separator,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
        except pd.errors.ParserError as exc:
            raise InputFileError(
                [InputProblem(name, f"the rows do not line up with the header ({exc})")]
            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise InputFileError([InputProblem(name, "the file has no header row")]) from exc
        table = Table(frame, name, encoding, separator)
    table.frame.columns = [str(c).strip() for c in table.frame.columns]
    table.frame = table.frame.fillna("")
    if table.frame.empty:
        raise InputFileError([InputProblem(name, "the file has a header but no data rows")])
    return table
