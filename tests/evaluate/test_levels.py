"""The four levels per team and organisation over cycles, and the privacy rule across time."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from toolkit.core.disclosure import COUNT_NOISE, SUM_NOISE, ThresholdError
from toolkit.evaluate.followups import FollowUps
from toolkit.evaluate.levels import evaluate
from toolkit.evaluate.observations import Observations
from toolkit.evaluate.outcomes import Outcomes
from toolkit.reflect.store import Rating, Reflection

Q1 = datetime(2027, 2, 1, 12, tzinfo=UTC)
Q2 = datetime(2027, 5, 3, 12, tzinfo=UTC)
COMPETENCY = "communication.active_listening"


def reflection(team: str, when: datetime, k: int, *, before=2, now=4, useful=4, code=None):
    return Reflection(
        submission_id=f"{team}-{when:%Y%m%d}-{k}",
        session_id=f"{team}-{when:%Y%m%d}",
        team_id=team,
        language="en",
        self_code=code,
        ratings={COMPETENCY: Rating(before=before, now=now)},
        commitment="Summarise back.",
        relevance=4,
        usefulness=useful,
        submitted_at=when + timedelta(minutes=k),
    )


def cohort(team: str, when: datetime, n: int, seed: int, **kw) -> list[Reflection]:
    rng = np.random.default_rng(seed)
    return [
        reflection(
            team,
            when,
            k,
            before=int(rng.integers(1, 4)),
            now=int(rng.integers(3, 6)),
            useful=int(rng.integers(2, 6)),
            **kw,
        )
        for k in range(n)
    ]


def figure(evaluation, team: str, cycle: str, measure: str) -> pd.Series:
    f = evaluation.figures
    rows = f[(f.team_id == team) & (f.cycle == cycle) & (f.measure == measure)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def published_as(value: float, truth: float, n: int) -> bool:
    """A published mean: one decimal, within the cell-key perturbation (SUM_NOISE / n) and
    the rounding of the true mean."""
    return value == round(value, 1) and abs(value - truth) <= SUM_NOISE / n + 0.05 + 1e-9


def count_as(count: float, truth: int, threshold: int = 5) -> bool:
    """A published count of people: a perturbed count, never below the threshold."""
    return abs(count - truth) <= COUNT_NOISE and count >= threshold


def test_reaction_and_learning_per_team_and_organisation_with_intervals():
    reflections = cohort("a", Q1, 8, 1) + cohort("b", Q1, 6, 2) + cohort("a", Q2, 9, 3)
    ev = evaluate(reflections, threshold=5)
    assert ev.cycles == ["2027Q1", "2027Q2"]
    a1 = figure(ev, "a", "2027Q1", "usefulness")
    values = [r.usefulness for r in reflections[:8]]
    assert published_as(a1.value, np.mean(values), 8)
    assert a1.low < a1.value < a1.high and count_as(a1.n, 8) and a1.small  # 8 < 2 × threshold
    org = figure(ev, "", "2027Q1", "usefulness")
    assert count_as(org.n, 14)
    assert published_as(org.value, np.mean([r.usefulness for r in reflections[:14]]), 14)
    change = figure(ev, "a", "2027Q2", "then_test_change")
    expected = np.mean(
        [r.ratings[COMPETENCY].now - r.ratings[COMPETENCY].before for r in reflections[14:]]
    )
    assert published_as(change.value, expected, 9)
    assert change.level == "learning"


def test_response_rates_sit_beside_each_figure_when_team_sizes_are_known():
    from toolkit.core.teams import Team

    def team(team_id: str, staff: int) -> Team:
        return Team(team_id, team_id.title(), "housing", staff, 100, 20, {}, (), (), 10)

    ev = evaluate(
        cohort("a", Q1, 8, 1) + cohort("b", Q1, 6, 2),
        teams={"a": team("a", 10), "b": team("b", 20)},
    )
    for team_id, staff, answered in (("a", 10, 8), ("b", 20, 6), ("", 30, 14)):
        row = figure(ev, team_id, "2027Q1", "usefulness")
        assert row.response_rate == pytest.approx(row.n / staff)  # of the published count
        assert count_as(row.n, answered)


def test_behaviour_levels_from_followups_and_observations():
    followups = FollowUps(
        pd.DataFrame(
            {
                "id": [f"f{k}" for k in range(6)],
                "team_id": ["a"] * 6,
                "date": [pd.Timestamp("2027-03-15")] * 6,
                "code": [None] * 6,
                "applied": ["yes", "yes", "partly", "no", "no", "yes"],
            }
        ),
        "followups.csv",
    )
    observations = Observations(
        pd.DataFrame(
            {
                "team_id": ["a", "a"],
                "period": [pd.Period("2027-02", "M"), pd.Period("2027-Q1", "Q")],
                "behaviour": ["COM-B01", "COM-B02"],
                "competency": [COMPETENCY] * 2,
                "observed": [3, 4],
                "not_observed": [1, 2],
            }
        ),
        "observations.csv",
    )
    ev = evaluate(cohort("a", Q1, 8, 1), followups=followups, observations=observations)
    acted = figure(ev, "a", "2027Q1", "commitments_acted_on")
    # a share: whole percent, its count moved by up to SUM_NOISE check-ins (of 6)
    assert acted.value == round(acted.value) and acted.low <= acted.value <= acted.high
    assert abs(acted.value - 400 / 6) <= 100 * SUM_NOISE / 6 + 0.5 and count_as(acted.n, 6)
    reflected = figure(ev, "a", "2027Q1", "usefulness").n  # the published reflections
    assert acted.base == reflected  # check-ins per reflection, both as published
    assert acted.response_rate == pytest.approx(acted.n / reflected)
    seen = figure(ev, "a", "2027Q1", "behaviours_observed")
    assert abs(seen.value - 70.0) <= 100 * SUM_NOISE / 10 + 0.5 and count_as(seen.n, 10)


def outcomes_frame(rows) -> Outcomes:
    frame = pd.DataFrame(rows, columns=["team_id", "period", "outcome", "value", "clients"])
    frame["period"] = [pd.Period(p, "M") for p in frame["period"]]
    return Outcomes(frame, "outcomes.csv")


def test_outcomes_roll_months_into_cycles_as_the_data_says():
    outcomes = outcomes_frame(
        [
            ("a", "2027-01", "complaints", 2, 100),
            ("a", "2027-02", "complaints", 3, 100),
            ("a", "2027-01", "wait_time", 30, 100),
            ("a", "2027-02", "wait_time", 20, 100),
            ("b", "2027-01", "complaints", 1, 50),
            ("b", "2027-01", "wait_time", 10, 50),
        ]
    )
    ev = evaluate([], outcomes=outcomes)
    assert figure(ev, "a", "2027Q1", "outcome:complaints").value == 5  # sum
    assert figure(ev, "a", "2027Q1", "outcome:wait_time").value == 25  # mean
    assert figure(ev, "", "2027Q1", "outcome:complaints").value == 6
    assert figure(ev, "", "2027Q1", "outcome:wait_time").value == pytest.approx(
        (25 * 200 + 10 * 50) / 250
    )


def test_a_bad_threshold_is_refused():
    with pytest.raises(ThresholdError, match="at least 2"):
        evaluate([], threshold=1)


# -- privacy, across time: the attacker's tests ------------------------------------------------
def attack_data(x_cycle2: list[Reflection], x_followups: list[str], x_clients: int, x_value: float):
    reflections = (
        cohort("a", Q1, 8, 1) + cohort("b", Q1, 7, 2) + cohort("x", Q1, 6, 3)
        + cohort("a", Q2, 8, 4) + cohort("b", Q2, 7, 5) + x_cycle2
    )  # fmt: skip
    followups = FollowUps(
        pd.DataFrame(
            {
                "id": [f"f{k}" for k in range(12 + len(x_followups))],
                "team_id": ["a"] * 6 + ["b"] * 6 + ["x"] * len(x_followups),
                "date": [pd.Timestamp("2027-06-10")] * (12 + len(x_followups)),
                "code": [None] * (12 + len(x_followups)),
                "applied": ["yes", "no", "yes", "partly", "no", "yes"] * 2 + x_followups,
            }
        ),
        "followups.csv",
    )
    outcomes = outcomes_frame(
        [
            ("a", "2027-04", "client_satisfaction", 80, 120),
            ("b", "2027-04", "client_satisfaction", 70, 90),
            ("x", "2027-01", "client_satisfaction", 75, 60),
            ("x", "2027-04", "client_satisfaction", x_value, x_clients),
        ]
    )
    return evaluate(reflections, followups=followups, outcomes=outcomes, threshold=5)


def test_a_withheld_figure_cannot_be_recovered_from_another_cycle_or_level():
    """Team x has 6 reflections in Q1 (shown) and 3 in Q2 (withheld), 3 check-ins and an
    outcome about 4 clients in Q2. The attacker changes x's Q2 answers completely: if any shown
    figure moved, subtracting figures could reveal them. None may move."""
    low = [reflection("x", Q2, k, before=1, now=1, useful=1) for k in range(3)]
    low = attack_data(low, ["no"] * 3, 4, 10.0)
    high = [reflection("x", Q2, k, before=1, now=5, useful=5) for k in range(3)]
    other = attack_data(high, ["yes"] * 3, 4, 99.0)
    for name, ev in (("low", low), ("high", other)):
        x2 = ev.figures[(ev.figures.team_id == "x") & (ev.figures.cycle == "2027Q2")]
        assert not x2.empty and not x2["shown"].any(), name
        assert x2[["value", "low", "high"]].isna().all().all(), name
    shown_low = low.figures[low.figures["shown"]].reset_index(drop=True)
    shown_high = other.figures[other.figures["shown"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown_low, shown_high)


@pytest.fixture
def without_noise(monkeypatch):
    """Disclosure's rounding and perturbation off, to check the bookkeeping underneath."""
    from toolkit.core import disclosure

    for name, value in (("DECIMALS", 12), ("SHARE_DECIMALS", 12), ("SUM_NOISE", 0.0),
                        ("SPREAD_NOISE", 0.0), ("COUNT_NOISE", 0)):  # fmt: skip
        monkeypatch.setattr(disclosure, name, value)
    monkeypatch.setattr("toolkit.evaluate.levels.SHARE_DECIMALS", 12)


