"""The summary in plain words: what changed, how sure, and never the training's effect."""

from __future__ import annotations

import re

import pytest

from toolkit.evaluate.pipeline import run
from toolkit.evaluate.sample import LOW_RESPONSE, NOT_IMPROVING
from toolkit.evaluate.summary import CAUTION, summarise

CAUSAL = re.compile(
    r"\b(because of the training|thanks to|due to|caused by|the training (led|improved|"
    r"reduced|increased|raised|lowered|worked)|effect of the training|impact of the training|"
    r"as a result of)\b",
    re.I,
)


@pytest.fixture(scope="module")
def evaluation(sample):
    url, files = sample
    return run(
        url,
        teams_file=files.teams,
        followups_file=files.followups,
        observations_file=files.observations,
        outcomes_file=files.outcomes,
    ).evaluation


def test_the_story_of_the_sample_is_told(evaluation):
    org = " ".join(summarise(evaluation))
    assert "Change in confidence, before → now (rated after the session) rose (better)" in org
    assert "a clear change (95% interval of the change: +" in org
    flat = [s for s in summarise(evaluation, NOT_IMPROVING) if s.startswith("Behaviours shown")]
    assert flat and "no clear change" in flat[0]
    low = " ".join(summarise(evaluation, LOW_RESPONSE))
    assert "withheld in" in low and "fewer than 5" in low


def test_low_response_is_said_in_words(evaluation):
    team = evaluation.team_names[LOW_RESPONSE]
    lines = summarise(evaluation, LOW_RESPONSE)
    assert any(line.startswith("Low response in") and team in line for line in lines)


def test_correlation_is_never_presented_as_the_training_effect(evaluation):
    for team in ["", *evaluation.teams]:
        lines = summarise(evaluation, team)
        assert lines[-1] == CAUTION
        for line in lines[:-1]:
            assert not CAUSAL.search(line), line
    assert "do not show that the training caused it" in CAUTION


def test_figures_without_an_interval_say_we_cannot_tell_how_sure(evaluation):
    org = summarise(evaluation)
    complaints = next(s for s in org if s.startswith("Complaints"))
    assert "we cannot say how sure this is" in complaints
