"""The evaluation as a Voila app: the organisation at once, a team's section when it is chosen.

Drawing every team's trend charts took most of a visit (seconds per team), so the page shows
the organisation's four levels, its summary in words and its trends at once, and draws a
team's section (the same :func:`toolkit.evaluate.report.team_section` the written report
uses) only when the facilitator chooses the team by name; each is drawn once per visit.
The figures are those of :func:`toolkit.evaluate.pipeline.run`: its threshold, never below the
server's, and withheld figures shown as withheld, never as numbers.
"""

from __future__ import annotations

import ipywidgets as W

from toolkit.core.widgets import OnDemand, fit_style
from toolkit.evaluate.pipeline import Run
from toolkit.evaluate.report import render_report, team_name, team_section

#: the team chooser's first entry: no team's charts drawn until one is chosen
CHOOSE = "Choose a team"


class EvaluationApp(W.VBox):
    """The organisation's report on top; a team chooser and the chosen team's section below."""

    def __init__(self, done: Run):
        self.evaluation = done.evaluation
        organisation = W.HTML(render_report(self.evaluation, standalone=False, teams=False))
        teams = [(team_name(self.evaluation, t), t) for t in self.evaluation.teams]
        self.team = OnDemand(self._section, "Team", CHOOSE, picker_class="cct-team-choice")
        self.team.set_options(teams)
        heading = W.HTML(
            "<h2>Per team</h2><p>Choose a team to see its four levels, its summary in words "
            "and its trends.</p>"
            if teams
            else "<p>No team has figures yet.</p>"
        )
        super().__init__([fit_style(), organisation, heading, self.team])
        self.add_class("cct-app")
        self.add_class("cct-evaluation-app")

    def _section(self, team_id: str) -> str:
        section = team_section(self.evaluation, team_id, charts=True)
        return f'<div class="cct-report cct-evaluation cct-team">{section}</div>'


def show_app(done: Run) -> EvaluationApp:
    """Display the app (and the style that fits it to a phone) and return it."""
    from IPython.display import display

    app = EvaluationApp(done)
    display(app)
    return app