def test_the_organisation_total_minus_the_shown_teams_leaves_nothing(without_noise):
    """The classic differencing attack: organisation × n minus every shown team's value × n.
    Without the perturbation (which would hide it anyway) the residual is exactly nothing: the
    organisation is pooled from the shown teams only."""
    ev = attack_data(cohort("x", Q2, 3, 9), ["no"] * 3, 4, 10.0)
    f = ev.figures
    for measure in ("usefulness", "then_test_change", "commitments_acted_on"):
        rows = f[(f.cycle == "2027Q2") & (f.measure == measure)]
        org = rows[rows.scope == "organisation"].iloc[0]
        teams = rows[(rows.scope == "team") & rows["shown"]]
        residual_n = org.n - teams.n.sum()
        residual_total = org.value * org.n - (teams.value * teams.n).sum()
        assert residual_n == 0 and math.isclose(residual_total, 0, abs_tol=1e-9), measure
    # and across cycles: Q1 shows x, but no figure pools cycles or differences x's Q1 and Q2
    assert set(f["cycle"]) == {"2027Q1", "2027Q2"}
    assert not f["measure"].str.contains("pooled|cumulative").any()


def test_linking_across_cycles_is_reported():
    q1 = [reflection("a", Q1, k, code=f"MA{k:02d}N") for k in range(6)]
    q2 = [reflection("a", Q2, k, code=f"MA{k:02d}N") for k in range(4)]
    q2.append(reflection("a", Q2, 9, code="MA5N"))  # a slip: 05 written as 5
    ev = evaluate(q1 + q2)
    (report,) = ev.links.values()
    assert len(report.links) == 5 and report.fuzzy == 1
    assert list(ev.links) == ["2027Q1 → 2027Q2"]


