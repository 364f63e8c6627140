import filecmp

from toolkit.assess.needs_assessment import SAMPLE_RESPONSES, SAMPLE_TEAMS, load_inputs
from toolkit.assess.sample import write_sample


def test_committed_sample_is_what_the_generator_makes(tmp_path):
    teams, responses = write_sample(tmp_path)
    assert filecmp.cmp(teams, SAMPLE_TEAMS, shallow=False)
    assert filecmp.cmp(responses, SAMPLE_RESPONSES, shallow=False)


def test_sample_is_big_and_varied_enough_to_tell_a_story(framework):
    answers, teams = load_inputs(SAMPLE_RESPONSES, SAMPLE_TEAMS)
    assert len(teams) >= 12
    assert len(answers) >= 150
    assert {t.role for t in teams.values()} == set(framework.role_ids)
    per_team = {t: int((answers.team_ids == t).sum()) for t in teams}
    assert any(n < 5 for n in per_team.values()), "a team under the privacy threshold"
    assert any(n == 5 for n in per_team.values()), "a team exactly at the threshold"
    assert any(t.interpreter_hours_per_month > 0 for t in teams.values())
