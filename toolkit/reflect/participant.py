"""What the participant forms share: the reflection, the follow-up check-in and the client
feedback form are one anywidget each (a :class:`ParticipantForm`), on the reflection form's
light page (Voila's ``cct`` template) and stylesheet. The check-in and the feedback form are
drawn by ``assets/form_parts.js`` plus their own questions; the reflection by its own
``assets/reflection_form.js``.

The promises are the reflection form's (:mod:`toolkit.reflect.form`): the confirmation shows
only after the store committed; a double click or a reload after sending saves once (a
submission id made when the page opens, kept with the draft, unique in the database); an unsent
draft survives a reload; every word is in the page's language, Arabic right to left; served,
only a link the server signed for this kind of form opens it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from IPython.display import HTML

from toolkit.core.framework import Framework, default_framework
from toolkit.core.i18n import LANGUAGES, direction, normalise_language, translator
from toolkit.core.query import url_parameters
from toolkit.core.signing import SIGNATURE_PARAMETER, valid_form_signature

ASSETS = Path(__file__).parent / "assets"
SCALE = (1, 2, 3, 4, 5)


def scale(value: Any) -> int | None:
    """A rating 1–5 as the browser sent it, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in SCALE and str(number) == str(value).strip() else None


def text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def module_source(*names: str) -> str:
    """One ES module from the shared parts and a form's own file."""
    return "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in names)


class ParticipantForm(anywidget.AnyWidget):
    """A participant page: one widget, plain HTML controls. Subclasses say which words, which
    questions (:meth:`answers`, :meth:`problems`) and how a submission is stored."""

    _css = ASSETS / "reflection_form.css"
    DOMAIN = "reflection"  # the PO catalogs of its words (data/locale/<lang>/LC_MESSAGES)
    WORDS: dict[str, str] = {}  # name the browser uses → English msgid
    STATUS: dict[str, str] = {}  # missing, failed, saved, already → English msgid

    session_id = traitlets.Unicode("").tag(sync=True)
    submission_id = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    dir = traitlets.Unicode("ltr").tag(sync=True)
    languages = traitlets.List().tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)  # the answers, as the browser holds them
    errors = traitlets.Dict().tag(sync=True)  # field → message next to it
    status = traitlets.Dict().tag(sync=True)  # {"kind", "text", "n"}: the answer to a send
    sent = traitlets.Bool(False).tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(self, session_id: str, lang: str, **traits):
        self._problems: dict[str, str] = {}  # field → msgid
        self._status_kind = ""
        self._answers = 0
        super().__init__(
            session_id=session_id,
            submission_id=str(uuid.uuid4()),
            lang=lang,
            languages=[[code, name] for code, name in LANGUAGES.items()],
            **traits,
        )
        self.observe(lambda _: self._translate(), "lang")
        self.on_msg(self._on_message)
        self._translate()

    # -- what a form says ----------------------------------------------------------------------
    def answers(self) -> dict:
        raise NotImplementedError

    def problems(self, answers: dict) -> dict[str, str]:
        raise NotImplementedError

    def store_answers(self, answers: dict) -> bool:
        """Store the submission; True if new, False if it was already stored."""
        raise NotImplementedError

    def stored(self, submission_id: str) -> bool:
        raise NotImplementedError

    def words(self, _: Callable[[str], str]) -> None:
        """Set the form's own translated traits (names of questions, choices)."""

    # -- language --------------------------------------------------------------------------
    @traitlets.validate("lang")
    def _supported_language(self, proposal) -> str:
        return normalise_language(proposal["value"])  # whatever the browser sends

    def gettext(self) -> Callable[[str], str]:
        return translator(self.lang, self.DOMAIN)

    def _translate(self) -> None:
        _ = self.gettext()
        with self.hold_sync():
            self.dir = direction(self.lang)
            self.texts = {name: _(msgid) for name, msgid in self.WORDS.items()}
            self.words(_)
            self._publish_feedback()

    def _publish_feedback(self) -> None:
        _ = self.gettext()
        kind = self._status_kind
        self.errors = {field: _(msgid) for field, msgid in self._problems.items()}
        self.status = {
            "kind": kind,
            "text": _(self.STATUS[kind]) if kind else "",
            "n": self._answers,
        }

    # -- messages from the browser ---------------------------------------------------------
    def _on_message(self, _widget, content: Any, _buffers) -> None:
        if not isinstance(content, dict):
            return
        event = content.get("event")
        if event == "send":
            self.submit(content.get("values"))
        elif event == "restore":
            self.restore(content.get("state"))
        elif event == "another":
            self.start_again()

    def submit(self, values: Any = None) -> None:
        """Check and store; the confirmation is set only once the store has committed."""
        if self.sent or self.busy:  # a second click while the first is handled, or after
            return
        if isinstance(values, dict):
            self.values = values
        answers = self.answers()
        self._problems = self.problems(answers)
        if self._problems:
            self._answer("missing")
            return
        self.busy = True
        try:
            new = self.store_answers(answers)
        except Exception:  # the database is unreachable, the disk is full …: the draft stays
            self.busy = False
            self._answer("failed")
            return
        self.busy = False
        self._mark_sent(already=not new)

    def restore(self, state: Any) -> None:
        """A draft the browser kept: its submission id, whether it was sent, its answers."""
        if not isinstance(state, dict):
            return
        kept_id = state.get("submission_id")
        if isinstance(kept_id, str) and 0 < len(kept_id) <= 64:
            self.submission_id = kept_id
        if state.get("sent") is True or self.stored(self.submission_id):
            self._mark_sent(already=True)
            return
        if isinstance(state.get("values"), dict):
            self.values = state["values"]
        if state.get("lang") in LANGUAGES:
            self.lang = state["lang"]

    def start_again(self) -> None:
        """Another person on the same device: a fresh form with a new submission id."""
        self._problems = {}
        self._status_kind = ""
        with self.hold_sync():
            self.values = {}
            self.submission_id = str(uuid.uuid4())
            self.sent = False
            self._translate()

    def _mark_sent(self, already: bool) -> None:
        self._problems = {}
        with self.hold_sync():
            self.sent = True
            self._answer("already" if already else "saved")

    def _answer(self, kind: str) -> None:
        self._status_kind = kind
        self._answers += 1
        with self.hold_sync():
            self._publish_feedback()