def assessment(cycle_means: dict[str, tuple[float, int, bool]]):
    """Results of one cycle's needs assessment: team → (mean, respondents, withheld)."""
    from scipy import stats

    from toolkit.assess.results import AssessmentResults, CompetencyResult, TeamResult

    teams = []
    for team, (mean, n, withheld) in cycle_means.items():
        half = 1.0 * stats.t.ppf(0.975, n - 1) / math.sqrt(n)  # SD 1
        comps = [
            CompetencyResult(
                competency_id=cid,
                domain_id=cid.split(".")[0],
                withheld=withheld,
                n=None if withheld else n,
                mean=None if withheld else mean + shift,
                ci_low=None if withheld else mean + shift - half,
                ci_high=None if withheld else mean + shift + half,
                target=4.0,
                gap=None,
                relevance=2,
                context_weight=1.0,
                priority=None,
                rank=None,
                why=None,
            )  # fmt: skip
            for cid, shift in ((COMPETENCY, 0.0), ("communication.plain_language", 0.2))
        ]
        teams.append(
            TeamResult(
                team_id=team,
                team_name=team,
                role="housing",
                withheld=withheld,
                respondents=n,
                client_regions=[],
                client_languages={},
                staff_languages=[],
                interpreter_need_share=0.0,
                competencies=comps,
                language_access=[],
            )  # fmt: skip
        )
    return AssessmentResults(
        generated_at=Q1, framework_version="test", threshold=5, scale_minimum=1,
        scale_maximum=5, sources={}, privacy_note="", teams=teams,
    )  # fmt: skip


def test_the_needs_assessment_of_one_cycle_is_compared_with_the_next():
    first = assessment({"a": (3.0, 20, False), "b": (3.5, 10, False)})
    second = assessment({"a": (3.6, 16, False), "b": (3.5, 3, True)})
    ev = evaluate([], assessments={"2027Q1": first, "2027Q2": second})
    a = figure(ev, "a", "2027Q2", "assessment_change")
    assert a.value == pytest.approx(0.6) and a.n == 16 and a.level == "learning"
    # conservative interval: the two cycles' standard errors (SD 1) added in quadrature
    spread = math.hypot(1 / math.sqrt(20), 1 / math.sqrt(16))
    assert a.high - a.low == pytest.approx(2 * 1.959964 * spread, abs=0.1 + 1e-9)  # 1 decimal
    assert all(v == round(v, 1) for v in (a.value, a.low, a.high))
    b = figure(ev, "b", "2027Q2", "assessment_change")
    assert not b.shown and math.isnan(b.value)
    org = figure(ev, "", "2027Q2", "assessment_change")
    assert org.value == pytest.approx(0.6) and org.n == 16  # only from the team shown in both
    assert "then_test_change" not in set(ev.figures["measure"])  # no reflections: not invented
