"""One call from files to the evaluation report: what ``cct evaluate`` and the notebook run.

Reflections, the check-in form's follow-ups and the client feedback form's answers come from
the reflections store (any database URL, through its public API); the
other sources are files, each optional: team context (for response rates and names), follow-up
check-ins, supervisors' observations, service outcomes, and needs-assessment results of earlier
cycles (``assessment.json``, each labelled with its cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.assess.results import read_results
from toolkit.core.disclosure import censor_counts
from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.teams import read_teams
from toolkit.evaluate.followups import combine, from_checkins, read_followups
from toolkit.evaluate.levels import Evaluation, evaluate
from toolkit.evaluate.observations import read_observations
from toolkit.evaluate.outcomes import combine_outcomes, from_feedback, read_outcomes
from toolkit.evaluate.periods import FREQUENCIES
from toolkit.evaluate.report import EvaluationOutputs, render_report, write_outputs
from toolkit.reflect.checkins import CheckInStore
from toolkit.reflect.feedback import FeedbackStore
from toolkit.reflect.store import ReflectionStore

__all__ = ["Run", "parse_assessments", "run", "show"]


@dataclass
class Run:
    evaluation: Evaluation
    outputs: EvaluationOutputs | None
    notices: list[str] = field(default_factory=list)


def parse_assessments(text: str | list[str] | None) -> dict[str, Path]:
    """``"2027Q1=out/q1/assessment.json;2027Q2=..."`` (or a list of such pairs) → cycle: path."""
    if not text:
        return {}
    parts = text if isinstance(text, list) else [p for p in text.split(";") if p.strip()]
    pairs: dict[str, Path] = {}
    problems = []
    for part in parts:
        cycle, sep, path = part.partition("=")
        if not sep or not cycle.strip() or not path.strip():
            problems.append(
                InputProblem(
                    "assessments",
                    f"'{part}' should be a cycle and a results file: 2027Q1=out/assessment.json",
                )
            )
            continue
        pairs[cycle.strip().upper()] = Path(path.strip())
    if problems:
        raise InputFileError(problems)
    return pairs


#: said in the report when no team context file was given: what is missing, and how to add it
WITHOUT_TEAMS_FILE = (
    "No team context file was given, so teams appear by their ids and the share of staff who "
    "answered is not shown; give the teams file (teams_file, or --teams) to show their names "
    "and response rates."
)


def run(
    store_url: str | None = None,
    *,
    teams_file: str | Path | None = None,
    followups_file: str | Path | None = None,
    observations_file: str | Path | None = None,
    outcomes_file: str | Path | None = None,
    assessments: str | list[str] | None = None,
    threshold: int = 5,
    cycle: str = "Q",
    output_dir: str | Path | None = None,
) -> Run:
    """Load every source given, evaluate, and write the report when ``output_dir`` is given."""
    if cycle not in FREQUENCIES:
        raise InputFileError(
            [InputProblem("cycle", f"'{cycle}' is not a cycle length; use M, Q or Y")]
        )
    teams = read_teams(teams_file) if teams_file else None
    known = list(teams) if teams else None
    followups = read_followups(followups_file, known_teams=known) if followups_file else None
    observations = (
        read_observations(observations_file, known_teams=known) if observations_file else None
    )
    outcomes = read_outcomes(outcomes_file, known_teams=known) if outcomes_file else None
    results = {c: read_results(p) for c, p in parse_assessments(assessments).items()}
    store = ReflectionStore(store_url or None)
    reflections = store.load_columns()  # columns, computed by the database
    followups = combine(from_checkins(CheckInStore(reflections=store).load()), followups)
    outcomes = combine_outcomes(from_feedback(FeedbackStore(reflections=store).load()), outcomes)
    evaluation = evaluate(
        reflections,
        followups=followups,
        observations=observations,
        outcomes=outcomes,
        assessments=results or None,
        teams=teams,
        threshold=threshold,
        frequency=cycle,
    )
    for source in (followups, observations):
        if source is not None:
            evaluation.notices.extend(source.notices)
    if teams is None and evaluation.teams:
        evaluation.notices.append(WITHOUT_TEAMS_FILE)
    outputs = write_outputs(evaluation, output_dir) if output_dir else None
    said = [censor_counts(n, evaluation.threshold) for n in evaluation.notices]  # no small counts
    return Run(evaluation, outputs, said)


def show(done: Run) -> None:
    """Display the report in a notebook (or a Voila page)."""
    from html import escape

    from IPython.display import HTML, display

    display(HTML(render_report(done.evaluation, standalone=False)))
    if done.outputs is not None:
        display(HTML(f"<p>Report written to <code>{escape(str(done.outputs.report))}</code>.</p>"))
