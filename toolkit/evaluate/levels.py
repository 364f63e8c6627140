"""The evaluation: Kirkpatrick's four levels per team and for the organisation, cycle by cycle.

* **reaction** — how useful and relevant participants rated the session (reflections);
* **learning** — the retrospective change in confidence (recalled *before* against *now*, both
  rated after the session), and, separately, the needs assessment of one cycle against the next
  (a traditional pre/post on whoever answered each time);
* **behaviour** — the share of follow-up check-ins saying the commitment was acted on, and the
  share of supervisors' observations where a behaviour was shown;
* **results** — the service outcomes the organisation keeps, against the cycles with training.

Every figure comes with a 95% interval where one can be computed (scipy), the number of people
(or occasions, or clients) it is about, and a response rate where the base is known. The privacy
rule is the one of :mod:`toolkit.core.privacy`: a figure about fewer than ``threshold`` is
withheld, and the organisation's figure of a cycle is built only from the records of teams shown
in that cycle, so no withheld figure influences any shown one, in the same cycle or another.
Changes between cycles are only computed between two shown figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.assess.results import AssessmentResults
from toolkit.core.disclosure import check_threshold, withheld_note
from toolkit.core.framework import Framework, default_framework
from toolkit.core.teams import Team
from toolkit.evaluate.followups import FollowUps
from toolkit.evaluate.linking import LinkReport, link_codes
from toolkit.evaluate.observations import Observations
from toolkit.evaluate.outcomes import OutcomeCatalog, Outcomes, default_outcomes
from toolkit.evaluate.periods import FREQUENCIES, to_cycle
from toolkit.reflect.store import Reflection

__all__ = ["LEVELS", "Evaluation", "Measure", "evaluate"]

LEVELS = ("reaction", "learning", "behaviour", "results")
ORGANISATION = ""  # team_id of the organisation's rows
LOW_RESPONSE = 0.5  # response rates below this get a warning
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Measure:
    key: str
    level: str
    label: str
    unit: str
    better: str = "higher"


REACTION = [
    Measure("usefulness", "reaction", "Usefulness of the session", "rating 1–5"),
    Measure("relevance", "reaction", "Relevance to their work", "rating 1–5"),
]
THEN_TEST = Measure(
    "then_test_change",
    "learning",
    "Change in confidence, before → now (rated after the session)",
    "points on 1–5",
)
PRE_POST = Measure(
    "assessment_change",
    "learning",
    "Change in self-rated competence since the previous cycle's needs assessment",
    "points on 1–5",
)
ACTED_ON = Measure(
    "commitments_acted_on", "behaviour", "Commitments acted on (follow-up: yes or partly)", "%"
)
OBSERVED = Measure(
    "behaviours_observed", "behaviour", "Behaviours shown when observed (supervisors)", "%"
)

COLUMNS = ["scope", "team_id", "cycle", "level", "measure", "label", "unit", "better",
           "value", "low", "high", "n", "base", "response_rate", "shown", "small"]  # fmt: skip


@dataclass
class Evaluation:
    """All figures in one long table (``figures``), plus what a reader needs beside them."""

    figures: pd.DataFrame
    threshold: int
    frequency: str
    cycles: list[str]
    team_names: dict[str, str]
    training: pd.DataFrame  # team_id, cycle, date: sessions, from the reflections
    links: dict[str, LinkReport] = field(default_factory=dict)  # "2026Q1 → 2026Q2": report
    followup_links: dict[str, LinkReport] = field(default_factory=dict)  # cycle: report
    notices: list[str] = field(default_factory=list)

    @property
    def privacy_note(self) -> str:
        return withheld_note(self.threshold) + (
            " Each cycle's organisation figures are built only from teams shown in that cycle, "
            "and changes between cycles only from figures shown in both."
        )

    @property
    def teams(self) -> list[str]:
        return sorted(t for t in self.figures["team_id"].unique() if t != ORGANISATION)

    def of(self, team_id: str = ORGANISATION) -> pd.DataFrame:
        return self.figures[self.figures["team_id"] == team_id]


# -- statistics (scipy) -----------------------------------------------------------------------
def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2 or np.allclose(values, mean):
        return mean, math.nan, math.nan
    low, high = stats.ttest_1samp(values, 0.0).confidence_interval(CONFIDENCE)
    return mean, float(low), float(high)


def share_interval(k: int, n: int) -> tuple[float, float, float]:
    ci = stats.binomtest(int(k), int(n)).proportion_ci(CONFIDENCE, method="wilson")
    return 100 * k / n, 100 * ci.low, 100 * ci.high


# -- building rows ----------------------------------------------------------------------------
class _Rows:
    def __init__(self, threshold: int):
        self.threshold = threshold
        self.rows: list[dict] = []

    def add(
        self,
        measure: Measure,
        team: str,
        cycle: str,
        figure,
        n: float,
        base: float = math.nan,
        withheld: bool = False,
    ) -> bool:
        """Add one figure; True if it is shown (about ``threshold`` or more, or no people)."""
        value, low, high = figure if figure is not None else (math.nan,) * 3
        shown = (bool(n >= self.threshold) if not math.isnan(n) else True) and not withheld
        if not shown:
            value = low = high = math.nan
        rate = n / base if base and not math.isnan(base) and base > 0 else math.nan
        self.rows.append(
            {
                "scope": "organisation" if team == ORGANISATION else "team",
                "team_id": team,
                "cycle": cycle,
                "level": measure.level,
                "measure": measure.key,
                "label": measure.label,
                "unit": measure.unit,
                "better": measure.better,
                "value": value,
                "low": low,
                "high": high,
                "n": n,
                "base": base,
                "response_rate": rate,
                "shown": shown,
                "small": shown and not math.isnan(n) and n < 2 * self.threshold,
            }
        )
        return shown


def _reflection_frame(reflections: Iterable[Reflection], frequency: str, notices: list[str]):
    rows = []
    without_team = 0
    for r in reflections:
        if not r.team_id:
            without_team += 1
            continue
        changes = [rating.now - rating.before for rating in r.ratings.values()]
        submitted = pd.Timestamp(r.submitted_at)
        rows.append(
            {
                "id": r.submission_id,
                "team_id": r.team_id,
                "session_id": r.session_id,
                "code": r.self_code,
                "date": submitted.tz_localize(None) if submitted.tzinfo else submitted,
                "usefulness": r.usefulness,
                "relevance": r.relevance,
                "then_test_change": float(np.mean(changes)),
            }
        )
    if without_team:
        notices.append(f"{without_team} reflection(s) name no team and are not counted")
    frame = pd.DataFrame(
        rows,
        columns=["id", "team_id", "session_id", "code", "date", "usefulness", "relevance",
                 "then_test_change"],
    )  # fmt: skip
    frame["cycle"] = [str(d.to_period(frequency)) for d in frame["date"]]
    return frame


def _per_person(rows: _Rows, frame, measure: Measure, bases: Mapping[str, float], cycles):
    """A mean of one value per person, per team and cycle; the organisation from shown teams."""
    for cycle in cycles:
        in_cycle = frame[frame["cycle"] == cycle]
        shown_values = []
        shown_base = 0.0
        for team, group in in_cycle.groupby("team_id"):
            values = group[measure.key].to_numpy(dtype=float)
            base = bases.get(team, math.nan)
            if rows.add(measure, team, cycle, mean_interval(values), len(values), base):
                shown_values.append(values)
                shown_base += base
        if shown_values:
            pooled = np.concatenate(shown_values)
            rows.add(measure, ORGANISATION, cycle, mean_interval(pooled), len(pooled), shown_base)


def _shares(rows: _Rows, counts: pd.DataFrame, measure: Measure, cycles, bases=None):
    """Shares from counts ``k`` of ``n`` per team and cycle; the organisation from shown teams."""
    for cycle in cycles:
        in_cycle = counts[counts["cycle"] == cycle]
        k_total = n_total = 0
        base_total = 0.0
        for row in in_cycle.itertuples(index=False):
            base = bases.get((row.team_id, cycle), math.nan) if bases else math.nan
            figure = share_interval(row.k, row.n) if row.n else None
            if rows.add(measure, row.team_id, cycle, figure, float(row.n), base):
                k_total += row.k
                n_total += row.n
                base_total += base
        if n_total:
            base = base_total if bases else math.nan
            rows.add(measure, ORGANISATION, cycle, share_interval(k_total, n_total), n_total, base)


def _assessment_changes(rows: _Rows, assessments: Mapping[str, AssessmentResults], frequency):
    """Each team's mean self-rated competence, cycle against the previous one with results.

    Only competencies shown in both cycles count. The standard error of a team's mean over
    competencies is bounded by the mean of their standard errors (their correlation is
    unknown), so the interval is on the safe, wide side.
    """
    ordered = sorted(assessments.items(), key=lambda kv: pd.Period(kv[0], frequency))
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    for (_, before), (cycle, after) in zip(ordered, ordered[1:], strict=False):
        org_diffs, org_se, org_n = [], [], []
        prior = {t.team_id: t for t in before.teams}
        for team in after.teams:
            earlier = prior.get(team.team_id)
            if earlier is None:
                continue
            comps_before = {c.competency_id: c for c in earlier.competencies if not c.withheld}
            pairs = [
                (comps_before[c.competency_id], c)
                for c in team.competencies
                if not c.withheld and c.competency_id in comps_before
            ]
            n = float(min(earlier.respondents or 0, team.respondents or 0))
            if earlier.withheld or team.withheld or not pairs:
                rows.add(PRE_POST, team.team_id, cycle, None, n, withheld=True)
                continue

            def se(c) -> float:
                if c.ci_low is None or c.ci_high is None or not c.n or c.n < 2:
                    return math.nan
                return (c.ci_high - c.ci_low) / 2 / stats.t.ppf(0.5 + CONFIDENCE / 2, c.n - 1)

            diff = float(np.mean([b.mean - a.mean for a, b in pairs]))
            se_before = float(np.mean([se(a) for a, _ in pairs]))
            se_after = float(np.mean([se(b) for _, b in pairs]))
            spread = math.sqrt(se_before**2 + se_after**2)
            if rows.add(
                PRE_POST, team.team_id, cycle, (diff, diff - z * spread, diff + z * spread), n
            ):
                org_diffs.append(diff)
                org_se.append(spread)
                org_n.append(n)
        if org_diffs:
            weights = np.asarray(org_n) / sum(org_n)
            diff = float(np.dot(weights, org_diffs))
            spread = float(math.sqrt(np.dot(weights**2, np.asarray(org_se) ** 2)))
            rows.add(
                PRE_POST, ORGANISATION, cycle, (diff, diff - z * spread, diff + z * spread),
                float(sum(org_n)),
            )  # fmt: skip


def _outcomes(rows: _Rows, outcomes: Outcomes, catalog: OutcomeCatalog, frequency: str, notices):
    frame = outcomes.frame.copy()
    frame["cycle"] = [to_cycle(p, frequency) for p in frame["period"]]
    longer = frame["cycle"].isna().sum()
    if longer:
        notices.append(
            f"{outcomes.name}: {longer} figure(s) cover a period longer than a "
            f"{FREQUENCIES[frequency]} and are not used"
        )
    frame = frame[frame["cycle"].notna()]
    frame["cycle"] = frame["cycle"].astype(str)
    for outcome_id, of_outcome in frame.groupby("outcome", sort=False):
        outcome = catalog.outcome(outcome_id)
        measure = Measure(
            f"outcome:{outcome_id}", "results", outcome.name, outcome.unit, outcome.better
        )
        for cycle, in_cycle in of_outcome.groupby("cycle"):
            shown_values, shown_clients = [], []
            for team, group in in_cycle.groupby("team_id"):
                values = group["value"].to_numpy(dtype=float)
                value = float(values.sum() if outcome.combine == "sum" else values.mean())
                clients = (
                    float(group["clients"].sum()) if group["clients"].notna().all() else math.nan
                )
                figure = (value, math.nan, math.nan)
                if "%" in outcome.unit and not math.isnan(clients) and clients > 0:
                    k = round(value / 100 * clients)
                    figure = (value, *share_interval(k, int(clients))[1:])
                if rows.add(measure, str(team), str(cycle), figure, clients):
                    shown_values.append(value)
                    shown_clients.append(clients)
            if shown_values:
                if outcome.combine == "sum":
                    value = float(np.sum(shown_values))
                elif not any(math.isnan(c) for c in shown_clients) and sum(shown_clients):
                    value = float(np.average(shown_values, weights=shown_clients))
                else:
                    value = float(np.mean(shown_values))
                clients = float(np.sum(shown_clients))
                figure = (value, math.nan, math.nan)
                if "%" in outcome.unit and not math.isnan(clients) and clients > 0:
                    k = sum(
                        round(v / 100 * c) for v, c in zip(shown_values, shown_clients, strict=True)
                    )
                    figure = (value, *share_interval(k, int(clients))[1:])
                rows.add(measure, ORGANISATION, str(cycle), figure, clients)


def evaluate(
    reflections: Iterable[Reflection],
    *,
    followups: FollowUps | None = None,
    observations: Observations | None = None,
    outcomes: Outcomes | None = None,
    assessments: Mapping[str, AssessmentResults] | None = None,
    teams: Mapping[str, Team] | None = None,
    threshold: int = 5,
    frequency: str = "Q",
    framework: Framework | None = None,
    catalog: OutcomeCatalog | None = None,
) -> Evaluation:
    """The four levels per team and for the organisation, per cycle (a ``frequency`` period)."""
    threshold = check_threshold(threshold)
    if frequency not in FREQUENCIES:
        raise ValueError(
            f"cycles are months, quarters or years ({list(FREQUENCIES)}), got {frequency!r}"
        )
    framework = framework or default_framework()
    catalog = catalog or default_outcomes()
    notices: list[str] = []
    rows = _Rows(threshold)
    people = _reflection_frame(reflections, frequency, notices)
    staff = {t: float(team.staff_count) for t, team in (teams or {}).items()}

    cycles: set[str] = set(people["cycle"])
    if followups is not None:
        cycles |= {str(d.to_period(frequency)) for d in followups.frame["date"]}
    if observations is not None:
        cycles |= {
            str(c) for c in (to_cycle(p, frequency) for p in observations.frame["period"]) if c
        }
    if outcomes is not None:
        cycles |= {str(c) for c in (to_cycle(p, frequency) for p in outcomes.frame["period"]) if c}
    if assessments:
        cycles |= set(assessments)
    ordered = sorted(cycles, key=lambda c: pd.Period(c, frequency))

    for measure in REACTION:
        _per_person(rows, people, measure, staff, ordered)
    _per_person(rows, people, THEN_TEST, staff, ordered)
    if assessments:
        _assessment_changes(rows, assessments, frequency)

    links: dict[str, LinkReport] = {}
    reflection_cycles = sorted(set(people["cycle"]), key=lambda c: pd.Period(c, frequency))
    for earlier, later in zip(reflection_cycles, reflection_cycles[1:], strict=False):
        links[f"{earlier} → {later}"] = link_codes(
            people[people["cycle"] == earlier], people[people["cycle"] == later]
        )

    followup_links: dict[str, LinkReport] = {}
    if followups is not None:
        checkins = followups.frame.copy()
        checkins["cycle"] = [str(d.to_period(frequency)) for d in checkins["date"]]
        checkins["k"] = checkins["applied"].isin(["yes", "partly"]).astype(int)
        counts = checkins.groupby(["team_id", "cycle"], as_index=False).agg(
            k=("k", "sum"), n=("k", "size")
        )
        reflected = people.groupby(["team_id", "cycle"]).size().astype(float).to_dict()
        _shares(rows, counts, ACTED_ON, ordered, reflected)
        for cycle in sorted(set(checkins["cycle"])):
            followup_links[cycle] = link_codes(
                people[people["cycle"] == cycle], checkins[checkins["cycle"] == cycle]
            )

    if observations is not None:
        seen = observations.frame.copy()
        seen["cycle"] = [str(to_cycle(p, frequency)) for p in seen["period"]]
        seen["n"] = seen["observed"] + seen["not_observed"]
        counts = seen.groupby(["team_id", "cycle"], as_index=False).agg(
            k=("observed", "sum"), n=("n", "sum")
        )
        _shares(rows, counts, OBSERVED, ordered)

    if outcomes is not None:
        _outcomes(rows, outcomes, catalog, frequency, notices)
        notices.extend(outcomes.notices)

    figures = pd.DataFrame(rows.rows, columns=COLUMNS)
    training = (
        people.groupby(["team_id", "session_id"], as_index=False)
        .agg(date=("date", "min"), cycle=("cycle", "first"))
        .drop(columns="session_id")
    )
    names = {t: team.name for t, team in (teams or {}).items()}
    return Evaluation(
        figures=figures,
        threshold=threshold,
        frequency=frequency,
        cycles=ordered,
        team_names=names,
        training=training,
        links=links,
        followup_links=followup_links,
        notices=notices,
    )


def training_dates(evaluation: Evaluation, team_id: str) -> list[date]:
    dates = evaluation.training[evaluation.training["team_id"] == team_id]["date"]
    return sorted({d.date() for d in dates})
