"""The audit: for every withheld cell, the smallest and largest value consistent with everything
published, by linear programming (scipy's HiGHS), over all tables, totals and cycles jointly.

What an attacker knows, written as linear constraints on the withheld figures:

* every published count, and that rows and columns add up to their published totals (a total
  over cycles, if one is published, adds the cycles up too);
* a count is never negative;
* a mean is a sum over its ``n`` people (``n`` the department's count in the staff table,
  itself published or not): the sum lies between ``n × lowest`` and ``n × highest`` value one
  person can give, and a published mean ``m`` (one decimal) puts it between ``n × (m − 0.05)``
  and ``n × (m + 0.05)``; department sums add up to the organisation's.

A withheld cell passes when its interval is at least ``max(threshold, 20% of its largest
feasible value)`` wide (using the largest value, not the true one, makes the rule checkable by
anyone holding only the published file, and stricter). The LP bounds are the ones statistical
offices use (tau-ARGUS's audit); on the small tables tested they agree with an exact
enumeration of whole numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import connected_components

from toolkit.core.exceptions import ToolkitError
from toolkit.publish.tables import COUNT_TABLE, MEAN_DECIMALS, Grid

__all__ = ["AuditError", "CellBounds", "Audit", "audit", "required_width"]

RELATIVE_WIDTH = 0.2
# the core class: the same solver without the banner that ``Highs()`` prints on stdout
_HIGHS = getattr(highspy, "_Highs", highspy.Highs)
_HALF = 0.5 * 10**-MEAN_DECIMALS  # a mean published with one decimal is within this


class AuditError(ToolkitError, ValueError):
    """Raised when published tables let a withheld cell be worked out (too narrowly), or
    contradict each other."""


@dataclass(frozen=True)
class CellBounds:
    table: str
    cycle: str
    row: str
    col: str
    low: float
    high: float
    need: float
    index: tuple[int, int, int]  # (cycle, row, column) in its grid

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def safe(self) -> bool:
        return self.width >= self.need - 1e-6

    def why(self) -> str:
        what = "the mean of" if self.table != COUNT_TABLE else "the count for"
        where = self.row if self.col == "All" else f"{self.row}, {self.col}"
        high = "no upper limit" if math.isinf(self.high) else f"{self.high:g}"
        unit = " (as a sum over its people)" if self.table != COUNT_TABLE else ""
        return (
            f"{self.table}: {what} {where} in {self.cycle} is withheld, but the published "
            f"tables pin it{unit} between {self.low:g} and {high}, a range of {self.width:g}; "
            f"a range of at least {self.need:g} is needed"
        )


@dataclass
class Audit:
    cells: list[CellBounds]
    threshold: int

    @property
    def failures(self) -> list[CellBounds]:
        return [c for c in self.cells if not c.safe]

    @property
    def passed(self) -> bool:
        return not self.failures

    def raise_if_failed(self) -> None:
        if self.failures:
            shown = "\n".join(f"- {c.why()}" for c in self.failures[:20])
            more = len(self.failures) - 20
            raise AuditError(
                f"The audit found {len(self.failures)} withheld figure(s) that the published "
                f"tables give away too precisely, so nothing was written:\n{shown}"
                + (f"\n- … and {more} more" if more > 0 else "")
            )


def required_width(high: float, low: float, threshold: int) -> float:
    return max(float(threshold), RELATIVE_WIDTH * max(abs(high), abs(low)))


class _Model:
    """Variables (withheld counts, every mean's sum) and the linear constraints on them."""

    def __init__(self) -> None:
        self.names: list[tuple[int, tuple[int, int, int]]] = []  # (grid index, cell)
        self.bounds: list[tuple[float | None, float | None]] = []
        self.rows: list[tuple[dict[int, float], float, bool]] = []  # coefs, rhs, equality
        self.nobody: set[int] = set()  # means over nobody (a published count of 0): no figure

    def variable(self, grid: int, cell: tuple[int, int, int], low: float | None) -> int:
        self.names.append((grid, cell))
        self.bounds.append((low, None))
        return len(self.names) - 1

    def add(self, terms: list[tuple[object, float]], rhs: float, equality: bool) -> None:
        """sum(coef × term) (=|<=) rhs, where a term is a variable index or a constant."""
        coefs: dict[int, float] = {}
        for term, coef in terms:
            if isinstance(term, _Var):
                coefs[term.index] = coefs.get(term.index, 0.0) + coef
            else:
                rhs -= coef * float(term)  # type: ignore[arg-type]
        if coefs:
            self.rows.append((coefs, rhs, equality))
        elif (equality and abs(rhs) > 1e-6) or (not equality and rhs < -1e-6):
            raise AuditError(
                "The published tables contradict each other (a total is not the sum of its "
                "parts, or a mean lies outside its scale); check the file."
            )


@dataclass(frozen=True)
class _Var:
    index: int


def _build(grids: list[Grid]) -> tuple[_Model, list[dict[tuple[int, int, int], object]]]:
    model = _Model()
    counts = next((g for g in grids if g.name == COUNT_TABLE), None)
    cells: list[dict[tuple[int, int, int], object]] = []
    for g, grid in enumerate(grids):
        shown = grid.shown_values(counts)
        terms: dict[tuple[int, int, int], object] = {}
        for cell in np.ndindex(*grid.shape):
            if grid.is_mean or grid.withheld[cell]:
                terms[cell] = _Var(model.variable(g, cell, None if grid.is_mean else 0.0))
            else:
                terms[cell] = float(shown[cell])
        cells.append(terms)
        cycles = len(grid.cycles) - (1 if grid.cross_cycle_total else 0)
        for c in range(len(grid.cycles)):
            for parts, total in grid.lines():
                model.add(
                    [(terms[(c, *p)], 1.0) for p in parts] + [(terms[(c, *total)], -1.0)],
                    0.0,
                    True,
                )
        if grid.cross_cycle_total:
            for i, j in np.ndindex(*grid.shape[1:]):
                model.add(
                    [(terms[(c, i, j)], 1.0) for c in range(cycles)]
                    + [(terms[(len(grid.cycles) - 1, i, j)], -1.0)],
                    0.0,
                    True,
                )
        if grid.is_mean:
            if counts is None:
                raise AuditError(f"The means of '{grid.name}' need the '{COUNT_TABLE}' table.")
            low, high = grid.scale  # type: ignore[misc]
            count_terms = cells[grids.index(counts)]
            for cell in np.ndindex(*grid.shape):
                c, i, _ = cell
                row = counts.rows.index(grid.rows[i]) if i < len(grid.rows) else len(counts.rows)
                cycle = counts.cycles.index(grid.cycles[c])
                n = count_terms[(cycle, row, len(counts.cols))]
                s = terms[cell]
                if not isinstance(n, _Var) and n == 0:
                    model.nobody.add(s.index)  # type: ignore[union-attr]
                model.add([(n, low), (s, -1.0)], 0.0, False)  # s >= low × n
                model.add([(s, 1.0), (n, -high)], 0.0, False)  # s <= high × n
                mean = shown[cell]
                if not np.isnan(mean):
                    model.add([(s, 1.0), (n, -(mean + _HALF))], 0.0, False)
                    model.add([(n, mean - _HALF), (s, -1.0)], 0.0, False)
    return model, cells


def _block_solver(matrix, row_low, row_high, bounds):
    """One HiGHS model per block, solved for the minimum and maximum of each target in turn
    (only the objective changes, so each solve starts from the last basis: fast)."""
    highs = _HIGHS()
    highs.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.zeros(matrix.shape[1])
    lp.col_lower_ = np.array([-highspy.kHighsInf if lo is None else lo for lo, _ in bounds])
    lp.col_upper_ = np.array([highspy.kHighsInf if hi is None else hi for _, hi in bounds])
    lp.row_lower_ = np.where(np.isinf(row_low), -highspy.kHighsInf, row_low)
    lp.row_upper_ = np.where(np.isinf(row_high), highspy.kHighsInf, row_high)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    highs.passModel(lp)
    status = highspy.HighsModelStatus

    def bounds_of(k: int) -> tuple[float, float]:
        limits = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeColCost(k, 1.0)
            highs.changeObjectiveSense(sense)
            highs.run()
            found = highs.getModelStatus()
            if found == status.kOptimal:
                limits.append(float(highs.getInfo().objective_function_value))
            elif found in (status.kUnbounded, status.kUnboundedOrInfeasible):
                limits.append(-math.inf if sense == highspy.ObjSense.kMinimize else math.inf)
            elif found == status.kInfeasible:
                raise AuditError(
                    "The published tables contradict each other: no set of values fits all of "
                    "them (a total is not the sum of its parts, or a mean lies outside its "
                    "scale); check the file."
                )
            else:
                raise AuditError(f"The audit's solver stopped: {highs.modelStatusToString(found)}")
        highs.changeColCost(k, 0.0)
        return limits[0], limits[1]

    return bounds_of


def _solve(
    model: _Model, threshold: int, grids: list[Grid], skip: frozenset = frozenset()
) -> list[CellBounds]:
    count = len(model.names)
    if not count:
        return []
    eq_rows = [r for r in model.rows if r[2]]
    ub_rows = [r for r in model.rows if not r[2]]

    def matrix(rows):
        data, ri, ci = [], [], []
        for k, (coefs, _, _) in enumerate(rows):
            for v, a in coefs.items():
                ri.append(k)
                ci.append(v)
                data.append(a)
        return csr_matrix(coo_matrix((data, (ri, ci)), shape=(len(rows), count)))

    a_eq, a_ub = matrix(eq_rows), matrix(ub_rows)
    b_eq = np.array([r[1] for r in eq_rows])
    b_ub = np.array([r[1] for r in ub_rows])
    # independent blocks (cycles, usually) are solved apart: small LPs are fast LPs
    pattern_eq, pattern_ub = abs(a_eq), abs(a_ub)  # absolute values: no term cancels another
    link = (pattern_eq.T @ pattern_eq + pattern_ub.T @ pattern_ub) != 0
    _, label = connected_components(link, directed=False)
    targets = [
        v
        for v, (g, cell) in enumerate(model.names)
        if grids[g].withheld[cell] and v not in model.nobody and (g, cell) not in skip
    ]
    out: list[CellBounds] = []
    by_block: dict[int, list[int]] = {}
    for v in targets:
        by_block.setdefault(int(label[v]), []).append(v)
    a_all = vstack([a_eq, a_ub]).tocsc()
    row_low = np.concatenate([b_eq, np.full(len(b_ub), -np.inf)])
    row_high = np.concatenate([b_eq, b_ub])
    for block, wanted in by_block.items():
        members = np.flatnonzero(label == block)
        sub = a_all[:, members]
        keep = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
        solver = _block_solver(
            sub[keep].tocsc(), row_low[keep], row_high[keep], [model.bounds[m] for m in members]
        )
        position = {int(m): k for k, m in enumerate(members)}
        for v in wanted:
            low, high = solver(position[v])
            g, cell = model.names[v]
            grid = grids[g]
            out.append(
                CellBounds(
                    table=grid.name,
                    cycle=grid.cycles[cell[0]],
                    row=grid.row_label(cell[1]),
                    col=grid.col_label(cell[2]),
                    low=round(low, 6) + 0.0 if math.isfinite(low) else low,
                    high=round(high, 6) + 0.0 if math.isfinite(high) else high,
                    need=required_width(high, low, threshold),
                    index=cell,
                )
            )  # fmt: skip
    return out


def audit(grids: list[Grid], threshold: int, skip: frozenset = frozenset()) -> Audit:
    """Bounds of every withheld cell of ``grids``, given everything they publish. ``skip``:
    cells (grid index, (cycle, row, column)) known safe already: withholding more cells only
    widens an interval by at least as much as it raises the width needed, so a cell found safe
    stays safe while suppression grows (the final audit of a report skips nothing)."""
    model, _ = _build(grids)
    return Audit(_solve(model, threshold, grids, skip), threshold)
