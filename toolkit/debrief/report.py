"""The debrief's chart, HTML report (Jinja2, autoescaped) and the files it writes.

Free text (prompts, commitments, themes) only ever reaches HTML through Jinja2's autoescaping
and CSV through :mod:`toolkit.core.safe_export`; charts hold only competency names and numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from toolkit.core.charts import to_svg
from toolkit.core.disclosure import censor_counts, pseudonym
from toolkit.core.exceptions import ToolkitError
from toolkit.core.files import write_atomic
from toolkit.core.paths import SAMPLE_DIR
from toolkit.core.pdf import write_pdf
from toolkit.core.safe_export import write_csv
from toolkit.core.teams import read_teams
from toolkit.core.templates import environment
from toolkit.debrief.next_cycle import NEXT_CYCLE_FOLDER, NEXT_CYCLE_NAME, next_cycle_responses
from toolkit.debrief.summary import Debrief, GroupDebrief, session_label
from toolkit.reflect.store import GIBBS_STAGES, Reflection

REPORT_NAME = "debrief.html"
REFLECTIONS_NAME = "reflections.csv"
BEFORE_COLOUR = "#9e9e9e"
NOW_COLOUR = "#2171b5"


def change_chart(group: GroupDebrief, scale: tuple[int, int] = (1, 5)) -> Figure:
    """Per shown competency: how many people stood at each confidence level before (grey,
    above) and now (blue, below), bubble area ∝ share of the group, an arrow between the means."""
    comps = group.competencies
    lo, hi = scale
    fig = Figure(figsize=(8.5, 0.62 * len(comps) + 1.5), dpi=100)
    ax = fig.subplots()
    y = np.arange(len(comps))[::-1].astype(float)
    levels = np.arange(lo, hi + 1)
    for yy, comp in zip(y, comps, strict=True):
        for counts, offset, colour in (
            (comp.before_counts, 0.17, BEFORE_COLOUR),
            (comp.now_counts, -0.17, NOW_COLOUR),
        ):
            share = np.asarray(counts, dtype=float) / max(sum(counts), 1)
            ax.scatter(
                levels[share > 0],
                np.full((share > 0).sum(), yy + offset),
                s=share[share > 0] * 420,
                color=colour,
                alpha=0.85,
                linewidths=0,
            )
        ax.annotate(
            "",
            xy=(comp.mean_now, yy),
            xytext=(comp.mean_before, yy),
            arrowprops={"arrowstyle": "->", "color": "#08306b", "lw": 1.4},
        )
    ax.set_yticks(y, [c.name for c in comps], fontsize=8)
    ax.set_xticks(levels)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_ylim(-0.6, len(comps) - 0.4)
    ax.set_xlabel("confidence (1 = not at all, 5 = very)")
    ax.set_title(
        f"{group.label}: confidence before and now ({group.n} reflections)", loc="left", fontsize=10
    )
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color=BEFORE_COLOUR, label="before (recalled)"),
            Line2D([], [], marker="o", ls="", color=NOW_COLOUR, label="now"),
            Line2D([], [], color="#08306b", label="mean before → mean now"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22 if len(comps) < 3 else -0.12),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def section_context(
    group: GroupDebrief,
    names: dict[str, str] | None = None,
    scale: tuple[int, int] = (1, 5),
    *,
    draw: bool = True,
) -> dict:
    """One session's or team's section: its figures under its name (not its id), and its chart
    drawn unless ``draw`` is false. The report draws every section; the app only the one a
    facilitator opens (:func:`render_section`)."""
    names = names or {}
    if group.kind == "session":
        label = session_label(group.group_id, names)
    else:
        label = names.get(group.group_id, group.label)
    group = replace(group, label=label)  # in the heading and in the chart's title
    context = asdict(group)
    drawn = draw and not group.withheld and group.competencies
    context["chart_svg"] = to_svg(change_chart(group, scale)) if drawn else ""
    return context


def team_names(teams_file: str | Path | None = None) -> dict[str, str]:
    """Team names by id, from a team context file (CSV or XLSX); with none given, the bundled
    sample organisation's (the demo's store holds its teams). The report shows these names."""
    path = Path(teams_file) if teams_file else SAMPLE_DIR / "teams.csv"
    if not teams_file and not path.is_file():
        return {}
    return {team_id: team.name for team_id, team in read_teams(path).items()}


def report_context(
    debrief: Debrief, names: dict[str, str] | None = None, *, charts: bool = True
) -> dict:
    """What the template shows; ``names`` (team id → name) puts names where ids would be.
    ``charts=False`` draws none (the app's overview, which shows no chart)."""
    fw = debrief.framework
    names = names or {}
    scale = (fw.scale.minimum, fw.scale.maximum)
    sessions = [section_context(g, names, scale, draw=charts) for g in debrief.sessions]
    teams = [section_context(g, names, scale, draw=charts) for g in debrief.teams]
    shown_sessions = [s for s in sessions if not s["withheld"]]

    def chosen(key: str) -> str:
        value = debrief.selection.get(key, "all")
        if isinstance(value, str):
            return value
        if key == "sessions":
            return "; ".join(session_label(v, names) for v in value)
        return ", ".join(names.get(v, v) for v in value)

    return {
        "threshold": debrief.threshold,
        "generated_at": debrief.generated_at,
        "privacy_note": debrief.privacy_note,
        "selection": {"sessions": chosen("sessions"), "teams": chosen("teams")},
        "sessions": sessions,
        "teams": teams,
        "shown_sessions": shown_sessions,
        "withheld_sessions": [s for s in sessions if s["withheld"]],
        "withheld_teams": [t for t in teams if t["withheld"]],
        "shown_reflections": sum(s["n"] for s in shown_sessions),
        "framework_version": fw.version,
        "notices": debrief.notices,
    }


def render_context(context: dict, *, standalone: bool = True, part: str = "") -> str:
    """The whole page (``standalone``) or a fragment for a notebook: the whole debrief, or with
    ``part="overview"`` only its overview (the app's first view)."""
    name = "debrief/report.html.j2" if standalone else "debrief/fragment.html.j2"
    return environment().get_template(name).render(**context, part=part)


def render_section(debrief: Debrief, kind: str, group_id: str, names: dict[str, str]) -> str:
    """One session's (``kind="session"``) or team's section as a fragment, its chart drawn: what
    the app shows when a facilitator opens it. The report draws the same sections
    (:func:`section_context`, the template's ``group_section``)."""
    groups = debrief.sessions if kind == "session" else debrief.teams
    group = next(g for g in groups if g.group_id == group_id)
    scale = (debrief.framework.scale.minimum, debrief.framework.scale.maximum)
    section = section_context(group, names, scale)
    return render_context(
        {"section": section, "threshold": debrief.threshold}, standalone=False, part="section"
    )


def render_report(
    debrief: Debrief, *, standalone: bool = True, names: dict[str, str] | None = None
) -> str:
    """The debrief as a whole HTML page, or as a fragment to show in a notebook."""
    return render_context(report_context(debrief, names), standalone=standalone)


@dataclass
class DebriefOutputs:
    report: Path
    reflections_csv: Path
    next_cycle_csv: Path | None
    notices: list[str]
    report_pdf: Path | None = None

    def paths(self) -> list[Path]:
        files = (self.report, self.report_pdf, self.reflections_csv, self.next_cycle_csv)
        return [p for p in files if p]


class NextCycleFolderError(ToolkitError, ValueError):
    """Raised when the next cycle's individual rows would land beside a shareable report."""


def check_next_cycle_folder(folder: Path | str, report_dir: Path | str) -> Path:
    """The folder for the next cycle's pseudonymous rows: never the report's folder, nor inside
    it, nor holding it, so sharing the report folder never shares individual answers."""
    folder, report_dir = Path(folder).resolve(), Path(report_dir).resolve()
    if folder == report_dir or report_dir in folder.parents or folder in report_dir.parents:
        raise NextCycleFolderError(
            f"The next cycle's responses hold individual (pseudonymous) answers, small teams' "
            f"included, so they cannot go in or around the report's folder {report_dir}; "
            f"choose a separate folder, for example {report_dir.parent / NEXT_CYCLE_FOLDER}"
        )
    return folder


def write_outputs(
    debrief: Debrief,
    out_dir: Path | str,
    *,
    html: str | None = None,
    include_self_code: bool = False,
    next_cycle_dir: Path | str | None = None,
    names: dict[str, str] | None = None,
) -> DebriefOutputs:
    """Write the report and the safe reflections CSV (shown groups only) into ``out_dir``; the
    next cycle's responses (every loaded reflection that names a team, one pseudonymous row
    per person) only when ``next_cycle_dir`` is given, a folder apart from the report's."""
    out = Path(out_dir)
    folder = check_next_cycle_folder(next_cycle_dir, out) if next_cycle_dir else None
    report = write_atomic(
        out / REPORT_NAME, html if html is not None else render_report(debrief, names=names)
    )
    pdf = write_pdf(report)
    reflections_csv = write_reflections_csv(
        out / REFLECTIONS_NAME, debrief.shown_reflections, include_self_code
    )
    if folder is None:
        return DebriefOutputs(report, reflections_csv, None, [], pdf)
    cycle = next_cycle_responses(debrief.reflections, debrief.framework)
    next_cycle_csv = write_csv(folder / NEXT_CYCLE_NAME, cycle.header, cycle.rows)
    notices = [censor_counts(n, debrief.threshold) for n in cycle.notices]
    return DebriefOutputs(report, reflections_csv, next_cycle_csv, notices, pdf)


def reflection_rows(
    reflections: Iterable[Reflection], include_self_code: bool = False
) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a reflections export: where, the free text, the commitment and the
    ratings of the session. Sorted by session, team and text, not by when people submitted, so
    the order does not point at anyone."""
    header = ["session_id", "team_id", "language", *GIBBS_STAGES]
    header += ["commitment", "commitment_date", "relevance", "usefulness"]
    if include_self_code:
        header.append("self_code")
    rows = []
    for r in reflections:
        row: list[object] = [r.session_id, r.team_id or "", r.language]
        row += [r.prompts.get(stage, "") for stage in GIBBS_STAGES]
        row += [
            r.commitment,
            r.commitment_date.isoformat() if r.commitment_date else "",
            r.relevance,
            r.usefulness,
        ]
        if include_self_code:
            row.append(pseudonym(r.self_code) if r.self_code else "")
        rows.append(row)
    rows.sort(key=lambda row: tuple(str(v).casefold() for v in row))
    return header, rows


def write_reflections_csv(
    path: Path | str, reflections: Iterable[Reflection], include_self_code: bool = False
) -> Path:
    header, rows = reflection_rows(reflections, include_self_code)
    return write_csv(path, header, rows)
