"""Import a survey export as it comes: detect the tool, match columns, decode answers, report.

:func:`import_survey` is the one entry point; it only orchestrates:

1. read the bytes (CSV in UTF-8, UTF-8 with BOM, cp1252, UTF-16 with BOM, separated by ``,``
   ``;`` or tab, an Excel ``sep=;`` first line allowed; or a workbook, XLSX, legacy XLS or ODS,
   first sheet) as text;
2. detect the format from the first rows (:mod:`toolkit.intake.survey_formats`);
3. match columns to framework items, the team and the respondent id
   (:mod:`toolkit.intake.item_matching`), with the facilitator's mapping file if any;
4. decode answers, numbers or labels, on each column's distinct values
   (:mod:`toolkit.intake.answer_labels`), kept on the raw scale: reverse-scored items are flipped later,
   by :mod:`toolkit.assess.assessment`;
5. resolve duplicates (see :data:`DUPLICATE_RULE`), and return :class:`ImportResult`:
   the :class:`~toolkit.intake.responses.Responses` and an :class:`ImportReport`.

Every problem is collected and raised at once as :class:`~toolkit.core.exceptions.SurveyImportError`
(file, row, column; rows count the header as row 1 as a spreadsheet shows, so a Qualtrics
export's first answer is on row 4). The toolkit's own wide and long layouts go through
:func:`toolkit.intake.responses.responses_from_table` unchanged, which is stricter: a duplicate
respondent there is a problem, not resolved.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from toolkit.core.exceptions import InputFileError, InputProblem, SurveyImportError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.safe_export import write_frame_csv
from toolkit.core.tables import Table, decode_text, read_workbook, source_bytes, workbook_kind
from toolkit.core.text_keys import text_key
from toolkit.intake.answer_labels import BLANK, OFF_SCALE, OK, UNKNOWN, answer_vocabulary
from toolkit.intake.item_matching import (
    ColumnMapping,
    ColumnMatch,
    Matching,
    match_columns,
    read_mapping,
)
from toolkit.intake.responses import (
    NotPlainNumbers,
    Responses,
    responses_from_table,
    wide_numbers_table,
)
from toolkit.intake.survey_formats import FALLBACK, SurveyFormat, detect_format, get_format

__all__ = ["import_survey", "ImportResult", "ImportReport", "DUPLICATE_RULE"]

MAX_PROBLEMS = 1000  # per kind of problem; enough to fix a file
HEADER_SCAN = 3  # rows looked at to detect the format
SNIFF_BYTES = 65536
DUPLICATE_RULE = (
    "rows with the same respondent id (or, where the tool gives no id, identical rows) are one "
    "respondent submitting twice: the latest submission that answers at least one item is kept "
    "(by the submission time, else the lower row) and every other row is listed as dropped"
)
# what str.strip() strips (every character whose str.isspace() is true), for Arrow's utf8_trim
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SEP_LINE = re.compile(r"^sep=(.)\r?$")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


# kinds of dropped rows, as the report groups them
EMPTY, NO_ANSWER, DUPLICATE = "empty", "no answer", "duplicate"
DROP_KINDS = {
    EMPTY: "empty rows",
    NO_ANSWER: "answered no item (incomplete responses)",
    DUPLICATE: "earlier submissions of the same respondent (duplicates)",
}


@dataclass(frozen=True)
class DroppedRow:
    row: int
    reason: str
    kind: str = EMPTY  # one of DROP_KINDS


def row_list(rows: Collection[int]) -> str:
    """Row numbers as a spreadsheet user reads them: "row 5", "rows 2–4, 9"."""
    ordered = sorted(set(rows))
    if not ordered:
        return "none"
    runs: list[str] = []
    start = prev = ordered[0]
    for row in [*ordered[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        runs.append(f"{start}" if start == prev else f"{start}–{prev}")
        if row is not None:
            start = prev = row
    return ("row " if len(ordered) == 1 else "rows ") + ", ".join(runs)


@dataclass(frozen=True)
class Duplicate:
    respondent: str
    kept_row: int
    dropped_rows: tuple[int, ...]


@dataclass
class ImportReport:
    """What the import found and did, in words a facilitator can check."""

    file: str
    format: str = ""  # registry name
    format_title: str = ""
    format_keys: str = ""  # what detection keyed on
    encoding: str | None = None  # None for XLSX
    separator: str | None = None
    sheet: str | None = None
    header_rows: int = 1
    rows_read: int = 0  # data rows, header excluded
    respondents: int = 0
    rows_imported: int = 0  # = respondents, or answer rows of the toolkit's long layout
    first_row: int = 2  # spreadsheet row of the first data row
    rows_with_problems: list[int] = field(default_factory=list)  # when the import failed
    rows_held_back: list[int] = field(default_factory=list)  # fine, but the file had problems
    matched: list[ColumnMatch] = field(default_factory=list)
    team_column: ColumnMatch | None = None
    team_candidates: list[str] = field(default_factory=list)  # when several columns could be
    default_team: str | None = None
    respondent_column: ColumnMatch | None = None
    metadata_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    choice_columns: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    dropped: list[DroppedRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    mapping_file: str | None = None

    @property
    def detected(self) -> str:
        how = []
        if self.encoding:
            how.append(self.encoding)
        if self.separator:
            how.append(f"separated by {_SEPARATOR_NAMES.get(self.separator, repr(self.separator))}")
        if self.sheet:
            how.append(f"sheet '{self.sheet}'")
        return f"{self.file}: {self.format_title}" + (f" ({', '.join(how)})" if how else "")

    def row_accounts(self) -> list[tuple[str, list[int]]]:
        """Where every row read went: imported, each kind of dropped, not imported.

        The counts add up to :attr:`rows_read`; each kind names its rows."""
        dropped = {kind: [d.row for d in self.dropped if d.kind == kind] for kind in DROP_KINDS}
        out = [(f"dropped: {DROP_KINDS[kind]}", rows) for kind, rows in dropped.items() if rows]
        if self.rows_with_problems:
            out.append(("not imported: a problem in the row (below)", self.rows_with_problems))
        if self.rows_held_back:
            out.append(
                (
                    "not imported: nothing is imported while the file has problems",
                    self.rows_held_back,
                )
            )
        return out

    def text(self) -> str:
        """The report as plain text, one fact per line (what ``cct import`` prints)."""
        lines = [f"Detected: {self.detected}", f"  because: {self.format_keys}"]
        if self.header_rows != 1:
            lines.append(f"  header rows: {self.header_rows}")
        accounts = self.row_accounts()
        failed = bool(self.rows_with_problems or self.rows_held_back)
        imported = (
            f"{self.rows_imported} imported"
            if self.rows_imported == self.respondents
            else f"{self.rows_imported} imported ({self.respondents} respondent(s))"
        )
        lines.append(
            f"Rows: {self.rows_read} read = {imported}"
            + (f", {len(self.dropped)} dropped" if self.dropped or not failed else "")
            + (
                f", {len(self.rows_with_problems) + len(self.rows_held_back)} not imported"
                if failed
                else ""
            )
        )
        lines += [f"  {what} ({len(rows)}): {row_list(rows)}" for what, rows in accounts]
        if self.respondent_column:
            lines.append(f"Respondent id: column '{self.respondent_column.column}'")
        elif self.format not in ("tidy",):
            lines.append("Respondent id: none in the file; each respondent is named by its row")
        if self.team_column:
            lines.append(f"Team: column '{self.team_column.column}' ({self.team_column.how})")
        elif self.default_team:
            lines.append(f"Team: '{self.default_team}' for the whole file (--team)")
        if not self.team_column and len(self.team_candidates) > 1:
            lines.append(
                "Team: several columns could name the team, so none was used: "
                + ", ".join(f"'{c}'" for c in self.team_candidates)
                + "; map one to 'team' in a mapping file, or give one team for the whole file "
                "(--team)"
            )
        elif not self.team_column and not self.default_team and self.format != "tidy":
            lines.append(
                "Team: no column names the team; map one to 'team' in a mapping file, or give "
                "one team for the whole file (--team)"
            )
        if self.mapping_file:
            lines.append(f"Mapping file: {self.mapping_file}")
        lines.append(f"Matched columns ({len(self.matched)}):")
        lines += [f"  {m.column} → {m.target} (by {m.how})" for m in self.matched]
        if self.unmatched:
            lines.append(f"Not matched ({len(self.unmatched)}; name them in a mapping file):")
            lines += [f"  {c}" for c in self.unmatched]
        if self.choice_columns:
            lines.append("Choice columns of multiple-choice questions (not used):")
            lines += [f"  {q}: {len(opts)} column(s)" for q, opts in self.choice_columns.items()]
        if self.metadata_columns:
            lines.append(
                f"Survey tool's own columns (not used): {', '.join(self.metadata_columns)}"
            )
        if self.ignored_columns:
            lines.append(f"Ignored by the mapping file: {', '.join(self.ignored_columns)}")
        if self.duplicates:
            lines.append(f"Duplicates ({len(self.duplicates)}): {DUPLICATE_RULE}")
            lines += [
                f"  '{d.respondent}': kept row {d.kept_row}, dropped row(s) "
                f"{', '.join(map(str, d.dropped_rows))}"
                for d in self.duplicates
            ]
        if self.dropped:
            lines.append("Rows dropped:")
            lines += [f"  row {d.row}: {d.reason}" for d in self.dropped]
        if self.notices:
            lines.append("Notes:")
            lines += [f"  {n}" for n in self.notices]
        return "\n".join(lines)


@dataclass
class ImportResult:
    responses: Responses
    report: ImportReport

    def tidy(self) -> pd.DataFrame:
        """``respondent_id, team_id, item_id, value``: the toolkit's long layout."""
        long = self.responses.to_long()
        return long.assign(value=long["value"].astype(int))

    def write_tidy(self, path: Path | str) -> Path:
        """The tidy CSV, safe to open in a spreadsheet (ids that look like formulas neutralised)."""
        return write_frame_csv(path, self.tidy())


