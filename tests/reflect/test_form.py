"""The reflection form's kernel side: checks, stores once, restores drafts, speaks the language.

The browser side is tested in a real Chromium (test_reflection_app.py); here the messages the
browser sends are handed to the widget directly.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from toolkit.core import messages as M
from toolkit.core.i18n import translator
from toolkit.reflect.form import ReflectionForm, missing_session, open_form, team_of
from toolkit.reflect.store import ReflectionStore, upgrade_schema

SESSION = "intake_north-20270201-0930"
COMPETENCIES = ["communication.active_listening", "language_access.working_with_interpreters"]


@pytest.fixture
def store(tmp_path) -> ReflectionStore:
    return upgrade_schema(f"sqlite:///{tmp_path}/reflections.sqlite")


def form(store, lang="en") -> ReflectionForm:
    return ReflectionForm(SESSION, COMPETENCIES, lang, store, team_id=team_of(SESSION))


def answers(**overrides) -> dict:
    values = {
        "before": {c: 2 for c in COMPETENCIES},
        "now": {c: 4 for c in COMPETENCIES},
        "prompts": {
            "description": "A role-play",
            "action": "Brief the interpreter",
            "feelings": "",
        },
        "commitment": "Book interpreters ahead",
        "commitment_date": (date.today() + timedelta(days=7)).isoformat(),
        "relevance": 5,
        "usefulness": 4,
        "code": "ma07n",
    }
    values.update(overrides)
    return values


def browser(widget: ReflectionForm, **content) -> None:
    """A custom message as the browser sends it."""
    widget._on_message(widget, content, [])


def test_a_complete_reflection_is_stored_once_and_confirmed(store):
    widget = form(store)
    browser(widget, event="send", values=answers())
    browser(widget, event="send", values=answers())  # a double click
    assert widget.sent and widget.status["kind"] == "saved"
    assert widget.status["text"] == M.SAVED
    [row] = store.load()
    assert row.submission_id == widget.submission_id and row.team_id == "intake_north"
    assert row.self_code == "MA07N" and row.prompts == {
        "description": "A role-play",
        "action": "Brief the interpreter",
    }
    assert row.ratings["communication.active_listening"].now == 4


def test_missing_answers_are_named_next_to_their_fields_and_nothing_is_stored(store):
    widget = form(store)
    browser(
        widget,
        event="send",
        values=answers(commitment="  ", relevance=None, now={COMPETENCIES[0]: 9}, code="no way!"),
    )
    assert widget.status["kind"] == "missing" and not widget.sent
    assert widget.errors == {
        f"competency:{COMPETENCIES[0]}": M.RATE_BOTH,
        f"competency:{COMPETENCIES[1]}": M.RATE_BOTH,
        "commitment": M.REQUIRED,
        "relevance": M.REQUIRED,
        "code": M.CODE_SHAPE,
    }
    assert store.count() == 0
    first = widget.status["n"]
    browser(widget, event="send", values=answers(commitment=""))
    assert widget.status["n"] == first + 1  # each answer is news to the page, even if the same


def test_a_date_in_the_past_or_not_a_date_is_refused(store):
    widget = form(store)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    browser(widget, event="send", values=answers(commitment_date=yesterday))
    assert widget.errors == {"commitment_date": M.DATE_PAST}
    browser(widget, event="send", values=answers(commitment_date="next week"))
    assert widget.errors == {"commitment_date": M.REQUIRED}


def test_messages_follow_the_language_switched_on_the_page(store):
    widget = form(store)
    browser(widget, event="send", values=answers(commitment=""))
    widget.lang = "ar"  # the participant picks Arabic in the page
    arabic = translator("ar")
    assert widget.dir == "rtl"
    assert widget.texts["SEND"] == arabic(M.SEND)
    assert widget.errors == {"commitment": arabic(M.REQUIRED)}
    assert widget.status["text"] == arabic(M.MISSING)
    assert widget.competencies[0]["name"] != "Active listening"
    browser(widget, event="send", values=answers())
    assert store.load()[0].language == "ar"
    widget.lang = "xx-YY"  # not a language of the form: English, never stored as is
    assert widget.lang == "en"


def test_a_draft_restores_its_answers_and_a_sent_one_is_never_sent_again(store):
    first = form(store)
    browser(first, event="send", values=answers())
    reloaded = form(store)  # the page reloaded after sending: a new kernel, a new id
    assert reloaded.submission_id != first.submission_id
    browser(reloaded, event="restore", state={"submission_id": first.submission_id, "sent": False})
    assert reloaded.sent and reloaded.status["kind"] == "already"
    browser(reloaded, event="send", values=answers())
    assert store.count() == 1

    draft = form(store)
    state = {"submission_id": "kept-id", "sent": False, "values": answers(), "lang": "fr"}
    browser(draft, event="restore", state=state)
    assert draft.submission_id == "kept-id" and draft.lang == "fr" and not draft.sent
    assert draft.values["commitment"] == "Book interpreters ahead"


def test_start_again_gives_a_fresh_form_with_a_new_id(store):
    widget = form(store)
    browser(widget, event="send", values=answers())
    used = widget.submission_id
    browser(widget, event="another")
    assert not widget.sent and widget.values == {} and widget.status["kind"] == ""
    assert widget.submission_id != used
    browser(widget, event="send", values=answers(commitment="second person"))
    assert store.count() == 2


def test_a_store_failure_keeps_the_form_and_says_so(store, monkeypatch):
    widget = form(store)

    def unreachable(_reflection):
        raise OSError("disk full")

    monkeypatch.setattr(store, "save", unreachable)
    browser(widget, event="send", values=answers())
    assert widget.status["kind"] == "failed" and not widget.sent and not widget.busy
    assert widget.values["commitment"] == "Book interpreters ahead"


def test_strange_messages_from_the_browser_change_nothing(store):
    widget = form(store)
    for content in ("send", ["send"], {"event": "restore", "state": "x"}, {"event": "?"}):
        widget._on_message(widget, content, [])
    browser(widget, event="send", values="not a dict")
    assert widget.status["kind"] == "missing" and store.count() == 0


def test_the_link_must_name_the_session_and_known_competencies(store, monkeypatch):
    monkeypatch.setenv("CCT_DATABASE_URL", str(store.engine.url))
    assert 'role="alert"' in missing_session("fr").data
    assert isinstance(open_form("", ",".join(COMPETENCIES)), type(missing_session("en")))
    assert isinstance(open_form(SESSION, "no.such,competency"), type(missing_session("en")))
    widget = open_form(SESSION, f"{COMPETENCIES[0]},{COMPETENCIES[0]}", lang="uk-UA")
    assert widget.competency_ids == [COMPETENCIES[0]] and widget.lang == "uk"


# -- served: signed links, planned sessions, caps (what an attacker with a form link tries) ----
@pytest.fixture
def served(tmp_path, monkeypatch, store):
    """As in a kernel of `cct serve`: Voila's environment, a key, a plans folder, a store."""
    from toolkit.core import query

    plans = tmp_path / "plans"
    (plans / SESSION).mkdir(parents=True)
    (plans / SESSION / "plan.json").write_text(
        json.dumps({"session_id": SESSION, "group_size": 2, "competencies": COMPETENCIES})
    )
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.setenv("CCT_PLANS_DIR", str(plans))
    monkeypatch.setenv("CCT_CAP_MARGIN", "1")
    monkeypatch.setenv("CCT_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("CCT_DATABASE_URL", str(store.engine.url))
    monkeypatch.setattr("toolkit.reflect.form._STORES", {})  # a new kernel opens its store

    def visit(**params: str):
        """The kernel of a page opened with this query string."""
        monkeypatch.setattr(query, "_ASKED", dict(params))
        return open_form()

    return visit


JOINED = ",".join(COMPETENCIES)


def signed(session=SESSION, competencies=JOINED, lang="fr") -> dict:
    from toolkit.core.signing import form_signature

    sig = form_signature(session, competencies, lang)
    return {"session": session, "competencies": competencies, "lang": lang, "sig": sig}


def refused_with(page, message: str, lang: str) -> bool:
    return not isinstance(page, ReflectionForm) and translator(lang)(message) in page.data


def test_a_signed_link_for_a_planned_session_opens_the_form_with_its_cap(served):
    widget = served(**signed())
    assert isinstance(widget, ReflectionForm)
    assert widget.competency_ids == COMPETENCIES and widget.lang == "fr"
    assert widget.cap == 3  # planned group of 2, margin 1


@pytest.mark.parametrize(
    "edit",
    [
        {"competencies": COMPETENCIES[0]},  # a competency dropped
        {"session": "intake_south-20270201-0930"},  # another session
        {"lang": "es"},  # another language
        {"sig": "A" * 22},  # a made-up signature
        {"sig": ""},
    ],
)
def test_an_edited_or_forged_link_gets_a_plain_page_and_stores_nothing(served, store, edit):
    params = {**signed(), **edit}
    page = served(**params)
    lang = params["lang"]
    assert refused_with(page, M.LINK_INVALID, lang)
    assert f'lang="{lang}"' in page.data
    assert store.count() == 0


def test_a_link_signed_with_another_key_is_refused(served, tmp_path, monkeypatch):
    params = signed()
    monkeypatch.setenv("CCT_SECRET_FILE", str(tmp_path / "another-secret"))
    assert refused_with(served(**params), M.LINK_INVALID, "fr")


def test_a_signed_link_for_a_session_not_in_the_plans_is_refused(served):
    page = served(**signed(session="intake_south-20270201-0930", lang="ar"))
    assert refused_with(page, M.SESSION_UNKNOWN, "ar") and 'dir="rtl"' in page.data


def test_stuffing_a_session_keeps_the_extra_submissions_flagged(served, store):
    for _ in range(5):  # five different people, or one person reloading five times
        widget = served(**signed())
        browser(widget, event="send", values=answers())
        assert widget.status["kind"] == "saved"  # kept: a real participant's words are not lost
    assert [r.over_cap for r in store.load()] == [False, False, False, True, True]


def test_the_reflective_prompts_are_offered_but_never_required(store):
    """Five minutes in a corridor: ratings, one commitment with a date, two ratings."""
    widget = form(store)
    browser(widget, event="send", values=answers(prompts={}, code=""))
    assert widget.status["kind"] == "saved", widget.errors
    [row] = store.load()
    assert row.prompts == {} and row.commitment == "Book interpreters ahead"
    assert [s["required"] for s in widget.stages] == [False] * len(widget.stages)


def test_every_competency_a_sample_plan_covers_is_rated(store, tmp_path, monkeypatch):
    """Nothing dropped: the form rates exactly what the plan covers, however many (the sample
    organisation's widest plans cover 9 or 10)."""
    import csv
    from datetime import datetime

    from toolkit.core.paths import DATA_DIR
    from toolkit.plan.planner import SessionParameters, plan_session
    from toolkit.plan.report import plan_json
    from toolkit.plan.session_plan import sample_results

    monkeypatch.setenv("CCT_DATABASE_URL", str(store.engine.url))
    results = sample_results()
    with (DATA_DIR / "sample" / "sessions.csv").open(encoding="utf-8") as fh:
        sessions = list(csv.DictReader(fh))
    widest = max(
        (
            plan_session(
                results,
                SessionParameters(
                    row["team_id"],
                    int(row["minutes"]),
                    row["format"],
                    int(row["group_size"]),
                    datetime.fromisoformat(row["start"]),
                ),
            )
            for row in sessions
        ),
        key=lambda p: len(p.covered_competencies),
    )
    covered = widest.covered_competencies
    assert len(covered) > 8  # more than the form used to keep
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan_json(widest), encoding="utf-8")
    widget = open_form(plan_file=str(plan_file))
    assert widget.competency_ids == covered
    assert [c["id"] for c in widget.competencies] == covered
