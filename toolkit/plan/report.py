"""The plan as people read it: the participants' handout and the facilitator guide (Jinja2)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from toolkit.core.charts import to_svg
from toolkit.core.files import write_atomic
from toolkit.core.framework import Framework, default_framework
from toolkit.core.pdf import write_pdf
from toolkit.core.templates import environment
from toolkit.plan.catalog import Catalog, default_catalog
from toolkit.plan.materials import Materials, default_materials
from toolkit.plan.planner import (
    BREAK_RULES,
    REFRESHER_MINUTES,
    REFRESHER_SOURCES,
    Plan,
    material_suits,
    module_steps,
)

HANDOUT_NAME = "handout.html"
GUIDE_NAME = "facilitator_guide.html"
MATERIALS_NAME = "participant_materials.html"
PLAN_NAME = "plan.json"
FORMAT_NAMES = {"in_person": "in person", "online": "online", "self_paced": "self-paced"}


def gaps_chart(plan: Plan, framework: Framework) -> Figure | None:
    """The team's level and the role's target on the competencies this session covers.

    The legend sits above the plot, never over a bar or a target marker; the marker is named
    in it and in the figure's caption."""
    rows = [
        c
        for c in plan.team.competencies
        if c.competency_id in plan.covered_competencies and c.mean is not None
    ]
    if not rows:
        return None
    fig = Figure(figsize=(6.6, 0.28 * len(rows) + 0.95), dpi=100)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    ax.barh(
        y,
        [c.mean - framework.scale.minimum for c in rows],
        left=framework.scale.minimum,
        color="#e6550d",
        height=0.55,
        label="our team now (average answer)",
    )
    ax.scatter(
        [c.target for c in rows],
        y,
        marker="D",
        color="black",
        zorder=3,
        s=20,
        label="the level our role asks for",
    )
    ax.set_yticks(y, [framework.competency(c.competency_id).name["en"] for c in rows], fontsize=8)
    ax.set_xlim(framework.scale.minimum, framework.scale.maximum)
    ax.set_xticks(range(framework.scale.minimum, framework.scale.maximum + 1))
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=2,
        fontsize=8,
        frameon=False,
        borderaxespad=0.2,
    )
    fig.tight_layout(pad=0.3)
    return fig


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def practise_items(plan: Plan, framework: Framework) -> tuple[str, list[dict]]:
    """Why these topics (one sentence), and one bullet per competency the session covers:
    what we practise, for people who take part, in plain words (no ranks, priorities or
    figures)."""
    from_team = plan.planned_from == "team results" and not plan.team.withheld
    why = (
        "We chose these because, in our team's answers to the needs survey, they are where we "
        "feel less sure than our work asks."
        if from_team
        else "We chose these because they are at the heart of work in a role like ours."
    )
    items = []
    for cid in plan.covered_competencies:
        competency = framework.competency(cid)
        what = competency.description.rstrip(".")
        items.append(
            {"name": competency.name["en"], "what": f"so that each of us {_lower_first(what)}."}
        )
    return why, items


def module_materials(plan: Plan, catalog: Catalog, materials: Materials) -> list[dict]:
    """Each planned module with its inner timings, what it needs in this format, and the case
    study and quiz it runs with (only for the activities its time leaves in)."""
    names = {m.id: m for m in catalog.modules}
    found = []
    for item in plan.agenda:
        if not item.module_id:
            continue
        steps = module_steps(item, catalog)
        found.append(
            {
                "module": names[item.module_id],
                "item": item,
                "steps": steps,
                "needs": [
                    m
                    for m in names[item.module_id].materials
                    if material_suits(m, plan.parameters.format)
                ],
                **materials.for_module(item.module_id, [s.activity_id for s in steps]),
            }
        )
    return found


