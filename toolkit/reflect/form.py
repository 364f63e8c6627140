"""The participant's reflection form (served by Voila from ``notebooks/reflection.ipynb``).

For every competency the session covered (all of them: the signed link lists what the plan
covers, and none is dropped): confidence before and now, both rated now (retrospective
pre-test); one commitment with a date; ratings of relevance and usefulness. Folded and
optional: five short Gibbs prompts and a self-generated code. No name or e-mail. What is
required is what a participant can finish in a corridor in five minutes on a phone
(``benchmarks/form_phone.py`` measures it).

The page is one widget (:class:`ReflectionForm`, an anywidget) that draws plain HTML inputs in
the browser: radio groups in fieldsets, labelled text areas, a date input. One widget model
instead of a hundred keeps the page quick on a phone and lets screen readers see real form
controls. The kernel stays the authority: it checks the answers and stores them.

Promises kept here:
* the confirmation shows only after the store has committed the submission;
* a double click or a reload after sending never saves twice (a submission id made when the
  form opens, kept in the browser with the draft, and a unique key in the database);
* an unsent draft survives a reload (kept in the browser's localStorage by the widget);
* every message is in the participant's language; Arabic is laid out right to left;
* served (``cct serve``), only a link the server signed opens the form, only for a session in
  the plans, and submissions beyond the session's cap (group size plus margin) are kept but
  flagged, never counted; an edited or made-up link gets a plain page and stores nothing.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import traitlets
from IPython.display import HTML

from toolkit.core import i18n
from toolkit.core import messages as M
from toolkit.core.config import cap_margin, plans_dir
from toolkit.core.framework import Framework, default_framework
from toolkit.core.i18n import normalise_language
from toolkit.core.query import url_parameters
from toolkit.reflect.participant import (
    SessionForm,
    module_source,
    plain_page,
    scale,
    served,
    signed_link,
    text,
)
from toolkit.reflect.store import GIBBS_STAGES, Rating, Reflection, ReflectionStore

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,12}$")
PROMPTS = dict(
    zip(GIBBS_STAGES, (M.DESCRIPTION, M.FEELINGS, M.EVALUATION, M.ANALYSIS, M.ACTION), strict=True)
)
# Five minutes in a corridor: the ratings, one commitment with a date and two ratings of the
# session are asked of everyone; the reflective prompts are offered, folded, never required.
REQUIRED_PROMPTS: tuple[str, ...] = ()
# the message names the browser shows (toolkit.core.messages), sent translated as ``texts``
PAGE_TEXTS = (
    "TITLE LANGUAGE INTRO DRAFT_KEPT CONFIDENCE SCALE_HINT BEFORE NOW GIBBS_HEADING COMMITMENT "
    "COMMITMENT_DATE RELEVANCE USEFULNESS RATING_HINT CODE CODE_HELP SEND SENDING ANOTHER "
    "REQUIRED_MARK OPTIONAL_MARK RECONNECTING"
).split()
# status kinds and the message each shows; "missing" and "failed" are problems (role=alert)
STATUS_MESSAGES = {
    "missing": M.MISSING,
    "failed": M.FAILED,
    "saved": M.SAVED,
    "already": M.ALREADY,
}


class ReflectionForm(SessionForm):
    """The whole participant page: one widget, plain HTML controls in the browser. The page,
    draft, retry and save-once machinery is :class:`ParticipantForm`'s; here are the
    reflection's questions, its checks and the :class:`Reflection` it stores."""

    _esm = module_source("form_parts.js", "reflection_form.js")
    DOMAIN = i18n.DOMAIN
    WORDS = {name: getattr(M, name) for name in PAGE_TEXTS}
    STATUS = STATUS_MESSAGES

    competencies = traitlets.List().tag(sync=True)  # [{"id", "name"}], in the page's language
    stages = traitlets.List().tag(sync=True)  # Gibbs prompts: [{"id", "label", "required"}]
    today = traitlets.Unicode("").tag(sync=True)  # earliest commitment date

    def __init__(
        self, session_id: str, competencies: list[str], lang: str, store: ReflectionStore, **options
    ):
        super().__init__(
            session_id, competencies, lang, store, today=date.today().isoformat(), **options
        )

    def words(self, _) -> None:
        self.competencies = [
            {"id": c, "name": self.competency_name(c)} for c in self.competency_ids
        ]
        self.stages = [
            {"id": s, "label": _(PROMPTS[s]), "required": s in REQUIRED_PROMPTS}
            for s in GIBBS_STAGES
        ]

    def answers(self) -> dict:
        """The answers, cleaned: ratings 1–5 or None, texts trimmed, the date as a date."""
        raw = self.values
        ratings = {
            key: raw.get(key) if isinstance(raw.get(key), dict) else {} for key in ("before", "now")
        }
        prompts = raw.get("prompts") if isinstance(raw.get("prompts"), dict) else {}
        try:
            when = date.fromisoformat(raw.get("commitment_date") or "")
        except (TypeError, ValueError):
            when = None
        return {
            "before": {c: scale(ratings["before"].get(c)) for c in self.competency_ids},
            "now": {c: scale(ratings["now"].get(c)) for c in self.competency_ids},
            "prompts": {s: text(prompts.get(s), 4000) for s in GIBBS_STAGES},
            "commitment": text(raw.get("commitment"), 2000),
            "commitment_date": when,
            "relevance": scale(raw.get("relevance")),
            "usefulness": scale(raw.get("usefulness")),
            "code": text(raw.get("code"), 40),
        }

    def problems(self, answers: dict) -> dict[str, str]:
        """Field → message (msgid) for each answer that needs the participant's attention."""
        found: dict[str, str] = {}
        for c in self.competency_ids:
            if answers["before"][c] is None or answers["now"][c] is None:
                found[f"competency:{c}"] = M.RATE_BOTH
        for stage in REQUIRED_PROMPTS:
            if not answers["prompts"][stage]:
                found[f"prompt:{stage}"] = M.REQUIRED
        if not answers["commitment"]:
            found["commitment"] = M.REQUIRED
        if answers["commitment_date"] is None:
            found["commitment_date"] = M.REQUIRED
        elif answers["commitment_date"] < date.today():
            found["commitment_date"] = M.DATE_PAST
        for key in ("relevance", "usefulness"):
            if answers[key] is None:
                found[key] = M.REQUIRED
        if answers["code"] and not CODE_PATTERN.match(answers["code"]):
            found["code"] = M.CODE_SHAPE
        return found

    def reflection(self, answers: dict) -> Reflection:
        return Reflection(
            submission_id=self.submission_id,
            session_id=self.session_id,
            team_id=self.team_id,
            language=self.lang,
            self_code=answers["code"].upper() or None,
            ratings={
                c: Rating(before=answers["before"][c], now=answers["now"][c])
                for c in self.competency_ids
            },
            prompts={s: written for s, written in answers["prompts"].items() if written},
            commitment=answers["commitment"],
            commitment_date=answers["commitment_date"],
            relevance=answers["relevance"],
            usefulness=answers["usefulness"],
        )

    def store_answers(self, answers: dict) -> bool:
        return self.store.save(self.reflection(answers), cap=self.cap)

    def stored(self, submission_id: str) -> bool:
        return self.store.has(submission_id)


