"""Team profiles reuse one figure (a report draws hundreds): each chart must be exactly the
chart a fresh figure would give, nothing of the previous team left on it."""

import re
import threading

import numpy as np
import pytest

from tests.conftest import make_team
from toolkit.assess import charts
from toolkit.assess.assessment import assess
from toolkit.core.charts import to_svg
from toolkit.intake.responses import Responses


def _svg(result, team_id: str) -> str:
    """The profile as SVG, without the time stamp matplotlib writes into it."""
    return re.sub(r"<dc:date>[^<]*</dc:date>", "", to_svg(charts.team_profile(result, team_id)))


def _fresh(result, team_id: str) -> str:
    """Drawn in a new thread, which has no figure to reuse."""
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("svg", _svg(result, team_id)))
    thread.start()
    thread.join()
    return out["svg"]


@pytest.fixture
def result(framework):
    """'full': 8 people answering everything; 'part': 6 people, the first domain's items left
    blank by all but 2 (withheld there); 'few': 3 people, withheld as a team."""
    rng = np.random.default_rng(7)
    n_items = len(framework.item_ids)
    teams, values = [], []
    for team, people in (("full", 8), ("part", 6), ("few", 3)):
        block = rng.integers(1, 6, size=(people, n_items)).astype(float)
        if team == "part":
            block[2:, :6] = np.nan
        teams += [team] * people
        values.append(block)
    responses = Responses(
        respondent_ids=np.array([f"r{k}" for k in range(len(teams))]),
        team_ids=np.array(teams),
        item_ids=list(framework.item_ids),
        values=np.vstack(values),
    )
    context = {t: make_team(t, role=r) for t, r in (("full", "housing"), ("part", "frontline_intake"), ("few", "housing"))}  # fmt: skip
    return assess(responses, context, threshold=5)


def test_a_reused_profile_is_the_chart_a_fresh_figure_draws(result):
    part_fresh, full_fresh = _fresh(result, "part"), _fresh(result, "full")
    assert "withheld (fewer than 5 answers)" in part_fresh  # the case is what it says
    assert "withheld (fewer than 5 answers)" not in full_fresh
    # one after the other in this thread, each after a team with other bars, texts, targets
    drawn = [(team, _svg(result, team)) for team in ("part", "full", "part", "full")]
    for team, svg in drawn:
        assert svg == (part_fresh if team == "part" else full_fresh), team


def test_team_profiles_share_one_figure_in_a_thread(result):
    first = charts.team_profile(result, "full")
    assert charts.team_profile(result, "part") is first
