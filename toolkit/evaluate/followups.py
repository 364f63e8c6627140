"""Follow-up check-ins (Kirkpatrick level 3): did people act on what they committed to?

Weeks after a session each participant says whether they applied their commitment (``yes``,
``partly`` or ``no``). A check-in carries the participant's optional self-generated code, which
links it to their reflection (:mod:`toolkit.evaluate.linking`); without a code it still counts
for the team. Check-ins come from the check-in form (``notebooks/checkin.ipynb``, stored beside
the reflections: :func:`from_checkins`), and those collected with any survey tool from CSV/XLSX:
``team_id``, ``date`` (YYYY-MM-DD), ``applied``, and optionally ``code`` (:func:`read_followups`);
:func:`combine` puts both together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.tables import read_table
from toolkit.core.text_keys import text_key
from toolkit.reflect.checkins import CheckIn

__all__ = ["APPLIED", "FollowUps", "combine", "from_checkins", "read_followups"]

APPLIED = {"yes": "yes", "partly": "partly", "no": "no", "y": "yes", "n": "no",
           "sometimes": "partly", "partially": "partly"}  # fmt: skip
COLUMNS = ("team_id", "date", "applied")


@dataclass
class FollowUps:
    """Check-ins: ``id``, ``team_id``, ``date`` (Timestamp), ``code`` (or None), ``applied``."""

    frame: pd.DataFrame
    name: str
    notices: list[str] = field(default_factory=list)


def read_followups(
    source: Path | str | bytes, name: str | None = None, *, known_teams: Iterable[str] | None = None
) -> FollowUps:
    """Read follow-up check-ins from a CSV or XLSX file; every bad cell is named."""
    table = read_table(source, name)
    columns = {text_key(c).replace(" ", "_"): c for c in table.frame.columns}
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise InputFileError(
            [InputProblem(table.name, f"required column(s) missing: {', '.join(missing)}", 1)]
        )
    known = set(known_teams) if known_teams is not None else None
    problems: list[InputProblem] = []
    rows = []
    for idx, row in enumerate(table.frame.to_dict("records")):
        line = idx + 2
        team = str(row[columns["team_id"]]).strip()
        if not team or (known is not None and team not in known):
            what = "team id is empty" if not team else f"team '{team}' is not in the team list"
            problems.append(InputProblem(table.name, what, line, columns["team_id"]))
        raw_date = str(row[columns["date"]]).strip()
        date = pd.to_datetime(raw_date[:10], format="%Y-%m-%d", errors="coerce")
        if pd.isna(date):
            problems.append(
                InputProblem(
                    table.name,
                    f"'{raw_date}' is not a date; write it as YYYY-MM-DD",
                    line,
                    columns["date"],
                )
            )
        raw_applied = str(row[columns["applied"]]).strip()
        applied = APPLIED.get(text_key(raw_applied))
        if applied is None:
            problems.append(
                InputProblem(
                    table.name,
                    f"'{raw_applied}' is not an answer we know; use yes, partly or no",
                    line,
                    columns["applied"],
                )
            )
        code = str(row[columns["code"]]).strip() if "code" in columns else ""
        rows.append((f"{table.name}:{line}", team, date, code or None, applied))
    if problems:
        raise InputFileError(problems)
    frame = pd.DataFrame(rows, columns=["id", "team_id", "date", "code", "applied"])
    return FollowUps(frame, table.name)


def from_checkins(checkins: Iterable[CheckIn]) -> FollowUps:
    """Check-ins from the form: whether the commitment was applied, dated when sent. Those beyond
    their session's cap are left out (kept in the database, never counted), and said so."""
    rows, beyond = [], 0
    for c in checkins:
        if c.over_cap:
            beyond += 1
            continue
        day = pd.Timestamp(c.submitted_at.date())
        rows.append((f"checkin:{c.submission_id}", c.team_id or "", day, c.self_code,
                     c.commitment.applied))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["id", "team_id", "date", "code", "applied"])
    frame["date"] = pd.to_datetime(frame["date"])
    notices = (
        [f"{beyond} check-in(s) beyond their session's cap were not counted"] if beyond else []
    )
    return FollowUps(frame, "check-in form", notices)


def combine(*sources: FollowUps | None) -> FollowUps | None:
    """One set of check-ins from the form and from files; None when there are none at all."""
    given = [s for s in sources if s is not None]
    if not given or all(s.frame.empty for s in given):
        return None
    frame = pd.concat([s.frame for s in given if not s.frame.empty], ignore_index=True)
    return FollowUps(
        frame,
        " and ".join(s.name for s in given if not s.frame.empty),
        [n for s in given for n in s.notices],
    )
