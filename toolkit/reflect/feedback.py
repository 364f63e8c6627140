"""Anonymous client feedback (served by Voila from ``notebooks/feedback.ipynb``; level 4).

A client fills it at the counter or on a phone, in their own language: were they understood,
treated with respect, given an interpreter when they needed one. Three taps, no identifiers: the
row holds the team, the page's language, the answers and the day (not the time).

Stuffing, limited without identifying anyone:
* only a link the server signed for the team (kind ``feedback``) opens the form;
* one submission per page load: the submission id is made by the kernel when the page opens and
  the browser cannot replace it (a reload is a new page, and a new page is a new kernel);
* "the next client" on a shared counter device starts a new submission only after
  :data:`NEXT_CLIENT_SECONDS`;
* per team and day, submissions beyond a cap (``CCT_FEEDBACK_PER_DAY``, default 200) are kept but
  flagged ``over_cap``, in the same transaction that counts them, and never counted.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import traitlets
from IPython.display import HTML

from toolkit.core.config import plans_dir
from toolkit.core.i18n import normalise_language
from toolkit.core.messages import N_
from toolkit.plan.planner import feedback_link  # noqa: F401 (the link this page accepts)
from toolkit.reflect import append_only
from toolkit.reflect.form import warm_store
from toolkit.reflect.participant import (
    ParticipantForm,
    module_source,
    plain_page,
    served,
    signed_link,
)
from toolkit.reflect.store import ReflectionStore

DOMAIN = "feedback"
ANSWERS = ("yes", "partly", "no")
INTERPRETER = ("got_one", "not_offered", "not_needed")
QUESTIONS = ("understood", "respected", "interpreter")
TEAM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
NEXT_CLIENT_SECONDS = 20
PER_DAY_ENV = "CCT_FEEDBACK_PER_DAY"
DEFAULT_PER_DAY = 200

WORDS = {
    "TITLE": N_("Your visit today"),
    "LANGUAGE": N_("Language"),
    "INTRO": N_("Three short questions. Anonymous: we do not ask who you are."),
    "DRAFT_KEPT": N_("Your answers help us serve everyone better."),
    "SEND": N_("Send"),
    "SENDING": N_("Sending…"),
    "ANOTHER": N_("Next person"),
    "RECONNECTING": N_("The connection was lost. Reconnecting…"),
    "REQUIRED_MARK": N_("(required)"),
    "OPTIONAL_MARK": N_("(optional)"),
}
QUESTION_NAMES = {
    "understood": N_("Did the staff understand you?"),
    "respected": N_("Were you treated with respect?"),
    "interpreter": N_("Did you need an interpreter?"),
}
ANSWER_NAMES = {
    "yes": N_("Yes"),
    "partly": N_("Partly"),
    "no": N_("No"),
    "got_one": N_("Yes, and I had one"),
    "not_offered": N_("Yes, but I did not have one"),
    "not_needed": N_("No, I did not need one"),
}
STATUS = {
    "missing": N_("Please answer each question."),
    "failed": N_("It could not be sent. Please try again in a moment."),
    "saved": N_("Thank you. Your answers are sent."),
    "already": N_("Thank you. Your answers are already sent."),
    "wait": N_("Thank you. The next person can answer in a moment."),
}
ANSWER_ONE = N_("Please choose one answer.")
LINK_INVALID = N_("This page cannot be opened from this link. Please ask at the desk.")


def all_messages() -> list[str]:
    found = [*WORDS.values(), *QUESTION_NAMES.values(), *ANSWER_NAMES.values(), *STATUS.values()]
    return list(dict.fromkeys([*found, ANSWER_ONE, LINK_INVALID]))


def per_day_cap() -> int:
    try:
        return max(1, int(os.environ.get(PER_DAY_ENV, DEFAULT_PER_DAY)))
    except ValueError:
        return DEFAULT_PER_DAY


@dataclass(frozen=True)
class Feedback:
    submission_id: str
    team_id: str
    language: str
    understood: str
    respected: str
    interpreter: str
    visit_date: date
    over_cap: bool = False


table = sa.Table(
    "client_feedback",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("team_id", sa.String(120), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("understood", sa.String(8), nullable=False),
    sa.Column("respected", sa.String(8), nullable=False),
    sa.Column("interpreter", sa.String(16), nullable=False),
    sa.Column("visit_date", sa.Date, nullable=False),
    sa.Column("over_cap", sa.Boolean, nullable=False),
)


class FeedbackStore:
    """Client feedback in the reflections database (``cct db upgrade`` makes the table)."""

    def __init__(self, url: str | None = None, reflections: ReflectionStore | None = None):
        self.reflections = reflections or ReflectionStore(url)
        self.engine = self.reflections.engine

    def save(self, feedback: Feedback, cap: int | None = None) -> bool:
        """Store one visit's answers; beyond ``cap`` counted for the team that day, flagged."""
        row = {k: getattr(feedback, k) for k in Feedback.__dataclass_fields__}
        group = {"team_id": feedback.team_id, "visit_date": feedback.visit_date}
        return append_only.append(
            self.engine, table, row, cap=cap, group=group, lock="feedback:" + feedback.team_id
        )

    def has(self, submission_id: str) -> bool:
        return append_only.has(self.engine, table, submission_id)

    def load(self, counted_only: bool = False) -> list[Feedback]:
        query = sa.select(table).order_by(table.c.id)
        if counted_only:
            query = query.where(table.c.over_cap.is_(False))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [Feedback(**{k: v for k, v in r.items() if k != "id"}) for r in rows]


