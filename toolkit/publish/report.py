"""The public report: one static HTML page per language (Jinja, autoescaped), a PDF of each
(WeasyPrint), and the published tables as one CSV (formula-neutralised). Written only after the
audit passes; the audit of the written CSV is run again, so what is on disk is what was proven.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from toolkit.core.charts import to_svg
from toolkit.core.files import write_atomic
from toolkit.core.framework import default_framework
from toolkit.core.i18n import direction, normalise_language, translator
from toolkit.core.pdf import write_pdf
from toolkit.core.safe_export import write_csv
from toolkit.core.templates import environment
from toolkit.publish.audit import audit
from toolkit.publish.contents import Contents
from toolkit.publish.tables import CSV_COLUMNS, TOTAL, read_published, to_rows

__all__ = ["DOMAIN", "Written", "render", "write_report", "TABLES_NAME"]

DOMAIN = "transparency"
TABLES_NAME = "published_tables.csv"
COLOUR = "#2171b5"
MEAN_LABELS = {
    "usefulness": "How useful the session was (1 to 5)",
    "relevance": "How relevant it was to their work (1 to 5)",
    "confidence_change": "Change in confidence, before to after (points on 1 to 5)",
}


@dataclass
class Written:
    pages: dict[str, Path]
    pdfs: dict[str, Path]
    tables: Path


def _number(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}" if decimals else f"{int(round(value)):,}"


def _staff_chart(contents: Contents, _) -> str:
    """Staff trained per department and cycle, withheld bars marked, never drawn as zero."""
    counts = contents.grids[0]
    shown = counts.shown_values()
    rows = counts.rows
    height = 0.45 * len(rows) * max(1, len(contents.cycles)) / 2 + 1.2
    fig = Figure(figsize=(8, min(max(height, 2.5), 14)), dpi=100)
    axes = fig.subplots()
    bar = 0.8 / max(1, len(contents.cycles))
    y = np.arange(len(rows))
    palette = ["#9ecae1", "#4292c6", "#08519c", "#08306b"]
    for c, cycle in enumerate(contents.cycles):
        values = shown[c, : len(rows), -1]
        axes.barh(
            y + c * bar,
            np.nan_to_num(values),
            height=bar,
            color=palette[c % len(palette)],
            label=cycle,
        )
        for k, value in enumerate(values):
            if math.isnan(value):
                axes.text(0, y[k] + c * bar, " " + _("withheld"), va="center", fontsize=8)
    axes.set_yticks(y + bar * (len(contents.cycles) - 1) / 2, rows)
    axes.invert_yaxis()
    axes.set_xlabel(_("Staff trained"))
    axes.legend(title=_("Cycle"), fontsize=8)
    fig.subplots_adjust(left=0.32, right=0.97, top=0.97, bottom=0.12)
    return to_svg(fig)


def _cell(value: float, decimals: int, _) -> dict[str, object]:
    if math.isnan(value):
        return {"text": _("withheld"), "withheld": True}
    return {"text": _number(value, decimals), "withheld": False}


def render(contents: Contents, lang: str = "en") -> str:
    """The report as one HTML page in ``lang`` (English text for anything untranslated)."""
    lang = normalise_language(lang)
    _ = translator(lang, DOMAIN)
    framework = default_framework()
    counts = contents.grids[0]
    shown = counts.shown_values()
    roles = [framework.role_name(r, lang) for r in counts.cols] + [_("All roles")]
    staff = []
    for c, cycle in enumerate(contents.cycles):
        rows = []
        for i in range(len(counts.rows) + 1):
            label = counts.rows[i] if i < len(counts.rows) else _("All departments")
            rows.append(
                {
                    "label": label,
                    "total": i == len(counts.rows),
                    "cells": [_cell(shown[c, i, j], 0, _) for j in range(len(roles))],
                }
            )
        staff.append({"cycle": cycle, "rows": rows})
    means = []
    for grid in contents.grids[1:]:
        values = grid.shown_values(counts)
        rows = []
        for i in range(len(grid.rows) + 1):
            label = grid.rows[i] if i < len(grid.rows) else _("All departments")
            rows.append(
                {
                    "label": label,
                    "total": i == len(grid.rows),
                    "cells": [
                        _cell(values[c, i, 0], 1, _) if counts.values[c, i, -1] else
                        {"text": "–", "withheld": False}
                        for c in range(len(contents.cycles))
                    ],
                }
            )  # fmt: skip
        means.append({"label": _(MEAN_LABELS[grid.name]), "rows": rows})
    sessions = [
        {
            "label": label if label != TOTAL else _("All departments"),
            "total": label == TOTAL,
            "cells": [_number(v) for v in contents.sessions.loc[label]],
        }
        for label in contents.sessions.index
    ]
    evaluation = [
        {
            "cycle": row.cycle,
            "label": _(row.label),
            "value": f"{row.value:g} {row.unit}",
            "interval": ""
            if any(map(lambda v: v is None or v != v, (row.low, row.high)))
            else f"{row.low:g} – {row.high:g}",
        }
        for row in contents.evaluation.itertuples()
    ]
    language = contents.language
    loss = contents.loss
    return (
        environment()
        .get_template("publish/report.html.j2")
        .render(
            _=_,
            lang=lang,
            dir=direction(lang),
            organisation=contents.organisation,
            cycles=contents.cycles,
            roles=roles,
            staff=staff,
            staff_chart=_staff_chart(contents, _),
            means=means,
            sessions=sessions,
            evaluation=evaluation,
            language=language,
            themes=contents.themes,
            changes=contents.changes,
            threshold=contents.threshold,
            zeros=contents.zeros,
            withheld_share=round(100 * loss.cell_share),
            people_share=round(100 * loss.people_share),
            grand_total=_number(float(counts.values[:, -1, -1].sum())),
        )
    )


def write_report(
    contents: Contents, out_dir: str | Path, languages: list[str] | None = None, pdf: bool = True
) -> Written:
    """Write the tables (then audit the file as written), then each language's page and PDF."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = out / TABLES_NAME
    staging = out / f".{TABLES_NAME}.tmp"
    write_csv(staging, CSV_COLUMNS, to_rows(contents.grids))
    try:
        audit(read_published(staging), contents.threshold).raise_if_failed()
        staging.replace(tables)
    finally:
        staging.unlink(missing_ok=True)
    pages, pdfs = {}, {}
    for lang in dict.fromkeys(normalise_language(x) for x in (languages or ["en"])):
        page = write_atomic(out / f"transparency.{lang}.html", render(contents, lang))
        pages[lang] = page
        if pdf:
            pdfs[lang] = write_pdf(page)
    return Written(pages, pdfs, tables)
