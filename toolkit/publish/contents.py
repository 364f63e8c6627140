"""What goes into a transparency report, gathered and protected: the staff and means tables
(suppressed and audited), sessions held, the evaluation's behaviour and results figures for
the organisation, language access coverage, commitments in themes, and what will change next.

Departments are the organisation's own words: a ``department`` column in the team context file
if it has one, else each team's name. A person at two sessions of one cycle counts twice
("staff trained" counts trainings, as reflections do).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.assess.language_access import UNMET, language_access
from toolkit.core.disclosure import censor_counts
from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.framework import Framework, default_framework
from toolkit.core.names import text_problem
from toolkit.core.tables import read_table
from toolkit.core.teams import Team, language_name
from toolkit.debrief.summary import default_stopwords, themes_of
from toolkit.evaluate.levels import ORGANISATION, Evaluation
from toolkit.publish.audit import Audit
from toolkit.publish.grids import PEOPLE_COLUMNS, build_grids
from toolkit.publish.suppression import (
    ZERO_CHOICES,
    Loss,
    information_loss,
    protect,
    public_threshold,
    withhold_whole_rows,
)
from toolkit.publish.tables import TOTAL, Grid
from toolkit.reflect.store import Reflection

__all__ = ["Contents", "gather", "departments_of", "people_frame", "read_changes"]

EVALUATION_LEVELS = ("behaviour", "results")  # reaction and learning come from audited tables
MAX_THEMES = 8
MAX_CHANGES = 12


@dataclass
class Contents:
    organisation: str
    cycles: list[str]
    threshold: int
    zeros: str
    grids: list[Grid]
    audit: Audit
    role_ids: list[str]
    sessions: pd.DataFrame  # department × cycle, with a total row
    evaluation: pd.DataFrame  # the organisation's behaviour and results figures, as shown
    language: dict[str, object]
    themes: list[str]
    changes: list[str]
    loss: Loss
    whole_rows_loss: Loss
    notices: list[str] = field(default_factory=list)


def departments_of(teams_file: str | Path | None, teams: Mapping[str, Team]) -> dict[str, str]:
    """Each team's department, in the organisation's words (column ``department``), else the
    team's name."""
    departments = {team_id: team.name for team_id, team in teams.items()}
    if not teams_file:
        return departments
    table = read_table(teams_file)
    frame = table.frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "department" not in frame.columns:
        return departments
    problems = []
    for index, (team_id, department) in enumerate(
        zip(frame["team_id"], frame["department"], strict=True)
    ):
        name = str(department).strip()
        bad = text_problem(name) if name else None
        if bad or name == TOTAL:
            problems.append(
                InputProblem(
                    table.name,
                    f"department {name!r} "
                    + (bad or "is the word the report uses for totals; choose another name"),
                    row=index + 2,
                    column="department",
                )
            )
        elif name:
            departments[str(team_id).strip()] = name
    if problems:
        raise InputFileError(problems)
    return departments


def people_frame(
    reflections: Iterable[Reflection],
    teams: Mapping[str, Team],
    departments: Mapping[str, str],
    frequency: str = "Q",
) -> tuple[pd.DataFrame, list[str]]:
    """One row per reflection counted (people trained): department, role, cycle and the
    person's usefulness, relevance and mean change in confidence."""
    rows, unknown, over_cap = [], Counter(), 0
    for reflection in reflections:
        if reflection.over_cap:
            over_cap += 1
            continue
        team = teams.get(reflection.team_id or "")
        if team is None:
            unknown[reflection.team_id or "(none)"] += 1
            continue
        change = np.mean([r.now - r.before for r in reflection.ratings.values()])
        rows.append(
            (
                departments[team.team_id],
                team.role,
                pd.Timestamp(reflection.submitted_at).tz_localize(None).to_period(frequency),
                reflection.usefulness,
                reflection.relevance,
                float(change),
                reflection.session_id,
            )
        )
    frame = pd.DataFrame(rows, columns=[*PEOPLE_COLUMNS, "session_id"])
    frame["cycle"] = frame["cycle"].astype(str)
    notices = []
    if unknown:
        notices.append(
            f"{sum(unknown.values())} reflection(s) from teams not in the team file are left "
            f"out: {', '.join(sorted(unknown))}"
        )
    if over_cap:
        notices.append(f"{over_cap} reflection(s) beyond a session's cap are not counted")
    return frame, notices


def read_changes(path: str | Path | None) -> list[str]:
    """What the organisation will change next: one item a line, in its own words."""
    if not path:
        return []
    text = Path(path).read_text(encoding="utf-8-sig")
    items = [line.strip().lstrip("-*•").strip() for line in text.splitlines()]
    items = [i for i in items if i]
    problems = [
        InputProblem(str(path), f"this line {bad}", row=n + 1)
        for n, item in enumerate(items)
        if (bad := text_problem(item))
    ]
    if len(items) > MAX_CHANGES:
        problems.append(
            InputProblem(str(path), f"{len(items)} items; a report lists at most {MAX_CHANGES}")
        )
    if problems:
        raise InputFileError(problems)
    return items


