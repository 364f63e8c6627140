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

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from toolkit.core.exceptions import ToolkitError
from toolkit.publish.tables import COUNT_TABLE, MEAN_DECIMALS, Grid

__all__ = ["AuditError", "CellBounds", "Audit", "audit", "required_width"]

RELATIVE_WIDTH = 0.2
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


def _solve(model: _Model, threshold: int, grids: list[Grid]) -> list[CellBounds]:
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
        if grids[g].withheld[cell] and v not in model.nobody
    ]
    out: list[CellBounds] = []
    by_block: dict[int, list[int]] = {}
    for v in targets:
        by_block.setdefault(int(label[v]), []).append(v)
    for block, wanted in by_block.items():
        members = np.flatnonzero(label == block)
        eq_keep = np.flatnonzero(np.asarray(abs(a_eq[:, members]).sum(axis=1)).ravel() > 0)
        ub_keep = np.flatnonzero(np.asarray(abs(a_ub[:, members]).sum(axis=1)).ravel() > 0)
        sub_eq = a_eq[eq_keep][:, members] if len(eq_keep) else None
        sub_ub = a_ub[ub_keep][:, members] if len(ub_keep) else None
        bounds = [model.bounds[m] for m in members]
        position = {int(m): k for k, m in enumerate(members)}
        for v in wanted:
            limits = []
            for sign in (1.0, -1.0):
                objective = np.zeros(len(members))
                objective[position[v]] = sign
                result = linprog(
                    objective,
                    A_ub=sub_ub,
                    b_ub=b_ub[ub_keep] if sub_ub is not None else None,
                    A_eq=sub_eq,
                    b_eq=b_eq[eq_keep] if sub_eq is not None else None,
                    bounds=bounds,
                    method="highs",
                )
                if result.status == 3:  # unbounded: nothing limits it on that side
                    limits.append(-sign * math.inf)
                elif result.status == 2:
                    raise AuditError(
                        "The published tables contradict each other: no set of values fits "
                        "all of them (a total is not the sum of its parts, or a mean lies "
                        "outside its scale); check the file."
                    )
                elif result.status != 0:
                    raise AuditError(f"The audit's solver stopped: {result.message}")
                else:
                    limits.append(sign * float(result.fun))
            low, high = limits
            g, cell = model.names[v]
            grid = grids[g]
            out.append(
                CellBounds(
                    table=grid.name,
                    cycle=grid.cycles[cell[0]],
                    row=grid.row_label(cell[1]),
                    col=grid.col_label(cell[2]),
                    low=round(low, 6) + 0.0,
                    high=round(high, 6) + 0.0 if math.isfinite(high) else high,
                    need=required_width(high, low, threshold),
                    index=cell,
                )
            )
    return out


def audit(grids: list[Grid], threshold: int) -> Audit:
    """Bounds of every withheld cell of ``grids``, given everything they publish."""
    model, _ = _build(grids)
    return Audit(_solve(model, threshold, grids), threshold)
