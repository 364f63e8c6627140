"""Reflections → the next cycle's needs assessment.

Each participant's *now* confidence on a competency is written as their answer to that
competency's survey items, in the needs assessment's wide responses layout
(``respondent_id,team_id,<item ids>``). Reverse-scored items get ``scale minimum + scale
maximum − rating``, so that the assessment, which flips them back, scores the competency at
exactly the rating: the next cycle's team means are the observed post-session levels.

* Only reflections that name a team are used (the assessment works per team).
* The respondent id is a keyed hash of the participant's self code when they gave one
  (:func:`toolkit.core.disclosure.pseudonym`: the same code gives the same id, cycle after
  cycle, and the code itself is never written), else the submission id; the same self code in
  two teams is written as ``<pseudonym>@team`` so ids stay unique.
* The file holds individual rows, small teams' included: it is written only when asked for,
  into a folder of its own, never beside a report.
* Someone who reflected on several sessions is one respondent: per competency, their latest
  rating counts.
* Competencies not in the framework are skipped and named in the notices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.disclosure import pseudonym
from toolkit.core.framework import Framework, default_framework
from toolkit.core.safe_export import write_csv
from toolkit.reflect.store import Reflection

__all__ = ["NextCycle", "next_cycle_responses", "write_next_cycle_responses"]

NEXT_CYCLE_NAME = "next_cycle_responses.csv"
NEXT_CYCLE_FOLDER = "next_cycle_pseudonymous_rows"  # a suggested name, apart from any report


@dataclass
class NextCycle:
    header: list[str]
    rows: list[list[object]]
    notices: list[str] = field(default_factory=list)


def next_cycle_responses(
    reflections: Iterable[Reflection], framework: Framework | None = None
) -> NextCycle:
    framework = framework or default_framework()
    lo, hi = framework.scale.minimum, framework.scale.maximum
    known = {c.id: c for c in framework.competencies}
    items = list(reflections)
    with_team = [r for r in items if r.team_id]
    code_teams: dict[str, set[str]] = defaultdict(set)
    for r in with_team:
        if r.self_code:
            code_teams[r.self_code].add(r.team_id)

    def respondent(r: Reflection) -> str:
        if not r.self_code:
            return r.submission_id
        code = pseudonym(r.self_code)
        return code if len(code_teams[r.self_code]) == 1 else f"{code}@{r.team_id}"

    latest: dict[tuple[str, str], dict[str, tuple[object, int]]] = {}
    skipped: set[str] = set()
    for r in sorted(with_team, key=lambda r: r.submitted_at):
        ratings = latest.setdefault((respondent(r), r.team_id), {})
        for cid, rating in r.ratings.items():
            if cid not in known:
                skipped.add(cid)
                continue
            ratings[cid] = (r.submitted_at, rating.now)  # later submissions overwrite
    header = ["respondent_id", "team_id", *framework.item_ids]
    rows = []
    for (rid, team), ratings in latest.items():
        answers: dict[str, int] = {}
        for cid, (_, now) in ratings.items():
            for item in known[cid].items:
                answers[item.id] = (lo + hi - now) if item.reverse else now
        if answers:
            rows.append([rid, team, *(answers.get(i, "") for i in framework.item_ids)])
    rows.sort(key=lambda row: (str(row[1]), str(row[0])))
    notices = []
    if len(with_team) < len(items):
        notices.append(
            f"{len(items) - len(with_team)} reflection(s) name no team and are not written "
            "back to the next cycle's responses."
        )
    if skipped:
        notices.append(
            f"Ratings of competencies not in framework {framework.version} are not written "
            f"back: {', '.join(sorted(skipped))}"
        )
    return NextCycle(header, rows, notices)


def write_next_cycle_responses(
    reflections: Iterable[Reflection],
    path: Path | str,
    framework: Framework | None = None,
) -> Path:
    """Write the responses file the next needs assessment reads (``cct assess`` it)."""
    result = next_cycle_responses(reflections, framework)
    return write_csv(path, result.header, result.rows)
