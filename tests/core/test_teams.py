"""The teams file's client_contact column: whether a team's clients need interpreters at all."""

import pytest

from toolkit.assess.language_access import language_access
from toolkit.core.exceptions import InputFileError
from toolkit.core.teams import read_teams

HEADER = (
    "team_id,team_name,role,staff_count,clients_per_month,interpreter_need_share,"
    "client_languages,client_regions,staff_languages,interpreter_hours_per_month"
)
DESK = "desk,Front desk,frontline_intake,5,200,50,ar=100,,en,10"
APP = "app,Benefits app,tech_product,8,4000,25,es=60; ar=40,,en,0"


def test_a_file_without_the_column_means_direct_contact(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text(f"{HEADER}\n{DESK}\n{APP}\n", encoding="utf-8")
    teams = read_teams(path)
    assert all(t.client_contact == "direct" and t.needs_interpreting for t in teams.values())


def test_product_teams_get_no_interpreter_need(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text(f"{HEADER},client_contact\n{DESK},\n{APP},Product\n", encoding="utf-8")
    teams = read_teams(path)
    assert teams["desk"].needs_interpreting and not teams["app"].needs_interpreting
    frame = language_access(teams)
    assert set(frame["team_id"]) == {"desk"}  # 4000 users × 25% were 1000 hours a month
    assert frame["need_hours"].sum() == pytest.approx(100)


def test_an_unknown_contact_is_named_with_file_row_and_column(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text(f"{HEADER},client_contact\n{DESK},by pigeon\n{APP},app\n", encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        read_teams(path)
    text = str(raised.value)
    for row, value in ((2, "by pigeon"), (3, "app")):  # both listed at once
        assert f"teams.csv, row {row}, column 'client_contact'" in text and value in text
    assert "direct" in text and "product" in text
