"""Service outcomes (Kirkpatrick level 4): figures the organisation already keeps, per team and period.

Which outcomes exist, their units, ranges, which direction is better and how periods combine is
data (``data/outcomes.yaml``, edited by a non-programmer), not code. A file needs ``team_id`` and
``period`` columns and any subset of the outcomes, headed by their id or one of their
``headers``; an optional ``clients`` column says how many clients a row's figures are about, so
that figures about too few clients can be withheld. Every cell is checked, and every problem is
reported by file, row and column before anything is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.paths import DATA_DIR
from toolkit.core.tables import Table, read_table
from toolkit.core.text_keys import text_key
from toolkit.evaluate.periods import PERIOD_HELP, parse_period
from toolkit.reflect.feedback import Feedback

__all__ = ["Outcome", "OutcomeCatalog", "Outcomes", "default_outcomes", "read_outcomes"]

OUTCOMES_FILE = DATA_DIR / "outcomes.yaml"
TEAM_HEADERS = ("team_id", "team", "team id")
PERIOD_HEADERS = ("period", "month", "quarter")
CLIENT_HEADERS = ("clients", "clients served", "number of clients")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outcome(_Strict):
    """One service figure, as the organisation keeps it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    minimum: float = 0
    maximum: float | None = None
    better: Literal["higher", "lower"]
    combine: Literal["mean", "sum"] = Field(
        description="How months combine into a cycle and teams into the organisation"
    )
    whole: bool = Field(False, description="True for counts: only whole numbers are allowed")
    headers: list[str] = Field(default_factory=list, description="Other column headings for it")

    @model_validator(mode="after")
    def _range(self) -> Outcome:
        if self.maximum is not None and self.maximum <= self.minimum:
            raise ValueError(f"maximum {self.maximum} must be above minimum {self.minimum}")
        return self


class OutcomeCatalog(_Strict):
    version: str
    outcomes: list[Outcome] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> OutcomeCatalog:
        seen: dict[str, str] = {}
        reserved = {text_key(h) for h in (*TEAM_HEADERS, *PERIOD_HEADERS, *CLIENT_HEADERS)}
        for outcome in self.outcomes:
            for header in (outcome.id, *outcome.headers):
                key = text_key(header)
                if key in reserved:
                    raise ValueError(f"outcome '{outcome.id}': heading '{header}' is reserved")
                if seen.get(key, outcome.id) != outcome.id:
                    raise ValueError(
                        f"heading '{header}' is used by both '{seen[key]}' and '{outcome.id}'"
                    )
                seen[key] = outcome.id
        return self

    def by_header(self) -> dict[str, Outcome]:
        return {text_key(h): o for o in self.outcomes for h in (o.id, *o.headers)}

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)


def load_outcomes(path: Path | str = OUTCOMES_FILE) -> OutcomeCatalog:
    return load_model(path, OutcomeCatalog, "the list of service outcomes")


@lru_cache(maxsize=2)
def default_outcomes() -> OutcomeCatalog:
    return load_outcomes(OUTCOMES_FILE)


@dataclass
class Outcomes:
    """Outcome figures, one row per team, period and outcome (``team_id``, ``period``,
    ``outcome``, ``value``, ``clients``: NaN where the file had no clients column)."""

    frame: pd.DataFrame
    name: str
    notices: list[str] = field(default_factory=list)

    @property
    def outcome_ids(self) -> list[str]:
        return list(dict.fromkeys(self.frame["outcome"]))


def _number(raw: str) -> float | None:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # decimal comma
    try:
        return float(text)
    except ValueError:
        return None


def _find(columns: dict[str, str], headers: Iterable[str]) -> str | None:
    for header in headers:
        if text_key(header) in columns:
            return columns[text_key(header)]
    return None


