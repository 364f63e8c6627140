"""Service outcomes: described as data, imported from CSV/XLSX, every bad cell named."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml

from toolkit.core.exceptions import DataFileError, InputFileError
from toolkit.evaluate.outcomes import (
    OUTCOMES_FILE,
    default_outcomes,
    load_outcomes,
    read_outcomes,
)


def csv(text: str) -> bytes:
    return text.strip().encode("utf-8") + b"\n"


def test_the_bundled_outcomes_cover_the_issue_list():
    ids = {o.id for o in default_outcomes().outcomes}
    assert {
        "client_satisfaction",
        "complaints",
        "wait_time",
        "completed_services",
        "interpreter_use",
        "miscommunication_incidents",
    } <= ids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["outcomes"][0].update(better="more"), "at outcomes → 0 → better: "),
        (lambda d: d["outcomes"][0].update(maximum=-1), "outcomes → 0: .*must be above minimum"),
        (lambda d: d["outcomes"][1].update(headers=["satisfaction"]), "used by both"),
        (lambda d: d["outcomes"][0].update(colour="red"), "at outcomes → 0 → colour: "),
        (lambda d: d["outcomes"][0].update(headers=["Period"]), "reserved"),
    ],
)
def test_a_broken_outcomes_file_is_refused_naming_the_place(tmp_path, change, message):
    data = yaml.safe_load(OUTCOMES_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "outcomes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_outcomes(path)


def test_any_subset_of_outcomes_is_read_by_id_or_heading():
    data = csv(
        """
team_id;Period;Client satisfaction (%);Number of complaints;notes
intake_north;2026-01;81,5;3;quiet month
intake_north;2026-02;;4;
intake_south;2026-Q1;77;12;
"""
    )
    result = read_outcomes(data, "outcomes.csv")
    frame = result.frame
    assert set(frame["outcome"]) == {"client_satisfaction", "complaints"}
    row = frame[(frame.team_id == "intake_north") & (frame.outcome == "client_satisfaction")]
    assert row["value"].tolist() == [81.5]
    assert str(frame["period"].iloc[-1]) == "2026Q1"
    assert any("'notes'" in n and "not used" in n for n in result.notices)
    assert any("1 empty cell" in n for n in result.notices)


def test_an_excel_workbook_reads_the_same():
    frame = pd.DataFrame(
        {"team": ["a", "b"], "month": ["2026-03", "2026-04"], "wait_time": [12.5, 30]}
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    result = read_outcomes(buffer.getvalue(), "outcomes.xlsx")
    assert result.frame["value"].tolist() == [12.5, 30.0]
    assert result.frame["outcome"].unique().tolist() == ["wait_time"]


def test_every_bad_cell_is_named_by_row_and_column():
    data = csv(
        """
team_id,period,client_satisfaction,complaints,clients
intake_north,2026-01,eighty,2,40
intake_north,2026-13,80,2,40
intake_north,2026-01,120,2.5,40
,2026-02,70,1,-3
ghost_team,2026-02,70,1,40
"""
    )
    with pytest.raises(InputFileError) as caught:
        read_outcomes(data, "outcomes.csv", known_teams=["intake_north", "intake_south"])
    text = str(caught.value)
    assert "outcomes.csv, row 2, column 'client_satisfaction': 'eighty' is not a number" in text
    assert "row 3, column 'period': '2026-13' is not a period" in text
    assert "row 4, column 'period': team 'intake_north' has figures for 2026-01 twice" in text
    assert "row 4, column 'client_satisfaction': 120 is out of range" in text
    assert "from 0 to 100" in text
    assert "row 4, column 'complaints': 2.5 is not a whole number" in text
    assert "row 5, column 'team_id': team id is empty" in text
    assert "row 5, column 'clients': '-3' is not a number of clients" in text
    assert "row 6, column 'team_id': team 'ghost_team' is not in the team list" in text
    assert len(caught.value.problems) == 8


def test_a_file_without_the_needed_columns_says_which():
    with pytest.raises(InputFileError) as caught:
        read_outcomes(csv("office,when,notes\na,2026-01,x"), "outcomes.csv")
    text = str(caught.value)
    assert "no 'team_id' column" in text and "no 'period' column" in text
    assert "no column is a service outcome we know" in text and "'complaints'" in text


def test_two_columns_for_one_outcome_are_refused():
    data = csv("team_id,period,complaints,number of complaints\na,2026-01,1,1")
    with pytest.raises(InputFileError, match="are all 'complaints'"):
        read_outcomes(data, "outcomes.csv")


def test_an_unreadable_file_gets_the_shared_message(tmp_path):
    with pytest.raises(InputFileError, match="the file is empty"):
        read_outcomes(b"   ", "outcomes.csv")
    with pytest.raises(InputFileError, match="cannot open the file"):
        read_outcomes(tmp_path / "missing.csv")


def test_client_feedback_from_the_form_becomes_level_4_figures_per_team_and_month(tmp_path):
    """Level 4 reads the anonymous feedback form: shares per team and month with the number of
    clients (so the threshold applies), interpreter access only among those who needed one,
    answers beyond a team's daily cap left out and said."""
    from datetime import date

    from toolkit.evaluate.levels import evaluate
    from toolkit.evaluate.outcomes import combine_outcomes, from_feedback
    from toolkit.evaluate.pipeline import run
    from toolkit.reflect.feedback import Feedback, FeedbackStore
    from toolkit.reflect.store import upgrade_schema

    def answer(k, understood, interpreter, team="a", day=date(2027, 2, 10), over_cap=False):
        return Feedback(f"{team}{k}{day}", team, "ar", understood, "yes", interpreter, day,
                        over_cap)  # fmt: skip

    answers = [answer(k, "yes" if k < 6 else "no", "got_one" if k < 3 else "not_needed")
               for k in range(8)]  # fmt: skip
    answers += [answer(8, "no", "not_offered"), answer(9, "yes", "got_one", over_cap=True)]
    found = from_feedback(answers)
    frame = found.frame.set_index("outcome")
    assert frame.loc["client_understood", "value"] == pytest.approx(100 * 6 / 9)
    assert frame.loc["client_understood", "clients"] == 9
    assert frame.loc["client_respected", "value"] == 100
    assert frame.loc["client_interpreter", "value"] == pytest.approx(75)  # 3 of the 4 needing one
    assert frame.loc["client_interpreter", "clients"] == 4
    assert found.notices == ["1 client answer(s) beyond a team's daily cap were not counted"]
    assert from_feedback([]) is None and combine_outcomes(None, None) is None

    ev = evaluate([], outcomes=found, threshold=5)
    f = ev.figures
    shown = f[(f.team_id == "a") & (f.measure == "outcome:client_understood")]
    assert len(shown) == 1 and not shown.iloc[0].isna()["value"]
    withheld = f[(f.team_id == "a") & (f.measure == "outcome:client_interpreter")]
    assert withheld["value"].isna().all()  # about 4 clients: under the threshold

    url = f"sqlite:///{tmp_path}/reflections.sqlite"
    store = FeedbackStore(reflections=upgrade_schema(url))
    for item in answers:
        store.save(item)
    done = run(url)
    f = done.evaluation.figures
    assert len(f[(f.team_id == "a") & (f.measure == "outcome:client_understood")]) == 1
