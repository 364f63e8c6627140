"""Staff self-assessment responses: read, check every cell, and hold them as a matrix.

Two layouts are accepted, both one file per survey:

* **wide** — one row per respondent: ``respondent_id``, ``team_id``, then one column per item id
  (``COM01``, ``LAN02`` …) holding the answer on the framework's scale, blank when not answered;
* **long** (tidy) — one row per respondent per item: ``respondent_id``, ``team_id``, ``item_id``,
  ``value``.

Every problem in the file is collected and raised together as :class:`InputFileError`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.framework import Framework, default_framework
from toolkit.core.tables import (
    Table,
    decode_text,
    read_table,
    sniff_separator,
    source_bytes,
    workbook_kind,
)

__all__ = [
    "Responses",
    "read_responses",
    "responses_from_table",
    "wide_numbers_table",
    "NotPlainNumbers",
]

ID_COLUMNS = ("respondent_id", "team_id")
LONG_COLUMNS = ("item_id", "value")
ITEM_ID_SHAPE = re.compile(r"^[A-Z]{2,4}\d{2}$")
MAX_PROBLEMS = 1000  # enough to fix a file; past this the summary says how many more
HEADER_BYTES = 65536  # enough of a file to read its header row


class NotPlainNumbers(Exception):
    """A column read as numbers holds a value off the scale: the message must quote the cell
    as the file has it, so the file is read again as text (:func:`read_responses`)."""


@dataclass
class Responses:
    """Answers as a respondents × items matrix (NaN = not answered), in framework item order."""

    respondent_ids: np.ndarray
    team_ids: np.ndarray
    item_ids: list[str]
    values: np.ndarray  # float64, shape (respondents, items)
    source: str = "responses"
    notices: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.respondent_ids)

    def to_long(self) -> pd.DataFrame:
        """One row per respondent per answered item: the interchange shape."""
        frame = pd.DataFrame(self.values, columns=self.item_ids)
        frame.insert(0, "team_id", self.team_ids)
        frame.insert(0, "respondent_id", self.respondent_ids)
        long = frame.melt(["respondent_id", "team_id"], var_name="item_id", value_name="value")
        return long.dropna(subset=["value"]).reset_index(drop=True)


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _rename_id_columns(table: Table) -> None:
    """Accept 'Respondent ID', 'team', 'Team Id' … for the id columns; item ids stay as given."""
    aliases = {"respondent": "respondent_id", "team": "team_id", "item": "item_id"}
    renamed = {}
    for col in table.frame.columns:
        key = _normalise_header(col)
        key = aliases.get(key, key)
        if key in (*ID_COLUMNS, *LONG_COLUMNS):
            renamed[col] = key
    table.frame = table.frame.rename(columns=renamed)


def _pivot_long(table: Table, problems: list[InputProblem]) -> pd.DataFrame:
    frame = table.frame
    dup = frame.duplicated(["respondent_id", "item_id"], keep="first")
    for idx in np.flatnonzero(dup.to_numpy())[:MAX_PROBLEMS]:
        row = frame.iloc[idx]
        problems.append(
            InputProblem(
                table.name,
                f"respondent '{row['respondent_id']}' answers item '{row['item_id']}' a second "
                "time; keep one answer per respondent and item",
                row=int(frame["_row"].iat[idx]),
                column="item_id",
            )
        )
    teams = frame.groupby("respondent_id", sort=False)["team_id"].agg(lambda s: set(s))
    for respondent, team_set in teams.items():
        if len(team_set) > 1:
            problems.append(
                InputProblem(
                    table.name,
                    f"respondent '{respondent}' is listed in more than one team "
                    f"({', '.join(sorted(team_set))})",
                    column="team_id",
                )
            )
    wide = frame[~dup].pivot(index="respondent_id", columns="item_id", values="value")
    first = frame.drop_duplicates("respondent_id").set_index("respondent_id")
    wide = wide.reindex(first.index).fillna("")
    wide.insert(0, "team_id", first["team_id"])
    wide.insert(0, "respondent_id", wide.index)
    wide.attrs["rows"] = {  # long rows → where each (respondent, item) came from
        (r, i): n for r, i, n in frame[~dup][["respondent_id", "item_id", "_row"]].itertuples(False)
    }
    return wide.reset_index(drop=True)


def _whole_or_blank(block: np.ndarray, lo: int, hi: int) -> bool:
    """Every number of a block within ``lo``–``hi`` is a whole number (NaN is blank). Whole
    numbers survive a cast to the smallest integer type that holds the scale, and back; that
    is cheaper than floor and subtract."""
    small = np.result_type(np.min_scalar_type(lo), np.min_scalar_type(hi))
    with np.errstate(invalid="ignore"):  # NaN has no integer; those cells are counted apart
        whole = np.count_nonzero(block.astype(small) == block)
    return whole + np.count_nonzero(np.isnan(block)) == block.size


def responses_from_table(
    table: Table,
    framework: Framework | None = None,
    known_teams: set[str] | None = None,
) -> Responses:
    """Check a table of responses cell by cell and turn it into :class:`Responses`."""
    framework = framework or default_framework()
    _rename_id_columns(table)
    problems: list[InputProblem] = []
    notices: list[str] = []
    columns = list(table.frame.columns)

    missing = [c for c in ID_COLUMNS if c not in columns]
    is_long = all(c in columns for c in LONG_COLUMNS)
    if missing:
        problems.append(
            InputProblem(
                table.name,
                f"required column(s) missing: {', '.join(missing)}. The first row must name the "
                f"columns; found: {', '.join(columns) or 'none'}",
                row=1,
            )
        )
        raise InputFileError(problems)

    long_rows: dict[tuple[str, str], int] | None = None
    if is_long:
        known_items = set(framework.item_ids)
        frame = table.frame.assign(_row=np.arange(len(table.frame)) + 2)
        frame["item_id"] = frame["item_id"].str.strip()
        bad_items = ~frame["item_id"].isin(known_items)
        for idx in np.flatnonzero(bad_items.to_numpy())[:MAX_PROBLEMS]:
            problems.append(
                InputProblem(
                    table.name,
                    f"unknown item id '{frame['item_id'].iat[idx]}'; the framework's items are "
                    f"{framework.item_ids[0]} … {framework.item_ids[-1]}",
                    row=int(frame["_row"].iat[idx]),
                    column="item_id",
                )
            )
        table = Table(frame[~bad_items], table.name, table.encoding, table.separator)
        wide = _pivot_long(table, problems)
        long_rows = wide.attrs["rows"]
    else:
        wide = table.frame

    item_columns = [c for c in wide.columns if c in set(framework.item_ids)]
    others = [c for c in wide.columns if c not in item_columns and c not in ID_COLUMNS]
    if not is_long:
        for col in others:
            if ITEM_ID_SHAPE.match(col):
                problems.append(
                    InputProblem(
                        table.name,
                        f"'{col}' looks like an item id but is not in the framework "
                        f"(version {framework.version}); rename or remove the column",
                        row=1,
                        column=col,
                    )
                )
        ignored = [c for c in others if not ITEM_ID_SHAPE.match(c)]
        if ignored:
            notices.append(
                f"{table.name}: columns not used by the assessment: {', '.join(ignored)}"
            )
    if not item_columns and not problems:
        problems.append(
            InputProblem(
                table.name,
                "no column is a framework item id (such as "
                f"{', '.join(framework.item_ids[:3])}); is this the right file?",
                row=1,
            )
        )

    stripped_ids = [  # the readers give text; str() only where a cell is not
        c.strip() if isinstance(c, str) else str(c).strip()
        for c in wide["respondent_id"].to_numpy(dtype=object)
    ]
    respondent_ids = np.array(stripped_ids, dtype=object)
    # teams repeat: strip and look up each distinct team once
    team_codes, team_names = pd.factorize(wide["team_id"].to_numpy(dtype=object))
    team_names = np.array([str(t).strip() for t in team_names], dtype=object)
    team_ids = team_names[team_codes]

    def where(idx: int, column: str) -> int:
        if long_rows is not None:
            return long_rows.get((wide["respondent_id"].iat[idx], column), 0)
        return idx + 2

    for idx in np.flatnonzero(respondent_ids == "")[:MAX_PROBLEMS]:
        problems.append(
            InputProblem(table.name, "respondent id is empty", row=idx + 2, column="respondent_id")
        )
    if not is_long:
        dup = np.zeros(len(respondent_ids), dtype=bool)
        first_row: dict[str, int] = {}
        if len(set(stripped_ids)) < len(stripped_ids):
            dup = pd.Series(respondent_ids).duplicated(keep="first").to_numpy()
            dup = dup & (respondent_ids != "")
            for idx, rid in enumerate(respondent_ids):
                first_row.setdefault(rid, idx + 2)
        for idx in np.flatnonzero(dup)[:MAX_PROBLEMS]:
            problems.append(
                InputProblem(
                    table.name,
                    f"respondent '{respondent_ids[idx]}' appears twice (first on row "
                    f"{first_row[respondent_ids[idx]]}); keep one row per respondent",
                    row=int(idx) + 2,
                    column="respondent_id",
                )
            )
    for idx in np.flatnonzero(team_ids == "")[:MAX_PROBLEMS]:
        problems.append(InputProblem(table.name, "team id is empty", row=idx + 2, column="team_id"))
    if known_teams is not None:
        unknown = np.array([t != "" and t not in known_teams for t in team_names], dtype=bool)
        unknown = unknown[team_codes]
        for idx in np.flatnonzero(unknown)[:MAX_PROBLEMS]:
            problems.append(
                InputProblem(
                    table.name,
                    f"team '{team_ids[idx]}' is not in the team context file "
                    f"(known teams: {', '.join(sorted(known_teams))})",
                    row=where(int(idx), "team_id") if long_rows is None else None,
                    column="team_id",
                )
            )

    lo, hi = framework.scale.minimum, framework.scale.maximum
    ordered = [i for i in framework.item_ids if i in item_columns]
    shape = (len(wide), len(framework.item_ids))
    values: np.ndarray | None = None  # made when needed: the number block may be it
    position = {item: k for k, item in enumerate(framework.item_ids)}
    read_as_numbers = [i for i in ordered if wide[i].dtype.kind == "f"]
    if read_as_numbers:  # blank is NaN; all at once, as one block
        block = wide[read_as_numbers].to_numpy(dtype=float)
        if not np.isnan(block).all() and not (  # NaN-ignoring reductions: no copies
            np.nanmin(block) >= lo and np.nanmax(block) <= hi and _whole_or_blank(block, lo, hi)
        ):
            raise NotPlainNumbers(read_as_numbers)
        columns = [position[i] for i in read_as_numbers]
        if columns == list(range(shape[1])):  # every item, in order: the block is it
            values = block if block.flags.writeable else block.copy()
        else:
            values = np.full(shape, np.nan)
            for k, column in enumerate(columns):
                values[:, column] = block[:, k]
    if values is None:
        values = np.full(shape, np.nan)
    for item in ordered:
        if item in read_as_numbers:
            continue
        # as text: decode the distinct answers once, then spread them over the rows
        codes, uniques = pd.factorize(wide[item].astype(str).to_numpy(dtype=object))
        raw = pd.Series([u.strip() for u in uniques], dtype=object)
        numbers = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
        numbers = numbers.to_numpy(dtype=float)
        blank = (raw == "").to_numpy()
        not_number = np.isnan(numbers) & ~blank
        off_scale = ~np.isnan(numbers) & ((numbers < lo) | (numbers > hi) | (numbers % 1 != 0))
        for idx in np.flatnonzero((not_number | off_scale)[codes])[:MAX_PROBLEMS]:
            k = codes[idx]
            problems.append(
                InputProblem(
                    table.name,
                    f"answer '{raw.iat[k]}' is not a whole number from {lo} to {hi}"
                    if not_number[k] or numbers[k] % 1 != 0
                    else f"answer {raw.iat[k]} is outside the scale {lo}–{hi}",
                    row=where(int(idx), item),
                    column=item if long_rows is None else "value",
                )
            )
        values[:, position[item]] = np.where(blank | not_number | off_scale, np.nan, numbers)[codes]

    if problems:
        order = {c: k for k, c in enumerate(wide.columns)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        raise InputFileError(problems)

    unanswered = np.isnan(values).all(axis=1)
    if unanswered.any():
        listed = ", ".join(respondent_ids[unanswered][:20])
        notices.append(
            f"{table.name}: {int(unanswered.sum())} respondent(s) answered no item and count "
            f"towards no figure: {listed}"
        )
    not_asked = [i for i in framework.item_ids if i not in item_columns]
    if not_asked:
        notices.append(f"{table.name}: items not in this file: {', '.join(not_asked)}")
    return Responses(
        respondent_ids=respondent_ids,
        team_ids=team_ids,
        item_ids=list(framework.item_ids),
        values=values,
        source=table.name,
        notices=notices,
    )


def read_responses(
    source: Path | str | bytes,
    name: str | None = None,
    framework: Framework | None = None,
    known_teams: set[str] | None = None,
) -> Responses:
    """Read a responses file (CSV or a workbook, wide or long) from a path or uploaded bytes.

    A wide CSV is first read with its item columns as numbers, as fast as the parser reads
    them; a file where that fails (a label, a decimal comma, an answer off the scale) is read
    again as text, which names every problem with its row and column."""
    data, name = source_bytes(source, name)
    framework = framework or default_framework()
    table = None
    if not workbook_kind(data) and data.strip():
        try:
            text, encoding = decode_text(data, name)
        except InputFileError:
            text = encoding = None  # the text reader says so, as it always has
        if text is not None:
            table = wide_numbers_table(data, name, framework, text, encoding, sniff_separator(text))
    if table is not None:
        try:
            return responses_from_table(table, framework, known_teams)
        except NotPlainNumbers:
            pass
    return responses_from_table(read_table(data, name), framework, known_teams)


def wide_numbers_table(
    data: bytes, name: str, framework: Framework, text: str, encoding: str, separator: str
) -> Table | None:
    """A wide CSV (decoded as ``text``) with its item columns parsed as numbers (blank → NaN),
    or None when the file is not one or a cell of an item column is not a plain number."""
    try:
        header = next(csv.reader(io.StringIO(text[:HEADER_BYTES]), delimiter=separator))
    except (csv.Error, StopIteration):
        return None
    names = [h.strip() for h in header]
    normal = [_normalise_header(h) for h in names]
    items = set(framework.item_ids)
    if len(set(header)) < len(header) or {"item_id", "value"} <= set(normal):
        return None
    if not items & set(names):
        return None
    item_columns = [raw for raw, n in zip(header, names, strict=True) if n in items]

    def parse(as_text: list[str]) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(data),
            sep=separator,
            encoding=encoding,
            dtype=dict.fromkeys(as_text, object) or None,
            keep_default_na=False,
            na_values={raw: [""] for raw in item_columns},
            skip_blank_lines=True,
        )

    # Types are inferred, not forced: pandas parses a column it is told the type of about
    # half as fast. Item columns must come out as numbers; an id or team column that came out
    # as numbers (or true/false) is read again as the text it is ("007" stays "007").
    try:
        frame = parse([])
        typed = [
            raw
            for raw in header
            if raw not in item_columns
            and not (frame[raw].dtype == object or isinstance(frame[raw].dtype, pd.StringDtype))
        ]
        if typed:
            frame = parse(typed)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None  # a damaged file: the text reader says what is wrong
    if frame.empty or list(frame.columns) != header:
        return None
    for raw in item_columns:  # whole numbers come as int64; anything else is not numbers
        kind = frame[raw].dtype.kind
        if kind not in "fiu":
            return None
        if kind != "f":
            frame[raw] = frame[raw].astype("float64")
    frame.columns = names
    return Table(frame, name, encoding, separator)
