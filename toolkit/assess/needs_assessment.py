"""The needs-assessment job, end to end: read inputs, assess, write results and report.

The notebook, the Voila app and ``cct assess`` all call these functions, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.assess.assessment import Assessment, assess
from toolkit.assess.report import render_context, report_context, write_report
from toolkit.assess.results import AssessmentResults, to_results, write_results
from toolkit.core.exceptions import InputFileError, InputProblem, SurveyImportError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.paths import SAMPLE_DIR
from toolkit.core.teams import Team, read_teams
from toolkit.intake.responses import Responses
from toolkit.intake.survey_import import import_survey

SAMPLE_RESPONSES = SAMPLE_DIR / "responses.csv"
SAMPLE_TEAMS = SAMPLE_DIR / "teams.csv"


@dataclass
class Outputs:
    assessment: Assessment
    results: AssessmentResults
    team_ids: list[str]
    results_path: Path | None = None
    report_path: Path | None = None
    _report: dict | None = None  # the report's context, charts included, built once

    def report_html(self, *, standalone: bool = True) -> str:
        if self._report is None:
            self._report = report_context(self.assessment, self.results, self.team_ids)
        return render_context(self._report, standalone=standalone)


def load_inputs(
    responses: Path | str | bytes,
    teams: Path | str | bytes,
    *,
    responses_name: str | None = None,
    teams_name: str | None = None,
    framework: Framework | None = None,
    mapping=None,
    default_team: str | None = None,
) -> tuple[Responses, dict[str, Team]]:
    """Read both files; problems in either are reported together.

    Responses go through :func:`toolkit.intake.survey_import.import_survey`, so a survey tool's export
    (KoboToolbox, ODK, LimeSurvey, Google or Microsoft Forms, Qualtrics) works as well as the
    toolkit's own layouts; ``mapping`` and ``default_team`` are passed on to it.
    """
    framework = framework or default_framework()
    problems: list[InputProblem] = []
    report = None
    team_table: dict[str, Team] | None = None
    try:
        team_table = read_teams(teams, teams_name, framework)
    except InputFileError as exc:
        problems += exc.problems
    try:
        answers = import_survey(
            responses,
            responses_name,
            mapping=mapping,
            framework=framework,
            known_teams=(
                {t.team_id: t.name for t in team_table.values()} if team_table is not None else None
            ),
            default_team=default_team,
        ).responses
    except InputFileError as exc:
        problems += exc.problems
        report = getattr(exc, "report", None)  # what was detected, for the page to say
    if problems:
        if report is not None:
            raise SurveyImportError(problems, report)
        raise InputFileError(problems)
    assert team_table is not None
    return answers, team_table


def select_teams(teams: dict[str, Team], wanted: list[str] | str | None) -> list[str]:
    """Team ids to show; ``None``/``"all"``/empty means every team. Unknown ids are an error."""
    if wanted in (None, "", "all", []):
        return list(teams)
    if isinstance(wanted, str):
        wanted = [w.strip() for w in wanted.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in teams]
    if unknown:
        raise InputFileError(
            [
                InputProblem(
                    "parameters",
                    f"team(s) {', '.join(unknown)} not in the team context file; known teams: "
                    f"{', '.join(teams)}",
                    column="teams",
                )
            ]
        )
    return list(wanted)


def run(
    responses: Path | str = SAMPLE_RESPONSES,
    teams: Path | str = SAMPLE_TEAMS,
    *,
    threshold: int = 5,
    team_ids: list[str] | str | None = None,
    out_dir: Path | str | None = None,
    framework: Framework | None = None,
) -> Outputs:
    """Assess every team; write ``assessment.json`` and ``assessment.html`` when out_dir is set.

    ``team_ids`` limits the per-team sections of the report; the results file and the
    organisation overview always cover every team, so the planner sees the whole organisation.
    """
    answers, team_table = load_inputs(responses, teams, framework=framework)
    chosen = select_teams(team_table, team_ids)
    result = assess(answers, team_table, threshold, framework)
    sources = {"responses": Path(responses).name, "teams": Path(teams).name}
    results = to_results(result, sources)
    outputs = Outputs(result, results, chosen)
    if out_dir is not None:
        out = Path(out_dir)
        outputs.results_path = write_results(results, out)
        outputs.report_path = write_report(outputs.report_html(), out)
    return outputs


def inputs_or_sample(responses_file: str, teams_file: str) -> tuple[Path, Path]:
    """The notebook's file parameters, with empty meaning the bundled sample organisation."""
    return (
        Path(responses_file) if responses_file else SAMPLE_RESPONSES,
        Path(teams_file) if teams_file else SAMPLE_TEAMS,
    )


def show_report(outputs: Outputs) -> None:
    """Display the report inside the notebook (papermill / JupyterLab), and where it was saved."""
    from IPython.display import HTML, Markdown, display

    if outputs.results_path is not None:
        display(Markdown(f"Saved `{outputs.results_path}` and `{outputs.report_path}`."))
    display(HTML(outputs.report_html(standalone=False)))
