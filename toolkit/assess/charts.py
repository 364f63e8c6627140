"""Charts of the needs assessment, as matplotlib Figures (no pyplot state, safe in a server).

Withheld cells are drawn as hatched grey with a dash, never as a colour that could be read
as a value.
"""

from __future__ import annotations

import threading

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from toolkit.assess.assessment import SMALLEST_GAP, Assessment

GAP_COLOURS = LinearSegmentedColormap.from_list("gap", ["#f7fbff", "#fdd49e", "#d7301f", "#7f0000"])
WITHHELD_GREY = "#d9d9d9"


def heatmap(result: Assessment, team_ids: list[str] | None = None, lang: str = "en") -> Figure:
    """Teams × domains, coloured by the mean gap to the role target of shown competencies."""
    fw = result.framework
    team_ids = team_ids or list(result.teams)
    data = result.domains.reindex(team_ids).to_numpy(dtype=float)
    fig = Figure(figsize=(1.15 * data.shape[1] + 3.2, 0.42 * len(team_ids) + 2.0), dpi=100)
    ax = fig.subplots()
    masked = np.ma.masked_invalid(data)
    ax.set_facecolor(WITHHELD_GREY)
    image = ax.imshow(masked, cmap=GAP_COLOURS, vmin=0, vmax=2, aspect="auto")
    for (r, c), value in np.ndenumerate(data):
        if np.isnan(value):
            ax.add_patch(
                Rectangle(
                    (c - 0.5, r - 0.5),
                    1,
                    1,
                    fill=False,
                    hatch="///",
                    edgecolor="#aaaaaa",
                    linewidth=0,
                )
            )
            ax.text(c, r, "—", ha="center", va="center", color="#555555", fontsize=9)
        else:
            ax.text(
                c,
                r,
                f"{0.0 if abs(value) < 0.05 else value:.1f}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if value > 1.2 else "black",
            )
    ax.set_xticks(
        range(len(fw.domains)),
        [fw.domain_name(d.id, lang) for d in fw.domains],
        rotation=35,
        ha="right",
    )
    labels = [result.teams[t].name for t in team_ids]
    ax.set_yticks(range(len(team_ids)), labels)
    ax.set_title("Gap to role target by domain (higher = more training need)", loc="left")
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label("mean gap (scale points)")
    fig.text(
        0.01, 0.01, f"— withheld: fewer than {result.threshold} people", fontsize=8, color="#555555"
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.set_layout_engine(None)  # laid out: saving need not draw it twice to lay it out
    return fig


def team_profile(result: Assessment, team_id: str, lang: str = "en") -> Figure:
    """One team's level on each competency, with its 95% interval and the role's target."""
    fw = result.framework
    cells = result.cells[result.cells["team_id"] == team_id].reset_index(drop=True)
    names = [
        fw.competency(c).name.get(lang, fw.competency(c).name["en"]) for c in cells["competency_id"]
    ]
    y = np.arange(len(cells))[::-1]
    fig, ax, laid_out = _profile_canvas(tuple(names), fw.scale.minimum, fw.scale.maximum)
    team = result.teams[team_id]
    ax.set_title(f"{team.name} ({fw.role_name(team.role, lang)})", loc="left")
    shown = ~cells["withheld"].to_numpy()
    if shown.any():
        mean = cells["mean"].to_numpy()
        err = np.vstack([mean - cells["ci_low"], cells["ci_high"] - mean])
        ax.barh(
            y[shown],
            mean[shown] - fw.scale.minimum,
            left=fw.scale.minimum,
            color=np.where(cells["gap"][shown] >= SMALLEST_GAP, "#e6550d", "#3182bd"),
            height=0.6,
            xerr=np.nan_to_num(err[:, shown]),
            error_kw={"ecolor": "#333333", "capsize": 2},
        )
    ax.scatter(cells["target"], y, marker="D", color="black", zorder=3, s=18)
    for yy in y[~shown]:
        ax.text(
            fw.scale.minimum + 0.05,
            yy,
            f"withheld (fewer than {result.threshold} answers)",
            va="center",
            fontsize=8,
            color="#555555",
        )
    # as autoscaling would: the rows, their bars' ends (±0.3) where drawn, a 5% margin
    low = -0.3 if shown[-1] else 0.0
    high = len(y) - 1 + (0.3 if shown[0] else 0.0)
    margin = 0.05 * (high - low)
    ax.set_ylim(low - margin, high + margin)
    if not laid_out:  # once per canvas: every team's chart has the same rows and labels
        fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))  # room for the legend
        fig.set_layout_engine(None)  # laid out: saving need not draw it twice to lay it out
    return fig


_canvases = threading.local()


def _profile_canvas(
    names: tuple[str, ...], lowest: float, highest: float
) -> tuple[Figure, Axes, bool]:
    """The team profile's Figure with what every team shares (rows, axes, labels, legend,
    layout), reused from the previous call when the rows are the same, its team's artists
    removed.

    A report draws one profile per team (400 for a large organisation): building the figure,
    its ticks and its layout anew each time was nearly all of ``cct assess``. So the figure a
    call returns is valid until the next call in the same thread; callers render it at once
    (:func:`toolkit.core.charts.to_svg`). Returns the figure, its axes and whether it is
    already laid out."""
    key = (names, lowest, highest)
    kept = getattr(_canvases, "profile", None)
    if kept is not None and kept[0] == key:
        fig, ax = kept[1], kept[2]
        for container in list(ax.containers):
            container.remove()
        for artist in [*ax.collections, *ax.lines, *ax.patches, *ax.texts]:
            artist.remove()
        return fig, ax, True
    y = np.arange(len(names))[::-1]
    fig = Figure(figsize=(8.0, 0.24 * len(names) + 1.5), dpi=100)  # compact: one page a team
    ax = fig.subplots()
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(lowest, highest)
    ax.set_xlabel("self-rating (mean, 95% interval)")
    # the title sits on the axes' top, where automatic placement puts it anyway (no ticks are
    # above it), without measuring every tick label at each drawing to find that out
    ax.set_title("", loc="left", y=1.0)
    # Below the plot, so it never covers a bar; every marker drawn is explained, nothing else.
    # The same for every team, so it is made once with the canvas.
    fig.legend(
        handles=[
            Patch(color="#e6550d", label="below target"),
            Patch(color="#3182bd", label="at or above target"),
            Line2D([], [], color="#333333", marker="|", label="95% interval"),
            Line2D(
                [],
                [],
                color="black",
                marker="D",
                markersize=4,
                linestyle="none",
                label="the level the role should reach",
            ),
        ],
        loc="lower center",
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    _canvases.profile = (key, fig, ax)
    return fig, ax, False
