"""Which cells a public report withholds: primary suppression of small groups, then secondary
suppression until the audit (:mod:`toolkit.publish.audit`) passes.

* **Primary.** A count of 1 to ``threshold − 1`` people is withheld, totals included (a small
  department's total is itself a small group). Zeros are published as zeros by default (nobody
  to protect: the organisation says so in its method note); ``zeros="withhold"`` treats them
  as small groups. A mean is withheld where its department's count is.
* **One pattern for every cycle** (Eurostat's guidance): a cell withheld in one cycle is
  withheld in all, so no cycle gives away another's.
* **Secondary.** A heuristic in the spirit of tau-ARGUS's "modular" method, much simpler: audit;
  for every cell whose interval is too narrow, withhold in each of its row and its column the
  published cell that costs least (fewest people over the cycles) among those large enough to
  widen the interval by what is missing; audit again. A cell still too narrow after a few
  rounds gets its whole row withheld; if even that fails, the report is not written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.core.disclosure import (
    DEFAULT_THRESHOLD,
    ThresholdError,
    check_threshold,
    threshold_floor,
)
from toolkit.publish.audit import Audit, AuditError, audit
from toolkit.publish.tables import COUNT_TABLE, Grid

__all__ = [
    "PUBLIC_THRESHOLD",
    "ZERO_CHOICES",
    "public_threshold",
    "primary",
    "protect",
    "withhold_whole_rows",
    "Loss",
    "information_loss",
]

PUBLIC_THRESHOLD = 10
ZERO_CHOICES = ("show", "withhold")
MAX_ROUNDS = 40
ROUNDS_BEFORE_WHOLE_ROW = 4


def public_threshold(threshold: object = PUBLIC_THRESHOLD) -> int:
    """The public threshold: a whole number, never below the internal one (the toolkit's
    default, or the server's floor when ``cct serve`` set one): a public page must not show
    what an internal page withholds."""
    value = check_threshold(threshold)
    internal = max(DEFAULT_THRESHOLD, threshold_floor())
    if value < internal:
        raise ThresholdError(
            f"The public threshold must be at least the internal one, {internal} (got {value}): "
            "a public report cannot show groups that the toolkit's own pages withhold"
        )
    return value


def primary(grids: list[Grid], threshold: int, zeros: str = "show") -> None:
    """Withhold small groups (in place), the same cells in every cycle."""
    counts = grids[0]
    small = (counts.values > 0) & (counts.values < threshold)
    if zeros == "withhold":
        small |= counts.values == 0
    pattern = small.any(axis=0)
    counts.withheld[:] = pattern[None]
    for grid in grids[1:]:
        rows = [counts.rows.index(r) for r in grid.rows] + [len(counts.rows)]
        grid.withheld[:] = pattern[rows, -1][None, :, None]


def _spread(grid: Grid) -> None:
    grid.withheld[:] = grid.withheld.any(axis=0)[None]


def _choose(grid: Grid, line_cells: list[tuple[int, int]], need: float) -> tuple[int, int] | None:
    """The cheapest published cell of a line that is big enough to widen by ``need``."""
    best: tuple[float, tuple[int, int]] | None = None
    fallback: tuple[float, tuple[int, int]] | None = None
    weights = _weights(grid)
    for cell in line_cells:
        if grid.withheld[(0, *cell)]:
            continue
        if not weights[(slice(None), *cell)].any():
            continue  # nobody there in any cycle: anyone who knows the organisation knows it
        cost = float(weights[(slice(None), *cell)].sum())
        smallest = float(np.abs(weights[(slice(None), *cell)]).min())
        if smallest >= need and (best is None or cost < best[0]):
            best = (cost, cell)
        if fallback is None or smallest > fallback[0]:
            fallback = (smallest, cell)
    chosen = best or fallback
    return chosen[1] if chosen else None


def _weights(grid: Grid) -> np.ndarray:
    """What a cell costs to withhold: its people (or, for a mean, its sum's size)."""
    return np.abs(np.nan_to_num(grid.values.astype(float)))


def _lines_of(grid: Grid, i: int, j: int) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """The lines through (i, j): the other parts of its row and of its column, each with the
    line's total."""
    rows, cols = len(grid.rows), len(grid.cols)
    out = []
    if cols:
        out.append(([(i, k) for k in range(cols) if k != j], (i, cols)))
    out.append(([(k, j) for k in range(rows) if k != i], (rows, j)))
    if j == cols and cols:  # a row's total is also the total of its row's parts
        out.append(([(i, k) for k in range(cols)], (i, cols)))
    return out


def _fix(grid: Grid, failing: list, whole_rows: set[tuple[str, int]]) -> bool:
    """One complementary cell for each too-narrow cell of ``grid`` (in the line through it
    with the fewest withheld cells; a cell whose lines were changed this round waits for the
    next audit); True if anything was withheld."""
    changed = False
    touched: set[tuple[int, int]] = set()  # cells newly withheld this round
    rows, cols = len(grid.rows), len(grid.cols)
    for bounds in sorted(failing, key=lambda b: b.width - b.need):
        _, i, j = bounds.index
        if (grid.name, i) in whole_rows and i < rows and cols:
            for k in range(cols + 1):
                if not grid.withheld[0, i, k]:
                    grid.withheld[:, i, k] = True
                    changed = True
            continue
        lines = _lines_of(grid, i, j)
        if any(cell in touched for parts, total in lines for cell in (*parts, total)):
            continue
        missing = max(bounds.need - bounds.width, 1.0)
        lines.sort(key=lambda line: sum(grid.withheld[(0, *c)] for c in (*line[0], line[1])))
        chosen = None
        for parts, _total in lines:
            chosen = _choose(grid, parts, missing)
            if chosen is not None:
                break
        if chosen is None:  # no part left to withhold: the row's or column's total goes too
            chosen = next((t for _, t in lines if t != (i, j) and not grid.withheld[(0, *t)]), None)
        if chosen is not None:
            grid.withheld[(slice(None), *chosen)] = True
            touched.add(chosen)
            changed = True
    return changed


def protect(grids: list[Grid], threshold: int, zeros: str = "show") -> Audit:
    """Primary and secondary suppression (in place) until the audit passes; the passing audit.
    Raises :class:`AuditError`, naming the cells, if no pattern is found."""
    primary(grids, threshold, zeros)
    strikes: dict[tuple[str, int, int], int] = {}
    whole_rows: set[tuple[str, int]] = set()
    safe: set[tuple[int, tuple[int, int, int]]] = set()
    names = [g.name for g in grids]
    for _ in range(MAX_ROUNDS):
        result = audit(grids, threshold, frozenset(safe))
        safe |= {(names.index(c.table), c.index) for c in result.cells if c.safe}
        if result.passed:
            break
        changed = False
        for grid in grids:
            failing = [f for f in result.failures if f.table == grid.name]
            unique = {}
            for f in failing:
                key = f.index[1:]
                if key not in unique or f.need - f.width > unique[key].need - unique[key].width:
                    unique[key] = f
            for key in unique:
                strikes[(grid.name, *key)] = strikes.get((grid.name, *key), 0) + 1
                if strikes[(grid.name, *key)] > ROUNDS_BEFORE_WHOLE_ROW:
                    whole_rows.add((grid.name, key[0]))
            changed |= _fix(grid, list(unique.values()), whole_rows)
            _spread(grid)
        if not changed:
            break
    result = audit(grids, threshold)
    if not result.passed:
        result.raise_if_failed()
    return result


def withhold_whole_rows(grids: list[Grid], threshold: int, zeros: str = "show") -> Audit:
    """The simple comparison: every department with a small cell is withheld whole (its
    row of every table, its total included), plus the next smallest department where one
    row alone could be worked out from the totals."""
    primary(grids, threshold, zeros)
    counts = grids[0]
    rows = len(counts.rows)
    bad = [i for i in range(rows) if counts.withheld[0, i].any()]
    if len(bad) == 1 and rows > 1:
        sizes = counts.values[:, :rows, -1].sum(axis=0)
        others = [i for i in np.argsort(sizes) if i not in bad]
        bad.append(int(others[0]))
    for i in bad:
        counts.withheld[:, i, :] = True
        for grid in grids[1:]:
            if counts.rows[i] in grid.rows:
                grid.withheld[:, grid.rows.index(counts.rows[i]), :] = True
    # roles that now have a single withheld department in a column are covered by the pair
    return audit(grids, threshold)


@dataclass(frozen=True)
class Loss:
    """How much a suppression pattern withholds: cells, and the people in them."""

    cells_withheld: int
    cells: int
    people_withheld: float
    people: float

    @property
    def cell_share(self) -> float:
        return self.cells_withheld / self.cells if self.cells else 0.0

    @property
    def people_share(self) -> float:
        return self.people_withheld / self.people if self.people else 0.0


def information_loss(grids: list[Grid]) -> Loss:
    """Share of the staff table's inner cells withheld, and of the people they hold."""
    counts = next(g for g in grids if g.name == COUNT_TABLE)
    rows, cols = len(counts.rows), len(counts.cols)
    inner = counts.values[:, :rows, :cols] if cols else counts.values[:, :rows, :]
    hidden = counts.withheld[:, :rows, :cols] if cols else counts.withheld[:, :rows, :]
    return Loss(
        cells_withheld=int(hidden.sum()),
        cells=int(hidden.size),
        people_withheld=float(inner[hidden].sum()),
        people=float(inner.sum()),
    )


__all__ += ["AuditError"]
