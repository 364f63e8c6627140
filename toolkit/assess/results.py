"""The needs-assessment results file: the contract between the assessment and the planner.

``assessment.json`` is an :class:`AssessmentResults` serialised by pydantic; its JSON Schema is
written next to it (``cct schema`` prints it). Withheld figures are ``null``, never zero.
A reader refuses files of another ``schema_version`` with a message saying which it found.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolkit.assess.assessment import Assessment
from toolkit.core.exceptions import ResultsFileError
from toolkit.core.files import write_atomic

SCHEMA_VERSION = 1
RESULTS_NAME = "assessment.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompetencyResult(_Model):
    competency_id: str
    domain_id: str
    withheld: bool = Field(description="True when fewer people than the threshold answered")
    n: int | None = Field(description="Respondents with a score on this competency")
    mean: float | None
    ci_low: float | None = Field(description="Lower end of the 95% t-interval of the mean")
    ci_high: float | None
    target: float = Field(description="Target level for the team's role")
    gap: float | None = Field(description="target − mean; positive means below target")
    relevance: int = Field(description="3 core, 2 important, 1 useful for the role")
    context_weight: float = Field(description="Client-context multiplier (language access)")
    priority: float | None = Field(description="max(gap, 0) × relevance × context_weight")
    rank: int | None = Field(description="1 = train first, among this team's shown gaps")
    why: str | None = Field(description="Plain-language reason for the priority")


class LanguageNeed(_Model):
    language: str = Field(description="ISO 639 code")
    language_name: str
    client_share: float = Field(description="Percent of clients needing support who speak it")
    need_hours: float = Field(description="Hours of language support needed per month")
    covered_hours: float
    unmet_hours: float
    status: str


class TeamResult(_Model):
    team_id: str
    team_name: str
    role: str
    withheld: bool
    respondents: int | None
    client_regions: list[str]
    client_languages: dict[str, float]
    staff_languages: list[str]
    interpreter_need_share: float
    competencies: list[CompetencyResult]
    language_access: list[LanguageNeed]


class AssessmentResults(_Model):
    schema_version: int = SCHEMA_VERSION
    generated_at: datetime
    framework_version: str
    threshold: int
    scale_minimum: int
    scale_maximum: int
    sources: dict[str, str] = Field(description="Names of the files the results came from")
    privacy_note: str
    teams: list[TeamResult]

    def team(self, team_id: str) -> TeamResult:
        for team in self.teams:
            if team.team_id == team_id:
                return team
        known = ", ".join(t.team_id for t in self.teams)
        raise KeyError(f"team '{team_id}' is not in the results (teams: {known})")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _column(frame: pd.DataFrame, name: str, as_int: bool = False) -> list[Any]:
    """A column as Python values, NaN as None (null in the JSON), in C rather than per cell."""
    values = frame[name].to_numpy()
    if values.dtype.kind != "f":
        return values.tolist()
    missing = np.isnan(values)
    out = (np.where(missing, 0, values).astype(np.int64) if as_int else values).astype(object)
    out[missing] = None
    return out.tolist()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of Python values, column by column (``to_dict("records")`` goes cell by
    cell through pandas and was most of the time of :func:`to_results`)."""
    columns = [str(c) for c in frame.columns]
    values = [_column(frame, c) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """Pause the cyclic garbage collector while building tens of thousands of small objects
    that form no cycles: it would otherwise walk the whole heap (the responses) many times."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def to_results(result: Assessment, sources: dict[str, str]) -> AssessmentResults:
    """Build the results document from an assessment (withheld values become null).

    The document is built as plain data and validated once by pydantic, which checks it as
    building each model would."""
    with _no_collector_pauses():
        return _to_results(result, sources)


def _to_results(result: Assessment, sources: dict[str, str]) -> AssessmentResults:
    reasons = result.reasons()
    why_of = dict(zip(reasons.index.tolist(), reasons.tolist(), strict=True))
    cells = result.cells
    fields = {
        "competency_id": _column(cells, "competency_id"),
        "domain_id": _column(cells, "domain_id"),
        "withheld": cells["withheld"].astype(bool).tolist(),
        "n": _column(cells, "n", as_int=True),
        **{k: _column(cells, k) for k in ("mean", "ci_low", "ci_high", "gap", "priority")},
        "target": cells["target"].astype(float).tolist(),
        "relevance": cells["relevance"].astype(int).tolist(),
        "context_weight": cells["context_weight"].astype(float).tolist(),
    }
    ranked = [why_of.get(i) for i in cells.index.tolist()]  # reason, or None: not ranked
    fields["rank"] = [
        int(r) if why is not None else None
        for r, why in zip(cells["rank"].tolist(), ranked, strict=True)
    ]
    fields["why"] = ranked
    names = list(fields)
    records = [dict(zip(names, row, strict=True)) for row in zip(*fields.values(), strict=True)]
    competencies: dict[str, list[dict[str, Any]]] = {}
    for team_id, record in zip(cells["team_id"].tolist(), records, strict=True):
        competencies.setdefault(team_id, []).append(record)
    language: dict[str, list[dict[str, Any]]] = {}
    for row in _records(result.language):
        language.setdefault(row.pop("team_id"), []).append(row)
    summary = result.team_summary
    withheld = dict(zip(summary.index.tolist(), summary["withheld"].tolist(), strict=True))
    respondents = dict(zip(summary.index.tolist(), summary["respondents"].tolist(), strict=True))
    teams = []
    for team_id, team in result.teams.items():
        hidden = bool(withheld[team_id])
        teams.append(
            {
                "team_id": team_id,
                "team_name": team.name,
                "role": team.role,
                "withheld": hidden,
                "respondents": None if hidden else int(respondents[team_id]),
                "client_regions": list(team.client_regions),
                "client_languages": dict(team.client_languages),
                "staff_languages": list(team.staff_languages),
                "interpreter_need_share": team.interpreter_need_share,
                "competencies": competencies[team_id],
                "language_access": language.get(team_id, []),
            }
        )
    return AssessmentResults.model_validate(
        {
            "generated_at": datetime.now(UTC).replace(microsecond=0),
            "framework_version": result.framework.version,
            "threshold": result.threshold,
            "scale_minimum": result.framework.scale.minimum,
            "scale_maximum": result.framework.scale.maximum,
            "sources": sources,
            "privacy_note": result.privacy_note,
            "teams": teams,
        }
    )


def write_results(results: AssessmentResults, out_dir: Path) -> Path:
    return write_atomic(Path(out_dir) / RESULTS_NAME, results.model_dump_json(indent=2))


def results_schema() -> str:
    return json.dumps(AssessmentResults.model_json_schema(), indent=2)


def read_results(path: Path | str) -> AssessmentResults:
    """Read a results file, refusing other schema versions with a plain message."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultsFileError(f"Cannot read the assessment results {path}: {exc}") from exc
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise ResultsFileError(
            f"{path} has results schema version {version!r}; this toolkit reads version "
            f"{SCHEMA_VERSION}. Re-run the needs assessment with this version of the toolkit."
        )
    try:
        return AssessmentResults.model_validate(raw)
    except ValidationError as exc:
        raise ResultsFileError(f"{path} is not a valid results file: {exc}") from exc