def _themes(reflections: Sequence[Reflection], threshold: int) -> list[str]:
    """Words and phrases of the commitments that at least ``threshold`` people used (never a
    count, never a quotation)."""
    stopwords = default_stopwords()
    mentions: Counter[str] = Counter()
    for reflection in reflections:
        only_commitment = reflection.model_copy(update={"prompts": {}})
        mentions.update(themes_of(only_commitment, stopwords))
    frequent = [t for t, n in mentions.most_common() if n >= threshold]
    # a single word that only ever appears inside a frequent phrase adds nothing
    phrases = [t for t in frequent if " " in t]
    words = [t for t in frequent if " " not in t and not any(t in p.split() for p in phrases)]
    return (phrases + words)[:MAX_THEMES]


def _language(teams: Mapping[str, Team]) -> dict[str, object]:
    frame = language_access(dict(teams))
    need = float(frame["need_hours"].sum())
    covered = float(frame["covered_hours"].sum())
    short = frame[frame["status"] == UNMET].groupby("language")["unmet_hours"].sum()
    return {
        "need_hours": round(need),
        "covered_share": round(100 * covered / need) if need else None,
        "languages": sorted(frame["language"].unique()),
        "short": [language_name(c) for c in short.sort_values(ascending=False).index],
    }


def _evaluation_figures(evaluation: Evaluation | None, cycles: Sequence[str]) -> pd.DataFrame:
    columns = ["cycle", "level", "measure", "label", "unit", "value", "low", "high"]
    if evaluation is None:
        return pd.DataFrame(columns=columns)
    figures = evaluation.of(ORGANISATION)
    figures = figures[
        figures["level"].isin(EVALUATION_LEVELS)
        & figures["cycle"].isin(cycles)
        & figures["shown"].astype(bool)
    ]
    return figures[columns].reset_index(drop=True)


def gather(
    reflections: Sequence[Reflection],
    teams: Mapping[str, Team],
    *,
    departments: Mapping[str, str] | None = None,
    evaluation: Evaluation | None = None,
    cycles: Sequence[str] | None = None,
    threshold: object = 10,
    zeros: str = "show",
    changes: Sequence[str] = (),
    organisation: str = "",
    frequency: str = "Q",
    framework: Framework | None = None,
) -> Contents:
    """Everything the report shows, protected and audited (raises AuditError if it cannot be)."""
    framework = framework or default_framework()
    limit = public_threshold(threshold)
    if zeros not in ZERO_CHOICES:
        raise InputFileError(
            [InputProblem("zeros", f"'{zeros}' is not a choice; use {' or '.join(ZERO_CHOICES)}")]
        )
    departments = dict(departments or {t: team.name for t, team in teams.items()})
    people, notices = people_frame(reflections, teams, departments, frequency)
    found = sorted(people["cycle"].unique())
    chosen = [c.strip().upper() for c in cycles] if cycles else found
    missing = [c for c in chosen if c not in found]
    if missing or not chosen:
        raise InputFileError(
            [
                InputProblem(
                    "cycles",
                    f"no reflections in {', '.join(missing) or 'any cycle'}; the store has "
                    f"{', '.join(found) or 'none'}",
                )
            ]
        )
    people = people[people["cycle"].isin(chosen)]
    department_names = list(dict.fromkeys(departments[t] for t in teams))
    role_ids = [r for r in framework.role_ids if any(t.role == r for t in teams.values())]
    grids = build_grids(people, department_names, role_ids, chosen)
    result = protect(grids, limit, zeros)
    baseline = build_grids(people, department_names, role_ids, chosen)
    withhold_whole_rows(baseline, limit, zeros)
    sessions = (
        people.groupby(["department", "cycle"])["session_id"]
        .nunique()
        .unstack("cycle")
        .reindex(index=department_names, columns=chosen)
        .fillna(0)
        .astype(int)
    )
    sessions.loc[TOTAL] = people.groupby("cycle")["session_id"].nunique().reindex(chosen)
    counted = [r for r in reflections if not r.over_cap and r.team_id in teams]
    return Contents(
        organisation=organisation,
        cycles=chosen,
        threshold=limit,
        zeros=zeros,
        grids=grids,
        audit=result,
        role_ids=role_ids,
        sessions=sessions.fillna(0).astype(int),
        evaluation=_evaluation_figures(evaluation, chosen),
        language=_language(teams),
        themes=_themes(counted, limit),
        changes=list(changes),
        loss=information_loss(grids),
        whole_rows_loss=information_loss(baseline),
        notices=[censor_counts(n, limit) for n in notices],
    )
