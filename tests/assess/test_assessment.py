"""Hand-checked small cases of the assessment computations, suppression edges included."""

import math

import numpy as np
import pytest

from tests.conftest import make_team
from toolkit.assess.assessment import assess, organisation_priorities
from toolkit.core import disclosure
from toolkit.core.disclosure import ThresholdError
from toolkit.intake.responses import Responses

NAN = math.nan


def answers(framework, rows: list[tuple[str, str, dict[str, float]]]) -> Responses:
    values = np.full((len(rows), len(framework.item_ids)), np.nan)
    for r, (_, _, given) in enumerate(rows):
        for item, value in given.items():
            values[r, framework.item_ids.index(item)] = value
    return Responses(
        respondent_ids=np.array([r[0] for r in rows]),
        team_ids=np.array([r[1] for r in rows]),
        item_ids=list(framework.item_ids),
        values=values,
    )


@pytest.fixture
def small(framework):
    """t1: 5 people (COM02 is reverse-scored; LAN01 answered by 4; COM03 by 4); t2: 4 people."""
    t1 = [
        ("a", "t1", {"COM01": 4, "COM02": 2, "LAN01": 2, "COM03": 1}),
        ("b", "t1", {"COM01": 3, "COM02": 3, "LAN01": 2, "COM03": 1}),
        ("c", "t1", {"COM01": 5, "COM02": 1, "LAN01": 3, "COM03": 1}),
        ("d", "t1", {"COM01": 2, "COM02": 4, "LAN01": 1, "COM03": 1}),
        ("e", "t1", {"COM01": 4}),
    ]
    t2 = [(f"z{i}", "t2", {"COM01": 1, "COM02": 5}) for i in range(4)]
    teams = {"t1": make_team("t1"), "t2": make_team("t2", role="housing")}
    return answers(framework, t1 + t2), teams


def cell(result, team, competency):
    cells = result.cells
    return cells[(cells.team_id == team) & (cells.competency_id == competency)].iloc[0]


@pytest.fixture
def unperturbed(monkeypatch):
    """The cell-key perturbation switched off, to check the statistics by hand."""
    monkeypatch.setattr(disclosure, "SUM_NOISE", 0.0)
    monkeypatch.setattr(disclosure, "SPREAD_NOISE", 0.0)
    monkeypatch.setattr(disclosure, "COUNT_NOISE", 0)


def test_mean_interval_gap_and_priority_by_hand(small, unperturbed):
    result = assess(*small, threshold=5)
    c = cell(result, "t1", "communication.active_listening")
    # scores (COM02 flipped to 6 - x): 4, 3, 5, 2, 4 → mean 3.6, SD sqrt(1.3)
    assert c["n"] == 5
    assert c["mean"] == 3.6
    half = 2.7764451051977987 * math.sqrt(1.3) / math.sqrt(5)  # 1.416: published to 0.1
    assert c["ci_low"] == round(3.6 - half, 1) == 2.2
    assert c["ci_high"] == round(3.6 + half, 1) == 5.0
    assert c["target"] == 4.0 and c["gap"] == pytest.approx(0.4)
    assert c["relevance"] == 3
    assert c["priority"] == pytest.approx(0.4 * 3)


def test_published_figures_are_rounded_and_perturbed_within_the_bounds(small):
    result = assess(*small, threshold=5)
    c = cell(result, "t1", "communication.active_listening")
    assert round(c["mean"], 1) == c["mean"]
    assert abs(c["mean"] - 3.6) <= disclosure.SUM_NOISE / 5 + 0.05
    assert 5 <= c["n"] <= 5 + disclosure.COUNT_NOISE  # never below the threshold when shown
    assert c["ci_low"] < c["mean"] < c["ci_high"]
    assert c["gap"] == pytest.approx(round(4.0 - c["mean"], 1))  # from the published mean
    again = assess(*small, threshold=5)  # the same people: the same perturbation
    assert again.cells.equals(result.cells)


def test_language_access_priority_weighs_clients_needing_support(small, unperturbed):
    result = assess(*small, threshold=4)
    c = cell(result, "t1", "language_access.working_with_interpreters")
    assert c["mean"] == pytest.approx(2.0)
    assert c["context_weight"] == pytest.approx(1.5)  # 50% of clients need language support
    assert c["priority"] == pytest.approx((4.5 - 2.0) * 3 * 1.5)
    ranked = result.priorities("t1")
    assert ranked.iloc[0]["competency_id"] == "language_access.working_with_interpreters"
    assert "50% of this team's clients need language support" in ranked.iloc[0]["why"]
    assert "whole interval is below target" in ranked.iloc[0]["why"]


@pytest.mark.parametrize("threshold, t1_shown", [(5, True), (6, False)])
def test_team_exactly_at_threshold_is_shown_and_one_below_is_not(small, threshold, t1_shown):
    result = assess(*small, threshold=threshold)
    assert (not result.team_summary.loc["t1", "withheld"]) is t1_shown
    assert bool(result.team_summary.loc["t2", "withheld"])  # 4 people
    assert math.isnan(result.team_summary.loc["t2", "respondents"])


def test_withheld_team_contributes_to_no_figure(small):
    result = assess(*small, threshold=5)
    t2 = result.cells[result.cells.team_id == "t2"]
    assert t2["withheld"].all()
    for column in ("n", "mean", "ci_low", "ci_high", "gap", "priority"):
        assert t2[column].isna().all(), column
    assert result.domains.loc["t2"].isna().all()
    assert "t2" not in set(result.cells[~result.cells.withheld].team_id)
    org = organisation_priorities(result)
    assert org.loc["communication.active_listening", "teams"] == 1  # t1 only


def test_cell_answered_by_too_few_is_withheld_and_left_out_of_the_domain(small, unperturbed):
    result = assess(*small, threshold=5)
    assert bool(cell(result, "t1", "language_access.working_with_interpreters")["withheld"])
    nonverbal = cell(result, "t1", "communication.nonverbal_cues")  # 4 answers of 1
    assert bool(nonverbal["withheld"]) and math.isnan(nonverbal["mean"])
    # the domain figure is the mean of shown cells only: active listening's gap of 0.4
    assert result.domains.loc["t1", "communication"] == pytest.approx(0.4)
    assert math.isnan(result.domains.loc["t1", "language_access"])


def test_results_do_not_depend_on_row_order(small, framework):
    responses, teams = small
    flipped = Responses(
        responses.respondent_ids[::-1],
        responses.team_ids[::-1],
        responses.item_ids,
        responses.values[::-1],
    )
    a = assess(responses, teams, threshold=5).cells
    b = assess(flipped, teams, threshold=5).cells
    np.testing.assert_allclose(a["mean"], b["mean"], equal_nan=True)


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, "five", None])
def test_threshold_must_be_a_whole_number_of_at_least_two(small, bad):
    with pytest.raises(ThresholdError, match="privacy threshold must be"):
        assess(*small, threshold=bad)


def test_respondents_of_unknown_teams_are_reported_not_counted(small, framework):
    responses, teams = small
    del teams["t2"]
    result = assess(responses, teams, threshold=5)
    assert any(
        "fewer than 5 respondent(s) belong to teams not in the team context file" in n
        for n in result.notices
    )
