"""Which column names the team: a heading that means "team" on its own, never a long question
that merely contains the word; none or several → the facilitator is asked."""

from __future__ import annotations

import pytest

from toolkit.core.exceptions import SurveyImportError
from toolkit.intake.item_matching import means_team
from toolkit.intake.survey_import import import_survey

LONG_QUESTION = "Is the data you collect shared within a team of researchers, or kept by you alone?"


@pytest.mark.parametrize(
    "heading",
    [
        "team",
        "Team",
        "team_id",
        "Team ID",
        "Team name",
        "Which team are you in?",
        "Your team",
        "Équipe",
        "Dans quelle équipe êtes-vous ?",
        "¿En qué equipo trabaja?",
        "Su equipo",
        "في أي فريق تعمل؟",
        "الفريق",
        "У якій команді ви працюєте?",
        "Ваша команда",
    ],
)
def test_headings_that_mean_team(heading):
    assert means_team(heading)


@pytest.mark.parametrize(
    "heading",
    [
        LONG_QUESTION,
        "I work well in a team with interpreters",
        "Team spirit",
        "Teamwork",
        "How many people are in your team and your department?",
        "G05Q03",
        "",
        "Which?",
    ],
)
def test_headings_that_only_contain_the_word_do_not(heading):
    assert not means_team(heading)


def test_a_long_heading_containing_team_is_never_the_team_column():
    """The issue's case: LimeSurvey's code-and-text headings, one long question with 'team'."""
    body = (
        '"id. Response ID";"submitdate. Date submitted";"lastpage. Last page";'
        f'"G05Q03. {LONG_QUESTION}";"COM01. I summarise"\r\n'
        '"1";"2026-03-02 09:10:00";"3";"Yes";"4"\r\n'
    ).encode()
    with pytest.raises(SurveyImportError) as info:
        import_survey(body, name="ls.csv")
    report = info.value.report
    assert report.format == "limesurvey"
    assert report.team_column is None
    assert [str(p) for p in info.value.problems] == [
        "ls.csv, row 1: no column names the respondent's team (looked for 'team', 'team_id', "
        "'équipe', 'equipo', 'Which team are you in?' …); add one, map one to 'team' in the "
        "mapping file, or give one team for the whole file (--team)"
    ]
    assert f"G05Q03. {LONG_QUESTION}" in report.unmatched
    result = import_survey(body, name="ls.csv", default_team="intake_north")
    assert list(result.responses.team_ids) == ["intake_north"]


def test_several_team_columns_ask_for_a_mapping_or_team():
    body = b"Timestamp,Team,Your team,COM01\n1,north,south,4\n"
    with pytest.raises(SurveyImportError) as info:
        import_survey(body, name="g.csv")
    assert [str(p) for p in info.value.problems] == [
        "g.csv, row 1: several columns could name the respondent's team ('Team', 'Your team'); "
        "map the right one to 'team' in the mapping file (cct import --write-mapping), or give "
        "one team for the whole file (--team)"
    ]
    report = info.value.report
    assert report.team_column is None and report.team_candidates == ["Team", "Your team"]
    assert {"Team", "Your team"} <= set(report.unmatched)  # listed for the mapping file
    assert "Team: several columns could name the team, so none was used: 'Team', 'Your team'" in (
        report.text()
    )
    mapped = import_survey(body, name="g.csv", mapping={"columns": {"Your team": "team"}})
    assert list(mapped.responses.team_ids) == ["south"]
    whole = import_survey(body, name="g.csv", default_team="east")
    assert list(whole.responses.team_ids) == ["east"]
    assert any("several columns could name the team" in n for n in whole.report.notices)


def test_team_by_question_text_row_group_path_and_code():
    qualtrics = (
        "ResponseId,Q1,Q2\nResponse ID,Which team are you in?,"
        "I summarise back what a client has told me to check that I have understood it "
        'correctly.\n{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2"}\nR_1,t1,4\n'
    )
    assert import_survey(qualtrics.encode(), name="q.csv").report.team_column.column == "Q1"
    kobo = b"_uuid,about_you/team,grp/COM01\nu1,t1,4\n"
    assert import_survey(kobo, name="k.csv").report.team_column.column == "about_you/team"