def missing_session(lang: str) -> HTML:
    """What a participant sees when the link lacks the session: a plain message."""
    return plain_page(lang, M.NO_SESSION, ReflectionForm.DOMAIN)


SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,140}-\d{8}-\d{4}$")


def planned_session(session_id: str, folder: Path | None = None) -> dict | None:
    """The session's plan.json from the plans folder (``cct plans --out``), or None."""
    if not SESSION_ID.match(session_id):
        return None
    path = (folder or plans_dir()) / session_id / "plan.json"
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return plan if isinstance(plan, dict) and plan.get("session_id") == session_id else None


def session_cap(plan: dict) -> int | None:
    """Submissions counted for a session: its planned group size plus the server's margin."""
    size = plan.get("group_size")
    return size + cap_margin() if isinstance(size, int) and size > 0 else None


def team_of(session_id: str) -> str | None:
    """Session ids are ``<team_id>-YYYYMMDD-HHMM`` (toolkit.plan.planner)."""
    parts = session_id.rsplit("-", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() else None


def rated_competencies(wanted: str, framework: Framework) -> list[str]:
    """What the form asks to rate: every competency the link names (the plan's covered
    competencies, signed), known to the framework, once each, in the plan's order. None is
    dropped: the debrief compares before and now on exactly what the session covered."""
    known = {c.id for c in framework.competencies}
    return list(dict.fromkeys(c for c in (w.strip() for w in wanted.split(",")) if c in known))


def open_form(
    session_id: str = "",
    competencies: str = "",
    lang: str = "en",
    store_url: str = "",
    plan_file: str = "",
) -> ReflectionForm | HTML:
    """The page for this request: URL parameters override the notebook's parameters.

    Served by Voila, only the link counts, and it must carry the server's signature over its
    session, competencies and language, for a session in the plans."""
    framework = default_framework()
    cap = None
    if served():  # a web page: the link is all there is, and is checked
        params, valid = signed_link("form", ("session", "competencies", "lang"))
        session_id = params.get("session", "").strip()
        lang = normalise_language(params.get("lang") or lang)
        wanted = params.get("competencies", "")
        if not session_id:
            return missing_session(lang)
        if not valid:
            return plain_page(lang, M.LINK_INVALID, ReflectionForm.DOMAIN)
        plan = planned_session(session_id)
        if plan is None:
            return plain_page(lang, M.SESSION_UNKNOWN, ReflectionForm.DOMAIN)
        cap = session_cap(plan)
        plan_file = ""
    else:
        params = url_parameters()
        session_id = params.get("session", session_id).strip()
        lang = normalise_language(params.get("lang", lang))
        wanted = params.get("competencies", competencies)
    if plan_file and not wanted:
        with open(plan_file, encoding="utf-8") as fh:
            plan = json.load(fh)
        session_id = session_id or plan["session_id"]
        wanted = ",".join(plan["competencies"])
    chosen = rated_competencies(wanted, framework)
    if not session_id or not chosen:
        return missing_session(lang)
    return ReflectionForm(
        session_id,
        chosen,
        lang,
        warm_store(store_url),
        framework=framework,
        team_id=team_of(session_id),
        cap=cap,
    )


_STORES: dict[str, ReflectionStore] = {}


def warm_store(store_url: str = "") -> ReflectionStore:
    """Open the store once per kernel; a preheated kernel does it in advance. Its schema is
    made by `cct db upgrade`, never here."""
    if store_url not in _STORES:
        _STORES[store_url] = ReflectionStore(store_url or None)
    return _STORES[store_url]
