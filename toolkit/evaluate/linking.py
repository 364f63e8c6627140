"""Linking one cycle's records to the next by self-generated codes, never by name.

A participant makes the same short code each time (mother's first two letters, day of birth,
last letter of their first name: ``MA07N``), but people slip: a letter changed, a digit dropped,
two characters swapped. Exact matching loses those people; loose matching links strangers. So:

1. codes are normalised (Unicode NFKC, upper case, letters and digits only);
2. a code that appears exactly once in each cycle (within the same team, when teams are given)
   links exactly; a code shared by several people in a cycle links no one (it is ambiguous);
3. of the rest, a pair whose codes differ by one edit (RapidFuzz's optimal string alignment
   distance: one letter changed, added, dropped, or two neighbours swapped) links only when
   each is the *other's only* candidate, and when chance is an unlikely explanation: a common
   code (``MA07A``) has many neighbours that strangers hold, a rare one few. The expected number
   of the team's still-unlinked earlier records lying one edit away by chance (their count times
   the share of the whole earlier cycle's *other* codes that are one edit from this code) must
   stay under :data:`MAX_CHANCE`.

Candidates for step 3 come from a deletion index (each code and its one-character deletions,
the "symmetric delete" trick), so the work grows with the number of records, not its square;
RapidFuzz then checks each candidate's distance. Every link states how it was made, and the
report says how many records linked, exactly or not, and how many were left out as ambiguous.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz.distance import OSA

__all__ = ["Link", "LinkReport", "link_codes", "normalise_code"]

MAX_DISTANCE = 1
MAX_CHANCE = 0.02  # at most 1 in 50 fuzzy links expected to be a stranger's code by chance


def normalise_code(code: object) -> str | None:
    """The code as compared: NFKC, upper case, letters and digits only; None if nothing is left."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return None
    text = unicodedata.normalize("NFKC", str(code)).upper()
    kept = "".join(ch for ch in text if ch.isalnum())
    return kept or None


@dataclass(frozen=True)
class Link:
    """One record of the earlier cycle linked to one of the later cycle."""

    earlier: str
    later: str
    distance: int  # 0: the codes agree; 1: one edit apart
    team: str | None = None


@dataclass
class LinkReport:
    """The links made and the figures a facilitator needs to judge them."""

    links: list[Link] = field(default_factory=list)
    earlier_records: int = 0
    later_records: int = 0
    later_with_code: int = 0
    ambiguous: int = 0  # later records with a code left unlinked: it fits several, or is common

    @property
    def exact(self) -> int:
        return sum(1 for link in self.links if link.distance == 0)

    @property
    def fuzzy(self) -> int:
        return len(self.links) - self.exact

    @property
    def match_rate(self) -> float:
        """Share of the later cycle's records with a code that were linked to the earlier one."""
        return len(self.links) / self.later_with_code if self.later_with_code else 0.0

    def describe(
        self,
        later: str = "the later cycle",
        earlier: str = "the earlier cycle",
        count: Callable[[int, str], int | None] | None = None,
    ) -> str:
        """The figures in a sentence; ``later`` and ``earlier`` name what was linked. ``count``
        publishes each figure (the report passes perturbed counts; None: "only a few")."""

        def said(value: int, name: str) -> str:
            shown = value if count is None else count(value, name)
            return "only a few" if shown is None else str(shown)

        if not self.later_with_code:
            return f"No one in {later} gave a personal code, so no one could be linked."
        linked, with_code = said(len(self.links), "linked"), said(self.later_with_code, "coded")
        rate = (
            f" ({int(linked) / int(with_code):.0%})"
            if linked.isdigit() and with_code.isdigit() and int(with_code)
            else ""
        )
        fuzzy = said(self.fuzzy, "fuzzy")
        exact = said(self.exact, "exact")
        if linked.isdigit() and fuzzy.isdigit() and int(linked) >= int(fuzzy):
            exact = str(int(linked) - int(fuzzy))  # the parts add up to the whole as printed
        text = (
            f"{linked} of {with_code} people who gave a personal code in "
            f"{later}{rate} were linked to {earlier}: "
            f"{exact} with the same code, {fuzzy} with a code one character apart."
        )
        if self.ambiguous:
            text += (
                f" {said(self.ambiguous, 'ambiguous').capitalize()} were not linked because their "
                "code fits more than one person or is too common to tell a slip from a stranger."
            )
        without = self.later_records - self.later_with_code
        if without:
            text += (
                f" {said(without, 'uncoded').capitalize()} gave no code; they still count for their "
                "team, unlinked."
            )
        return text


def _prepared(records: pd.DataFrame, id_column: str, code_column: str, team_column: str | None):
    """Ids, normalised codes and teams of the records that give a code (a record without one
    links to no one: it is only counted)."""
    records = records[records[code_column].notna()]
    ids = records[id_column].astype(str).tolist()
    codes = [normalise_code(c) for c in records[code_column].tolist()]
    if team_column is None:
        teams: list[str | None] = [None] * len(ids)
    else:
        column = records[team_column]
        teams = column.astype(str).where(column.notna(), None).tolist()
    return ids, codes, teams


