"""Team context: who each team is and the clients it serves.

One row per team, columns:

``team_id``, ``team_name``, ``role`` (a framework role id), ``staff_count``,
``clients_per_month``, ``interpreter_need_share`` (percent of clients who need language
support), ``client_languages`` (among those clients, the percent speaking each language,
written ``ar=40; es=35; uk=25``), ``client_regions`` (``;``-separated, free text),
``staff_languages`` (languages staff can serve clients in, ``en; es``) and
``interpreter_hours_per_month`` (booked or in-house interpreter capacity) and, optionally,
``client_contact``: ``direct`` (the default: staff talk with clients face to face, by phone or
video, so language support means interpreting) or ``product`` (clients use what the team makes,
such as an app or a website; they need translated content, not interpreter hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.framework import Framework, default_framework
from toolkit.core.names import name_problem, text_problem
from toolkit.core.tables import Table, read_table

__all__ = ["Team", "read_teams", "teams_from_table", "language_name"]

COLUMNS = (
    "team_id",
    "team_name",
    "role",
    "staff_count",
    "clients_per_month",
    "interpreter_need_share",
    "client_languages",
    "client_regions",
    "staff_languages",
    "interpreter_hours_per_month",
    "client_contact",
)
#: Columns a teams file may leave out, with the value a missing column or blank cell means.
OPTIONAL_COLUMNS = {"client_contact": "direct"}
CLIENT_CONTACT = {
    "direct": "staff talk with clients (face to face, by phone or video)",
    "product": "clients use what the team makes (an app, a website), not talking with staff",
}
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    role: str
    staff_count: int
    clients_per_month: float
    interpreter_need_share: float  # percent of all clients needing language support
    client_languages: dict[str, float]  # language code → percent of those clients
    client_regions: tuple[str, ...]
    staff_languages: tuple[str, ...]
    interpreter_hours_per_month: float
    client_contact: str = "direct"  # "product": clients never need an interpreter to reach it

    @property
    def needs_interpreting(self) -> bool:
        """Whether the team's clients talk with staff, so their language needs are interpreter hours."""
        return self.client_contact == "direct"


@lru_cache(maxsize=512)
def language_name(code: str, lang: str = "en") -> str:
    """A language's name in the reader's language, from CLDR via Babel; the code if unknown."""
    try:
        return Locale.parse(lang).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


def _number(raw: str, problems, where: dict, *, minimum: float = 0, maximum=None) -> float:
    text = raw.strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        problems.append(InputProblem(**where, message=f"'{raw}' is not a number"))
        return 0.0
    if value < minimum or (maximum is not None and value > maximum):
        limit = (
            f"from {minimum:g} to {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        )
        problems.append(
            InputProblem(**where, message=f"{raw} is out of range: use a number {limit}")
        )
    return value


def _languages(raw: str, problems, where: dict, *, shares: bool):
    parsed: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        code, _, share = part.partition("=")
        code = code.strip().lower()
        if not LANGUAGE_CODE.match(code):
            problems.append(
                InputProblem(
                    **where,
                    message=f"'{code}' is not a language code; use ISO codes such as ar, es, uk",
                )
            )
            continue
        if shares:
            parsed[code] = _number(share or "", problems, where, maximum=100)
        else:
            parsed[code] = 0.0
    if shares and parsed and abs(sum(parsed.values()) - 100) > 1:
        problems.append(
            InputProblem(
                **where,
                message=f"the shares add up to {sum(parsed.values()):g}%, they should add up to 100",
            )
        )
    return parsed


def teams_from_table(table: Table, framework: Framework | None = None) -> dict[str, Team]:
    """Check every cell of a team context table; return teams by id in file order."""
    framework = framework or default_framework()
    frame = table.frame
    frame.columns = [re.sub(r"\s+", "_", c.strip().lower()) for c in frame.columns]
    for column in OPTIONAL_COLUMNS:  # a blank cell means the default, and so does no column
        if column not in frame.columns:
            frame[column] = ""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputFileError(
            [InputProblem(table.name, f"required column(s) missing: {', '.join(missing)}", row=1)]
        )
    problems: list[InputProblem] = []
    teams: dict[str, Team] = {}
    for idx, row in enumerate(frame.itertuples(index=False)):
        r = row._asdict()
        line = idx + 2

        def at(column: str, line: int = line) -> dict:
            return {"file": table.name, "row": line, "column": column}

        team_id = r["team_id"].strip()
        unsafe = name_problem(team_id) if team_id else None
        if not team_id:
            problems.append(InputProblem(**at("team_id"), message="team id is empty"))
        elif unsafe:  # team ids become folder and file names of the plans
            problems.append(InputProblem(**at("team_id"), message=f"team id {team_id!r} {unsafe}"))
        elif team_id in teams:
            problems.append(
                InputProblem(**at("team_id"), message=f"team '{team_id}' is listed twice")
            )
        bad_name = text_problem(r["team_name"])
        if bad_name:
            problems.append(
                InputProblem(**at("team_name"), message=f"team name {r['team_name']!r} {bad_name}")
            )
        role = r["role"].strip()
        if role not in framework.role_ids:
            problems.append(
                InputProblem(
                    **at("role"),
                    message=f"unknown role '{role}'; use one of {', '.join(framework.role_ids)}",
                )
            )
        contact = r["client_contact"].strip().lower() or OPTIONAL_COLUMNS["client_contact"]
        if contact not in CLIENT_CONTACT:
            problems.append(
                InputProblem(
                    **at("client_contact"),
                    message=f"'{r['client_contact']}' is not a kind of client contact; use "
                    "direct (staff talk with clients) or product (clients use an app or website "
                    "the team makes), or leave it blank for direct",
                )
            )
            contact = OPTIONAL_COLUMNS["client_contact"]
        team = Team(
            team_id=team_id,
            name=r["team_name"].strip() or team_id,
            role=role,
            staff_count=int(_number(r["staff_count"], problems, at("staff_count"), minimum=1)),
            clients_per_month=_number(r["clients_per_month"], problems, at("clients_per_month")),
            interpreter_need_share=_number(
                r["interpreter_need_share"], problems, at("interpreter_need_share"), maximum=100
            ),
            client_languages=_languages(
                r["client_languages"], problems, at("client_languages"), shares=True
            ),
            client_regions=tuple(p.strip() for p in r["client_regions"].split(";") if p.strip()),
            staff_languages=tuple(
                _languages(r["staff_languages"], problems, at("staff_languages"), shares=False)
            ),
            interpreter_hours_per_month=_number(
                r["interpreter_hours_per_month"], problems, at("interpreter_hours_per_month")
            ),
            client_contact=contact,
        )
        if team_id and not unsafe:
            teams.setdefault(team_id, team)
    if problems:
        raise InputFileError(problems)
    return teams


def read_teams(
    source: Path | str | bytes, name: str | None = None, framework: Framework | None = None
) -> dict[str, Team]:
    """Read a team context file (CSV or XLSX) from a path or uploaded bytes."""
    return teams_from_table(read_table(source, name), framework)
