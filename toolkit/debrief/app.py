"""What ``notebooks/debrief.ipynb`` calls: run headless (papermill, JupyterLab) or as a Voila app.

Headless, the debrief is computed, shown, and written to ``output_dir``. In Voila, a facilitator
picks sessions, teams and the threshold and the report redraws in place; nothing is written
(Voila serves the notebooks folder, and data files never go there). Problems are shown in
words, never as a traceback.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as W

from toolkit.core.disclosure import DEFAULT_THRESHOLD, threshold_floor
from toolkit.core.exceptions import ToolkitError
from toolkit.core.widgets import CheckList, fit_style
from toolkit.debrief.report import (
    DebriefOutputs,
    render_context,
    render_section,
    report_context,
    team_names,
    write_outputs,
)
from toolkit.debrief.summary import (
    Debrief,
    compute,
    load_reflections,
    open_store,
    run_debrief,
    session_label,
)
from toolkit.reflect.store import Reflection


@dataclass
class Run:
    debrief: Debrief
    fragment: str
    outputs: DebriefOutputs | None


def run(
    store_url: str = "",
    sessions: str | list[str] = "all",
    teams: str | list[str] = "all",
    threshold: int = DEFAULT_THRESHOLD,
    output_dir: str | Path | None = None,
    next_cycle_dir: str | Path | None = None,
    teams_file: str | Path = "",
) -> Run:
    """Compute the debrief; write report and safe CSV if output_dir, and the next cycle's
    pseudonymous rows only if next_cycle_dir (a folder apart from output_dir)."""
    result = run_debrief(store_url or None, sessions, teams, threshold)
    context = report_context(result, team_names(teams_file or None))  # charts: built once
    outputs = None
    if output_dir:
        outputs = write_outputs(
            result, output_dir, html=render_context(context), next_cycle_dir=next_cycle_dir or None
        )
    return Run(result, render_context(context, standalone=False), outputs)


def show(done: Run) -> None:
    from IPython.display import HTML, Markdown, display

    if done.outputs is not None:
        listed = ", ".join(f"`{p}`" for p in done.outputs.paths())
        display(Markdown(f"Saved {listed}."))
        for notice in done.outputs.notices:
            display(Markdown(f"*Note:* {notice}"))
    display(HTML(done.fragment))


def _message(text: str) -> str:
    return f'<p class="cct-error" role="alert">{html.escape(text)}</p>'


CHOOSE = ""  # the pickers' first entry: nothing opened


class DebriefApp(W.VBox):
    """Pickers on top, then the overview (every session by its team's name and date, its
    reflections counted, withheld ones marked), drawn at once; a session's or team's section
    (its chart, themes and commitments) is drawn only when a facilitator opens it, and kept for
    the rest of the visit. The store is read once."""

    def __init__(
        self,
        store_url: str = "",
        sessions: str | list[str] = "all",
        teams: str | list[str] = "all",
        threshold: int = DEFAULT_THRESHOLD,
        teams_file: str | Path = "",
    ):
        self.output = W.HTML()  # the overview, or what went wrong
        self.output.add_class("cct-debrief-app-overview")
        self.result: Debrief | None = None
        #: sections drawn in this visit, by what they show: (kind, id, threshold, selection)
        self.drawn: dict[tuple, str] = {}
        self._quiet = False
        self.items: list[Reflection] = []
        try:
            self.items = load_reflections(open_store(store_url or None))
        except ToolkitError as exc:
            self.output.value = _message(str(exc))
        session_ids = sorted({r.session_id for r in self.items})
        team_ids = sorted({r.team_id for r in self.items if r.team_id})
        self.names: dict[str, str] = {}
        try:
            self.names = team_names(teams_file or None)
        except ToolkitError as exc:  # the ids are shown instead, and the reason why
            self.output.value = _message(f"Team names could not be read: {exc}")

        def initial(wanted: str | list[str], known: list[str]) -> tuple[str, ...]:
            if isinstance(wanted, str):
                wanted = [w.strip() for w in wanted.split(",") if w.strip() and w != "all"]
            return tuple(w for w in wanted if w in known)

        self.sessions = CheckList(
            [(session_label(s, self.names), s) for s in session_ids],
            initial(sessions, session_ids),
            "Sessions",
            "cct-sessions",
        )
        self.teams = CheckList(
            [(self.names.get(t, t), t) for t in team_ids],
            initial(teams, team_ids),
            "Teams",
            "cct-teams",
        )
        self.threshold = W.BoundedIntText(  # never below the server's threshold
            value=max(int(threshold), threshold_floor()),
            min=threshold_floor(),
            max=max(1000, threshold_floor()),
            description="Privacy threshold (people)",
            style={"description_width": "initial"},
            tooltip="Withhold every figure about fewer people than this",
        )
        hint = W.HTML(
            "<small>Tick none to see all. Figures about fewer people than the threshold are "
            "withheld.</small>"
        )
        for widget in (self.sessions, self.teams, self.threshold):
            widget.observe(lambda _change: self.refresh(), names="value")
        self.session_picker, self.session_view = self._opener("session", "Open a session")
        self.team_picker, self.team_view = self._opener("team", "Open a team, across its sessions")
        super().__init__(
            [
                fit_style(),
                W.HBox([self.sessions, self.teams], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.threshold, hint], layout=W.Layout(flex_flow="row wrap")),
                self.output,
                self.session_picker,
                self.session_view,
                self.team_picker,
                self.team_view,
            ]
        )
        self.add_class("cct-app")
        self.add_class("cct-debrief-app")
        if self.items:
            self.refresh()
        elif not self.output.value:
            self.output.value = _message(
                "No reflections yet. They appear here once participants send the reflection form."
            )

    def _opener(self, kind: str, description: str) -> tuple[W.Dropdown, W.HTML]:
        picker = W.Dropdown(
            options=[("Choose …", CHOOSE)],
            value=CHOOSE,
            description=description,
            style={"description_width": "initial"},
            layout=W.Layout(width="auto", max_width="100%", display="none"),
        )
        picker.add_class(f"cct-debrief-open-{kind}")
        view = W.HTML()
        view.add_class(f"cct-debrief-{kind}-view")
        picker.observe(lambda _change: self._open(kind), names="value")
        return picker, view

    def _open(self, kind: str) -> None:
        """Show the opened session's or team's section, drawing it the first time."""
        picker, view = (
            (self.session_picker, self.session_view)
            if kind == "session"
            else (self.team_picker, self.team_view)
        )
        if self._quiet:
            return
        if self.result is None or picker.value == CHOOSE:
            view.value = ""
            return
        key = (kind, picker.value, self.result.threshold, repr(self.result.selection))
        if key not in self.drawn:
            self.drawn[key] = render_section(self.result, kind, picker.value, self.names)
        view.value = self.drawn[key]

    def refresh(self) -> None:
        chosen = [
            r
            for r in self.items
            if (not self.sessions.value or r.session_id in self.sessions.value)
            and (not self.teams.value or r.team_id in self.teams.value)
        ]
        try:
            result = compute(
                chosen,
                self.threshold.value,
                selection={
                    "sessions": list(self.sessions.value) or "all",
                    "teams": list(self.teams.value) or "all",
                },
            )
            context = report_context(result, self.names, charts=False)
            self.output.value = render_context(context, standalone=False, part="overview")
        except ToolkitError as exc:
            self.result = None
            self.output.value = _message(str(exc))
        else:
            self.result = result
            for kind, picker in (("session", self.session_picker), ("team", self.team_picker)):
                groups = context["sessions"] if kind == "session" else context["teams"]
                options = [("Choose …", CHOOSE)] + sorted(  # by name, then date
                    (g["label"] + (" (withheld)" if g["withheld"] else ""), g["group_id"])
                    for g in groups
                )
                opened = picker.value if picker.value in {v for _, v in options} else CHOOSE
                self._quiet = True  # new options select the first one for a moment: not opened
                try:
                    picker.options = options
                    picker.value = opened
                finally:
                    self._quiet = False
                picker.layout.display = None if groups else "none"
        for kind in ("session", "team"):
            self._open(kind)


def show_app(**kwargs) -> DebriefApp:
    from IPython.display import display

    app = DebriefApp(**kwargs)
    display(app)
    return app
