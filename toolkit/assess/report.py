"""The HTML report of a needs assessment, rendered with Jinja2 (autoescaped) from templates/.

Charts are inline SVG so the report is one file that can be mailed, archived or printed.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.assess import charts
from toolkit.assess.assessment import Assessment, organisation_priorities, unmet_languages
from toolkit.assess.language_access import COVERED_BY_STAFF, DEFAULT_HOURS_PER_CONTACT
from toolkit.assess.results import AssessmentResults
from toolkit.core.charts import to_svg
from toolkit.core.files import write_atomic
from toolkit.core.pdf import write_pdf
from toolkit.core.teams import language_name
from toolkit.core.templates import environment

REPORT_NAME = "assessment.html"


#: How many competencies a team's "train first" list gives with their reasons; the rest with a
#: gap are named in one sentence (a session covers a few, and the list has to fit the page).
TRAIN_FIRST = 5


def _status_text(row: dict) -> str:
    """What a language row's cover is, in words that match its hours (40 of 42 is not "none")."""
    if row["status"] == COVERED_BY_STAFF:
        return "served by staff"
    if row["unmet_hours"] <= 0:
        return "covered by interpreter hours"
    if row["covered_hours"] <= 0:
        return "not covered"
    return f"partly covered ({row['covered_hours']:g} of {row['need_hours']:g} hours)"


def _percent(value: float) -> str:
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


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
        context = result.teams[team.team_id]
        if team.withheld:  # withheld means nothing: no chart, no list, no table
            teams.append(
                {
                    "team_id": team.team_id,
                    "team_name": team.team_name,
                    "withheld": True,
                    "anchor": team.team_id,
                }
            )
            continue
        ranked = sorted((c for c in team.competencies if c.rank is not None), key=lambda c: c.rank)
        teams.append(
            {
                **team.model_dump(),
                "anchor": team.team_id,
                "role_name": fw.role_name(team.role),
                "profile_svg": to_svg(charts.team_profile(result, team.team_id)),
                "priorities": [
                    {"name": name(c.competency_id), "why": _reason(c.why, name(c.competency_id))}
                    for c in ranked[:TRAIN_FIRST]
                ],
                "more_below": [name(c.competency_id) for c in ranked[TRAIN_FIRST:]],
                "withheld_competencies": [
                    name(c.competency_id) for c in team.competencies if c.withheld
                ],
                "needs_interpreting": context.needs_interpreting,
                "client_language_names": [
                    f"{language_name(code)} ({share:g}%)"
                    for code, share in context.client_languages.items()
                ],
                "language_rows": [
                    {
                        **row.model_dump(),
                        # the share of ALL the team's clients, as the heading says (the file
                        # gives each language's share among those needing support)
                        "share_of_all": _percent(
                            team.interpreter_need_share * row.client_share / 100
                        ),
                        "status_text": _status_text(row.model_dump()),
                    }
                    for row in team.language_access
                ],
            }
        )
    org = organisation_priorities(result).head(8)
    withheld_ids = {t.team_id for t in results.teams if t.withheld}
    unmet = unmet_languages(result)
    unmet = unmet[~unmet["team_id"].isin(withheld_ids)].sort_values(
        ["unmet_hours", "need_hours"], ascending=False, kind="stable"
    )
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
        "hours_per_contact_text": f"{DEFAULT_HOURS_PER_CONTACT:g} hour",
        "teams": teams,
        "notices": result.notices,
    }


def _reason(why: str | None, name: str) -> str:
    """The reason without the competency's name in front (the list shows it already)."""
    why = why or ""
    return why[len(name) + 2 :] if why.startswith(f"{name}: ") else why


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


def write_report(html: str, out_dir: Path, *, pdf: bool = True) -> Path:
    """Write the report's HTML and, beside it, its PDF (A4, from the page's print CSS)."""
    path = write_atomic(Path(out_dir) / REPORT_NAME, html)
    if pdf:
        write_pdf(path)
    return path
