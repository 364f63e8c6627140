"""The HTML report of a needs assessment, rendered with Jinja2 (autoescaped) from templates/.

Charts are inline SVG so the report is one file that can be mailed, archived or printed.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.assess import charts
from toolkit.assess.assessment import Assessment, organisation_priorities, unmet_languages
from toolkit.assess.results import AssessmentResults
from toolkit.core.charts import to_svg
from toolkit.core.files import write_atomic
from toolkit.core.templates import environment

REPORT_NAME = "assessment.html"


def report_context(
    result: Assessment, results: AssessmentResults, team_ids: list[str] | None = None
) -> dict:
    """What the template shows; team_ids limits the per-team sections (the overview keeps all)."""
    fw = result.framework
    team_ids = team_ids or list(result.teams)
    shown = [t for t in results.teams if not t.withheld]

    def name(comp_id: str) -> str:
        return fw.competency(comp_id).name["en"]

    teams = []
    for team in results.teams:
        if team.team_id not in team_ids:
            continue
        priorities = sorted(
            (c for c in team.competencies if c.rank is not None), key=lambda c: c.rank
        )
        teams.append(
            {
                **team.model_dump(),
                "role_name": fw.role_name(team.role),
                "profile_svg": ""
                if team.withheld
                else to_svg(charts.team_profile(result, team.team_id)),
                "priorities": [
                    {"name": name(c.competency_id), "priority": c.priority, "why": c.why}
                    for c in priorities
                ],
                "withheld_competencies": [
                    name(c.competency_id) for c in team.competencies if c.withheld
                ],
            }
        )
    org = organisation_priorities(result).head(8)
    unmet = unmet_languages(result)
    return {
        "title": ", ".join(results.sources.values()),
        "results": results,
        "shown": shown,
        "withheld": [t for t in results.teams if t.withheld],
        "shown_respondents": sum(t.respondents or 0 for t in shown),
        "heatmap_svg": to_svg(charts.heatmap(result)),
        "org_priorities": [
            {"name": name(cid), "domain": fw.domain_name(fw.domain_of_competency[cid]), **row}
            for cid, row in org.to_dict("index").items()
        ],
        "unmet_languages": [
            {**row, "team": result.teams[row["team_id"]].name} for row in unmet.to_dict("records")
        ],
        "teams": teams,
        "notices": result.notices,
    }


def render_report(
    result: Assessment,
    results: AssessmentResults,
    team_ids: list[str] | None = None,
    *,
    standalone: bool = True,
) -> str:
    """The report as a whole HTML page, or as a fragment to show inside a notebook."""
    return render_context(report_context(result, results, team_ids), standalone=standalone)


def render_context(context: dict, *, standalone: bool = True) -> str:
    """Render an already built context (the charts are the costly part: build them once)."""
    name = "assess/report.html.j2" if standalone else "assess/fragment.html.j2"
    return environment().get_template(name).render(**context)


def write_report(html: str, out_dir: Path) -> Path:
    return write_atomic(Path(out_dir) / REPORT_NAME, html)