def outcomes_from_table(
    table: Table, *, known_teams: Iterable[str] | None = None, catalog: OutcomeCatalog | None = None
) -> Outcomes:
    """Check every cell of an outcomes table; return the figures in long form."""
    catalog = catalog or default_outcomes()
    frame = table.frame
    columns = {text_key(c): c for c in frame.columns}
    team_col = _find(columns, TEAM_HEADERS)
    period_col = _find(columns, PERIOD_HEADERS)
    clients_col = _find(columns, CLIENT_HEADERS)
    by_header = catalog.by_header()
    outcome_cols = {c: by_header[text_key(c)] for c in frame.columns if text_key(c) in by_header}
    problems: list[InputProblem] = []
    if team_col is None:
        problems.append(InputProblem(table.name, "there is no 'team_id' column", row=1))
    if period_col is None:
        problems.append(
            InputProblem(table.name, f"there is no 'period' column ({PERIOD_HELP})", row=1)
        )
    if not outcome_cols:
        known = ", ".join(f"'{o.id}' ({o.name})" for o in catalog.outcomes)
        problems.append(
            InputProblem(
                table.name,
                f"no column is a service outcome we know; name at least one column {known}, "
                "or add the outcome to data/outcomes.yaml",
                row=1,
            )
        )
    doubled = [o.id for o in catalog.outcomes if list(outcome_cols.values()).count(o) > 1]
    for outcome_id in doubled:
        heads = [c for c, o in outcome_cols.items() if o.id == outcome_id]
        problems.append(
            InputProblem(
                table.name, f"{', '.join(repr(h) for h in heads)} are all '{outcome_id}'", row=1
            )
        )
    if problems:
        raise InputFileError(problems)

    known = set(known_teams) if known_teams is not None else None
    used = {team_col, period_col, clients_col, *outcome_cols}
    ignored = [c for c in frame.columns if c not in used]
    records: list[tuple[str, pd.Period, str, float, float]] = []
    seen: dict[tuple[str, pd.Period], int] = {}
    blank = 0
    for idx, row in enumerate(frame.to_dict("records")):
        line = idx + 2
        team = str(row[team_col]).strip()
        if not team:
            problems.append(InputProblem(table.name, "team id is empty", line, team_col))
        elif known is not None and team not in known:
            some = ", ".join(sorted(known)[:8])
            problems.append(
                InputProblem(
                    table.name,
                    f"team '{team}' is not in the team list (known teams include: {some})",
                    line,
                    team_col,
                )
            )
        raw_period = str(row[period_col]).strip()
        period = parse_period(raw_period)
        if period is None:
            problems.append(
                InputProblem(
                    table.name,
                    f"'{raw_period}' is not a period; {PERIOD_HELP}",
                    line,
                    period_col,
                )
            )
        elif team:
            if (team, period) in seen:
                problems.append(
                    InputProblem(
                        table.name,
                        f"team '{team}' has figures for {period} twice (also row "
                        f"{seen[(team, period)]}); keep one row per team and period",
                        line,
                        period_col,
                    )
                )
            else:
                seen[(team, period)] = line
        clients = float("nan")
        if clients_col is not None and str(row[clients_col]).strip():
            value = _number(str(row[clients_col]))
            if value is None or value < 0 or value != int(value):
                problems.append(
                    InputProblem(
                        table.name,
                        f"'{row[clients_col]}' is not a number of clients (a whole number, "
                        "0 or more)",
                        line,
                        clients_col,
                    )
                )
            else:
                clients = value
        for column, outcome in outcome_cols.items():
            raw = str(row[column]).strip()
            if not raw:
                blank += 1
                continue
            value = _number(raw)
            if value is None:
                problems.append(
                    InputProblem(
                        table.name, f"'{raw}' is not a number ({outcome.unit})", line, column
                    )
                )
                continue
            upper = outcome.maximum
            if value < outcome.minimum or (upper is not None and value > upper):
                limit = (
                    f"from {outcome.minimum:g} to {upper:g}"
                    if upper is not None
                    else f"{outcome.minimum:g} or more"
                )
                problems.append(
                    InputProblem(
                        table.name,
                        f"{raw} is out of range for {outcome.name}: use {limit} ({outcome.unit})",
                        line,
                        column,
                    )
                )
                continue
            if outcome.whole and value != int(value):
                problems.append(
                    InputProblem(
                        table.name,
                        f"{raw} is not a whole number; {outcome.name} counts {outcome.unit}",
                        line,
                        column,
                    )
                )
                continue
            if period is not None and team:
                records.append((team, period, outcome.id, value, clients))
    if problems:
        raise InputFileError(problems)
    notices = []
    if ignored:
        notices.append(
            f"{table.name}: column(s) {', '.join(repr(c) for c in ignored)} are not service "
            "outcomes we know and were not used (see data/outcomes.yaml)"
        )
    if blank:
        notices.append(f"{table.name}: {blank} empty cell(s) count as 'not recorded'")
    result = pd.DataFrame(records, columns=["team_id", "period", "outcome", "value", "clients"])
    return Outcomes(result, table.name, notices)


def read_outcomes(
    source: Path | str | bytes,
    name: str | None = None,
    *,
    known_teams: Iterable[str] | None = None,
    catalog: OutcomeCatalog | None = None,
) -> Outcomes:
    """Read a service outcomes file (CSV or XLSX) from a path or uploaded bytes."""
    return outcomes_from_table(read_table(source, name), known_teams=known_teams, catalog=catalog)


def from_feedback(answers: Iterable[Feedback]) -> Outcomes | None:
    """The anonymous client feedback form as outcome figures per team and month: the share who
    felt understood, who felt respected, and who had an interpreter of those who needed one,
    each with its number of clients (so figures about too few clients are withheld). Answers
    beyond a team's daily cap are left out (kept in the database, never counted), and said so."""
    answers = list(answers)
    kept = [a for a in answers if not a.over_cap]
    beyond = len(answers) - len(kept)
    if not kept:
        return None
    frame = pd.DataFrame(
        {
            "team_id": [a.team_id for a in kept],
            "period": [pd.Period(a.visit_date, "M") for a in kept],
            "understood": [a.understood == "yes" for a in kept],
            "respected": [a.respected == "yes" for a in kept],
            "needed": [a.interpreter != "not_needed" for a in kept],
            "had": [a.interpreter == "got_one" for a in kept],
        }
    )
    rows = []
    for (team, period), group in frame.groupby(["team_id", "period"], sort=True):
        n = len(group)
        rows.append((team, period, "client_understood", 100 * group["understood"].sum() / n, n))
        rows.append((team, period, "client_respected", 100 * group["respected"].sum() / n, n))
        needed = int(group["needed"].sum())
        if needed:
            share = 100 * group["had"].sum() / needed
            rows.append((team, period, "client_interpreter", share, needed))
    result = pd.DataFrame(rows, columns=["team_id", "period", "outcome", "value", "clients"])
    result["clients"] = result["clients"].astype(float)
    notices = [f"{beyond} client answer(s) beyond a team's daily cap were not counted"]
    return Outcomes(result, "client feedback form", notices if beyond else [])


def combine_outcomes(*sources: Outcomes | None) -> Outcomes | None:
    """Outcomes from files and from the feedback form together; None when there are none."""
    given = [s for s in sources if s is not None]
    if not given:
        return None
    frame = pd.concat([s.frame for s in given], ignore_index=True)
    return Outcomes(
        frame, " and ".join(s.name for s in given), [n for s in given for n in s.notices]
    )