# -- reading ----------------------------------------------------------------------------------
@dataclass
class _Raw:
    """A file's cells as text columns (by position), header rows included.

    A UTF-8 CSV is held as an Arrow table whose columns were dictionary-encoded while parsing
    (codes and distinct texts straight from the parser, no Python string per cell); a workbook,
    or a CSV that Arrow does not read as pandas does, as a DataFrame of text. A column is
    turned into codes and distinct texts only when it is looked at, once: a column of 100,000
    answers holds a handful of distinct texts, and most columns are never needed."""

    frame: pd.DataFrame | None
    name: str
    encoding: str | None
    separator: str | None
    sheet: str | None
    sheets: list[str]
    row_offset: int  # lines before the first header row (an Excel "sep=;" line)
    table: pa.Table | None = None
    factorised: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.shape if self.table is not None else self.frame.shape

    def top_rows(self, n: int) -> list[list[str]]:
        if self.table is not None:
            return [[str(v) for v in row.values()] for row in self.table.slice(0, n).to_pylist()]
        top = self.frame.iloc[:n]
        return [[str(v) for v in row] for row in top.itertuples(index=False)]


def _problem(name: str, message: str, row: int | None = None, column: str | None = None):
    return InputFileError([InputProblem(name, message, row=row, column=column)])