class FeedbackForm(ParticipantForm):
    """Three questions, one submission per page load (or per client on a counter device)."""

    _esm = module_source("form_parts.js", "feedback_form.js")
    DOMAIN = DOMAIN
    WORDS = WORDS
    STATUS = STATUS

    items = traitlets.List().tag(sync=True)  # [{"id", "name", "choices": [[value, label]]}]

    def __init__(self, team_id: str, lang: str, store: FeedbackStore, cap: int | None = None):
        self.store = store
        self.cap = cap
        self.team_id = team_id
        self._sent_at = 0.0
        super().__init__(team_id, lang)

    def words(self, _) -> None:
        self.items = [
            {
                "id": q,
                "name": _(QUESTION_NAMES[q]),
                "choices": [
                    [a, _(ANSWER_NAMES[a])]
                    for a in (INTERPRETER if q == "interpreter" else ANSWERS)
                ],
            }
            for q in QUESTIONS
        ]

    def answers(self) -> dict:
        raw = self.values.get("answers") if isinstance(self.values.get("answers"), dict) else {}
        allowed = {q: INTERPRETER if q == "interpreter" else ANSWERS for q in QUESTIONS}
        return {q: raw.get(q) if raw.get(q) in allowed[q] else None for q in QUESTIONS}

    def problems(self, answers: dict) -> dict[str, str]:
        return {f"item:{q}": ANSWER_ONE for q in QUESTIONS if answers[q] is None}

    def store_answers(self, answers: dict) -> bool:
        new = self.store.save(
            Feedback(
                self.submission_id, self.team_id, self.lang, visit_date=date.today(), **answers
            ),
            cap=self.cap,
        )
        self._sent_at = time.monotonic()
        return new

    def stored(self, submission_id: str) -> bool:
        return self.store.has(submission_id)

    def restore(self, state) -> None:
        """Only the language and the answers come back from the browser; never an id (so a
        page cannot send more than once by making up new ones)."""
        if isinstance(state, dict):
            state = {k: v for k, v in state.items() if k in ("values", "lang", "sent")}
            super().restore({**state, "submission_id": self.submission_id})

    def start_again(self) -> None:
        """The next client at a counter device: a new submission, after a short pause."""
        if not self.sent:
            return
        if time.monotonic() - self._sent_at < NEXT_CLIENT_SECONDS:
            self._answer("wait")
            return
        super().start_again()

    def _mark_sent(self, already: bool) -> None:
        self._sent_at = self._sent_at or time.monotonic()
        super()._mark_sent(already)


def known_team(team_id: str) -> bool:
    """A team with a plan in the plans folder (``cct plans --out``)."""
    return bool(TEAM_ID.match(team_id)) and any(plans_dir().glob(f"{team_id}-*/plan.json"))


def open_feedback(team_id: str = "", lang: str = "en", store_url: str = "") -> FeedbackForm | HTML:
    """The page for this request; served, only a link signed for a team with plans opens it."""
    cap = None
    if served():
        params, valid = signed_link(DOMAIN, ("team", "", ""))
        team_id = params.get("team", "").strip()
        lang = normalise_language(params.get("lang") or lang)
        if not valid or not known_team(team_id):
            return plain_page(lang, LINK_INVALID, DOMAIN)
        cap = per_day_cap()
    lang = normalise_language(lang)
    if not TEAM_ID.match(team_id):
        return plain_page(lang, LINK_INVALID, DOMAIN)
    return FeedbackForm(team_id, lang, warm_feedback(store_url), cap=cap)


_STORES: dict[str, FeedbackStore] = {}


def warm_feedback(store_url: str = "") -> FeedbackStore:
    if store_url not in _STORES:
        _STORES[store_url] = FeedbackStore(reflections=warm_store(store_url))
    return _STORES[store_url]
