"""Reminders: calendar files per plan and what is due this week."""

from __future__ import annotations

import json
from datetime import date

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.core.exceptions import InputFileError
from toolkit.evaluate.reminders import due, reminders, write_calendars


def write_plan(folder, team: str, start: str, refreshers: list[tuple[str, str]]) -> None:
    session = f"{team}-{start[:10].replace('-', '')}"
    plan = {
        "session_id": session,
        "team_id": team,
        "start": start,
        "refreshers": [
            {"day": day, "minutes": 10, "competency_id": comp} for day, comp in refreshers
        ],
    }
    (folder / session).mkdir(parents=True)
    (folder / session / "plan.json").write_text(json.dumps(plan), encoding="utf-8")


@pytest.fixture
def plans(tmp_path):
    folder = tmp_path / "plans"
    write_plan(folder, "intake_north", "2027-02-01T09:30:00",
               [("2027-02-08", "communication.active_listening"),
                ("2027-03-15", "communication.plain_language")])  # fmt: skip
    write_plan(
        folder, "housing_east", "2027-02-04T09:30:00", [("2027-03-18", "self_awareness.bias")]
    )
    return folder


def test_every_refresher_and_a_follow_up_on_a_working_day(plans):
    items = reminders(plans)
    north = [r for r in items if r.team_id == "intake_north"]
    assert [(r.day, r.kind) for r in north] == [
        (date(2027, 2, 8), "refresher"),
        (date(2027, 3, 15), "follow-up"),  # 42 days after 1 February is a Monday
        (date(2027, 3, 15), "refresher"),
    ]
    east_follow_up = next(r for r in items if r.team_id == "housing_east" and r.kind == "follow-up")
    assert east_follow_up.day == date(2027, 3, 18)  # a Thursday, kept
    assert "Active listening" in north[0].title


def test_calendars_parse_back_and_are_the_same_each_time(plans):
    (first,) = [p for p in write_calendars(plans) if "intake_north" in str(p)]
    text = first.read_text(encoding="utf-8")
    events = Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == 3
    assert {str(e["uid"]) for e in events} == {
        "intake_north-20270201-refresher-1@cct-toolkit",
        "intake_north-20270201-refresher-2@cct-toolkit",
        "intake_north-20270201-follow-up@cct-toolkit",
    }
    assert events[0].decoded("dtstart") == date(2027, 2, 8)
    write_calendars(plans)
    assert first.read_text(encoding="utf-8") == text


def test_due_lists_the_week_per_team(plans):
    week = due(plans, date(2027, 3, 15))
    assert list(week) == ["housing_east", "intake_north"]
    assert [r.kind for r in week["intake_north"]] == ["follow-up", "refresher"]
    assert due(plans, date(2027, 4, 1)) == {}


def test_a_missing_or_broken_plan_folder_is_said_plainly(tmp_path, plans):
    with pytest.raises(InputFileError, match="no plan.json found"):
        reminders(tmp_path / "nothing")
    (plans / "intake_north-20270201" / "plan.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="this plan cannot be read"):
        reminders(plans)


def test_cct_due_prints_the_week_and_refuses_a_bad_date(plans):
    runner = CliRunner()
    result = runner.invoke(app, ["due", str(plans), "--today", "2027-03-15", "--calendars"])
    assert result.exit_code == 0, result.output
    assert "reminders.ics" in result.output
    assert "intake_north\n  Mon 15 Mar: Follow-up check-in for intake_north" in result.output
    result = runner.invoke(app, ["due", str(plans), "--today", "15/03/2027"])
    assert result.exit_code == 2 and "'15/03/2027' is not a date" in result.output


def test_hostile_arguments_get_words_and_exit_2(tmp_path, plans):
    runner = CliRunner()
    for argv, words in (
        (["due", "/etc/passwd"], "no plan.json found"),
        (["due", str(plans), "--days", "-5"], "is not a number of days ahead"),
        (["due", str(plans), "--today", "../x"], "is not a date"),
    ):
        result = runner.invoke(app, argv)
        assert result.exit_code == 2 and words in result.output, argv
        assert "Traceback" not in result.output
    (plans / "intake_north-20270201" / "reminders.ics").mkdir()  # cannot be replaced by a file
    result = runner.invoke(app, ["due", str(plans), "--calendars"])
    assert result.exit_code == 2 and "reminders.ics: cannot write it" in result.output
    assert "Traceback" not in result.output


def test_every_reminder_links_to_the_sessions_signed_check_in(tmp_path):
    """The calendar file is how a participant reaches the check-in weeks later: its link must be
    the server-signed check-in link, which the reflection's own signature does not open."""
    from urllib.parse import parse_qs, urlsplit

    from toolkit.core.signing import valid_form_signature
    from toolkit.plan.planner import form_link

    folder = tmp_path / "plans"
    write_plan(folder, "intake_north", "2027-02-01T09:30:00",
               [("2027-02-08", "communication.active_listening")])  # fmt: skip
    plan_file = folder / "intake_north-20270201" / "plan.json"
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    competencies = ["communication.active_listening"]
    # a plan written before plans carried their check-in link: made from its reflection link
    plan |= {"competencies": competencies, "language": "ar",
             "reflection_url": form_link("https://cct.example.org/room", plan["session_id"],
                                         competencies, "ar")}  # fmt: skip
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    (calendar_file,) = write_calendars(folder)
    events = Calendar.from_ical(calendar_file.read_text(encoding="utf-8")).walk("VEVENT")
    urls = {str(e["url"]) for e in events}
    assert len(events) == 2 and len(urls) == 1
    (url,) = urls
    assert url.startswith("https://cct.example.org/room/voila/render/checkin.ipynb?")
    assert all(url in str(e["description"]) for e in events)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["session"] == plan["session_id"] and query["lang"] == "ar"
    fields = (query["session"], query["competencies"], query["lang"])
    assert valid_form_signature(query["sig"], *fields, kind="checkin")
    assert not valid_form_signature(query["sig"], *fields, kind="form")
    # a plan that carries its own check-in link (cct plans writes one) keeps it
    plan["checkin_url"] = "https://cct.example.org/room/voila/render/checkin.ipynb?x=1"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    assert {r.url for r in reminders(folder)} == {plan["checkin_url"]}