def _detect_separator(text: str) -> str:
    """The separator that gives the first row ≥ 2 fields and most rows the same count."""
    sample = text[:SNIFF_BYTES]
    truncated = len(text) > SNIFF_BYTES
    best, best_score = ",", (0, 0)
    for sep in (",", ";", "\t"):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=sep) if r]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows = rows[:-1]
        if not rows or len(rows[0]) < 2:
            continue
        n = len(rows[0])
        score = (sum(len(r) == n for r in rows[1:31]), n)
        if score > best_score:
            best, best_score = sep, score
    return best


def _ragged_rows(text: str, sep: str, name: str, offset: int) -> list[InputProblem]:
    """Every row with more values than the first row (what the fast parser stops at)."""
    problems: list[InputProblem] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    width = None
    record = 0
    try:
        for fields in reader:
            record += 1
            if width is None:
                width = len(fields)
            elif len(fields) > width:
                problems.append(
                    InputProblem(
                        name,
                        f"this row has {len(fields)} values but the first row has {width} "
                        f"columns; a value containing the separator '{sep}' needs quotes",
                        row=record + offset,
                    )
                )
                if len(problems) >= MAX_PROBLEMS:
                    break
    except csv.Error:
        problems.append(
            InputProblem(
                name,
                'a quoted value is never closed (a " is missing), so the rest of the file '
                "cannot be read",
                row=record + 1 + offset,
            )
        )
    return problems


def _layout(text: str) -> tuple[str, str, int]:
    """The text after an Excel "sep=;" line, the separator, and 1 if that line was there."""
    newline = text.find("\n")
    found = _SEP_LINE.match(text[: newline if newline >= 0 else len(text)])
    if found:  # Excel's "sep=;" first line names the separator
        text = text[newline + 1 :] if newline >= 0 else ""
        return text, found.group(1), 1
    return text, _detect_separator(text), 0


def _utf8_head(data: bytes) -> tuple[str, str] | None:
    """The first characters of a file that begins as UTF-8, enough to find its separator, and
    its encoding as :func:`decode_text` names it; None for anything else. The rest is not
    decoded here: Arrow checks it is UTF-8 as it parses (else pandas' path decodes it all)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    size = 4 * SNIFF_BYTES + 8  # more than SNIFF_BYTES characters, whatever they are
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        return decoder.decode(data[:size], final=len(data) <= size), encoding
    except UnicodeDecodeError:
        return None


def _read_csv(data: bytes, name: str) -> _Raw:
    head = _utf8_head(data)
    if head is not None:
        text, separator, offset = _layout(head[0])
        table = _arrow_table(data, text, separator, offset) if text.strip() else None
        if table is not None:
            return _Raw(None, name, head[1], separator, None, [], offset, table)
    text, encoding = decode_text(data, name)
    text, separator, offset = _layout(text)
    if not text or text.isspace():
        raise _problem(name, "the file is empty")
    try:
        # UTF-8 goes to the parser as bytes (as text it is four times slower); as objects:
        # the parser's own categories are twice as slow as factorising the columns we need
        utf8 = encoding in ("utf-8", "utf-8-sig")
        frame = pd.read_csv(
            io.BytesIO(data) if utf8 else io.StringIO(text),
            encoding=encoding if utf8 else None,
            skiprows=offset if utf8 else 0,
            sep=separator,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        problems = _ragged_rows(text, separator, name, offset)
        if not problems:
            found_row = re.search(r"(?:line|row) (\d+)", str(exc))
            problems = [
                InputProblem(
                    name,
                    "the rows do not line up with the first row; check the separators and quotes",
                    row=int(found_row.group(1)) + offset if found_row else None,
                )
            ]
        raise InputFileError(problems) from exc
    except pd.errors.EmptyDataError as exc:
        raise _problem(name, "the file is empty") from exc
    return _Raw(frame, name, encoding, separator, None, [], offset)


def _arrow_table(data: bytes, text: str, separator: str, offset: int) -> pa.Table | None:
    """A UTF-8 CSV parsed by Arrow, every column dictionary-encoded text, cells as they are
    (no missing-value markers, no trimming), with the same cells as pandas' C parser gives.
    None for anything Arrow reads otherwise or refuses (a row longer or shorter than the first,
    an unclosed quote, a single column, a byte that is not UTF-8): pandas reads those and says
    where. (A blank line is a row of empty cells in both.)"""
    try:
        first = next(csv.reader(io.StringIO(text[:SNIFF_BYTES]), delimiter=separator))
    except (csv.Error, StopIteration):
        return None
    if len(first) < 2:
        return None
    text_type = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(
                autogenerate_column_names=True, skip_rows=offset, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=separator, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{k}": text_type for k in range(len(first))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_columns != len(first) or any(t != text_type for t in table.schema.types):
        return None
    return table


def _read_workbook(data: bytes, name: str) -> _Raw:
    frame, sheets = read_workbook(data, name, header=None)
    frame = frame.fillna("").astype(object)
    frame.columns = range(frame.shape[1])
    return _Raw(frame, name, None, None, sheets[0] if sheets else None, sheets, 0)


def _read(source: Path | str | bytes, name: str | None) -> _Raw:
    data, name = source_bytes(source, name)
    if not data or data.isspace():  # (strip() would copy a 50 MB file to say no)
        raise _problem(name, "the file is empty")
    raw = _read_workbook(data, name) if workbook_kind(data) else _read_csv(data, name)
    if 0 in raw.shape:
        raise _problem(name, "the file is empty")
    return raw


# -- helpers on categorical columns -----------------------------------------------------------
def _column(raw: _Raw, pos: int, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the data rows (from ``start``) and the distinct texts of a column."""
    if pos not in raw.factorised:
        if raw.table is not None:  # Arrow encoded it while parsing: one dictionary for all
            column = _arrow_column(raw, pos)
            codes = column.indices.to_numpy()
            texts = column.dictionary.to_numpy(zero_copy_only=False)
        else:
            codes, uniques = pd.factorize(raw.frame[pos].to_numpy(dtype=object))
            texts = np.array([u if isinstance(u, str) else str(u) for u in uniques], dtype=object)
        raw.factorised[pos] = (codes, texts)
    codes, uniques = raw.factorised[pos]
    return codes[start:], uniques


