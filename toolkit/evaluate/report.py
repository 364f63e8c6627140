"""The evaluation report: the four levels side by side, trend charts, and the summary in words.

Charts are drawn for readers who are not statisticians: every point carries its 95% interval
as a bar, points about few people are hollow and labelled "small", withheld cycles are marked
as such (never as zero), and the training dates are dashed lines, so outcomes are read
*against* them, not as their effect. The HTML goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from toolkit.core.charts import to_svg
from toolkit.core.disclosure import censor_counts, perturbed_count
from toolkit.core.files import write_atomic
from toolkit.core.pdf import write_pdf
from toolkit.core.safe_export import write_csv
from toolkit.core.templates import environment
from toolkit.evaluate.levels import LEVELS, LOW_RESPONSE, ORGANISATION, Evaluation
from toolkit.evaluate.summary import CAUTION, format_value, summarise

REPORT_NAME = "evaluation.html"
FIGURES_NAME = "evaluation_figures.csv"
COLOUR = "#2171b5"
TRAINING_COLOUR = "#6a51a3"
TEAM_CHARTS_UP_TO = 40  # more teams: their tables and words only, so a big report stays quick
LEVEL_NAMES = {
    "reaction": "Level 1 · Reaction",
    "learning": "Level 2 · Learning",
    "behaviour": "Level 3 · Behaviour",
    "results": "Level 4 · Results",
}


def trend_chart(evaluation: Evaluation, team_id: str = ORGANISATION) -> Figure | None:
    """One small panel per measure: the value per cycle with its interval; small samples hollow;
    withheld cycles marked; training dates as dashed lines."""
    figures = evaluation.of(team_id)
    measures = list(dict.fromkeys(figures["measure"]))
    if not measures:
        return None
    columns = 2
    rows = math.ceil(len(measures) / columns)
    height = 2.1 * rows + 0.5
    fig = Figure(figsize=(9, height), dpi=100)  # fixed margins: constrained layout is slow
    fig.subplots_adjust(
        left=0.07, right=0.98, top=1 - 0.55 / height, bottom=0.35 / height, hspace=0.75, wspace=0.18
    )
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    if team_id == ORGANISATION:
        training = sorted({d.normalize() for d in evaluation.training["date"]})
    else:
        dates = evaluation.training[evaluation.training["team_id"] == team_id]["date"]
        training = sorted({d.normalize() for d in dates})
    periods = [pd.Period(c, evaluation.frequency) for c in evaluation.cycles]
    # each cycle's figure sits in the middle of its span; training lines fall where they were
    middle = {
        c: p.start_time + (p.end_time - p.start_time) / 2
        for c, p in zip(evaluation.cycles, periods, strict=True)
    }
    for ax, measure in zip(axes, measures, strict=False):
        rows_m = figures[figures["measure"] == measure]
        first = rows_m.iloc[0]
        title = f"{first['label']} ({first['unit']})"
        ax.set_title(title if len(title) < 70 else title[:67] + "…", fontsize=8, loc="left")
        for day in training:
            ax.axvline(day, color=TRAINING_COLOUR, linestyle="--", linewidth=0.9, alpha=0.7)
        shown = rows_m[rows_m["shown"] & rows_m["value"].notna()]
        x = np.array([middle[c] for c in shown["cycle"]])
        values = shown["value"].to_numpy(dtype=float)
        if len(shown):
            ax.plot(x, values, color=COLOUR, linewidth=1, alpha=0.6)
            ci = (shown["low"].notna() & shown["high"].notna()).to_numpy()
            if ci.any():
                low = values[ci] - shown["low"].to_numpy(dtype=float)[ci]
                high = shown["high"].to_numpy(dtype=float)[ci] - values[ci]
                ax.errorbar(x[ci], values[ci], yerr=[low, high], fmt="none", ecolor=COLOUR,
                            capsize=3, linewidth=1.2)  # fmt: skip
            small = shown["small"].to_numpy(dtype=bool)
            ax.plot(x[~small], values[~small], "o", markersize=6, color=COLOUR)
            ax.plot(
                x[small], values[small], "o", markersize=6, color=COLOUR, markerfacecolor="white"
            )
            for xx, value, n in zip(x[small], values[small], shown["n"][small], strict=True):
                ax.annotate(f"small (n={n:.0f})", (xx, value), fontsize=7,
                            textcoords="offset points", xytext=(4, 4))  # fmt: skip
        if not len(shown):
            ax.set_yticks([])
        for cycle in rows_m[~rows_m["shown"]]["cycle"]:
            ax.annotate(
                "withheld", (middle[cycle], 0.5),
                xycoords=("data", "axes fraction"), fontsize=7, color="#555", ha="center",
            )  # fmt: skip
        ax.set_xticks(list(middle.values()), evaluation.cycles, fontsize=7.5)
        ax.tick_params(axis="y", labelsize=7.5)
        ax.set_xlim(periods[0].start_time, periods[-1].end_time)
        ax.grid(axis="y", color="#eee")
    for ax in axes[len(measures) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Dots: figure per cycle · bars: 95% interval · hollow: few people · dashed: training",
        fontsize=8,
        color="#444",
    )
    return fig


def _cell(row: pd.Series, threshold: int) -> dict:
    if not row["shown"]:
        return {"text": f"withheld (fewer than {threshold})", "withheld": True}
    text = format_value(row["value"], row["unit"])
    interval = ""
    if not (math.isnan(row["low"]) or math.isnan(row["high"])):
        interval = (
            f"{format_value(row['low'], row['unit'])}–{format_value(row['high'], row['unit'])}"
        )
    response = "" if math.isnan(row["response_rate"]) else f"{row['response_rate']:.0%}"
    return {
        "text": text,
        "interval": interval,
        "n": "" if math.isnan(row["n"]) else f"{row['n']:,.0f}",
        "response": response,
        "low_response": bool(response) and row["response_rate"] < LOW_RESPONSE,
        "small": bool(row["small"]),
        "withheld": False,
    }


def side_by_side(evaluation: Evaluation, team_id: str = ORGANISATION) -> list[dict]:
    """Levels → measures → one cell per cycle, for the template."""
    figures = evaluation.of(team_id)
    levels = []
    for level in LEVELS:
        of_level = figures[figures["level"] == level]
        measures = []
        for _, rows in of_level.groupby("measure", sort=False):
            by_cycle = {r["cycle"]: _cell(r, evaluation.threshold) for _, r in rows.iterrows()}
            measures.append(
                {
                    "label": rows.iloc[0]["label"],
                    "unit": rows.iloc[0]["unit"],
                    "cells": [by_cycle.get(c) for c in evaluation.cycles],
                }
            )
        levels.append({"name": LEVEL_NAMES[level], "measures": measures})
    return levels


def team_name(evaluation: Evaluation, team_id: str) -> str:
    """A team's name as readers know it (the team context's), not its id."""
    if team_id == ORGANISATION:
        return "The organisation"
    return evaluation.team_names.get(team_id, team_id)


def _scope(evaluation: Evaluation, team_id: str, charts: bool) -> dict:
    chart = trend_chart(evaluation, team_id) if charts else None
    return {
        "team_id": team_id,
        "name": team_name(evaluation, team_id),
        "levels": side_by_side(evaluation, team_id),
        "summary": summarise(evaluation, team_id)[:-1],  # the caution is said once, on top
        "chart_svg": to_svg(chart) if chart is not None else "",
    }


def team_section(evaluation: Evaluation, team_id: str, *, charts: bool = True) -> str:
    """One team's section as HTML: its summary in words, its four levels and (``charts``) its
    trend charts. The written report draws every team's with it, the app only the chosen one."""
    return (
        environment()
        .get_template("evaluate/team.html.j2")
        .render(cycles=evaluation.cycles, team=_scope(evaluation, team_id, charts))
    )


