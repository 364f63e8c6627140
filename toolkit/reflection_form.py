"""The participant's reflection form (served by Voila from ``notebooks/reflection.ipynb``).

For each competency the session covered: confidence before and now, both rated now
(retrospective pre-test); five short Gibbs prompts; one commitment with a date; ratings of
relevance and usefulness; an optional self-generated code. No name or e-mail.

Promises kept here:
* the confirmation shows only after the store has committed the submission;
* a double click or a reload after sending never saves twice (a submission id made when the
  form opens, kept in the browser with the draft, and a unique key in the database);
* an unsent draft survives a reload (kept in the browser's localStorage by :class:`PageBridge`);
* every message is in the participant's language; Arabic is laid out right to left.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import anywidget
import ipywidgets as W
import traitlets

from . import messages as M
from .exceptions import ToolkitError
from .framework import Framework, default_framework
from .i18n import LANGUAGES, direction, normalise_language, translator
from .query import url_parameters
from .store import GIBBS_STAGES, Rating, Reflection, ReflectionStore

SCALE = [1, 2, 3, 4, 5]
CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,12}$")
PROMPTS = dict(
    zip(GIBBS_STAGES, (M.DESCRIPTION, M.FEELINGS, M.EVALUATION, M.ANALYSIS, M.ACTION), strict=True)
)
REQUIRED_PROMPTS = ("description", "action")
STYLE = """
<style>
.cct-reflection { max-width: 44rem; margin: 0 auto; font-size: 1rem; }
.cct-reflection .widget-label, .cct-reflection .widget-label-basic { width: 100% !important;
  max-width: 100% !important; white-space: normal !important; margin-bottom: .2rem; }
