"""The report's tables from one row per person trained: staff trained by department × role ×
cycle with every total, and each mean (usefulness, relevance, change in confidence) by
department × cycle, kept as sums so the audit can read them as an attacker would."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.publish.tables import COUNT_TABLE, MEAN_SCALES, Grid

__all__ = ["PEOPLE_COLUMNS", "build_grids"]

PEOPLE_COLUMNS = ["department", "role", "cycle", *MEAN_SCALES]


def _codes(values: pd.Series, labels: Sequence[str]) -> np.ndarray:
    return pd.Categorical(values, categories=list(labels)).codes.astype(np.int64)


def build_grids(
    people: pd.DataFrame,
    departments: Sequence[str],
    roles: Sequence[str],
    cycles: Sequence[str],
) -> list[Grid]:
    """The staff table first, then one table of sums per mean."""
    d, r, c = (len(departments), len(roles), len(cycles))
    di = _codes(people["department"], departments)
    ri = _codes(people["role"], roles)
    ci = _codes(people["cycle"], cycles)
    counts = np.zeros((c, d + 1, r + 1), dtype=np.int64)
    np.add.at(counts, (ci, di, ri), 1)
    counts[:, d, :r] = counts[:, :d, :r].sum(axis=1)
    counts[:, :, r] = counts[:, :, :r].sum(axis=2)
    grids = [
        Grid(
            COUNT_TABLE,
            list(departments),
            list(roles),
            list(cycles),
            counts,
            np.zeros(counts.shape, dtype=bool),
        )
    ]
    for measure, scale in MEAN_SCALES.items():
        sums = np.zeros((c, d + 1, 1), dtype=float)
        np.add.at(sums, (ci, di, 0), people[measure].to_numpy(dtype=float))
        sums[:, d, 0] = sums[:, :d, 0].sum(axis=1)
        grids.append(
            Grid(
                measure,
                list(departments),
                [],
                list(cycles),
                sums,
                np.zeros(sums.shape, dtype=bool),
                scale=scale,
            )
        )
    return grids
