"""Anonymous client feedback, kernel side, and the attacks on it: forged links, one page sending
many times, many pages stuffing a team's figures, identifiers slipping in."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from toolkit.core.i18n import LANGUAGES, LOCALE_DIR, catalog_path, translator
from toolkit.core.signing import form_signature
from toolkit.plan.planner import feedback_link
from toolkit.reflect import feedback as F
from toolkit.reflect.feedback import FeedbackForm, FeedbackStore, open_feedback
from toolkit.reflect.store import upgrade_schema

TEAM = "intake_north"
GOOD = {"answers": {"understood": "yes", "respected": "partly", "interpreter": "not_offered"}}


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    return FeedbackStore(reflections=upgrade_schema(f"sqlite:///{tmp_path}/reflections.sqlite"))


def browser(widget, **content) -> None:
    widget._on_message(widget, content, [])


def test_three_answers_are_stored_with_the_day_and_nothing_that_identifies(store):
    widget = FeedbackForm(TEAM, "es", store)
    browser(widget, event="send", values=GOOD)
    assert widget.sent and widget.status["kind"] == "saved"
    [row] = store.load()
    assert (row.team_id, row.language, row.understood, row.respected, row.interpreter) == (
        TEAM, "es", "yes", "partly", "not_offered",
    )  # fmt: skip
    assert row.visit_date == date.today()
    stored = {f.name for f in fields(row)}
    assert stored == {"submission_id", "team_id", "language", "understood", "respected",
                      "interpreter", "visit_date", "over_cap"}  # fmt: skip
    with store.engine.connect() as connection:  # no time of day, no address, no agent, no text
        columns = {c["name"] for c in sa.inspect(connection).get_columns("client_feedback")}
    assert columns == stored | {"id"}


@pytest.mark.parametrize(
    "answers",
    [{}, {"understood": "yes", "respected": "yes"},
     {"understood": "maybe", "respected": "yes", "interpreter": "got_one"},
     {"understood": "yes", "respected": "yes", "interpreter": "yes"}],
)  # fmt: skip
def test_an_unanswered_or_strange_answer_is_named_and_nothing_stored(store, answers):
    widget = FeedbackForm(TEAM, "ar", store)
    browser(widget, event="send", values={"answers": answers})
    assert widget.status["kind"] == "missing" and store.load() == []
    assert translator("ar", "feedback")(F.ANSWER_ONE) in widget.errors.values()


def test_one_page_cannot_send_twice_even_with_made_up_ids(store):
    widget = FeedbackForm(TEAM, "en", store)
    browser(widget, event="send", values=GOOD)
    for k in range(5):  # what a script on the page would try
        browser(widget, event="restore", state={"submission_id": f"fake-{k}", "sent": False})
        browser(widget, event="another")
        browser(widget, event="send", values=GOOD)
    assert len(store.load()) == 1
    assert widget.status["kind"] in ("wait", "already", "saved")


def test_the_next_client_on_a_counter_device_can_answer_after_a_pause(store, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(F.time, "monotonic", lambda: clock[0])
    widget = FeedbackForm(TEAM, "en", store)
    browser(widget, event="send", values=GOOD)
    browser(widget, event="another")
    assert widget.sent and widget.status["kind"] == "wait"
    clock[0] += F.NEXT_CLIENT_SECONDS
    browser(widget, event="another")
    assert not widget.sent
    browser(widget, event="send", values=GOOD)
    assert len(store.load()) == 2


def test_feedback_is_append_only(store):
    FeedbackForm(TEAM, "en", store).submit(GOOD)
    for statement in (
        "UPDATE client_feedback SET understood = 'no'",
        "DELETE FROM client_feedback",
    ):
        with pytest.raises(sa.exc.DatabaseError), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert len(store.load()) == 1


def test_the_template_and_every_language_carry_every_message():
    with (LOCALE_DIR / "feedback.pot").open("rb") as fh:
        assert [m.id for m in read_po(fh) if m.id] == F.all_messages()
    for lang in LANGUAGES:
        with catalog_path(lang, "feedback").open("rb") as fh:
            messages = {m.id: m for m in read_po(fh, locale=lang) if m.id}
        for msgid in F.all_messages():
            assert messages[msgid].string.strip() and not messages[msgid].fuzzy, (lang, msgid)


# -- served: the link and the stuffing limits ---------------------------------------------------
@pytest.fixture
def served(tmp_path, monkeypatch, store):
    from toolkit.core import query

    plans = tmp_path / "plans"
    (plans / f"{TEAM}-20270201-0930").mkdir(parents=True)
    (plans / f"{TEAM}-20270201-0930" / "plan.json").write_text(json.dumps({"team_id": TEAM}))
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.setenv("CCT_PLANS_DIR", str(plans))
    monkeypatch.setenv("CCT_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("CCT_DATABASE_URL", str(store.engine.url))
    monkeypatch.setenv(F.PER_DAY_ENV, "4")
    monkeypatch.setattr("toolkit.reflect.feedback._STORES", {})
    monkeypatch.setattr("toolkit.reflect.form._STORES", {})

    def visit(**params: str):
        monkeypatch.setattr(query, "_ASKED", dict(params))
        return open_feedback()

    return visit


def signed(team=TEAM, **extra) -> dict:
    return {"team": team, "sig": form_signature(team, "", "", kind="feedback"), **extra}


def refused(page, lang="en") -> bool:
    return not isinstance(page, FeedbackForm) and translator(lang, "feedback")(F.LINK_INVALID) in (
        page.data
    )


def test_the_teams_signed_link_opens_the_form_in_the_clients_language(served):
    widget = served(**signed(lang="uk"))
    assert isinstance(widget, FeedbackForm) and widget.lang == "uk" and widget.cap == 4
    assert "team=intake_north&sig=" in feedback_link("http://x", TEAM)


@pytest.mark.parametrize(
    "params",
    [
        {**signed(), "team": "housing_east"},  # another team's figures
        {"team": TEAM, "sig": "A" * 22},
        {"team": TEAM},
        {"team": TEAM, "sig": form_signature(TEAM, "", "", kind="checkin")},  # another form's
        signed(team="no_such_team"),  # signed, but no such team in the plans
        signed(team="../../etc"),
    ],
)
def test_a_forged_or_borrowed_link_is_refused_and_stores_nothing(served, store, params):
    assert refused(served(**params, lang="ar"), "ar")
    assert store.load() == []


def test_stuffing_a_teams_figures_from_many_pages_is_kept_but_not_counted(served, store):
    for _ in range(10):  # ten page loads, one answer each, the same day
        widget = served(**signed())
        browser(widget, event="send", values=GOOD)
        assert widget.status["kind"] == "saved"
    assert [f.over_cap for f in store.load()] == [False] * 4 + [True] * 6
    assert len(store.load(counted_only=True)) == 4