def plain_page(lang: str, message: str, domain: str) -> HTML:
    """What a participant sees instead of the form: one sentence in their language."""
    words = translator(lang, domain)(message)
    return HTML(f'<p role="alert" lang="{lang}" dir="{direction(lang)}">{words}</p>')


def served() -> bool:
    """True when Voila serves the page: then only the link counts, and it is checked."""
    return "VOILA_BASE_URL" in os.environ


def signed_link(kind: str, fields: tuple[str, ...]) -> tuple[dict[str, str], bool]:
    """The page's URL parameters, and whether the server's signature for ``kind`` covers
    exactly the values of ``fields`` (in that order)."""
    params = url_parameters()
    values = tuple(params.get(name, "") for name in fields)
    signature = params.get(SIGNATURE_PARAMETER, "")
    return params, valid_form_signature(signature, *values, kind=kind)


class SessionForm(ParticipantForm):
    """A participant page about one session's competencies (the reflection, the check-in):
    the store it saves to, the session's cap and the competencies' names in the page's
    language."""

    def __init__(
        self,
        session_id: str,
        competencies: list[str],
        lang: str,
        store: Any,
        framework: Framework | None = None,
        team_id: str | None = None,
        cap: int | None = None,
        **traits,
    ):
        self.framework = framework or default_framework()
        self.store = store
        self.cap = cap  # submissions counted for the session; beyond it, kept but flagged
        self.team_id = team_id
        self.competency_ids = list(competencies)
        super().__init__(session_id, lang, **traits)

    def competency_name(self, competency_id: str) -> str:
        """The competency's name in the page's language (English where it has none)."""
        name = self.framework.competency(competency_id).name
        return name.get(self.lang, name["en"])