def _arrow_column(raw: _Raw, pos: int) -> pa.DictionaryArray:
    """A column of the Arrow table as one array with one dictionary (the parser makes one per
    block of the file)."""
    return raw.table.column(pos).unify_dictionaries().combine_chunks()


def _cells(raw: _Raw, pos: int, start: int, rows: np.ndarray | None = None) -> np.ndarray:
    """A column's cells from ``start`` (only ``rows`` of them, if given), as they are."""
    if raw.table is not None and rows is not None and pos not in raw.factorised:
        # a few cells (submission times of duplicates): taken, not the whole column encoded
        return np.array(raw.table.column(pos).take(rows + start).to_pylist(), dtype=object)
    if raw.table is not None:
        codes, texts = _column(raw, pos, start)
        return texts[codes if rows is None else codes[rows]]
    cells = raw.frame[pos].to_numpy(dtype=object)[start:]
    return cells if rows is None else cells[rows]


def _stripped(raw: _Raw, pos: int, start: int, rows: np.ndarray | None = None) -> np.ndarray:
    """A column's stripped texts, row by row (only ``rows``, if given): stripped on its
    distinct texts, by Arrow for a whole column it holds (ids are mostly distinct: no Python
    string work per cell); a few rows (submission times of duplicates) cell by cell."""
    if raw.table is not None and pos not in raw.factorised and rows is None:
        column = _arrow_column(raw, pos)
        texts = pa_compute.utf8_trim(column.dictionary, characters=WHITESPACE)
        return texts.to_numpy(zero_copy_only=False)[column.indices.to_numpy()[start:]]
    if pos in raw.factorised:
        codes, cats = _column(raw, pos, start)
        if rows is None or len(rows) >= len(cats):
            stripped = np.array([c.strip() for c in cats], dtype=object)
            return stripped[codes if rows is None else codes[rows]]
    return np.array([str(c).strip() for c in _cells(raw, pos, start, rows)], dtype=object)


def _blank_rows(raw: _Raw, start: int, maybe: np.ndarray | None = None) -> np.ndarray:
    """Rows whose every cell is empty or spaces. Only the rows in ``maybe`` can be (an import
    passes the rows that answer no item: a blank cell is never an answer), and each column is
    looked at only in the rows still blank, so a file without empty rows costs next to nothing."""
    blank = np.ones(raw.shape[0] - start, dtype=bool) if maybe is None else maybe.copy()
    for pos in range(raw.shape[1]):
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        blank[candidates] = [not str(c).strip() for c in _cells(raw, pos, start, candidates)]
    return blank


