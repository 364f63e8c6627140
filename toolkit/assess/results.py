"""The needs-assessment results file: the contract between the assessment and the planner.

``assessment.json`` is an :class:`AssessmentResults` serialised by pydantic; its JSON Schema is
written next to it (``cct schema`` prints it). Withheld figures are ``null``, never zero.
A reader refuses files of another ``schema_version`` with a message saying which it found.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def to_results(result: Assessment, sources: dict[str, str]) -> AssessmentResults:
    """Build the results document from an assessment (withheld values become null)."""
    reasons = result.priorities()["why"]
    cells_of = dict(tuple(result.cells.groupby("team_id", sort=False)))
    language_of = dict(tuple(result.language.groupby("team_id", sort=False)))
    summary = result.team_summary.to_dict("index")
    teams = []
    for team_id, team in result.teams.items():
        comps = []
        for idx, row in zip(
            cells_of[team_id].index, cells_of[team_id].to_dict("records"), strict=True
        ):
            values = {
                k: _clean(row[k]) for k in ("n", "mean", "ci_low", "ci_high", "gap", "priority")
            }
            ranked = idx in reasons.index
            comps.append(
                CompetencyResult(
                    competency_id=row["competency_id"],
                    domain_id=row["domain_id"],
                    withheld=bool(row["withheld"]),
                    n=None if values["n"] is None else int(values["n"]),
                    mean=values["mean"],
                    ci_low=values["ci_low"],
                    ci_high=values["ci_high"],
                    target=float(row["target"]),
                    gap=values["gap"],
                    relevance=int(row["relevance"]),
                    context_weight=float(row["context_weight"]),
                    priority=values["priority"],
                    rank=int(row["rank"]) if ranked else None,
                    why=reasons[idx] if ranked else None,
                )
            )
        language = language_of.get(team_id)
        withheld = bool(summary[team_id]["withheld"])
        teams.append(
            TeamResult(
                team_id=team_id,
                team_name=team.name,
                role=team.role,
                withheld=withheld,
                respondents=None if withheld else int(summary[team_id]["respondents"]),
                client_regions=list(team.client_regions),
                client_languages=dict(team.client_languages),
                staff_languages=list(team.staff_languages),
                interpreter_need_share=team.interpreter_need_share,
                competencies=comps,
                language_access=[]
                if language is None
                else [
                    LanguageNeed(**rec)
                    for rec in language.drop(columns="team_id").to_dict("records")
                ],
            )
        )
    return AssessmentResults(
        generated_at=datetime.now(UTC).replace(microsecond=0),
        framework_version=result.framework.version,
        threshold=result.threshold,
        scale_minimum=result.framework.scale.minimum,
        scale_maximum=result.framework.scale.maximum,
        sources=sources,
        privacy_note=result.privacy_note,
        teams=teams,
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
