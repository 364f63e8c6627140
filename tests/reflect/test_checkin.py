"""The follow-up check-in's kernel side and its store: checks, stores once, restores drafts,
speaks the language, and opens only from a link the server signed for a check-in.

The browser side is tested in a real Chromium (test_checkin_app.py); here the messages the
browser sends are handed to the widget directly.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from toolkit.core.i18n import LANGUAGES, LOCALE_DIR, catalog_path, translator
from toolkit.core.signing import form_signature
from toolkit.reflect import checkin as C
from toolkit.reflect.checkin import CheckInForm, open_checkin
from toolkit.reflect.checkins import CheckIn, CheckInStore
from toolkit.reflect.store import migrate_schema, upgrade_schema

SESSION = "intake_north-20270201-0930"
COMPETENCIES = ["communication.active_listening", "language_access.working_with_interpreters"]
JOINED = ",".join(COMPETENCIES)


@pytest.fixture
def store(tmp_path) -> CheckInStore:
    return CheckInStore(reflections=upgrade_schema(f"sqlite:///{tmp_path}/reflections.sqlite"))


def form(store, lang="en", cap=None) -> CheckInForm:
    return CheckInForm(SESSION, COMPETENCIES, lang, store, team_id="intake_north", cap=cap)


def answers(**overrides) -> dict:
    items = ["commitment", *COMPETENCIES]
    values = {
        "often": dict(zip(items, ["several", "once", "never"], strict=True)),
        "confidence": dict.fromkeys(items, 4),
        "obstacles": ["no_interpreter", "made-up"],
        "obstacle_text": "  The phone line was busy  ",
        "code": "ma07n",
    }
    values.update(overrides)
    return values


def browser(widget, **content) -> None:
    widget._on_message(widget, content, [])


def test_a_complete_check_in_is_stored_once_and_confirmed(store):
    widget = form(store)
    browser(widget, event="send", values=answers())
    assert widget.sent and widget.status["kind"] == "saved"
    [row] = store.load()
    assert row.session_id == SESSION and row.team_id == "intake_north" and row.self_code == "MA07N"
    assert row.commitment.frequency == "several" and row.commitment.applied == "yes"
    assert row.competencies[COMPETENCIES[0]].applied == "partly"
    assert row.competencies[COMPETENCIES[1]].applied == "no"
    assert row.obstacles == ["no_interpreter"]  # what the page does not offer is not stored
    assert row.obstacle_text == "The phone line was busy"
    browser(widget, event="send", values=answers())  # a double click
    assert len(store.load()) == 1


def test_without_a_code_it_still_counts(store):
    widget = form(store)
    browser(widget, event="send", values=answers(code=""))
    assert widget.status["kind"] == "saved" and store.load()[0].self_code is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"often": {"commitment": "several"}}, f"item:{COMPETENCIES[0]}"),
        ({"often": {"commitment": "always", COMPETENCIES[0]: "once", COMPETENCIES[1]: "once"}},
         "item:commitment"),
        ({"confidence": {"commitment": 6, COMPETENCIES[0]: 3, COMPETENCIES[1]: 3}},
         "item:commitment"),
        ({"code": "MA 07N"}, "code"),
    ],
)  # fmt: skip
def test_missing_or_strange_answers_are_named_and_nothing_is_stored(store, change, field):
    widget = form(store, lang="es")
    browser(widget, event="send", values=answers(**change))
    assert widget.status["kind"] == "missing" and not widget.sent
    assert field in widget.errors
    assert widget.errors[field] == translator("es", "checkin")(
        C.CODE_SHAPE if field == "code" else C.ANSWER_BOTH
    )
    assert store.load() == []


def test_the_page_speaks_the_language_switched_to_and_arabic_is_right_to_left(store):
    widget = form(store)
    assert widget.texts["SEND"] == "Send my check-in" and widget.dir == "ltr"
    widget.lang = "ar-EG"
    assert widget.lang == "ar" and widget.dir == "rtl"
    assert any("\u0600" <= ch <= "\u06ff" for ch in widget.texts["SEND"])
    assert any("\u0600" <= ch <= "\u06ff" for ch in widget.items[0]["name"])
    assert [f for f, _ in widget.choices["frequency"]] == ["never", "once", "several", "weekly"]


def test_a_draft_restores_and_a_sent_one_is_never_sent_again(store):
    first = form(store)
    browser(first, event="send", values=answers())
    again = form(store)  # the page reloaded after sending: the browser hands back its draft
    browser(again, event="restore", state={"submission_id": first.submission_id, "sent": False})
    assert again.sent and again.status["kind"] == "already"
    browser(again, event="send", values=answers())
    assert len(store.load()) == 1
    draft = form(store)
    browser(
        draft, event="restore", state={"submission_id": "d-1", "values": answers(), "lang": "uk"}
    )
    assert not draft.sent and draft.lang == "uk" and draft.values["code"] == "ma07n"


def test_a_store_failure_keeps_the_form_and_says_so(store, monkeypatch):
    widget = form(store)

    def unreachable(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "save", unreachable)
    browser(widget, event="send", values=answers())
    assert widget.status["kind"] == "failed" and not widget.sent and not widget.busy


def test_check_ins_are_append_only(store):
    form(store).submit(answers())
    for statement in ("UPDATE checkins SET team_id = 'x'", "DELETE FROM checkins"):
        with pytest.raises(sa.exc.DatabaseError), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert len(store.load()) == 1


def test_an_older_database_is_upgraded_and_keeps_its_reflections(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite"
    migrate_schema(url, "0003")
    with pytest.raises(Exception, match="cct db upgrade"):
        CheckInStore(url)
    assert CheckInStore(reflections=upgrade_schema(url)).load() == []


def test_a_check_in_model_refuses_unknown_answers():
    with pytest.raises(ValueError, match="frequency"):
        CheckIn(
            session_id=SESSION, language="en",
            commitment={"frequency": "always", "confidence": 3},
            competencies={COMPETENCIES[0]: {"frequency": "once", "confidence": 3}},
        )  # fmt: skip


# -- the catalogs -----------------------------------------------------------------------------
def test_the_template_lists_exactly_the_messages_in_the_code():
    with (LOCALE_DIR / "checkin.pot").open("rb") as fh:
        ids = [m.id for m in read_po(fh) if m.id]
    assert ids == C.all_messages()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_language_translates_every_message(lang):
    with catalog_path(lang, "checkin").open("rb") as fh:
        messages = {m.id: m for m in read_po(fh, locale=lang) if m.id}
    for msgid in C.all_messages():
        assert msgid in messages and messages[msgid].string.strip(), (lang, msgid)
        assert not messages[msgid].fuzzy
        for token in ("MA07N", "1 =", "5 =", "12"):
            if token in msgid:
                assert token in messages[msgid].string, (lang, token)


# -- served: signed links, planned sessions, caps (what an attacker with a link tries) --------
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
    monkeypatch.setattr("toolkit.reflect.checkin._STORES", {})
    monkeypatch.setattr("toolkit.reflect.form._STORES", {})

    def visit(**params: str):
        monkeypatch.setattr(query, "_ASKED", dict(params))
        return open_checkin()

    return visit


def signed(session=SESSION, competencies=JOINED, lang="fr", kind="checkin") -> dict:
    sig = form_signature(session, competencies, lang, kind=kind)
    return {"session": session, "competencies": competencies, "lang": lang, "sig": sig}


def refused_with(page, message: str, lang: str) -> bool:
    return not isinstance(page, CheckInForm) and translator(lang, "checkin")(message) in page.data


def test_a_signed_check_in_link_opens_the_form_with_the_sessions_cap(served):
    widget = served(**signed())
    assert isinstance(widget, CheckInForm)
    assert widget.competency_ids == COMPETENCIES and widget.lang == "fr" and widget.cap == 3


@pytest.mark.parametrize(
    "edit",
    [
        {"competencies": COMPETENCIES[0]},
        {"session": "intake_south-20270201-0930"},
        {"lang": "es"},
        {"sig": "A" * 22},
        {"sig": ""},
        # the reflection's own link, signed for the reflection form, does not open the check-in
        {"sig": signed(kind="form")["sig"]},
    ],
)
def test_an_edited_forged_or_borrowed_link_gets_a_plain_page_and_stores_nothing(
    served, store, edit
):
    params = {**signed(), **edit}
    page = served(**params)
    assert refused_with(page, C.LINK_INVALID, params["lang"])
    assert store.load() == []


def test_a_signed_link_for_a_session_not_in_the_plans_is_refused(served):
    page = served(**signed(session="intake_south-20270201-0930", lang="ar"))
    assert refused_with(page, C.SESSION_UNKNOWN, "ar") and 'dir="rtl"' in page.data


def test_a_link_without_a_session_gets_a_plain_page(served):
    assert refused_with(served(lang="uk"), C.NO_SESSION, "uk")


def test_stuffing_a_session_keeps_the_extra_check_ins_flagged(served, store):
    for _ in range(5):
        widget = served(**signed())
        browser(widget, event="send", values=answers())
        assert widget.status["kind"] == "saved"
    assert [c.over_cap for c in store.load()] == [False, False, False, True, True]
    assert len(store.load(counted_only=True)) == 3
    assert store.counts() == {SESSION: (3, 2)}


@pytest.mark.parametrize(
    ("notebook", "parameters", "widget"),
    [
        ("checkin.ipynb", ["-p", "session_id", SESSION, "-p", "competencies", JOINED], "CheckIn"),
        ("feedback.ipynb", ["-p", "team_id", "intake_north"], "Feedback"),
    ],
)
def test_the_participant_notebooks_run_headless_with_papermill(tmp_path, notebook, parameters,
                                                               widget):  # fmt: skip
    """The stock papermill CLI runs the page's notebook and it shows the form's widget."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.executed import outputs
    from toolkit.core.paths import NOTEBOOKS_DIR

    url = f"sqlite:///{tmp_path}/r.sqlite"
    upgrade_schema(url)
    command = [
        str(Path(sys.executable).with_name("papermill")), str(NOTEBOOKS_DIR / notebook),
        str(tmp_path / "out.ipynb"), "-p", "store_url", url, "-p", "lang", "ar", *parameters,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = outputs(tmp_path / "out.ipynb")[-1]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    text = shown["text/plain"]
    assert f"{widget}Form" in ("".join(text) if isinstance(text, list) else text)
