"""The audit against an exact enumeration, and against the attacks it exists for."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.core.safe_export import write_csv
from toolkit.publish.audit import AuditError, audit
from toolkit.publish.grids import build_grids
from toolkit.publish.suppression import protect
from toolkit.publish.tables import CSV_COLUMNS, TOTAL, Grid, read_published, to_rows


def count_grid(values: np.ndarray, withheld: np.ndarray) -> Grid:
    """A one-cycle staff table with true margins from its inner cells."""
    r, k = values.shape
    full = np.zeros((1, r + 1, k + 1), dtype=np.int64)
    full[0, :r, :k] = values
    full[0, r, :k] = values.sum(axis=0)
    full[0, :, k] = full[0, :, :k].sum(axis=1)
    mask = np.zeros(full.shape, dtype=bool)
    mask[0, :r, :k] = withheld
    return Grid(
        "staff_trained",
        [f"D{i}" for i in range(r)],
        [f"R{j}" for j in range(k)],
        ["C1"],
        full,
        mask,
    )


def enumerate_bounds(grid: Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """Every whole-number filling of the withheld cells that keeps every published total."""
    values = grid.values[0]
    r, k = len(grid.rows), len(grid.cols)
    hidden = [tuple(c) for c in np.argwhere(grid.withheld[0, :r, :k])]
    seen: dict[tuple[int, int], list[int]] = {c: [] for c in hidden}
    ranges = [range(int(min(values[i, k], values[r, j])) + 1) for i, j in hidden]
    for filling in itertools.product(*ranges):
        trial = values[:r, :k].copy()
        for cell, v in zip(hidden, filling, strict=True):
            trial[cell] = v
        if (trial.sum(axis=1) == values[:r, k]).all() and (
            trial.sum(axis=0) == values[r, :k]
        ).all():
            for cell, v in zip(hidden, filling, strict=True):
                seen[cell].append(v)
    return {c: (min(v), max(v)) for c, v in seen.items()}


@pytest.mark.parametrize(
    ("values", "withheld"),
    [
        ([[3, 7, 2], [5, 1, 6], [4, 4, 4]], [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
        ([[3, 2, 2], [1, 1, 3], [2, 4, 1]], [[1, 0, 1], [0, 1, 1], [1, 1, 0]]),
        ([[2, 0, 4], [3, 3, 1]], [[1, 1, 1], [1, 1, 1]]),
        ([[6, 2], [1, 5], [2, 2]], [[1, 1], [1, 0], [0, 1]]),
    ],
)
def test_the_lp_bounds_are_the_exact_bounds_on_small_tables(values, withheld):
    grid = count_grid(np.array(values), np.array(withheld, dtype=bool))
    exact = enumerate_bounds(grid)
    found = {(c.index[1], c.index[2]): (c.low, c.high) for c in audit([grid], 2).cells}
    assert found == {cell: (float(lo), float(hi)) for cell, (lo, hi) in exact.items()}


def test_a_single_withheld_cell_in_a_row_is_found_exactly():
    grid = count_grid(np.array([[3, 20], [15, 30]]), np.array([[1, 0], [0, 0]], dtype=bool))
    result = audit([grid], 10)
    assert [(c.low, c.high) for c in result.cells] == [(3.0, 3.0)]
    with pytest.raises(AuditError, match=r"D0, R0 in C1 is withheld.*between 3 and 3"):
        result.raise_if_failed()


def people_frame(draw_sizes: list[list[list[int]]]) -> tuple[pd.DataFrame, list, list, list]:
    rng = np.random.default_rng(len(str(draw_sizes)))
    rows = []
    cycles = [f"2027Q{c + 1}" for c in range(len(draw_sizes))]
    departments = [f"Dept {i}" for i in range(len(draw_sizes[0]))]
    roles = [f"Role {j}" for j in range(len(draw_sizes[0][0]))]
    for c, table in enumerate(draw_sizes):
        for i, row in enumerate(table):
            for j, n in enumerate(row):
                for _ in range(n):
                    rows.append(
                        (departments[i], roles[j], cycles[c], rng.integers(1, 6),
                         rng.integers(1, 6), float(rng.integers(-2, 4)))
                    )  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["department", "role", "cycle", "usefulness", "relevance", "confidence_change"],
    )
    return frame, departments, roles, cycles


@st.composite
def organisations(draw):
    cycles = draw(st.integers(1, 2))
    departments = draw(st.integers(2, 4))
    roles = draw(st.integers(2, 3))
    size = st.one_of(st.integers(0, 9), st.integers(10, 60))
    return [[[draw(size) for _ in range(roles)] for _ in range(departments)] for _ in range(cycles)]


def protected(sizes):
    frame, departments, roles, cycles = people_frame(sizes)
    grids = build_grids(frame, departments, roles, cycles)
    return grids, protect(grids, 10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_every_report_passes_its_audit_and_keeps_true_totals(sizes):
    grids, result = protected(sizes)
    counts = grids[0]
    assert result.passed
    assert audit(grids, 10).passed  # the same verdict from scratch
    inner = counts.values[:, :-1, :-1]
    small = (inner > 0) & (inner < 10)
    assert counts.withheld[:, :-1, :-1][small].all(), "a small group is shown"
    assert (counts.withheld == counts.withheld[:1]).all(), "the pattern differs between cycles"
    # published totals are the true totals of the inner cells
    assert (counts.values[:, -1, :-1] == inner.sum(axis=1)).all()
    assert (counts.values[:, :-1, -1] == inner.sum(axis=2)).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_removing_one_secondary_suppression_is_caught(sizes):
    """The attacker's leak: a cell that was withheld to cover a small one is published after
    all. Where it was the only other withheld cell of a line, the small one follows exactly."""
    grids, _ = protected(sizes)
    counts = grids[0]
    for parts, total in counts.lines():
        line = [*parts, total]
        hidden = [cell for cell in line if counts.withheld[(0, *cell)]]
        if len(hidden) != 2:
            continue
        leaked = [g.__class__(**{**g.__dict__}) for g in grids]
        leaked[0].withheld = counts.withheld.copy()
        leaked[0].withheld[(slice(None), *hidden[1])] = False
        failures = {(f.table, f.index[1:]) for f in audit(leaked, 10).failures}
        assert ("staff_trained", hidden[0]) in failures


def test_one_extra_total_in_the_file_is_caught(tmp_path):
    """A report's CSV passes; the same CSV with one more total (a withheld department's total
    over all cycles, next to a one-cycle report) fails, naming the cell."""
    grids, _ = protected([[[4, 30, 25], [12, 40, 35], [20, 18, 50]]])
    path = write_csv(tmp_path / "published.csv", CSV_COLUMNS, to_rows(grids))
    assert audit(read_published(path), 10).passed
    counts = grids[0]
    i, j = (int(v) for v in np.argwhere(counts.withheld[0, :-1, :-1])[0])
    extra = ["staff_trained", TOTAL, counts.rows[i], counts.cols[j], int(counts.values[0, i, j])]
    leaked = write_csv(tmp_path / "leaked.csv", CSV_COLUMNS, [*to_rows(grids), extra])
    result = audit(read_published(leaked), 10)
    assert not result.passed
    assert any(f.row == counts.rows[i] and f.col == counts.cols[j] for f in result.failures)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_the_bounds_agree_with_scipy_linprog(sizes):
    """The audit's HiGHS models (one per block, objectives swapped in) against scipy's
    linprog(method="highs") solving each bound from scratch over the whole model."""
    from scipy.optimize import linprog

    from toolkit.publish.audit import _build

    grids, result = protected(sizes)
    model, _ = _build(grids)
    count = len(model.names)
    eq = [r for r in model.rows if r[2]]
    ub = [r for r in model.rows if not r[2]]

    def dense(rows):
        matrix = np.zeros((len(rows), count))
        for k, (coefs, _, _) in enumerate(rows):
            for v, a in coefs.items():
                matrix[k, v] = a
        return matrix

    names = [g.name for g in grids]
    for cell in result.cells[:25]:
        v = model.names.index((names.index(cell.table), cell.index))
        limits = []
        for sign in (1.0, -1.0):
            objective = np.zeros(count)
            objective[v] = sign
            solved = linprog(
                objective,
                A_eq=dense(eq),
                b_eq=[r[1] for r in eq],
                A_ub=dense(ub) if ub else None,
                b_ub=[r[1] for r in ub] if ub else None,
                bounds=model.bounds,
                method="highs",
            )
            limits.append(sign * solved.fun if solved.status == 0 else sign * -np.inf)
        assert limits == pytest.approx([cell.low, cell.high], abs=1e-6)