def _published_counts(evaluation: Evaluation, name: str):
    """Counts of people in a linking sentence as published: perturbed with the cell key of the
    later side's records, and "only a few" under the threshold (0 stays 0)."""
    key = evaluation.link_keys.get(name, 0)

    def count(value: int, what: str) -> int | None:
        if value == 0:
            return 0
        moved = perturbed_count(value, key, f"links|{what}")
        return moved if moved >= evaluation.threshold else None

    return count


def published_match_rate(evaluation: Evaluation, pair: str) -> str:
    """The share of a cycle's coded records that were linked, from the published counts."""
    report = evaluation.links[pair]
    count = _published_counts(evaluation, pair)
    linked, coded = count(len(report.links), "linked"), count(report.later_with_code, "coded")
    if not report.later_with_code:
        return "no one gave a code"
    if linked is None or not coded:
        return "only a few of those who gave a code"
    return f"{linked / coded:.0%} of those who gave a code"


def report_context(
    evaluation: Evaluation, *, team_charts: bool | None = None, teams: bool = True
) -> dict:
    """What the report's templates show; ``teams=False``: the organisation only (the app draws
    a team's section when it is chosen)."""
    if team_charts is None:
        team_charts = len(evaluation.teams) <= TEAM_CHARTS_UP_TO
    links = [
        {
            "pair": pair,
            "text": report.describe(
                f"the later cycle ({pair.split(' → ')[1]})",
                count=_published_counts(evaluation, pair),
            ),
        }
        for pair, report in evaluation.links.items()
    ]
    followup_links = [
        {
            "cycle": cycle,
            "text": report.describe(
                f"the check-ins of {cycle}",
                "their reflection",
                _published_counts(evaluation, cycle),
            ),
        }
        for cycle, report in evaluation.followup_links.items()
    ]
    return {
        "threshold": evaluation.threshold,
        "cycles": evaluation.cycles,
        "privacy_note": evaluation.privacy_note,
        "caution": CAUTION,
        "organisation": _scope(evaluation, ORGANISATION, True),
        "teams": [
            {
                "team_id": t,
                "name": team_name(evaluation, t),
                "html": team_section(evaluation, t, charts=team_charts),
            }
            for t in (evaluation.teams if teams else [])
        ],
        "links": links,
        "followup_links": followup_links,
        "notices": [censor_counts(n, evaluation.threshold) for n in evaluation.notices],
        "low_response": f"{LOW_RESPONSE:.0%}",
    }


