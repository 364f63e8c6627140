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

__all__ = ["Table", "read_table", "decode_text", "source_bytes"]

XLSX_MAGIC = b"PK\x03\x04"
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
    encoding: str | None  # None for XLSX
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


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
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
    check_bytes(data, name)  # limits, and workbooks' formulas and links, before parsing
    return data, name


def read_table(source: Path | str | bytes, name: str | None = None) -> Table:
    """Read CSV (any of , ; tab) or XLSX from a path or from uploaded bytes."""
    data, name = source_bytes(source, name)
    if not data.strip():
        raise InputFileError([InputProblem(name, "the file is empty")])
    if data.startswith(XLSX_MAGIC):
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
            raise InputFileError(
                [InputProblem(name, f"this Excel workbook cannot be read ({exc})")]
            ) from exc
        table = Table(frame, name, None, None)
    else:
        text, encoding = decode_text(data, name)
        separator = _sniff_separator(text)
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