def _deletions(code: str) -> set[str]:
    return {code, *(code[:i] + code[i + 1 :] for i in range(len(code)))}


class _Neighbours:
    """How common the codes one edit from a code are, over the whole earlier cycle."""

    def __init__(self, codes: list[str]):
        self.count: dict[str, int] = defaultdict(int)
        for code in codes:
            self.count[code] += 1
        self.total = max(len(codes), 1)
        self.index: dict[str, set[str]] = defaultdict(set)
        for code in self.count:
            for key in _deletions(code):
                self.index[key].add(code)

    def share_near(self, code: str, candidate: str) -> float:
        """Share of *other* people's earlier codes one edit from ``code`` (the candidate's own
        record is not evidence that the code is common)."""
        near = {c for key in _deletions(code) for c in self.index.get(key, ())}
        held = sum(
            self.count[c]
            for c in near
            if c != code and OSA.distance(c, code, score_cutoff=MAX_DISTANCE) <= MAX_DISTANCE
        )
        return (held - 1) / self.total


def _link_block(
    earlier: list[tuple[str, str]],
    later: list[tuple[str, str]],
    team: str | None,
    neighbours: _Neighbours,
) -> tuple[list[Link], int]:
    """Link (id, code) pairs of one team (or of everyone); returns the links and the ambiguous."""
    by_code_earlier: dict[str, list[str]] = defaultdict(list)
    by_code_later: dict[str, list[str]] = defaultdict(list)
    for rid, code in earlier:
        by_code_earlier[code].append(rid)
    for rid, code in later:
        by_code_later[code].append(rid)

    links: list[Link] = []
    ambiguous_later: set[str] = set()
    open_earlier: dict[str, str] = {}  # id -> code, not linked exactly, code unique in its cycle
    open_later: dict[str, str] = {}
    for code, ids in by_code_later.items():
        before = by_code_earlier.get(code, [])
        if len(ids) == 1 and len(before) == 1:
            links.append(Link(before[0], ids[0], 0, team))
        elif len(ids) > 1 or len(before) > 1:
            ambiguous_later.update(ids)  # several people share it: no one can be told apart
        else:
            open_later[ids[0]] = code
    for code, ids in by_code_earlier.items():
        if len(ids) == 1 and code not in by_code_later:
            open_earlier[ids[0]] = code

    index: dict[str, list[str]] = defaultdict(list)
    for rid, code in open_earlier.items():
        for key in _deletions(code):
            index[key].append(rid)
    candidates_of_later: dict[str, set[str]] = {}
    candidates_of_earlier: dict[str, set[str]] = defaultdict(set)
    for rid, code in open_later.items():
        found = {e for key in _deletions(code) for e in index.get(key, ())}
        close = {
            e
            for e in found
            if OSA.distance(code, open_earlier[e], score_cutoff=MAX_DISTANCE) <= MAX_DISTANCE
        }
        candidates_of_later[rid] = close
        for e in close:
            candidates_of_earlier[e].add(rid)
    for rid, close in candidates_of_later.items():
        if len(close) == 1:
            (e,) = close
            chance = len(open_earlier) * neighbours.share_near(open_later[rid], open_earlier[e])
            if len(candidates_of_earlier[e]) == 1 and chance < MAX_CHANCE:
                links.append(Link(e, rid, 1, team))
                continue
        if close:
            ambiguous_later.add(rid)
    return links, len(ambiguous_later)


def link_codes(
    earlier: pd.DataFrame,
    later: pd.DataFrame,
    *,
    id_column: str = "id",
    code_column: str = "code",
    team_column: str | None = "team_id",
) -> LinkReport:
    """Link the later cycle's records to the earlier cycle's by their codes.

    With ``team_column`` (the default), people are linked only within the same team: far fewer
    strangers share a code in a team of twenty than in an organisation of thousands. Pass
    ``team_column=None`` to link across the whole organisation (people who changed teams).
    """
    for name, frame in (("earlier", earlier), ("later", later)):
        needed = [id_column, code_column] + ([team_column] if team_column else [])
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise KeyError(f"the {name} cycle's records have no column {missing}")
    e_ids, e_codes, e_teams = _prepared(earlier, id_column, code_column, team_column)
    l_ids, l_codes, l_teams = _prepared(later, id_column, code_column, team_column)
    blocks_earlier: dict[str | None, list[tuple[str, str]]] = defaultdict(list)
    blocks_later: dict[str | None, list[tuple[str, str]]] = defaultdict(list)
    for rid, code, team in zip(e_ids, e_codes, e_teams, strict=True):
        if code:
            blocks_earlier[team].append((rid, code))
    for rid, code, team in zip(l_ids, l_codes, l_teams, strict=True):
        if code:
            blocks_later[team].append((rid, code))
    report = LinkReport(
        earlier_records=len(earlier),
        later_records=len(later),
        later_with_code=sum(1 for c in l_codes if c),
    )
    neighbours = _Neighbours([c for c in e_codes if c])
    for team, records in blocks_later.items():
        links, ambiguous = _link_block(blocks_earlier.get(team, []), records, team, neighbours)
        report.links.extend(links)
        report.ambiguous += ambiguous
    return report