def render_report(
    evaluation: Evaluation,
    *,
    standalone: bool = True,
    team_charts: bool | None = None,
    teams: bool = True,
) -> str:
    """The report as a page (``standalone``) or a fragment for a notebook; ``teams=False``:
    without the teams' sections (the app shows the chosen team's with :func:`team_section`)."""
    name = "evaluate/report.html.j2" if standalone else "evaluate/fragment.html.j2"
    return (
        environment()
        .get_template(name)
        .render(**report_context(evaluation, team_charts=team_charts, teams=teams))
    )


@dataclass
class EvaluationOutputs:
    report: Path
    figures_csv: Path
    report_pdf: Path | None = None


def write_outputs(evaluation: Evaluation, out_dir: Path | str) -> EvaluationOutputs:
    """The HTML report and every figure as a CSV (withheld figures empty, never zero)."""
    out = Path(out_dir)
    report = write_atomic(out / REPORT_NAME, render_report(evaluation))
    pdf = write_pdf(report)  # A4, from the report's print CSS
    frame = evaluation.figures.copy()
    frame = frame.astype(object).where(frame.notna(), "")
    figures_csv = write_csv(out / FIGURES_NAME, list(frame.columns), frame.values.tolist())
    return EvaluationOutputs(report, figures_csv, pdf)
