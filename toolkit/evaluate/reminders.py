"""Reminders: each plan's refreshers and follow-up check-in, as calendar files and as a list.

A session plan (``plan.json``, written by ``cct plans``) carries its refresher schedule; the
follow-up check-in falls :data:`FOLLOW_UP_DAYS` after the session (moved to the Monday when
that is a weekend). :func:`write_calendars`
puts them in a ``reminders.ics`` beside each plan (iCalendar, RFC 5545, through the
``icalendar`` library; all-day events with stable ids, so importing the file twice does not
duplicate them), and :func:`due` lists what falls due per team in the coming days. Each event
carries the plan's signed check-in link (``checkin_url`` in plan.json), so a participant who
adds the file to their calendar reaches the follow-up check-in from the reminder itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.files import write_atomic
from toolkit.core.framework import Framework, default_framework
from toolkit.plan.planner import checkin_link

__all__ = ["FOLLOW_UP_DAYS", "Reminder", "due", "reminders", "write_calendars"]

FOLLOW_UP_DAYS = 42
CALENDAR_NAME = "reminders.ics"


@dataclass(frozen=True)
class Reminder:
    team_id: str
    session_id: str
    day: date
    kind: str  # "refresher" or "follow-up"
    title: str
    minutes: int | None
    uid: str
    url: str | None = None  # the session's signed follow-up check-in


def _plan_files(plans_dir: Path) -> list[Path]:
    files = sorted(Path(plans_dir).glob("*/plan.json"))
    if not files:
        raise InputFileError(
            [InputProblem(str(plans_dir), "no plan.json found in its folders; run cct plans first")]
        )
    return files


def reminders(plans_dir: Path | str, framework: Framework | None = None) -> list[Reminder]:
    """Every refresher and follow-up of every plan under ``plans_dir``, by day."""
    framework = framework or default_framework()
    found: list[Reminder] = []
    problems: list[InputProblem] = []
    for path in _plan_files(Path(plans_dir)):
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
            session, team = plan["session_id"], plan["team_id"]
            start = datetime.fromisoformat(plan["start"]).date()
            refreshers = plan.get("refreshers", [])
            url = checkin_url(plan)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(InputProblem(str(path), f"this plan cannot be read ({exc})"))
            continue
        for k, item in enumerate(refreshers):
            try:
                name = framework.competency(item["competency_id"]).name["en"]
            except KeyError:
                name = item.get("competency_id", "")
            found.append(
                Reminder(
                    team, session, date.fromisoformat(item["day"]), "refresher",
                    f"{item['minutes']}-minute refresher for {team}: {name}",
                    int(item["minutes"]), f"{session}-refresher-{k + 1}@cct-toolkit", url,
                )
            )  # fmt: skip
        follow_up = start + timedelta(days=FOLLOW_UP_DAYS)
        while follow_up.weekday() >= 5:  # a working day, not a weekend
            follow_up += timedelta(days=1)
        found.append(
            Reminder(
                team, session, follow_up, "follow-up",
                f"Follow-up check-in for {team}: did people act on their commitments?",
                None, f"{session}-follow-up@cct-toolkit", url,
            )
        )  # fmt: skip
    if problems:
        raise InputFileError(problems)
    return sorted(found, key=lambda r: (r.day, r.team_id, r.kind))


def checkin_url(plan: dict) -> str | None:
    """The plan's signed check-in link; for a plan written before it had one, made from its
    reflection link's address, competencies and language (signed with this server's key)."""
    if isinstance(plan.get("checkin_url"), str) and plan["checkin_url"]:
        return plan["checkin_url"]
    base, sep, _ = str(plan.get("reflection_url") or "").partition("/voila/render/")
    competencies = plan.get("competencies")
    if not sep or not isinstance(competencies, list) or not competencies:
        return None
    return checkin_link(base, plan["session_id"], competencies, plan.get("language") or "en")


def calendar(items: list[Reminder]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//cct-toolkit//reminders//EN")
    cal.add("version", "2.0")
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.title)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("dtstamp", datetime(2026, 1, 1))  # stable: the same plan, the same file
        event.add("categories", [item.kind])
        if item.url:
            event.add("url", item.url)
            event.add(
                "description", f"Tell us how it went (about two minutes, no name): {item.url}"
            )
        cal.add_component(event)
    return cal.to_ical()


def write_calendars(plans_dir: Path | str) -> list[Path]:
    """A ``reminders.ics`` beside each plan; returns the files written."""
    items = reminders(plans_dir)
    written = []
    for path in _plan_files(Path(plans_dir)):
        session = json.loads(path.read_text(encoding="utf-8"))["session_id"]
        mine = [r for r in items if r.session_id == session]
        target = path.parent / CALENDAR_NAME
        try:
            written.append(write_atomic(target, calendar(mine).decode("utf-8")))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputFileError(
                [InputProblem(str(target), f"cannot write it ({reason})")]
            ) from exc
    return written


def due(plans_dir: Path | str, today: date, days: int = 7) -> dict[str, list[Reminder]]:
    """What falls due per team from ``today`` for ``days`` days, teams in name order."""
    if not 1 <= days <= 366:
        raise InputFileError(
            [InputProblem("--days", f"{days} is not a number of days ahead; use 1 to 366")]
        )
    end = today + timedelta(days=days)
    per_team: dict[str, list[Reminder]] = {}
    for item in reminders(plans_dir):
        if today <= item.day < end:
            per_team.setdefault(item.team_id, []).append(item)
    return dict(sorted(per_team.items()))
