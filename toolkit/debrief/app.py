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
from toolkit.core.widgets import CheckList, OnDemand, fit_style
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
        self.open_session = self._opener("session", "Open a session")
        self.open_team = self._opener("team", "Open a team, across its sessions")
        super().__init__(
            [
                fit_style(),
                W.HBox([self.sessions, self.teams], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.threshold, hint], layout=W.Layout(flex_flow="row wrap")),
                self.output,
                self.open_session,
                self.open_team,
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

    def _opener(self, kind: str, description: str) -> OnDemand:
        return OnDemand(
            lambda group_id: self._section(kind, group_id),
            description,
            picker_class=f"cct-debrief-open-{kind}",
            view_class=f"cct-debrief-{kind}-view",
        )

    def _section(self, kind: str, group_id: str) -> str:
        """The opened session's or team's section (chart, themes, commitments)."""
        if self.result is None:
            return ""
        return render_section(self.result, kind, group_id, self.names)

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
        groups = {"session": context["sessions"], "team": context["teams"]} if self.result else {}
        for kind, opener in (("session", self.open_session), ("team", self.open_team)):
            # a section shows the figures at this threshold and selection: drawn again, once
            opener.context = self.result and (self.result.threshold, repr(self.result.selection))
            opener.set_options(
                sorted(  # by name, then date
                    (g["label"] + (" (withheld)" if g["withheld"] else ""), g["group_id"])
                    for g in groups.get(kind, ())
                )
            )


def show_app(**kwargs) -> DebriefApp:
    from IPython.display import display

    app = DebriefApp(**kwargs)
    display(app)
    return app
