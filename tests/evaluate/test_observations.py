"""Supervisors' observation counts: per team and period, never names, every bad cell named."""

from __future__ import annotations

import pytest

from toolkit.core.exceptions import InputFileError
from toolkit.core.framework import default_framework
from toolkit.evaluate.observations import checklist, read_observations


def csv(text: str) -> bytes:
    return text.strip().encode("utf-8") + b"\n"


def test_the_blank_checklist_lists_every_behaviour_for_every_team_and_reads_back(tmp_path):
    framework = default_framework()
    blank = checklist(["intake_north", "housing_east"], "2026-Q1")
    assert len(blank) == 2 * len(framework.behaviours)
    assert "Lets the client finish explaining" in " ".join(blank["behaviour text"])
    blank["observed"] = "3"
    blank["not_observed"] = "1"
    path = tmp_path / "checklist.csv"
    blank.to_csv(path, index=False)
    result = read_observations(path, known_teams=["intake_north", "housing_east"])
    assert len(result.frame) == len(blank)
    assert result.frame["observed"].sum() == 3 * len(blank)
    assert result.notices == []


def test_behaviours_are_found_by_id_or_english_text():
    data = csv(
        """
team_id,period,behaviour,observed,not observed
intake_north,2026-03,com-b01,4,1
intake_north,2026-03,"Never uses a child to interpret for a parent.",2,0
intake_north,2026-03,COM-B02,,
"""
    )
    result = read_observations(data, "observations.csv")
    frame = result.frame
    assert frame["behaviour"].tolist() == ["COM-B01", "ETH-B06"]
    assert frame["competency"].tolist() == [
        "communication.active_listening",
        "ethics_privacy.safeguarding",
    ]
    assert any("1 behaviour(s) with no counts" in n for n in result.notices)


@pytest.mark.parametrize(
    "heading", ["staff name", "Name", "Employee", "email", "Person observed", "worker_id"]
)
def test_a_file_that_names_people_is_refused(heading):
    data = csv(
        f"""
team_id,period,behaviour,observed,not_observed,{heading}
intake_north,2026-03,COM-B01,1,0,Amina K.
"""
    )
    with pytest.raises(InputFileError, match="counted per team, never per person") as caught:
        read_observations(data, "observations.csv")
    assert f"column '{heading}'" in str(caught.value)


def test_a_team_name_column_is_not_a_person():
    data = csv(
        """
team_id,team name,period,behaviour,observed,not_observed
intake_north,"Central intake, North",2026-03,COM-B01,1,0
"""
    )
    result = read_observations(data, "observations.csv")
    assert len(result.frame) == 1
    assert any("'team name'" in n for n in result.notices)


def test_every_bad_cell_is_named_by_row_and_column():
    data = csv(
        """
team_id,period,behaviour,observed,not_observed
intake_north,2026-03,COM-B99,1,0
intake_north,soon,COM-B01,1,0
intake_north,2026-03,COM-B01,-1,2.5
ghost,2026-03,COM-B02,1,1
intake_north,2026-03,COM-B02,1,1
intake_north,2026-03,COM-B02,1,1
"""
    )
    with pytest.raises(InputFileError) as caught:
        read_observations(data, "observations.csv", known_teams=["intake_north"])
    text = str(caught.value)
    assert "row 2, column 'behaviour': 'COM-B99' is not a behaviour of the framework" in text
    assert "row 3, column 'period': 'soon' is not a period" in text
    assert "row 4, column 'observed': '-1' is not a count" in text
    assert "row 4, column 'not_observed': '2.5' is not a count" in text
    assert "row 5, column 'team_id': team 'ghost' is not in the team list" in text
    assert (
        "row 7, column 'behaviour': COM-B02 for team 'intake_north' in 2026-03 is counted " in text
    )
    assert len(caught.value.problems) == 6


def test_missing_columns_are_listed():
    with pytest.raises(InputFileError, match="required column.*behaviour, observed, not_observed"):
        read_observations(csv("team_id,period\na,2026-01"), "observations.csv")
