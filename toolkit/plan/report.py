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
from toolkit.core.templates import environment
from toolkit.plan.catalog import Catalog, default_catalog
from toolkit.plan.planner import REFRESHER_MINUTES, REFRESHER_SOURCES, Plan

GUIDE_NAME = "facilitator_guide.html"
PLAN_NAME = "plan.json"
FORMAT_NAMES = {"in_person": "in person", "online": "online", "self_paced": "self-paced"}


def gaps_chart(plan: Plan, framework: Framework) -> Figure | None:
    """The team's level and target on the competencies this session covers."""
    rows = [
        c
        for c in plan.team.competencies
        if c.competency_id in plan.covered_competencies and c.mean is not None
    ]
    if not rows:
        return None
    fig = Figure(figsize=(7, 0.45 * len(rows) + 1.2), dpi=100)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    ax.barh(
        y, [c.mean - 1 for c in rows], left=1, color="#e6550d", height=0.55, label="team now (mean)"
    )
    ax.scatter(
        [c.target for c in rows],
        y,
        marker="D",
        color="black",
        zorder=3,
        s=20,
        label="target for the role",
    )
    ax.set_yticks(y, [framework.competency(c.competency_id).name["en"] for c in rows], fontsize=9)
    ax.set_xlim(framework.scale.minimum, framework.scale.maximum)
    ax.set_title("Where the team is, and where this session aims", loc="left", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _context(plan: Plan, catalog: Catalog, framework: Framework, chart: bool = True) -> dict:
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
        "qr_svg": plan.qr_svg(),
        "chart_svg": to_svg(figure) if figure is not None else "",
        "refresher_minutes": REFRESHER_MINUTES,
        "refresher_sources": REFRESHER_SOURCES,
    }


def handout_html(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """For participants: agenda, why, the reflection link and QR code, follow-up dates."""
    context = _context(plan, catalog or default_catalog(), framework or default_framework())
    return environment().get_template("plan/handout_body.html.j2").render(**context)


def guide_html(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """For the facilitator: everything, printable (a print stylesheet is included)."""
    context = _context(
        plan, catalog or default_catalog(), framework or default_framework(), chart=False
    )
    return environment().get_template("plan/guide.html.j2").render(**context)


def plan_json(plan: Plan) -> str:
    """What the reflection app and later cycles read: the session and what it covered."""
    return json.dumps(
        {
            "schema_version": 1,
            "session_id": plan.parameters.session_id,
            "team_id": plan.team.team_id,
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
    """The facilitator guide and plan.json, written atomically."""
    out = Path(out_dir)
    return [
        write_atomic(out / GUIDE_NAME, guide_html(plan)),
        write_atomic(out / PLAN_NAME, plan_json(plan)),
    ]
