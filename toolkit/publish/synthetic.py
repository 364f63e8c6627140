"""A large synthetic organisation for the benchmark and the information-loss comparison:
teams spread unevenly over departments (a few large, many small) and roles (each department
leans on two or three roles and has a few teams in others), so small groups occur as they do
in real organisations. One row per person trained per cycle, as :func:`build_grids` takes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.publish.grids import PEOPLE_COLUMNS

__all__ = ["synthetic_people"]


def synthetic_people(
    teams: int = 2000,
    departments: int = 20,
    roles: int = 8,
    cycles: int = 3,
    seed: int = 18,
) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    rng = np.random.default_rng(seed)
    department_names = [f"Department {i + 1:02d}" for i in range(departments)]
    role_names = [f"Role {j + 1}" for j in range(roles)]
    cycle_names = [f"2027Q{c + 1}" for c in range(cycles)]
    weight = rng.zipf(1.6, departments).astype(float)
    team_department = rng.choice(departments, size=teams, p=weight / weight.sum())
    leaning = rng.dirichlet(np.full(roles, 0.3), size=departments)
    team_role = np.array([rng.choice(roles, p=leaning[d]) for d in team_department])
    staff = rng.integers(3, 25, size=teams)
    columns: dict[str, list[np.ndarray]] = {c: [] for c in PEOPLE_COLUMNS}
    for c, cycle in enumerate(cycle_names):
        trained = rng.binomial(staff, rng.uniform(0.3, 0.9, size=teams))
        who = np.repeat(np.arange(teams), trained)
        total = len(who)
        columns["department"].append(np.array(department_names, dtype=object)[team_department[who]])
        columns["role"].append(np.array(role_names, dtype=object)[team_role[who]])
        columns["cycle"].append(np.full(total, cycle, dtype=object))
        columns["usefulness"].append(rng.integers(1, 6, total))
        columns["relevance"].append(rng.integers(1, 6, total))
        columns["confidence_change"].append(
            np.clip(rng.normal(0.5 + 0.1 * c, 0.6, total), -4, 4).round(2)
        )
    frame = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    return frame, department_names, role_names, cycle_names
