"""The session plan as a Voila page: choose a team and the session's shape, see the handout.

In Voila nothing is written (the page serves the notebooks folder, and every visit would
leave a folder behind); the guide and plan.json are written by papermill or ``cct plans``.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as W

from toolkit.core.exceptions import ToolkitError
from toolkit.plan.report import handout_html
from toolkit.plan.session_plan import load_results, make_plan

FORMAT_CHOICES = [("In person", "in_person"), ("Online", "online"), ("Self-paced", "self_paced")]


class PlanApp(W.VBox):
    """Controls on top (team by name, length, format, group size, start); the handout below."""

    def __init__(
        self,
        results_file: str | Path = "",
        team_id: str = "",
        minutes: int = 180,
        session_format: str = "in_person",
        group_size: int = 12,
        start: str = "2027-01-12 09:30",
        language: str = "en",
        base_url: str = "http://localhost:8866",
    ):
        self.results_file, self.language, self.base_url = str(results_file), language, base_url
        self.output = W.HTML()
        teams: list[tuple[str, str]] = []
        try:
            teams = [(t.team_name, t.team_id) for t in load_results(self.results_file).teams]
        except ToolkitError as exc:
            self.output.value = _message(str(exc))
        style = {"description_width": "initial"}
        self.team = W.Dropdown(
            options=teams,
            value=team_id if team_id in {v for _, v in teams} else (teams[0][1] if teams else None),
            description="Team",
            style=style,
            layout=W.Layout(width="auto", max_width="100%"),
        )
        self.minutes = W.BoundedIntText(
            value=int(minutes), min=30, max=480, step=5, description="Length (minutes)", style=style
        )
        self.format = W.ToggleButtons(
            options=FORMAT_CHOICES,
            value=session_format
            if session_format in dict(FORMAT_CHOICES).values()
            else "in_person",
            description="Format",
            style=style,
        )
        self.group_size = W.BoundedIntText(
            value=int(group_size), min=1, max=200, description="People taking part", style=style
        )
        self.start = W.Text(  # wide enough for the whole date and time beside its long label
            value=start,
            description="Starts (YYYY-MM-DD HH:MM)",
            style=style,
            layout=W.Layout(width="22rem", max_width="100%"),
        )
        for widget, css in (
            (self.team, "cct-plan-team"),
            (self.minutes, "cct-plan-minutes"),
            (self.format, "cct-plan-format"),
            (self.start, "cct-plan-start"),
            (self.output, "cct-plan-handout"),
        ):
            widget.add_class(css)
        for widget in (self.team, self.minutes, self.format, self.group_size, self.start):
            widget.observe(lambda _change: self.refresh(), "value")
        controls = W.HBox(
            [self.team, self.minutes, self.format, self.group_size, self.start],
            layout=W.Layout(flex_flow="row wrap"),
        )
        super().__init__([controls, self.output])
        if teams:
            self.refresh()

    def refresh(self) -> None:
        if self.team.value is None:
            return
        try:
            plan = make_plan(
                self.results_file,
                self.team.value,
                self.minutes.value,
                self.format.value,
                self.group_size.value,
                self.start.value,
                self.language,
                self.base_url,
            )
            self.output.value = handout_html(plan)
        except (ToolkitError, ValueError) as exc:
            self.output.value = _message(str(exc))


def _message(text: str) -> str:
    return f'<p class="cct-error" role="alert">{html.escape(text)}</p>'


def show_app(**kwargs) -> PlanApp:
    from IPython.display import display

    app = PlanApp(**kwargs)
    display(app)
    return app