.cct-reflection .widget-inline-hbox, .cct-reflection .widget-inline-vbox { flex-wrap: wrap; }
.cct-reflection .widget-textarea textarea, .cct-reflection .widget-text input { width: 100%; }
.cct-reflection .widget-textarea, .cct-reflection .widget-text { width: 100% !important; }
.cct-reflection .widget-radio-box { flex-direction: row !important; flex-wrap: wrap; gap: .2rem 1rem; }
.cct-reflection .widget-radio-box label { min-width: 2.6rem; min-height: 2.2rem; }
.cct-reflection .cct-error { color: #a50f15; font-weight: 600; min-height: 0; }
.cct-reflection .cct-confirm { background: #e5f5e0; border-left: 4px solid #31a354;
  padding: .6rem .8rem; }
.cct-reflection .cct-competency { border-top: 1px solid #ddd; padding-top: .4rem; }
.cct-rtl, .cct-rtl .widget-label, .cct-rtl textarea, .cct-rtl input { direction: rtl;
  text-align: right; }
.cct-reflection button.jupyter-button { min-height: 2.6rem; font-size: 1rem; }
</style>
"""


class PageBridge(anywidget.AnyWidget):
    """Keeps the draft in the browser's localStorage, and sets the page's lang and dir."""

    _esm = """
    function render({ model, el }) {
      el.style.display = "none";
      const key = () => "cct-reflection:" + model.get("key");
      let stored = "";
      try { stored = window.localStorage.getItem(key()) || ""; } catch (e) { stored = ""; }
      model.set("loaded", stored);
      model.set("ready", true);
      model.save_changes();
      const persist = () => {
        const value = model.get("draft");
        try {
          if (value) { window.localStorage.setItem(key(), value); }
          else { window.localStorage.removeItem(key()); }
        } catch (e) { /* private mode: the draft lives as long as the page */ }
      };
      const page = () => {
        document.documentElement.lang = model.get("lang");
        document.documentElement.dir = model.get("dir");
      };
      model.on("change:draft", persist);
      model.on("change:lang", page);
      page();
    }
    export default { render };
    """
    key = traitlets.Unicode("").tag(sync=True)
    draft = traitlets.Unicode("").tag(sync=True)  # kernel → browser
    loaded = traitlets.Unicode("").tag(sync=True)  # browser → kernel, once, on render
    ready = traitlets.Bool(False).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    dir = traitlets.Unicode("ltr").tag(sync=True)


def _rating(description: str = "") -> W.RadioButtons:
    return W.RadioButtons(
        options=SCALE, value=None, description=description, style={"description_width": "initial"}
    )


class ReflectionForm(W.VBox):
    """The whole participant page."""

    def __init__(
        self,
        session_id: str,
        competencies: list[str],
        lang: str,
        store: ReflectionStore,
        framework: Framework | None = None,
        team_id: str | None = None,
    ):
        self.framework = framework or default_framework()
        self.store = store
        self.session_id = session_id
        self.team_id = team_id
        self.competencies = competencies
        self.submission_id = str(uuid.uuid4())
        self.sent = False
        self._restoring = False

        self.bridge = PageBridge(key=session_id)
        self.language = W.Dropdown(
            options=[(name, code) for code, name in LANGUAGES.items()],
            value=normalise_language(lang),
        )
        self.title = W.HTML()
        self.intro = W.HTML()
        self.confidence_heading = W.HTML()
        self.before = {c: _rating() for c in competencies}
        self.now = {c: _rating() for c in competencies}
        self.comp_labels = {c: W.HTML() for c in competencies}
        self.comp_errors = {c: W.HTML() for c in competencies}
        self.gibbs_heading = W.HTML()
        self.prompts = {s: W.Textarea(rows=2, layout=W.Layout(width="100%")) for s in GIBBS_STAGES}
        self.prompt_errors = {s: W.HTML() for s in GIBBS_STAGES}
        self.commitment = W.Textarea(rows=2, layout=W.Layout(width="100%"))
        self.commitment_error = W.HTML()
        self.commitment_date = W.DatePicker()
        self.date_error = W.HTML()
        self.relevance = _rating()
        self.relevance_error = W.HTML()
        self.usefulness = _rating()
        self.usefulness_error = W.HTML()
        self.code_help = W.HTML()
        self.code = W.Text(layout=W.Layout(width="12rem"))
        self.code_error = W.HTML()
        self.send = W.Button(button_style="primary")
        self.status = W.HTML()
        self.another = W.Button()
        self.another.layout.display = "none"

        for widget, css in (
            (self.language, "cct-language"),
            (self.send, "cct-send"),
            (self.status, "cct-status"),
            (self.commitment, "cct-commitment"),
            (self.commitment_date, "cct-commitment-date"),
            (self.relevance, "cct-relevance"),
            (self.usefulness, "cct-usefulness"),
            (self.code, "cct-code"),
            (self.another, "cct-another"),
        ):
            widget.add_class(css)
        for k, c in enumerate(competencies):
            self.before[c].add_class(f"cct-before-{k}")
            self.now[c].add_class(f"cct-now-{k}")
        for stage, box in self.prompts.items():
            box.add_class(f"cct-prompt-{stage}")
        for error in self._error_widgets():
            error.add_class("cct-error")

        blocks = []
        for c in competencies:
            box = W.VBox([self.comp_labels[c], self.before[c], self.now[c], self.comp_errors[c]])
            box.add_class("cct-competency")
            blocks.append(box)
        self.fields = W.VBox(
            [
                self.intro,
                self.confidence_heading,
                *blocks,
                self.gibbs_heading,
                *[w for s in GIBBS_STAGES for w in (self.prompts[s], self.prompt_errors[s])],
                self.commitment,
                self.commitment_error,
                self.commitment_date,
                self.date_error,
                self.relevance,
                self.relevance_error,
                self.usefulness,
                self.usefulness_error,
                self.code_help,
                self.code,
                self.code_error,
            ]
        )
        super().__init__(
            [
                W.HTML(STYLE),
                self.bridge,
                self.title,
                self.language,
                self.fields,
                self.send,
                self.status,
                self.another,
            ]
        )
        self.add_class("cct-reflection")

        self.language.observe(lambda _: self._apply_language(), "value")
        self.bridge.observe(self._restore, "loaded")
        for widget in self._inputs():
            widget.observe(self._save_draft, "value")
        self.send.on_click(self._on_send)
        self.another.on_click(self._start_again)
        self._apply_language()

    # -- language --------------------------------------------------------------------------
    def _apply_language(self) -> None:
        lang = self.language.value
        _ = translator(lang)
        req, opt = _(M.REQUIRED_MARK), _(M.OPTIONAL_MARK)
        self.bridge.lang, self.bridge.dir = lang, direction(lang)
        if direction(lang) == "rtl":
            self.add_class("cct-rtl")
        else:
            self.remove_class("cct-rtl")
        self.language.description = _(M.LANGUAGE)
        self.title.value = f"<h1>{_(M.TITLE)}</h1>"
        self.intro.value = f"<p>{_(M.INTRO)}</p><p><small>{_(M.DRAFT_KEPT)}</small></p>"
        self.confidence_heading.value = (
            f"<h2>{_(M.CONFIDENCE)}</h2><p><small>{_(M.SCALE_HINT)}</small></p>"
        )
        for c in self.competencies:
            name = self.framework.competency(c).name
            self.comp_labels[c].value = f"<h3>{name.get(lang, name['en'])}</h3>"
            self.before[c].description = f"{_(M.BEFORE)} {req}"
            self.now[c].description = f"{_(M.NOW)} {req}"
        self.gibbs_heading.value = f"<h2>{_(M.GIBBS_HEADING)}</h2>"
        for stage, message in PROMPTS.items():
            mark = req if stage in REQUIRED_PROMPTS else opt
            self.prompts[stage].description = f"{_(message)} {mark}"
        self.commitment.description = f"{_(M.COMMITMENT)} {req}"
        self.commitment_date.description = f"{_(M.COMMITMENT_DATE)} {req}"
        self.relevance.description = f"{_(M.RELEVANCE)} {_(M.RATING_HINT)} {req}"
        self.usefulness.description = f"{_(M.USEFULNESS)} {_(M.RATING_HINT)} {req}"
        self.code_help.value = f"<p><small>{_(M.CODE_HELP)}</small></p>"
        self.code.description = f"{_(M.CODE)}"
        self.send.description = _(M.SEND)
        self.another.description = _(M.ANOTHER)
        for widget in (
            *self.before.values(),
            *self.now.values(),
            *self.prompts.values(),
            self.commitment,
            self.commitment_date,
            self.relevance,
            self.usefulness,
            self.code,
        ):
            widget.style.description_width = "initial"
        if self.sent:
            self._show(
                _(
                    M.ALREADY
                    if self.status.value and "cct-already" in self.status.value
                    else M.SAVED
                ),
                "cct-confirm",
            )
        self._save_draft()

    # -- draft -----------------------------------------------------------------------------
    def _inputs(self) -> list[W.Widget]:
        return [
            *self.before.values(),
            *self.now.values(),
            *self.prompts.values(),
            self.commitment,
            self.commitment_date,
            self.relevance,
            self.usefulness,
            self.code,
            self.language,
        ]

    def _error_widgets(self) -> list[W.HTML]:
        return [
            *self.comp_errors.values(),
            *self.prompt_errors.values(),
            self.commitment_error,
            self.date_error,
            self.relevance_error,
            self.usefulness_error,
            self.code_error,
        ]

    def values(self) -> dict:
        return {
            "before": {c: w.value for c, w in self.before.items()},
            "now": {c: w.value for c, w in self.now.items()},
            "prompts": {s: w.value for s, w in self.prompts.items()},
            "commitment": self.commitment.value,
            "commitment_date": (
                self.commitment_date.value.isoformat() if self.commitment_date.value else None
            ),
            "relevance": self.relevance.value,
            "usefulness": self.usefulness.value,
            "code": self.code.value,
            "lang": self.language.value,
        }

    def _save_draft(self, _change=None) -> None:
        if self._restoring or not self.bridge.ready:
            return
        state = {"submission_id": self.submission_id, "sent": self.sent}
        if not self.sent:
            state["values"] = self.values()
        self.bridge.draft = json.dumps(state, ensure_ascii=False)

    def _restore(self, change) -> None:
        try:
            state = json.loads(change["new"]) if change["new"] else {}
        except ValueError:
            state = {}
        if not isinstance(state, dict):
            state = {}
        self._restoring = True
        try:
            self.submission_id = state.get("submission_id") or self.submission_id
            if state.get("sent") or self.store.has(self.submission_id):
                self._mark_sent(already=True)
                return
            values = state.get("values") or {}
            for key, widgets in (("before", self.before), ("now", self.now)):
                for c, value in (values.get(key) or {}).items():
                    if c in widgets and value in SCALE:
                        widgets[c].value = value
            for stage, text in (values.get("prompts") or {}).items():
                if stage in self.prompts and isinstance(text, str):
                    self.prompts[stage].value = text
            self.commitment.value = values.get("commitment") or ""
            if values.get("commitment_date"):
                try:
                    self.commitment_date.value = date.fromisoformat(values["commitment_date"])
                except ValueError:
                    pass
            for key, widget in (("relevance", self.relevance), ("usefulness", self.usefulness)):
                if values.get(key) in SCALE:
                    widget.value = values[key]
            self.code.value = values.get("code") or ""
            if values.get("lang") in LANGUAGES:
                self.language.value = values["lang"]
        finally:
            self._restoring = False
        self._save_draft()

    # -- sending ---------------------------------------------------------------------------
    def validate(self) -> bool:
        """Put a message next to each field that needs one; True when all is well."""
        _ = translator(self.language.value)
        for error in self._error_widgets():
            error.value = ""

        def flag(widget: W.HTML, message: str) -> None:
            widget.value = f'<span role="alert">{_(message)}</span>'

        ok = True
        for c in self.competencies:
            if self.before[c].value is None or self.now[c].value is None:
                flag(self.comp_errors[c], M.RATE_BOTH)
                ok = False
        for stage in REQUIRED_PROMPTS:
            if not self.prompts[stage].value.strip():
                flag(self.prompt_errors[stage], M.REQUIRED)
                ok = False
        if not self.commitment.value.strip():
            flag(self.commitment_error, M.REQUIRED)
            ok = False
        if self.commitment_date.value is None:
            flag(self.date_error, M.REQUIRED)
            ok = False
        elif self.commitment_date.value < date.today():
            flag(self.date_error, M.DATE_PAST)
            ok = False
        for widget, error in (
            (self.relevance, self.relevance_error),
            (self.usefulness, self.usefulness_error),
        ):
            if widget.value is None:
                flag(error, M.REQUIRED)
                ok = False
        if self.code.value.strip() and not CODE_PATTERN.match(self.code.value.strip()):
            flag(self.code_error, M.CODE_SHAPE)
            ok = False
        return ok

    def reflection(self) -> Reflection:
        return Reflection(
            submission_id=self.submission_id,
            session_id=self.session_id,
            team_id=self.team_id,
            language=self.language.value,
            self_code=self.code.value.strip().upper() or None,
            ratings={
                c: Rating(before=self.before[c].value, now=self.now[c].value)
                for c in self.competencies
            },
            prompts={s: w.value.strip() for s, w in self.prompts.items() if w.value.strip()},
            commitment=self.commitment.value.strip(),
            commitment_date=self.commitment_date.value,
            relevance=self.relevance.value,
            usefulness=self.usefulness.value,
        )

    def _show(self, text: str, css: str) -> None:
        role = "alert" if css == "cct-error" else "status"
        self.status.value = f'<div class="{css}" role="{role}" aria-live="polite">{text}</div>'

    def _on_send(self, _button=None) -> None:
        if self.sent or self.send.disabled:  # a second click while the first is handled
            return
        _ = translator(self.language.value)
        if not self.validate():
            self._show(_(M.MISSING), "cct-error")
            return
        self.send.disabled = True
        self.send.description = _(M.SENDING)
        try:
            new = self.store.save(self.reflection())
        except (ToolkitError, ValueError, OSError, Exception):  # the database is unreachable …
            self.send.disabled = False
            self.send.description = _(M.SEND)
            self._show(_(M.FAILED), "cct-error")
            return
        self._mark_sent(already=not new)

    def _mark_sent(self, already: bool) -> None:
        _ = translator(self.language.value)
        self.sent = True
        self.fields.layout.display = "none"
        self.send.layout.display = "none"
        self.another.layout.display = None
        text = _(M.ALREADY) if already else _(M.SAVED)
        css = "cct-confirm cct-already" if already else "cct-confirm cct-saved"
        self._show(text, css)
        self._save_draft()

    def _start_again(self, _button=None) -> None:
        """Another person on the same device: a fresh form with a new submission id."""
        self._restoring = True
        try:
            for widget in (
                *self.before.values(),
                *self.now.values(),
                self.relevance,
                self.usefulness,
            ):
                widget.value = None
            for widget in (*self.prompts.values(), self.commitment, self.code):
                widget.value = ""
            self.commitment_date.value = None
        finally:
            self._restoring = False
        self.submission_id = str(uuid.uuid4())
        self.sent = False
        self.status.value = ""
        self.fields.layout.display = None
        self.send.layout.display = None
        self.send.disabled = False
        self.send.description = translator(self.language.value)(M.SEND)
        self.another.layout.display = "none"
        self._save_draft()


class MissingSession(W.HTML):
    """What a participant sees when the link lacks the session: a plain message."""

    def __init__(self, lang: str):
        super().__init__(f'<p role="alert">{translator(lang)(M.NO_SESSION)}</p>')


def team_of(session_id: str) -> str | None:
    """Session ids are ``<team_id>-YYYYMMDD-HHMM`` (toolkit.planner)."""
    parts = session_id.rsplit("-", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() else None


def open_form(
    session_id: str = "",
    competencies: str = "",
    lang: str = "en",
    store_url: str = "",
    plan_file: str = "",
) -> W.Widget:
    """The page for this request: URL parameters override the notebook's parameters."""
    framework = default_framework()
    params = url_parameters()
    session_id = params.get("session", session_id).strip()
    lang = normalise_language(params.get("lang", lang))
    wanted = params.get("competencies", competencies)
    if plan_file and not wanted:
        with open(plan_file, encoding="utf-8") as fh:
            plan = json.load(fh)
        session_id = session_id or plan["session_id"]
        wanted = ",".join(plan["competencies"])
    known = {c.id for c in framework.competencies}
    chosen = [c for c in (w.strip() for w in wanted.split(",")) if c in known]
    if not session_id or not chosen:
        return MissingSession(lang)
    return ReflectionForm(
        session_id, chosen[:8], lang, warm_store(store_url), framework, team_id=team_of(session_id)
    )


_STORES: dict[str, ReflectionStore] = {}


def warm_store(store_url: str = "") -> ReflectionStore:
    """Open (and migrate) the store once per kernel; a preheated kernel does it in advance."""
    if store_url not in _STORES:
        _STORES[store_url] = ReflectionStore(store_url or None)
    return _STORES[store_url]