def _unique_headers(headers: list[str]) -> list[str]:
    """Column names for a DataFrame: duplicates get .1, .2 as pandas' readers do."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        if h in seen:
            seen[h] += 1
            out.append(f"{h}.{seen[h]}")
        else:
            seen[h] = 0
            out.append(h)
    return out


# -- the toolkit's own layouts ----------------------------------------------------------------
def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _import_tidy(
    raw: _Raw,
    fmt: SurveyFormat,
    framework: Framework,
    known_teams: Mapping[str, str] | None,
    default_team: str | None,
    report: ImportReport,
) -> ImportResult:
    headers = [h.strip() for h in raw.top_rows(1)[0]]
    n_rows = raw.shape[0] - 1
    blank = _blank_rows(raw, 1)
    trailing = n_rows - (np.flatnonzero(~blank)[-1] + 1 if (~blank).any() else 0)
    keep = n_rows - trailing
    for k in range(keep, n_rows):
        report.dropped.append(DroppedRow(k + 2 + raw.row_offset, "empty row at the end", EMPTY))
    if keep == 0:
        raise _problem(raw.name, "the file has a header but no data rows")
    names = _unique_headers(headers)
    normal = [_normalise_header(h) for h in headers]
    is_long = "item_id" in normal and "value" in normal
    vocabulary = answer_vocabulary(framework)
    columns = {}
    for pos, header in enumerate(names):
        codes, cats = _column(raw, pos, 1)
        texts = pd.Index(cats).astype(str)
        convert = header in framework.item_ids or (is_long and normal[pos] == "value")
        if convert:  # labels and missing markers become what the strict reader expects
            decoded = vocabulary.decode(list(texts), agreement_only=True)
            plain = np.array([bool(re.fullmatch(r"\s*[+-]?\d+([.,]\d+)?\s*", t)) for t in texts])
            relabel = (decoded.status == OK) & ~plain
            new = np.where(relabel, [f"{v:.0f}" if v == v else "" for v in decoded.values], texts)
            texts = pd.Index(np.where(decoded.status == BLANK, "", new).astype(str))
        columns[header] = texts.to_numpy(dtype=object)[codes[:keep]]
    frame = pd.DataFrame(columns, columns=names).fillna("")
    if default_team and not {"team_id", "team"} & set(normal):
        frame.insert(1, "team_id", default_team)
        report.default_team = default_team
    table = Table(frame, raw.name, raw.encoding, raw.separator)
    responses = responses_from_table(
        table, framework, set(known_teams) if known_teams is not None else None
    )
    return _tidy_result(responses, report, headers, framework, n_rows, keep)


def _tidy_result(
    responses: Responses,
    report: ImportReport,
    headers: list[str],
    framework: Framework,
    n_rows: int,
    imported: int,
) -> ImportResult:
    normal = [_normalise_header(h) for h in headers]
    report.rows_read = n_rows
    report.respondents = len(responses)
    report.rows_imported = imported
    report.matched = [
        ColumnMatch(p, h, h, "item id") for p, h in enumerate(headers) if h in framework.item_ids
    ]
    if "item_id" in normal and "value" in normal:
        report.matched = [ColumnMatch(normal.index("item_id"), "item_id", "items", "item id")]
    ids = {"respondent_id", "team_id", "respondent", "team", "item_id", "value", "item"}
    report.unmatched = [
        h
        for h, n in zip(headers, normal, strict=True)
        if n not in ids and h not in framework.item_ids
    ]
    report.notices += responses.notices
    return ImportResult(responses, report)


def _import_tidy_numbers(
    data: bytes,
    name: str,
    framework: Framework,
    known_teams: Mapping[str, str] | None,
    forced: SurveyFormat | None,
) -> ImportResult | None:
    """The toolkit's own wide layout with plain numbers, read at the parser's speed; None for
    anything else (labels, blank lines, an answer off the scale, another format), which the
    general path reads and reports on exactly as before."""
    if workbook_kind(data) or not data or data.isspace():
        return None
    # first the head, to give up early on anything but the toolkit's layout (a Kobo export)
    head = data[:SNIFF_BYTES]
    if len(data) > SNIFF_BYTES:
        head = head[: head.rfind(b"\n") + 1]
    try:
        head_text, _ = decode_text(head, name)
        newline = head_text.find("\n")
        if _SEP_LINE.match(head_text[: newline if newline >= 0 else len(head_text)]):
            return None
        separator = _detect_separator(head_text)
        top = list(
            itertools.islice(csv.reader(io.StringIO(head_text), delimiter=separator), HEADER_SCAN)
        )
    except (InputFileError, csv.Error):
        return None
    if not top or not top[0] or (forced or detect_format(top, [])).name != "tidy":
        return None
    fmt = forced or detect_format(top, [])
    try:
        text, encoding = decode_text(data, name)
    except InputFileError:
        return None
    if separator != _detect_separator(text):
        return None
    if "\n\n" in text or "\n\r\n" in text or "\r\r" in text:  # blank lines: reported
        return None
    table = wide_numbers_table(data, name, framework, text, encoding, separator)
    if table is None:
        return None
    frame = table.frame
    last = frame.iloc[-1]
    if all((v != v) if isinstance(v, float) else not str(v).strip() for v in last):
        return None  # an empty row at the end: the general path lists it as dropped
    headers = list(frame.columns)
    try:
        responses = responses_from_table(
            table, framework, set(known_teams) if known_teams is not None else None
        )
    except NotPlainNumbers:
        return None
    report = ImportReport(
        name, fmt.name, fmt.title, fmt.keys, encoding, separator, None, fmt.header_rows
    )
    return _tidy_result(responses, report, headers, framework, len(frame), len(frame))


# -- survey exports ---------------------------------------------------------------------------
def _team_lookup(known: Mapping[str, str] | None, mapping: ColumnMapping) -> dict[str, str] | None:
    if known is None:
        return None
    lookup: dict[str, str] = {}
    for team_id, team_name in known.items():
        lookup.setdefault(text_key(team_name), team_id)
    for team_id in known:
        lookup[text_key(team_id)] = team_id
    for answer, team_id in mapping.teams.items():
        lookup[text_key(answer)] = team_id
    return lookup


def _resolve_duplicates(
    raw: _Raw,
    fmt: SurveyFormat,
    headers: list[str],
    ids: np.ndarray,
    has_ids: bool,
    rows: np.ndarray,
    keep: np.ndarray,
    start: int,
    report: ImportReport,
) -> None:
    """Apply :data:`DUPLICATE_RULE` in place on ``keep``; list every dropped row."""
    live = np.flatnonzero(keep)
    if has_ids:
        key = ids[live]
        groups = pd.factorize(key)[0]
    else:
        codes = np.column_stack([_column(raw, p, start)[0][live] for p in range(raw.shape[1])])
        key = groups = (
            pd.DataFrame(codes).groupby(list(range(codes.shape[1])), sort=False).ngroup().to_numpy()
        )
    dup = (np.bincount(groups) > 1)[groups] if len(groups) else np.zeros(0, dtype=bool)
    if not dup.any():
        return
    where = live[dup]
    times = pd.Series(pd.NaT, index=range(len(where)), dtype="datetime64[ns, UTC]")
    lowered = {text_key(h): p for p, h in enumerate(headers)}
    if fmt.split_headings:  # "submitdate. Date submitted" is found by its code too
        for p, (code, _) in enumerate(fmt.split_headings(headers)):
            lowered.setdefault(text_key(code), p) if code else None
    for name in fmt.time_columns:
        if text_key(name) in lowered:
            stamps = _stripped(raw, lowered[text_key(name)], start, where)
            times = pd.to_datetime(pd.Series(stamps), errors="coerce", utc=True, format="mixed")
            break
    table = pd.DataFrame(
        {"key": key[dup], "time": times.to_numpy(), "row": rows[where], "at": where}
    )
    table = table.sort_values(["key", "time", "row"], na_position="first", kind="stable")
    last = ~table["key"].duplicated(keep="last").to_numpy()
    keep[table["at"].to_numpy()[~last]] = False
    # sorted by key, each respondent's rows are one run: split the runs without a groupby
    keys, sorted_rows, at = (table[c].to_numpy() for c in ("key", "row", "at"))
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    for begin, end in zip(starts, [*starts[1:], len(keys)], strict=True):
        kept = int(sorted_rows[end - 1])
        dropped = tuple(int(r) for r in sorted_rows[begin : end - 1])
        who = str(ids[at[end - 1]])
        report.duplicates.append(Duplicate(who, kept, dropped))
        reason = (
            f"same respondent id '{who}' as row {kept}" if has_ids else f"identical to row {kept}"
        )
        for row in dropped:
            report.dropped.append(
                DroppedRow(row, f"{reason}; kept the latest submission", DUPLICATE)
            )


def _import_export(
    raw: _Raw,
    fmt: SurveyFormat,
    framework: Framework,
    mapping: ColumnMapping,
    known_teams: Mapping[str, str] | None,
    default_team: str | None,
    report: ImportReport,
) -> ImportResult:
    name = raw.name
    top = raw.top_rows(fmt.header_rows)
    if len(top) < fmt.header_rows:
        raise SurveyImportError(
            [
                InputProblem(
                    name,
                    f"a {fmt.title} export has {fmt.header_rows} header rows; "
                    f"this file has only {len(top)} row(s)",
                )
            ],
            report,
        )
    headers = [h.strip() for h in top[fmt.name_row]]
    texts = [t.strip() for t in top[fmt.text_row]] if fmt.text_row is not None else None
    start = fmt.header_rows
    n_rows = raw.shape[0] - start
    report.rows_read = n_rows
    first_row = start + 1 + raw.row_offset  # spreadsheet row of the first data row
    report.first_row = first_row
    rows = np.arange(n_rows) + first_row
    header_row = fmt.name_row + 1 + raw.row_offset  # where header problems are
    if n_rows == 0:
        raise SurveyImportError(
            [InputProblem(name, "the file has a header but no data rows")], report
        )

    matching: Matching = match_columns(headers, fmt, framework, mapping, texts, name)
    report.matched = matching.items
    report.team_column = matching.team
    report.team_candidates = [m.column for m in matching.team_candidates]
    report.respondent_column = matching.respondent
    report.metadata_columns = matching.metadata
    report.ignored_columns = [m.column for m in matching.ignored]
    report.choice_columns = matching.choice_columns
    report.unmatched = matching.unmatched
    report.notices += matching.notices
    problems = list(matching.problems)
    if not matching.items and not problems:
        problems.append(
            InputProblem(
                name,
                "no column matches a framework item by id (such as "
                f"{', '.join(framework.item_ids[:2])}), code or question text; "
                f"{len(matching.unmatched)} column(s) are not matched. Name them in a mapping "
                "file (cct import --write-mapping) and import again",
                row=header_row,
            )
        )
    several = ", ".join(f"'{m.column}'" for m in matching.team_candidates)
    if matching.team is None and not default_team and len(matching.team_candidates) > 1:
        problems.append(
            InputProblem(
                name,
                f"several columns could name the respondent's team ({several}); map the right "
                "one to 'team' in the mapping file (cct import --write-mapping), or give one "
                "team for the whole file (--team)",
                row=header_row,
            )
        )
    elif matching.team is None and not default_team:
        problems.append(
            InputProblem(
                name,
                "no column names the respondent's team (looked for 'team', 'team_id', "
                "'équipe', 'equipo', 'Which team are you in?' …); add one, map one to 'team' "
                "in the mapping file, or give one team for the whole file (--team)",
                row=header_row,
            )
        )
    elif matching.team is None and len(matching.team_candidates) > 1:
        report.notices.append(
            f"several columns could name the team ({several}), so none was used: every "
            f"respondent is in team '{default_team}' (--team)"
        )

    # answers: decoded on each column's distinct texts
    vocabulary = answer_vocabulary(framework)
    lo, hi = framework.scale.minimum, framework.scale.maximum
    position = {item: k for k, item in enumerate(framework.item_ids)}
    answered = np.zeros(n_rows, dtype=bool)
    decoded_columns: list[tuple[int, np.ndarray, np.ndarray]] = []  # (item, codes, values)
    bad_cells: list[tuple[ColumnMatch, np.ndarray, pd.Index, np.ndarray, np.ndarray]] = []
    for match in matching.items:
        codes, cats = _column(raw, match.position, start)
        decoded = vocabulary.decode(list(cats))
        decoded_columns.append((position[match.target], codes, decoded.values))
        answered |= (decoded.status != BLANK)[codes]
        bad = np.isin(decoded.status, (UNKNOWN, OFF_SCALE))
        # (the distinct texts include the header's: only those in data rows count)
        if bad.any() and np.isin(codes, np.flatnonzero(bad)).any():
            bad_cells.append((match, codes, cats, bad, decoded.status))
    keep = ~_blank_rows(raw, start, maybe=~answered)
    for row in rows[~keep]:
        report.dropped.append(DroppedRow(int(row), "empty row", EMPTY))
    bad_row = np.zeros(n_rows, dtype=bool)  # rows with a problem of their own

    # respondent ids
    if matching.respondent is not None:
        ids = _stripped(raw, matching.respondent.position, start)
        missing = ids == ""
        if (missing & keep).any():
            listed = ", ".join(map(str, rows[missing & keep][:20]))
            report.notices.append(
                f"{int((missing & keep).sum())} row(s) have no respondent id and are named by "
                f"their row: {listed}"
            )
        ids[missing] = [f"row-{r}" for r in rows[missing]]
    else:
        ids = np.array([f"row-{r}" for r in rows], dtype=object)
    if matching.items:
        for row in rows[keep & ~answered]:
            report.dropped.append(
                DroppedRow(int(row), "answered no item (an incomplete response)", NO_ANSWER)
            )
        keep &= answered
    # after dropping empty submissions, so an empty resubmission never replaces real answers
    _resolve_duplicates(
        raw, fmt, headers, ids, matching.respondent is not None, rows, keep, start, report
    )
    for match, codes, cats, bad, status in bad_cells:
        bad_row |= bad[codes] & keep
        for idx in np.flatnonzero(bad[codes] & keep)[:MAX_PROBLEMS]:
            text = str(cats[codes[idx]]).strip()
            problems.append(
                InputProblem(
                    name,
                    f"answer {text} is outside the scale {lo}–{hi}"
                    if status[codes[idx]] == OFF_SCALE and re.fullmatch(r"[+-]?\d+", text)
                    else f"answer '{text}' is not on the scale: use a whole number from "
                    f"{lo} to {hi}, a label such as {vocabulary.example_labels}, or "
                    "'N/A' for no answer",
                    row=int(rows[idx]),
                    column=match.column,
                )
            )

    # teams
    if matching.team is not None:
        team_col = matching.team.column
        teams = _stripped(raw, matching.team.position, start)
        if default_team:
            teams = np.where(teams == "", default_team, teams)
            report.default_team = default_team
        bad_row |= (teams == "") & keep
        for row in rows[(teams == "") & keep][:MAX_PROBLEMS]:
            problems.append(
                InputProblem(
                    name,
                    "the team is empty; fill it in, or give one team for the whole file (--team)",
                    row=int(row),
                    column=team_col,
                )
            )
        lookup = _team_lookup(known_teams, mapping)
        if lookup is not None:
            codes, distinct = pd.factorize(teams)
            resolved = np.array(
                [t if t in known_teams else lookup.get(text_key(t), "") for t in distinct],
                dtype=object,
            )
            unknown = (resolved == "") & (distinct != "")
            bad_row |= unknown[codes] & keep
            for idx in np.flatnonzero(unknown[codes] & keep)[:MAX_PROBLEMS]:
                problems.append(
                    InputProblem(
                        name,
                        f"team '{teams[idx]}' is not in the team context file (known teams: "
                        f"{', '.join(sorted(known_teams))}); use a team id or name, or list it "
                        "under 'teams' in the mapping file",
                        row=int(rows[idx]),
                        column=team_col,
                    )
                )
            teams = np.where(resolved[codes] == "", teams, resolved[codes])
    else:
        teams = np.full(n_rows, default_team or "", dtype=object)
        report.default_team = default_team

    if problems:
        order = {h: k for k, h in enumerate(headers)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        report.rows_with_problems = rows[keep & bad_row].tolist()
        report.rows_held_back = rows[keep & ~bad_row].tolist()
        raise SurveyImportError(problems, report)

    respondent_ids = ids[keep].astype(str)
    team_ids = teams[keep].astype(str)
    kept = np.flatnonzero(keep)
    # item by item into contiguous rows, then one transpose: answers row by row, C order
    by_item = np.empty((len(framework.item_ids), len(kept)))
    for item in set(range(len(framework.item_ids))) - {c[0] for c in decoded_columns}:
        by_item[item] = np.nan
    for item, codes, decoded_values in decoded_columns:
        np.take(decoded_values, codes[kept], out=by_item[item])
    values = np.ascontiguousarray(by_item.T)
    report.respondents = report.rows_imported = len(respondent_ids)
    notices = [
        f"{report.detected}: {len(matching.items)} item column(s) matched, "
        f"{report.respondents} respondent(s) of {n_rows} row(s)"
    ]
    if report.unmatched:
        notices.append(
            f"{name}: columns not matched to any item: {', '.join(report.unmatched[:20])}"
            + (" …" if len(report.unmatched) > 20 else "")
        )
    if report.dropped:
        notices.append(
            f"{name}: {len(report.dropped)} row(s) dropped: "
            + "; ".join(f"row {d.row} ({d.reason})" for d in report.dropped[:10])
            + (" …" if len(report.dropped) > 10 else "")
        )
    not_asked = [i for i in framework.item_ids if i not in {m.target for m in matching.items}]
    if not_asked:
        notices.append(f"{name}: items not in this file: {', '.join(not_asked)}")
    report.notices += notices[1:]
    responses = Responses(
        respondent_ids=respondent_ids,
        team_ids=team_ids,
        item_ids=list(framework.item_ids),
        values=values,
        source=name,
        notices=notices,
    )
    return ImportResult(responses, report)


def import_survey(
    source: Path | str | bytes,
    name: str | None = None,
    mapping: ColumnMapping | Path | str | dict | None = None,
    framework: Framework | None = None,
    known_teams: Mapping[str, str] | Collection[str] | None = None,
    default_team: str | None = None,
    survey_format: str | None = None,
) -> ImportResult:
    """Import a survey export (or the toolkit's own layout) from a path or uploaded bytes.

    ``mapping`` is a mapping file (path), its content (dict) or a :class:`ColumnMapping`;
    ``known_teams`` the team ids of the team context file (a dict id → name also matches team
    names); ``default_team`` the team of every respondent whose file says none;
    ``survey_format`` forces a format by its registry name instead of detecting it.
    Raises :class:`~toolkit.core.exceptions.SurveyImportError` (an ``InputFileError``) with every
    problem found, or ``InputFileError`` for the toolkit's own layouts, as
    :func:`toolkit.intake.responses.read_responses` does.
    """
    framework = framework or default_framework()
    forced = get_format(survey_format) if survey_format else None
    if mapping is not None and not isinstance(mapping, ColumnMapping):
        mapping = read_mapping(mapping, framework)
    mapping = mapping or ColumnMapping()
    if known_teams is not None and not isinstance(known_teams, Mapping):
        known_teams = {t: t for t in known_teams}
    default_team = (default_team or "").strip() or None
    data, name = source_bytes(source, name)
    if not (mapping.columns or mapping.teams or default_team):
        fast = _import_tidy_numbers(data, name, framework, known_teams, forced)
        if fast is not None:
            return fast
    raw = _read(data, name)
    fmt = forced or detect_format(raw.top_rows(HEADER_SCAN), raw.sheets)
    report = ImportReport(
        raw.name,
        fmt.name,
        fmt.title,
        fmt.keys,
        raw.encoding,
        raw.separator,
        raw.sheet,
        fmt.header_rows,
        mapping_file=mapping.source if mapping.columns or mapping.teams else None,
    )
    if len(raw.sheets) > 1 and not fmt.is_form_definition:
        report.notices.append(
            f"only the first sheet '{raw.sheets[0]}' was read; other sheets (repeat groups or "
            f"notes) are not answers to the self-assessment: {', '.join(raw.sheets[1:])}"
        )
    if fmt.is_form_definition:
        raise SurveyImportError(
            [
                InputProblem(
                    raw.name,
                    "this is an XLSForm, the definition of a form (sheets 'survey' and "
                    "'choices'), not answers; import the export of the submissions from "
                    "KoboToolbox or ODK Central instead",
                )
            ],
            report,
        )
    if fmt.name == "tidy" and not (mapping.columns or mapping.teams):
        return _import_tidy(raw, fmt, framework, known_teams, default_team, report)
    if fmt.name == "tidy":
        fmt = get_format(FALLBACK)  # a mapping file asks for the export path's matching
    return _import_export(raw, fmt, framework, mapping, known_teams, default_team, report)
