"""Supervisors' observations (Kirkpatrick level 3, behaviour): counts per team and period.

A supervisor watches ordinary work for a while and, for each observable behaviour of the
framework (``behaviours`` in ``data/framework.yaml``), counts the occasions it was shown and the
occasions it could have been but was not. Only counts per team and period are kept, never who
was watched: a file with a column of names is refused. :func:`checklist` writes the blank form.

The file has one row per team, period and behaviour: ``team_id``, ``period``, ``behaviour``
(its id such as ``COM-B01``, or its English text), ``observed`` and ``not_observed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.framework import Framework, default_framework
from toolkit.core.tables import Table, read_table
from toolkit.core.text_keys import text_key
from toolkit.evaluate.periods import PERIOD_HELP, parse_period

__all__ = ["Observations", "checklist", "read_observations"]

REQUIRED = ("team_id", "period", "behaviour", "observed", "not_observed")
ALIASES = {"team": "team_id", "behavior": "behaviour", "behaviour id": "behaviour",
           "not observed": "not_observed", "month": "period", "quarter": "period"}  # fmt: skip
# headings that would tie counts to a person; observations are about teams, never people
PERSONAL_WORDS = ("name", "email", "e mail", "employee", "staff member", "person", "worker")
DESCRIPTIVE = ("competency", "behaviour text", "text", "notes")


@dataclass
class Observations:
    """Counts per team, period and behaviour (``team_id``, ``period``, ``behaviour``,
    ``competency``, ``observed``, ``not_observed``)."""

    frame: pd.DataFrame
    name: str
    notices: list[str] = field(default_factory=list)


def checklist(
    teams: Iterable[str], period: str, framework: Framework | None = None
) -> pd.DataFrame:
    """The blank checklist a supervisor fills: one row per team and behaviour."""
    framework = framework or default_framework()
    rows = [
        {
            "team_id": team,
            "period": period,
            "behaviour": b.id,
            "competency": framework.competency(framework.competency_of_behaviour[b.id]).name["en"],
            "behaviour text": b.text["en"],
            "observed": "",
            "not_observed": "",
        }
        for team in teams
        for b in framework.behaviours
    ]
    return pd.DataFrame(rows)


def _count(raw: str) -> int | None:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 0 and value == int(value) else None


def observations_from_table(
    table: Table, *, known_teams: Iterable[str] | None = None, framework: Framework | None = None
) -> Observations:
    """Check every cell of an observations table; return the counts."""
    framework = framework or default_framework()
    frame = table.frame
    renamed: dict[str, str] = {}
    problems: list[InputProblem] = []
    for column in frame.columns:
        key = text_key(column)
        personal = any(f" {word} " in f" {key} " for word in PERSONAL_WORDS)
        if personal and not key.startswith("team "):
            problems.append(
                InputProblem(
                    table.name,
                    "observations are counted per team, never per person: remove this "
                    "column (and any names in the file) and try again",
                    1,
                    column,
                )
            )
        canonical = ALIASES.get(key, key.replace(" ", "_"))
        if canonical in REQUIRED and canonical not in renamed.values():
            renamed[column] = canonical
    missing = [c for c in REQUIRED if c not in renamed.values()]
    if missing:
        problems.append(
            InputProblem(
                table.name,
                f"required column(s) missing: {', '.join(missing)} (one row per team, period "
                "and behaviour)",
                1,
            )
        )
    if problems:
        raise InputFileError(problems)
    column_of = {canonical: column for column, canonical in renamed.items()}
    by_key = {text_key(b.id): b.id for b in framework.behaviours}
    by_key |= {text_key(b.text["en"]): b.id for b in framework.behaviours}
    known = set(known_teams) if known_teams is not None else None
    records = []
    seen: dict[tuple[str, pd.Period, str], int] = {}
    empty = 0
    for idx, row in enumerate(frame.to_dict("records")):
        line = idx + 2

        def problem(column: str, message: str, line: int = line) -> None:
            problems.append(InputProblem(table.name, message, line, column_of[column]))

        team = str(row[column_of["team_id"]]).strip()
        if not team:
            problem("team_id", "team id is empty")
        elif known is not None and team not in known:
            problem("team_id", f"team '{team}' is not in the team list")
        raw_period = str(row[column_of["period"]]).strip()
        period = parse_period(raw_period)
        if period is None:
            problem("period", f"'{raw_period}' is not a period; {PERIOD_HELP}")
        raw_behaviour = str(row[column_of["behaviour"]]).strip()
        behaviour = by_key.get(text_key(raw_behaviour))
        if behaviour is None:
            problem(
                "behaviour",
                f"'{raw_behaviour}' is not a behaviour of the framework; use its id (such as "
                f"{framework.behaviours[0].id}) as in the blank checklist",
            )
        raw_observed = str(row[column_of["observed"]]).strip()
        raw_not = str(row[column_of["not_observed"]]).strip()
        if not raw_observed and not raw_not:
            empty += 1
            continue
        counts = []
        for column, raw in (("observed", raw_observed), ("not_observed", raw_not)):
            value = _count(raw) if raw else 0
            if value is None:
                problem(column, f"'{raw}' is not a count (a whole number, 0 or more)")
            counts.append(value)
        if period is None or behaviour is None or not team:
            continue
        key = (team, period, behaviour)
        if key in seen:
            problem(
                "behaviour",
                f"{behaviour} for team '{team}' in {period} is counted twice (also row "
                f"{seen[key]}); add the counts up in one row",
            )
            continue
        seen[key] = line
        if None not in counts:
            competency = framework.competency_of_behaviour[behaviour]
            records.append((team, period, behaviour, competency, counts[0], counts[1]))
    if problems:
        raise InputFileError(problems)
    notices = []
    if empty:
        notices.append(f"{table.name}: {empty} behaviour(s) with no counts count as not checked")
    ignored = [c for c in frame.columns if c not in renamed and text_key(c) not in DESCRIPTIVE]
    if ignored:
        notices.append(
            f"{table.name}: column(s) {', '.join(repr(c) for c in ignored)} were not used"
        )
    columns = ["team_id", "period", "behaviour", "competency", "observed", "not_observed"]
    return Observations(pd.DataFrame(records, columns=columns), table.name, notices)


def read_observations(
    source: Path | str | bytes,
    name: str | None = None,
    *,
    known_teams: Iterable[str] | None = None,
    framework: Framework | None = None,
) -> Observations:
    """Read a supervisors' observation file (CSV or XLSX) from a path or uploaded bytes."""
    return observations_from_table(
        read_table(source, name), known_teams=known_teams, framework=framework
    )
