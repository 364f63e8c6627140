"""The follow-up check-in (served by Voila from ``notebooks/checkin.ipynb``; Kirkpatrick level 3).

A few weeks after a session the participant says, for their commitment and each competency the
session covered, how often they applied it since, and how confident they are now; then what got
in the way, and optionally their self-generated code, which links the check-in to their
reflection (without a code it still counts for the team). No name, no e-mail.

Reached from the refresher dates on the handout and from the plan's calendar file, through a
link the server signed for *this* form (a reflection link does not open it); only for a session
in the plans; check-ins beyond the session's cap are kept but flagged, never counted. Same
page, draft, retry and save-once machinery as the reflection (:mod:`toolkit.reflect.participant`).
"""

from __future__ import annotations

import re

import traitlets
from IPython.display import HTML

from toolkit.core.framework import default_framework
from toolkit.core.i18n import normalise_language
from toolkit.core.messages import N_
from toolkit.reflect.checkins import FREQUENCIES, OBSTACLES, Applied, CheckIn, CheckInStore
from toolkit.reflect.form import planned_session, session_cap, team_of, warm_store
from toolkit.reflect.participant import (
    SessionForm,
    module_source,
    plain_page,
    scale,
    served,
    signed_link,
    text,
)

DOMAIN = "checkin"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,12}$")
COMMITMENT = "commitment"  # the first item: what the participant committed to

# every participant-facing sentence, in English (the msgids of data/locale/*/checkin.po)
WORDS = {
    "TITLE": N_("How did it go? A check-in after the session"),
    "LANGUAGE": N_("Language"),
    "INTRO": N_(
        "A few weeks ago you took part in a session. This check-in takes about two minutes. "
        "It does not ask for your name."
    ),
    "DRAFT_KEPT": N_("Your answers are kept on this device until you send them."),
    "HEADING": N_("Since the session"),
    "SCALE_HINT": N_("1 = not at all confident, 5 = very confident"),
    "HOW_OFTEN": N_("How often have you done this since the session?"),
    "CONFIDENCE_NOW": N_("How confident are you about it now?"),
    "OBSTACLES": N_("What got in the way, if anything?"),
    "OBSTACLE_TEXT": N_("Anything else that got in the way or helped?"),
    "CODE": N_("Your personal code, as on your reflection"),
    "CODE_HELP": N_(
        "The first two letters of your mother's first name, the day of the month you were born "
        "(two digits) and the last letter of your own first name. Example: MA07N. It links this "
        "check-in to your reflection without your name. Leave it empty if you prefer."
    ),
    "SEND": N_("Send my check-in"),
    "SENDING": N_("Sending…"),
    "ANOTHER": N_("Send another check-in from this device"),
    "RECONNECTING": N_(
        "The connection was lost. Reconnecting… Your answers are kept on this device."
    ),
    "REQUIRED_MARK": N_("(required)"),
    "OPTIONAL_MARK": N_("(optional)"),
}
COMMITMENT_NAME = N_("Your commitment from the session (the one you wrote on your reflection)")
FREQUENCY_NAMES = {
    "never": N_("Not yet"),
    "once": N_("Once or twice"),
    "several": N_("Several times"),
    "weekly": N_("Every week or more"),
}
OBSTACLE_NAMES = {
    "no_occasion": N_("No occasion came up"),
    "no_time": N_("No time"),
    "no_support": N_("Little support at work"),
    "no_interpreter": N_("No interpreter available"),
    "unsure_how": N_("Not sure how to do it"),
    "other": N_("Something else"),
}
STATUS = {
    "missing": N_("Some answers are missing. Please see the messages next to the questions."),
    "failed": N_(
        "Your check-in could not be saved. Please try again in a moment; your answers are kept."
    ),
    "saved": N_("Thank you. Your check-in is saved."),
    "already": N_("You have already sent your check-in for this session. Thank you."),
}
ANSWER_BOTH = N_("Please say how often, and how confident you are now.")
CODE_SHAPE = N_("Use only letters and digits, at most 12.")
NO_SESSION = N_(
    "This link does not say which session it is for. Please use the link from your handout or "
    "calendar."
)
LINK_INVALID = N_(
    "This link is not valid: it may have been changed or copied only in part. Please use the "
    "link from your handout or calendar."
)
SESSION_UNKNOWN = N_(
    "This session is not open for check-ins. Please ask your facilitator for the link."
)


def all_messages() -> list[str]:
    """Every msgid of the check-in, in order, for its template (data/locale/checkin.pot)."""
    found = [
        *WORDS.values(),
        COMMITMENT_NAME,
        *FREQUENCY_NAMES.values(),
        *OBSTACLE_NAMES.values(),
        *STATUS.values(),
        ANSWER_BOTH,
        CODE_SHAPE,
        NO_SESSION,
        LINK_INVALID,
        SESSION_UNKNOWN,
    ]
    return list(dict.fromkeys(found))


