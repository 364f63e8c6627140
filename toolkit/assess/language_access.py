"""Language access: which client languages a team can serve, and how much interpreting is unmet.

For each team, the monthly need for language support in a language is
``clients_per_month × interpreter_need_share × language share × hours_per_contact``.
Languages the staff speak are served in-house. The rest draw on the team's interpreter hours,
shared out in proportion to need; what the hours cannot cover is the unmet need.

A team whose clients reach it through what it makes (``client_contact`` ``product``: an app,
a website) has no interpreting need at all, however many users it has: it gets no rows.
"""

from __future__ import annotations

import pandas as pd

from toolkit.core.teams import Team, language_name

DEFAULT_HOURS_PER_CONTACT = 1.0

COVERED_BY_STAFF = "served by staff"
COVERED_BY_INTERPRETERS = "interpreter hours suffice"
UNMET = "not covered"


def language_access(
    teams: dict[str, Team], hours_per_contact: float = DEFAULT_HOURS_PER_CONTACT
) -> pd.DataFrame:
    """One row per team and client language, with need, capacity and what is unmet."""
    rows = []
    for team in teams.values():
        if not team.needs_interpreting:
            continue
        need_clients = team.clients_per_month * team.interpreter_need_share / 100
        needs = {
            code: need_clients * share / 100 * hours_per_contact
            for code, share in team.client_languages.items()
        }
        uncovered = {c: h for c, h in needs.items() if c not in team.staff_languages}
        total = sum(uncovered.values())
        ratio = 1.0 if total == 0 else min(1.0, team.interpreter_hours_per_month / total)
        for code, hours in needs.items():
            by_staff = code in team.staff_languages
            covered = hours if by_staff else hours * ratio
            unmet = hours - covered
            status = (
                COVERED_BY_STAFF
                if by_staff
                else (UNMET if unmet > 0.05 else COVERED_BY_INTERPRETERS)
            )
            rows.append(
                {
                    "team_id": team.team_id,
                    "language": code,
                    "language_name": language_name(code),
                    "client_share": team.client_languages[code],
                    "need_hours": round(hours, 1),
                    "covered_hours": round(covered, 1),
                    "unmet_hours": round(unmet, 1),
                    "status": status,
                }
            )
    columns = [
        "team_id",
        "language",
        "language_name",
        "client_share",
        "need_hours",
        "covered_hours",
        "unmet_hours",
        "status",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(
        ["team_id", "unmet_hours", "need_hours"], ascending=[True, False, False]
    )