def _context(
    plan: Plan,
    catalog: Catalog,
    framework: Framework,
    chart: bool = True,
    materials: Materials | None = None,
) -> dict:
    names = {m.id: m for m in catalog.modules}
    agenda = [
        {
            **asdict(item),
            "end": item.end,
            "activity_names": [catalog.activity[a].name for a in item.activities],
        }
        for item in plan.agenda
    ]
    figure = gaps_chart(plan, framework) if chart else None
    why = [item.reason for item in plan.agenda if item.kind == "module"]
    return {
        "plan": plan,
        "params": plan.parameters,
        "team": plan.team,
        "role_name": framework.role_name(plan.team.role),
        "format_name": FORMAT_NAMES[plan.parameters.format],
        "agenda": agenda,
        "why": why,
        "modules": [names[i.module_id] for i in plan.agenda if i.module_id],
        "module_parts": module_materials(plan, catalog, materials or default_materials()),
        "materials_page": MATERIALS_NAME,
        "break_rule": BREAK_RULES[plan.parameters.format],
        "practise_why": practise_items(plan, framework)[0],
        "practise": practise_items(plan, framework)[1],
        "clock": plan.parameters.format != "self_paced",
        "qr_svg": plan.qr_svg(),
        "chart_svg": to_svg(figure) if figure is not None else "",
        "refresher_minutes": REFRESHER_MINUTES,
        "refresher_sources": REFRESHER_SOURCES,
    }


def handout_html(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """For participants, inside a notebook: what we practise and why, agenda, the reflection
    link and QR code, follow-up dates."""
    context = _context(plan, catalog or default_catalog(), framework or default_framework())
    return environment().get_template("plan/handout_body.html.j2").render(**context)


def handout_page(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """The handout as a page of its own, one A4 sheet in print (``handout.html`` and PDF)."""
    context = _context(plan, catalog or default_catalog(), framework or default_framework())
    return environment().get_template("plan/handout.html.j2").render(**context)


def _without_chart(
    template: str,
    plan: Plan,
    catalog: Catalog | None,
    framework: Framework | None,
    materials: Materials | None,
) -> str:
    context = _context(
        plan, catalog or default_catalog(), framework or default_framework(), False, materials
    )
    return environment().get_template(template).render(**context)


def guide_html(
    plan: Plan,
    catalog: Catalog | None = None,
    framework: Framework | None = None,
    materials: Materials | None = None,
) -> str:
    """For the facilitator: everything, printable (a print stylesheet is included), with each
    module's case study and quiz and their answers."""
    return _without_chart("plan/guide.html.j2", plan, catalog, framework, materials)


def materials_page(
    plan: Plan,
    catalog: Catalog | None = None,
    framework: Framework | None = None,
    materials: Materials | None = None,
) -> str:
    """For participants: the session's case studies and quizzes, without the answers, to
    print per group or share on screen (``participant_materials.html`` and its PDF)."""
    return _without_chart("plan/participant_materials.html.j2", plan, catalog, framework, materials)


def plan_json(plan: Plan) -> str:
    """What the reflection app and later cycles read: the session and what it covered."""
    return json.dumps(
        {
            "schema_version": 1,
            "session_id": plan.parameters.session_id,
            "team_id": plan.team.team_id,
            "team_name": plan.team.team_name,
            "start": plan.parameters.start.isoformat(),
            "minutes": plan.parameters.minutes,
            "format": plan.parameters.format,
            "group_size": plan.parameters.group_size,
            "language": plan.parameters.language,
            "competencies": plan.covered_competencies,
            "reflection_url": plan.reflection_url,
            "checkin_url": plan.checkin_url,
            "feedback_url": plan.feedback_url,
            "agenda": [
                {
                    "start": i.start.isoformat(),
                    "minutes": i.minutes,
                    "kind": i.kind,
                    "title": i.title,
                    "module_id": i.module_id,
                    "competencies": i.competencies,
                    "scenarios": i.scenarios,
                    "reason": i.reason,
                }
                for i in plan.agenda
            ],
            "refreshers": [
                {"day": r.day.isoformat(), "minutes": r.minutes, "competency_id": r.competency_id}
                for r in plan.refreshers
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


def write_plan_files(plan: Plan, out_dir: Path | str) -> list[Path]:
    """The handout, the facilitator guide and the participants' materials (HTML, each with
    its PDF) and plan.json, each written atomically."""
    out = Path(out_dir)
    pages = [
        write_atomic(out / HANDOUT_NAME, handout_page(plan)),
        write_atomic(out / GUIDE_NAME, guide_html(plan)),
        write_atomic(out / MATERIALS_NAME, materials_page(plan)),
    ]
    return [
        *(path for page in pages for path in (page, write_pdf(page))),
        write_atomic(out / PLAN_NAME, plan_json(plan)),
    ]