class CheckInForm(SessionForm):
    """The whole check-in page: one widget, plain HTML controls in the browser."""

    _esm = module_source("form_parts.js", "checkin_form.js")
    DOMAIN = DOMAIN
    WORDS = WORDS
    STATUS = STATUS

    items = traitlets.List().tag(sync=True)  # [{"id", "name"}]: the commitment, competencies
    choices = traitlets.Dict().tag(sync=True)  # {"frequency": [[id, label]], "obstacles": …}

    @property
    def item_ids(self) -> list[str]:
        return [COMMITMENT, *self.competency_ids]

    def words(self, _) -> None:
        self.items = [{"id": COMMITMENT, "name": _(COMMITMENT_NAME)}] + [
            {"id": c, "name": self.competency_name(c)} for c in self.competency_ids
        ]
        self.choices = {
            "frequency": [[f, _(FREQUENCY_NAMES[f])] for f in FREQUENCIES],
            "obstacles": [[o, _(OBSTACLE_NAMES[o])] for o in OBSTACLES],
        }

    def answers(self) -> dict:
        """The answers, cleaned: frequencies known or None, confidence 1–5 or None, texts
        trimmed, obstacles known."""
        raw = self.values
        often = raw.get("often") if isinstance(raw.get("often"), dict) else {}
        confidence = raw.get("confidence") if isinstance(raw.get("confidence"), dict) else {}
        obstacles = raw.get("obstacles") if isinstance(raw.get("obstacles"), list) else []
        return {
            "often": {
                i: often.get(i) if often.get(i) in FREQUENCIES else None for i in self.item_ids
            },
            "confidence": {i: scale(confidence.get(i)) for i in self.item_ids},
            "obstacles": [o for o in OBSTACLES if o in obstacles],
            "obstacle_text": text(raw.get("obstacle_text"), 2000),
            "code": text(raw.get("code"), 40),
        }

    def problems(self, answers: dict) -> dict[str, str]:
        found = {
            f"item:{i}": ANSWER_BOTH
            for i in self.item_ids
            if answers["often"][i] is None or answers["confidence"][i] is None
        }
        if answers["code"] and not CODE_PATTERN.match(answers["code"]):
            found["code"] = CODE_SHAPE
        return found

    def checkin(self, answers: dict) -> CheckIn:
        def applied(item: str) -> Applied:
            return Applied(frequency=answers["often"][item], confidence=answers["confidence"][item])

        return CheckIn(
            submission_id=self.submission_id,
            session_id=self.session_id,
            team_id=self.team_id,
            language=self.lang,
            self_code=answers["code"].upper() or None,
            commitment=applied(COMMITMENT),
            competencies={c: applied(c) for c in self.competency_ids},
            obstacles=answers["obstacles"],
            obstacle_text=answers["obstacle_text"],
        )

    def store_answers(self, answers: dict) -> bool:
        return self.store.save(self.checkin(answers), cap=self.cap)

    def stored(self, submission_id: str) -> bool:
        return self.store.has(submission_id)


def open_checkin(
    session_id: str = "", competencies: str = "", lang: str = "en", store_url: str = ""
) -> CheckInForm | HTML:
    """The page for this request. Served by Voila, only the link counts: it must carry the
    server's signature for a check-in over its session, competencies and language, for a
    session in the plans."""
    framework = default_framework()
    cap = None
    if served():
        params, valid = signed_link("checkin", ("session", "competencies", "lang"))
        session_id = params.get("session", "").strip()
        lang = normalise_language(params.get("lang") or lang)
        competencies = params.get("competencies", "")
        if not session_id:
            return plain_page(lang, NO_SESSION, DOMAIN)
        if not valid:
            return plain_page(lang, LINK_INVALID, DOMAIN)
        plan = planned_session(session_id)
        if plan is None:
            return plain_page(lang, SESSION_UNKNOWN, DOMAIN)
        cap = session_cap(plan)
    lang = normalise_language(lang)
    known = {c.id for c in framework.competencies}
    wanted = (c.strip() for c in competencies.split(","))
    chosen = list(dict.fromkeys(c for c in wanted if c in known))
    if not session_id.strip() or not chosen:
        return plain_page(lang, NO_SESSION, DOMAIN)
    return CheckInForm(
        session_id.strip(),
        chosen[:8],
        lang,
        warm_checkins(store_url),
        framework,
        team_id=team_of(session_id.strip()),
        cap=cap,
    )


_STORES: dict[str, CheckInStore] = {}


def warm_checkins(store_url: str = "") -> CheckInStore:
    """Open the store once per kernel (a preheated kernel does it before the visit)."""
    if store_url not in _STORES:
        _STORES[store_url] = CheckInStore(reflections=warm_store(store_url))
    return _STORES[store_url]
