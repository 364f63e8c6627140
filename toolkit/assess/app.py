"""The needs-assessment app for Voila: upload or pick the sample, pick teams and threshold.

Reading and assessing happen once per upload or threshold change; picking teams only redraws.
Every problem with an upload is shown in the page, in words, never as a traceback.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import ipywidgets as W
from IPython.display import HTML, display

from toolkit.assess import charts
from toolkit.assess.assessment import Assessment, assess, organisation_priorities, unmet_languages
from toolkit.assess.needs_assessment import (
    SAMPLE_RESPONSES,
    SAMPLE_TEAMS,
    load_inputs,
    select_teams,
)
from toolkit.assess.report import render_report
from toolkit.assess.results import to_results
from toolkit.core.charts import fitted_chart, to_svg
from toolkit.core.disclosure import DEFAULT_THRESHOLD, threshold_floor
from toolkit.core.exceptions import InputFileError, ToolkitError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.widgets import CheckList, fit_style

SAMPLE = "Sample organisation"
#: The tables' headings in plain words, with units (never ``team_id`` or ``need_hours``).
ORG_HEADINGS = {
    "competency": "Competency",
    "teams": "Teams with it in their first three",
    "mean_gap": "Mean gap (scale points)",
}
LANGUAGE_HEADINGS = {
    "team": "Team",
    "language_name": "Client language",
    "need_hours": "Needed (hours a month)",
    "covered_hours": "Covered (hours a month)",
    "unmet_hours": "Unmet (hours a month)",
}
UPLOAD = "My own files"


def _upload_bytes(upload: W.FileUpload) -> tuple[bytes, str] | None:
    if not upload.value:
        return None
    item = upload.value[-1]
    return bytes(item["content"]), item["name"]


def _table(frame, caption: str) -> str:
    return (
        # tabindex: a table wider than a phone scrolls in its own box, by keyboard too
        f'<table class="cct-table" tabindex="0"><caption>{html.escape(caption)}</caption>'
        + frame.to_html(index=False, escape=True, border=0, na_rep="withheld")
        .split(">", 1)[1]
        .rsplit("</table>", 1)[0]
        + "</table>"
    )


class AssessmentApp(W.VBox):
    """The whole page: inputs on top, results below."""

    def __init__(
        self,
        responses: Path | str = SAMPLE_RESPONSES,
        teams: Path | str = SAMPLE_TEAMS,
        threshold: int = DEFAULT_THRESHOLD,
        team_ids: list[str] | str | None = None,
        framework: Framework | None = None,
    ):
        self.framework = framework or default_framework()
        self.default_paths = (Path(responses), Path(teams))
        self.initial_teams = team_ids
        self.result: Assessment | None = None
        self._quiet = False  # True while options are being replaced, so views draw once
        self.source_names = {"responses": Path(responses).name, "teams": Path(teams).name}

        self.source = W.ToggleButtons(
            options=[SAMPLE, UPLOAD],
            value=SAMPLE,
            description="Data",
            tooltips=["Bundled sample", "Upload CSV/XLSX"],
        )
        self.responses_upload = W.FileUpload(
            accept=".csv,.xlsx,.xls,.ods,.txt", multiple=False, description="Responses file"
        )
        self.teams_upload = W.FileUpload(
            accept=".csv,.xlsx,.xls,.ods,.txt", multiple=False, description="Team context file"
        )
        for button in (self.responses_upload, self.teams_upload):
            button.layout.width = "14rem"
        self.uploads = W.HBox([self.responses_upload, self.teams_upload])
        self.uploads.layout.display = "none"
        self.threshold = W.BoundedIntText(  # never below the server's threshold
            value=max(threshold, threshold_floor()),
            min=threshold_floor(),
            max=max(50, threshold_floor()),
            description="Privacy threshold",
            style={"description_width": "initial"},
        )
        self.team_picker = CheckList(description="Teams shown (none ticked: all)")
        self.profile_team = W.Dropdown(
            description="Team profile", style={"description_width": "initial"}
        )
        self.message = W.HTML()
        self.summary = W.HTML()
        self.heatmap = W.HTML()
        self.org = W.HTML()
        self.profile = W.HTML()
        self.priorities = W.HTML()
        self.language = W.HTML()
        self.prepare = W.Button(
            description="Prepare downloads",
            icon="download",
            layout=W.Layout(
                width="auto", min_width="14rem"
            ),  # the whole label, never "Prepare downlo…"
            tooltip="Make the HTML report and the results file for the planner",
        )
        self.download = W.HTML()

        for widget, css in (
            (self.responses_upload, "cct-upload-responses"),
            (self.teams_upload, "cct-upload-teams"),
            (self.threshold, "cct-threshold"),
            (self.team_picker, "cct-team-picker"),
            (self.profile_team, "cct-profile-team"),
            (self.message, "cct-message-box"),
            (self.heatmap, "cct-heatmap"),
            (self.profile, "cct-profile"),
            (self.priorities, "cct-priorities"),
            (self.language, "cct-language"),
        ):
            widget.add_class(css)  # stable hooks for styling and for the browser tests

        self.source.observe(self._on_source, "value")
        self.responses_upload.observe(self._reload, "value")
        self.teams_upload.observe(self._reload, "value")
        self.threshold.observe(self._recompute, "value")
        self.team_picker.observe(self._redraw, "value")
        self.profile_team.observe(self._draw_profile, "value")
        self.prepare.on_click(self._offer_downloads)

        super().__init__(
            [
                fit_style(),
                W.HTML("<h2>Inputs</h2>"),
                self.source,
                self.uploads,
                self.threshold,
                self.message,
                W.HTML("<h2>Organisation</h2>"),
                self.summary,
                self.team_picker,
                self.heatmap,
                self.org,
                self.language,
                W.HTML("<h2>One team</h2>"),
                self.profile_team,
                self.profile,
                self.priorities,
                self.prepare,
                self.download,
            ]
        )
        self.add_class("cct-app")
        self.add_class("cct-assessment-app")
        self._reload()

    # -- data --------------------------------------------------------------------------
    def _on_source(self, _change=None) -> None:
        self.uploads.layout.display = None if self.source.value == UPLOAD else "none"
        self._reload()

    def _inputs(self):
        if self.source.value == SAMPLE:
            responses, teams = self.default_paths
            return (responses, responses.name), (teams, teams.name)
        got_responses = _upload_bytes(self.responses_upload)
        got_teams = _upload_bytes(self.teams_upload)
        if got_responses is None or got_teams is None:
            return None
        return got_responses, got_teams

    def _reload(self, _change=None) -> None:
        inputs = self._inputs()
        if inputs is None:
            self._clear_views()
            self._show_message(
                "Upload a responses file and a team context file (CSV or XLSX).", kind="info"
            )
            return
        (responses, r_name), (teams, t_name) = inputs
        try:
            self.answers, self.teams = load_inputs(
                responses,
                teams,
                responses_name=r_name,
                teams_name=t_name,
                framework=self.framework,
            )
        except InputFileError as exc:
            self._show_problems(exc)
            return
        except ToolkitError as exc:
            self._show_message(str(exc), kind="error")
            return
        self.source_names = {"responses": r_name, "teams": t_name}
        try:  # "all" ticks none: none ticked shows every team, and one tick narrows it
            everyone = self.initial_teams in (None, "", "all", [])
            keep = [] if everyone else select_teams(self.teams, self.initial_teams)
        except InputFileError:
            keep = []  # the teams parameter names teams this upload lacks
        self._quiet = True
        self.team_picker.set_options([(t.name, t.team_id) for t in self.teams.values()], keep)
        self._quiet = False
        self._recompute()

    def _recompute(self, _change=None) -> None:
        if not hasattr(self, "teams"):
            return
        try:
            self.result = assess(self.answers, self.teams, self.threshold.value, self.framework)
        except ToolkitError as exc:
            self._show_message(str(exc), kind="error")
            return
        notices = "".join(f"<li>{html.escape(n)}</li>" for n in self.result.notices)
        self._show_message(
            f"Read {html.escape(self.source_names['responses'])} and "
            f"{html.escape(self.source_names['teams'])}."
            + (f"<ul>{notices}</ul>" if notices else ""),
            kind="ok",
        )
        self._redraw()

    # -- views -------------------------------------------------------------------------
    def _show_message(self, text_html: str, kind: str) -> None:
        role = "alert" if kind == "error" else "status"
        self.message.value = f'<div class="cct-message cct-{kind}" role="{role}">{text_html}</div>'

    def _clear_views(self) -> None:
        """Forget the last results, so nothing stale is shown beside a new upload."""
        self.result = None
        for view in (
            self.summary,
            self.heatmap,
            self.org,
            self.language,
            self.profile,
            self.priorities,
            self.download,
        ):
            view.value = ""
        self._quiet = True
        self.profile_team.options = []
        self.team_picker.set_options([])
        self._quiet = False

    def _show_problems(self, exc: InputFileError) -> None:
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in exc.problems[:100])
        more = len(exc.problems) - 100
        self._clear_views()
        report = getattr(exc, "report", None)  # a survey export: say what it was read as
        detected = f"<p>Read as {html.escape(report.detected)}.</p>" if report else ""
        self._show_message(
            f"<strong>The file could not be used: {exc.count()}.</strong>"
            f"{detected}<ul>{items}</ul>" + (f"<p>… and {more} more.</p>" if more > 0 else ""),
            kind="error",
        )

    def _redraw(self, _change=None) -> None:
        result = self.result
        if result is None or self._quiet:
            return
        chosen = list(self.team_picker.value) or list(result.teams)
        shown = [t for t in chosen if t in result.shown_teams]
        withheld = [result.teams[t].name for t in chosen if t in result.withheld_teams]
        respondents = int(result.team_summary.loc[shown, "respondents"].sum()) if shown else 0
        self.summary.value = (
            f"<p>{len(shown)} team(s) shown with {respondents} respondents.</p>"
            f'<p class="cct-privacy">{html.escape(result.privacy_note)}'
            + (f" Withheld teams: {html.escape(', '.join(withheld))}." if withheld else "")
            + "</p>"
        )
        self.heatmap.value = fitted_chart(
            to_svg(charts.heatmap(result, chosen)), "Gap to the role's target by domain, per team"
        )
        org = organisation_priorities(result).head(8)
        org = org.assign(
            competency=[self.framework.competency(c).name["en"] for c in org.index],
            mean_gap=org["mean_gap"].round(1),
        )[["competency", "teams", "mean_gap"]].rename(columns=ORG_HEADINGS)
        self.org.value = _table(org, "What to train first across the organisation")
        unmet = unmet_languages(result)
        unmet = unmet[unmet["team_id"].isin(shown)]  # withheld: nothing shown
        self.language.value = (
            _table(
                unmet.sort_values("unmet_hours", ascending=False, kind="stable")
                .assign(team=lambda f: [result.teams[t].name for t in f["team_id"]])[
                    ["team", "language_name", "need_hours", "covered_hours", "unmet_hours"]
                ]
                .rename(columns=LANGUAGE_HEADINGS),
                "Client languages whose language support is not fully covered",
            )
            if len(unmet)
            else "<p>Every client language is served by staff or interpreters.</p>"
        )
        current = self.profile_team.value
        self._quiet = True
        self.profile_team.options = [(result.teams[t].name, t) for t in chosen]
        self.profile_team.value = current if current in chosen else chosen[0]
        self._quiet = False
        self._draw_profile()
        self.download.value = ""

    def _draw_profile(self, _change=None) -> None:
        result = self.result
        team_id = self.profile_team.value
        if result is None or team_id is None or self._quiet:
            return
        if team_id in result.withheld_teams:
            self.profile.value = (
                f'<p class="cct-withheld">{html.escape(result.teams[team_id].name)}: withheld, '
                f"fewer than {result.threshold} people answered.</p>"
            )
            self.priorities.value = ""
            return
        self.profile.value = fitted_chart(
            to_svg(charts.team_profile(result, team_id)),
            f"Self-ratings of {result.teams[team_id].name} against the role's targets",
        )
        ranked = result.priorities(team_id)
        items = "".join(f"<li>{html.escape(r.why)}</li>" for r in ranked.itertuples())
        self.priorities.value = (
            f"<h3>Train first</h3><ol>{items}</ol>"
            if items
            else "<p>At or above target on every shown competency.</p>"
        )

    def _offer_downloads(self, _button=None) -> None:
        if self.result is None:
            return
        chosen = list(self.team_picker.value) or list(self.result.teams)
        results = to_results(self.result, self.source_names)
        report = render_report(self.result, results, chosen)
        links = [
            ("assessment.html", "text/html", report.encode("utf-8"), "Download the HTML report"),
            (
                "assessment.json",
                "application/json",
                results.model_dump_json(indent=2).encode("utf-8"),
                "Download results for the planner",
            ),
        ]
        self.download.value = " · ".join(
            f'<a download="{name}" href="data:{mime};base64,{base64.b64encode(data).decode()}">'
            f"{label}</a>"
            for name, mime, data, label in links
        )


def show_app(**kwargs) -> AssessmentApp:
    app = AssessmentApp(**kwargs)
    display(HTML("<style>.cct-error{color:#a50f15}.cct-table td{padding:2px 6px}</style>"))
    display(app)
    return app
