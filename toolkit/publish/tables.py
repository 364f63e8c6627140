"""The published tables: what a transparency report shows, as cells a reader (or an attacker)
can combine.

A :class:`Grid` is one table over cycles: rows (departments, in the organisation's own words)
by columns (roles), each with its true total (the last row and the last column, ``All``), or a
one-way table (one column: the total). Counts of people are published as whole numbers; a
mean (a rating, a change in confidence) is published with one decimal, and an attacker reads it
as its sum, ``n × mean``, where ``n`` is the department's count in the staff table. A cell is
either published or withheld; the suppression pattern is the same in every cycle.

The long CSV form (``table, cycle, department, role, value``; ``withheld`` for a withheld cell,
``All`` for a total) is what the report publishes and what ``cct report --audit`` reads back.
A cycle ``All`` in that file would be a total over cycles: the audit reads it as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.tables import read_table

__all__ = [
    "TOTAL",
    "WITHHELD",
    "COUNT_TABLE",
    "MEAN_SCALES",
    "Grid",
    "to_rows",
    "read_published",
    "CSV_COLUMNS",
]

TOTAL = "All"
WITHHELD = "withheld"
COUNT_TABLE = "staff_trained"
MEAN_DECIMALS = 1
# each published mean, with the range one person's value can take (its sum lies in n × range)
MEAN_SCALES: dict[str, tuple[float, float]] = {
    "usefulness": (1.0, 5.0),
    "relevance": (1.0, 5.0),
    "confidence_change": (-4.0, 4.0),
}
CSV_COLUMNS = ["table", "cycle", "department", "role", "value"]


@dataclass
class Grid:
    """One published table over cycles. ``values[c, i, j]``: cycle c, row i, column j, the
    last row and column being the totals; for a mean table the values are *sums* and
    ``withheld`` marks the means not shown. ``values`` may be NaN where only the published
    figures are known (an audit of a file): then ``published`` holds what was shown."""

    name: str
    rows: list[str]
    cols: list[str]  # [] for a one-way table: its only column is the total
    cycles: list[str]
    values: np.ndarray  # (cycles, rows + 1, cols + 1)
    withheld: np.ndarray  # bool, same shape
    scale: tuple[float, float] | None = None  # a mean table: one person's range
    published: np.ndarray | None = None  # the figures as shown (means rounded); NaN if withheld
    cross_cycle_total: bool = False  # the last cycle is the sum of the others (an "All" cycle)
    notes: list[str] = field(default_factory=list)

    @property
    def is_mean(self) -> bool:
        return self.scale is not None

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.cycles), len(self.rows) + 1, len(self.cols) + 1)

    def row_label(self, i: int) -> str:
        return self.rows[i] if i < len(self.rows) else TOTAL

    def col_label(self, j: int) -> str:
        return self.cols[j] if j < len(self.cols) else TOTAL

    def shown_values(self, counts: Grid | None = None) -> np.ndarray:
        """The figures as published: counts, or means with one decimal; NaN where withheld."""
        if self.published is not None:
            return np.where(self.withheld, np.nan, self.published)
        values = self.values.astype(float)
        if self.is_mean:
            assert counts is not None
            n = counts.values[:, :, -1:].astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.round(values / n, MEAN_DECIMALS)
        return np.where(self.withheld, np.nan, values)

    def lines(self) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
        """The additive relations of one cycle: (parts, total) by row and by column."""
        rows, cols = len(self.rows), len(self.cols)
        out = []
        if cols:
            for i in range(rows + 1):
                out.append(([(i, j) for j in range(cols)], (i, cols)))
        for j in range(cols + 1):
            out.append(([(i, j) for i in range(rows)], (rows, j)))
        return out


def to_rows(grids: list[Grid]) -> list[list[object]]:
    """The long CSV rows of some grids (the count table first, so means can find their n)."""
    counts = next((g for g in grids if not g.is_mean), None)
    rows: list[list[object]] = []
    for grid in grids:
        shown = grid.shown_values(counts)
        for c, cycle in enumerate(grid.cycles):
            for i in range(len(grid.rows) + 1):
                for j in range(len(grid.cols) + 1):
                    value = shown[c, i, j]
                    if np.isnan(value):
                        text: object = WITHHELD
                    elif grid.is_mean:
                        text = float(value)
                    else:
                        text = int(value)
                    rows.append([grid.name, cycle, grid.row_label(i), grid.col_label(j), text])
    return rows


def read_published(source: Path | str | bytes, name: str | None = None) -> list[Grid]:
    """Published tables from a CSV file (any report's, or one made by hand), for the audit.
    Every problem is named by row and column; a cell published twice with two values, or a
    mean table without the staff table, is refused."""
    table = read_table(source, name)
    frame = table.frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise InputFileError(
            [
                InputProblem(
                    table.name,
                    f"required column(s) missing: {', '.join(missing)} (a published table has "
                    f"the columns {', '.join(CSV_COLUMNS)})",
                    row=1,
                )
            ]
        )
    problems: list[InputProblem] = []
    cells: dict[str, dict[tuple[str, str, str], tuple[float, int]]] = {}
    for index, record in enumerate(frame[CSV_COLUMNS].itertuples(index=False)):
        line = index + 2
        name_, cycle, department, role, raw = (str(v).strip() for v in record)
        if not name_ or not cycle or not department or not role:
            empty = next(
                c
                for c, v in zip(CSV_COLUMNS, (name_, cycle, department, role), strict=False)
                if not v
            )
            problems.append(InputProblem(table.name, "this cell is empty", row=line, column=empty))
            continue
        if raw.lower() == WITHHELD or raw == "":
            value = np.nan
        else:
            try:
                value = float(raw.lstrip("'").replace(",", "."))
            except ValueError:
                problems.append(
                    InputProblem(
                        table.name,
                        f"'{raw}' is neither a number nor '{WITHHELD}'",
                        row=line,
                        column="value",
                    )
                )
                continue
            if not np.isfinite(value):
                problems.append(
                    InputProblem(table.name, f"'{raw}' is not a figure", row=line, column="value")
                )
                continue
        key = (cycle, department, role)
        seen = cells.setdefault(name_, {})
        if key in seen and not np.isnan(seen[key][0]) and not np.isnan(value):
            if seen[key][0] != value:
                problems.append(
                    InputProblem(
                        table.name,
                        f"{name_}, {department}, {role}, {cycle} is published twice with two "
                        f"values ({seen[key][0]:g}, row {seen[key][1]}; and {value:g})",
                        row=line,
                        column="value",
                    )
                )
            continue
        if key in seen and np.isnan(value):
            continue  # withheld here, published elsewhere: it is published
        seen[key] = (value, line)
    if COUNT_TABLE not in cells and any(n in MEAN_SCALES for n in cells):
        problems.append(
            InputProblem(
                table.name,
                f"means are published without the '{COUNT_TABLE}' table they are averages over; "
                "the audit needs both",
            )
        )
    staff_rows = {d for _, d, _ in cells.get(COUNT_TABLE, {})}
    for name_, table_cells in cells.items():
        if name_ in MEAN_SCALES:
            stray = sorted({d for _, d, _ in table_cells} - staff_rows)
            if stray:
                problems.append(
                    InputProblem(
                        table.name,
                        f"the means of '{name_}' name department(s) the '{COUNT_TABLE}' table "
                        f"does not have: {', '.join(stray)}",
                        column="department",
                    )
                )
            if {r for _, _, r in table_cells} != {TOTAL}:
                problems.append(
                    InputProblem(
                        table.name,
                        f"the means of '{name_}' are published per department only (role "
                        f"'{TOTAL}')",
                        column="role",
                    )
                )
    if problems:
        raise InputFileError(problems)
    ordered = sorted(cells, key=lambda n: (n != COUNT_TABLE, n))
    return [_grid(name_, cells[name_]) for name_ in ordered]


def _grid(name: str, cells: dict[tuple[str, str, str], tuple[float, int]]) -> Grid:
    cycles = sorted({c for c, _, _ in cells if c != TOTAL})
    cross = any(c == TOTAL for c, _, _ in cells)
    rows = sorted({d for _, d, _ in cells if d != TOTAL})
    cols = sorted({r for _, _, r in cells if r != TOTAL})
    all_cycles = [*cycles, TOTAL] if cross else cycles
    shape = (len(all_cycles), len(rows) + 1, len(cols) + 1)
    published = np.full(shape, np.nan)
    known = np.zeros(shape, dtype=bool)
    for (cycle, department, role), (value, _) in cells.items():
        c = all_cycles.index(cycle)
        i = rows.index(department) if department != TOTAL else len(rows)
        j = cols.index(role) if role != TOTAL else len(cols)
        published[c, i, j] = value
        known[c, i, j] = True
    # a cell nobody listed is neither shown nor withheld: the audit treats it as unknown
    return Grid(
        name=name,
        rows=rows,
        cols=cols,
        cycles=all_cycles,
        values=np.full(shape, np.nan),
        withheld=np.isnan(published),
        scale=MEAN_SCALES.get(name),
        published=published,
        cross_cycle_total=cross,
        notes=[] if known.all() else ["some cells are not listed; they count as withheld"],
    )
