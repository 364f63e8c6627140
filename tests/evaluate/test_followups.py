"""Level 3 reads the check-in form: stored check-ins count for their team, with or without a
code, those beyond a session's cap do not, and they sit beside check-ins read from files."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from tests.evaluate.test_levels import Q1, SUM_NOISE, cohort, count_as, figure
from toolkit.evaluate.followups import combine, from_checkins, read_followups
from toolkit.evaluate.levels import evaluate
from toolkit.evaluate.pipeline import run
from toolkit.reflect.checkins import Applied, CheckIn, CheckInStore
from toolkit.reflect.store import upgrade_schema

COMPETENCY = "communication.active_listening"
WHEN = datetime(2027, 3, 15, 10, tzinfo=UTC)


def checkin(k: int, frequency: str, *, team="a", code=None, over_cap=False) -> CheckIn:
    return CheckIn(
        submission_id=f"c{team}{k}",
        session_id=f"{team}-20270201-0930",
        team_id=team,
        language="en",
        self_code=code,
        commitment=Applied(frequency=frequency, confidence=4),
        competencies={COMPETENCY: Applied(frequency="once", confidence=3)},
        over_cap=over_cap,
        submitted_at=WHEN,
    )


def test_check_ins_become_follow_ups_and_those_beyond_the_cap_are_left_out_and_said():
    found = from_checkins(
        [
            checkin(0, "weekly", code="MA07N"),
            checkin(1, "once"),
            checkin(2, "never"),
            checkin(3, "weekly", over_cap=True),
        ]  # fmt: skip
    )
    assert list(found.frame["applied"]) == ["yes", "partly", "no"]
    assert found.frame["code"].iloc[0] == "MA07N" and found.frame["code"].iloc[1:].isna().all()
    assert set(found.frame["team_id"]) == {"a"} and (found.frame["date"] == "2027-03-15").all()
    assert found.notices == ["1 check-in(s) beyond their session's cap were not counted"]


def test_form_and_file_check_ins_count_together(tmp_path):
    (tmp_path / "f.csv").write_text(
        "team_id,date,applied\na,2027-03-16,yes\na,2027-03-17,no\n", encoding="utf-8"
    )
    both = combine(from_checkins([checkin(k, "several") for k in range(4)]),
                   read_followups(tmp_path / "f.csv"))  # fmt: skip
    assert len(both.frame) == 6 and both.name == "check-in form and f.csv"
    assert combine(from_checkins([]), None) is None
    ev = evaluate(cohort("a", Q1, 8, 1), followups=both)
    acted = figure(ev, "a", "2027Q1", "commitments_acted_on")
    assert abs(acted.value - 500 / 6) <= 100 * SUM_NOISE / 6 + 0.5 and count_as(acted.n, 6)


def test_the_evaluation_reads_the_check_ins_stored_by_the_form(tmp_path):
    url = f"sqlite:///{tmp_path}/reflections.sqlite"
    store = upgrade_schema(url)
    for r in cohort("a", Q1, 8, 1):
        store.save(r)
    checkins = CheckInStore(reflections=store)
    for k, frequency in enumerate(["weekly", "several", "once", "never", "never", "weekly"]):
        checkins.save(checkin(k, frequency))
    done = run(url)
    acted = figure(done.evaluation, "a", "2027Q1", "commitments_acted_on")
    assert abs(acted.value - 400 / 6) <= 100 * SUM_NOISE / 6 + 0.5 and count_as(acted.n, 6)
    assert isinstance(done.evaluation.figures, pd.DataFrame)
