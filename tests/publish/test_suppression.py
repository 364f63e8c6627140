"""Primary suppression choices: zeros, one pattern for every cycle, no sham complements."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.publish.grids import build_grids
from toolkit.publish.suppression import information_loss, protect


def people(table: dict[str, list[list[int]]]) -> tuple[pd.DataFrame, list, list, list]:
    rows = []
    for cycle, counts in table.items():
        for i, row in enumerate(counts):
            for j, n in enumerate(row):
                rows += [(f"D{i}", f"R{j}", cycle, 4, 4, 1.0)] * n
    frame = pd.DataFrame(
        rows,
        columns=["department", "role", "cycle", "usefulness", "relevance", "confidence_change"],
    )
    first = next(iter(table.values()))
    return (
        frame,
        [f"D{i}" for i in range(len(first))],
        [f"R{j}" for j in range(len(first[0]))],
        list(table),
    )


def test_a_cell_small_in_one_cycle_is_withheld_in_every_cycle():
    frame, d, r, c = people(
        {"2027Q1": [[40, 30, 25], [35, 45, 50]], "2027Q2": [[40, 3, 25], [35, 45, 50]]}
    )
    grids = build_grids(frame, d, r, c)
    assert protect(grids, 10).passed
    assert grids[0].withheld[0, 0, 1] and grids[0].withheld[1, 0, 1]
    assert (grids[0].withheld[0] == grids[0].withheld[1]).all()


def test_zeros_are_shown_by_default_and_withheld_on_request():
    table = {"2027Q1": [[40, 0, 25], [35, 45, 50], [30, 20, 60]]}
    shown = build_grids(*people(table))
    assert protect(shown, 10).passed and not shown[0].withheld.any()
    withheld = build_grids(*people(table))
    result = protect(withheld, 10, zeros="withhold")
    assert result.passed and withheld[0].withheld[0, 0, 1]
    assert information_loss(withheld).cells_withheld >= 2


def test_a_cell_nobody_is_in_is_never_a_complement():
    """Withholding a structural zero would protect nobody from anyone who knows the
    organisation: the complements are real cells (or totals)."""
    table = {"2027Q1": [[4, 0, 0], [0, 30, 0], [0, 0, 25], [0, 12, 20]]}
    grids = build_grids(*people(table))
    assert protect(grids, 10).passed
    counts = grids[0]
    inner = counts.values[0, :-1, :-1]
    assert not (counts.withheld[0, :-1, :-1] & (inner == 0)).any()
    assert counts.withheld[0, 0, 0] and counts.withheld[0, 0, -1]
    assert np.isclose(counts.values[0, -1, -1], inner.sum())
