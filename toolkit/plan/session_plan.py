"""What the session-plan notebook calls: read its parameters, plan, write, show the handout."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from toolkit.assess.results import AssessmentResults, read_results
from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.plan.planner import Plan, SessionParameters, plan_session
from toolkit.plan.report import handout_html, write_plan_files


@lru_cache(maxsize=8)
def _results(path: str, mtime: float) -> AssessmentResults:
    return read_results(path)


@lru_cache(maxsize=1)
def sample_results() -> AssessmentResults:
    """The bundled sample organisation's assessment, computed on the fly (about 0.3 s)."""
    from toolkit.assess.needs_assessment import run

    return run().results


def load_results(results_file: str | Path) -> AssessmentResults:
    """The needs-assessment results; empty means the sample organisation's. Cached per file
    version, so a warm kernel planning many teams reads the file once."""
    if not str(results_file):
        return sample_results()
    path = Path(results_file).resolve()
    if not path.exists():
        raise InputFileError(
            [
                InputProblem(
                    str(results_file),
                    "the results file does not exist; run the needs assessment first",
                )
            ]
        )
    return _results(str(path), path.stat().st_mtime)


def parse_start(start: str | datetime) -> datetime:
    if isinstance(start, datetime):
        return start
    try:
        return datetime.fromisoformat(str(start).strip())
    except ValueError:
        raise InputFileError(
            [
                InputProblem(
                    "parameters",
                    f"start '{start}' is not a date and time such as 2027-01-12 09:30",
                    column="start",
                )
            ]
        ) from None


def make_plan(
    results_file: str,
    team_id: str,
    minutes: int,
    session_format: str,
    group_size: int,
    start: str,
    language: str,
    base_url: str,
) -> Plan:
    params = SessionParameters(
        team_id=team_id,
        minutes=int(minutes),
        format=session_format,
        group_size=int(group_size),
        start=parse_start(start),
        language=language,
        base_url=base_url,
    )
    return plan_session(load_results(results_file), params)


def publish(plan: Plan, output_dir: str | Path) -> None:
    """Write the handout, the facilitator guide and the participants' materials (HTML and PDF)
    and plan.json, and show the participants' handout."""
    from IPython.display import HTML, display

    if output_dir:
        write_plan_files(plan, output_dir)
    display(HTML(handout_html(plan)))
