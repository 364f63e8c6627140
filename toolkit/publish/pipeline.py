"""One call from the facilitator's files to the written transparency report: what
``cct report`` and ``notebooks/transparency.ipynb`` run. Nothing is written unless the audit
passes; then the audit of the written CSV is run again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.teams import read_teams
from toolkit.evaluate.pipeline import run as evaluate_run
from toolkit.publish.audit import Audit, audit
from toolkit.publish.contents import Contents, departments_of, gather, read_changes
from toolkit.publish.report import Written, write_report
from toolkit.publish.suppression import PUBLIC_THRESHOLD
from toolkit.publish.tables import read_published
from toolkit.reflect.store import ReflectionStore

__all__ = ["Published", "run", "audit_file", "parse_cycles", "show"]

DEFAULT_LANGUAGES = ("en", "ar")


@dataclass
class Published:
    contents: Contents
    written: Written | None
    notices: list[str] = field(default_factory=list)


def parse_cycles(text: str | list[str] | None) -> list[str] | None:
    """``"2027Q1,2027Q2"`` (or a list) → cycles; None: every cycle with reflections."""
    if not text:
        return None
    parts = text if isinstance(text, list) else [text]
    return [c.strip().upper() for part in parts for c in part.split(",") if c.strip()] or None


def run(
    store_url: str | None = None,
    *,
    teams_file: str | Path,
    followups_file: str | Path | None = None,
    observations_file: str | Path | None = None,
    outcomes_file: str | Path | None = None,
    cycles: str | list[str] | None = None,
    threshold: int = PUBLIC_THRESHOLD,
    zeros: str = "show",
    changes_file: str | Path | None = None,
    organisation: str = "",
    languages: list[str] | None = None,
    output_dir: str | Path | None = None,
    pdf: bool = True,
) -> Published:
    """Gather, protect, audit, and write the report when ``output_dir`` is given."""
    teams = read_teams(teams_file)
    departments = departments_of(teams_file, teams)
    changes = read_changes(changes_file)
    evaluation = None
    notices: list[str] = []
    if followups_file or observations_file or outcomes_file:
        done = evaluate_run(
            store_url,
            teams_file=teams_file,
            followups_file=followups_file,
            observations_file=observations_file,
            outcomes_file=outcomes_file,
            threshold=max(threshold, PUBLIC_THRESHOLD),
        )
        evaluation = done.evaluation
        notices += done.notices
    reflections = ReflectionStore(store_url or None).load()
    contents = gather(
        reflections,
        teams,
        departments=departments,
        evaluation=evaluation,
        cycles=parse_cycles(cycles),
        threshold=threshold,
        zeros=zeros,
        changes=changes,
        organisation=organisation,
    )
    notices += contents.notices
    written = (
        write_report(contents, output_dir, list(languages or DEFAULT_LANGUAGES), pdf=pdf)
        if output_dir
        else None
    )
    return Published(contents, written, notices)


def audit_file(path: str | Path, threshold: int = PUBLIC_THRESHOLD) -> Audit:
    """Audit any published tables (CSV or XLSX in the report's long form)."""
    return audit(read_published(path), threshold)


def show(done: Published, lang: str = "en") -> None:
    """Display the audit's verdict and the report in a notebook (or a Voila page)."""
    from html import escape

    from IPython.display import HTML, display

    from toolkit.publish.report import render

    contents = done.contents
    loss, rows = contents.loss, contents.whole_rows_loss
    notes = "".join(f"<li>{escape(n)}</li>" for n in done.notices)
    display(
        HTML(
            f"<p><strong>Audit passed:</strong> {len(contents.audit.cells)} withheld figure(s), "
            f"each within a range of at least {contents.threshold}. Withheld: "
            f"{loss.cell_share:.0%} of cells holding {loss.people_share:.0%} of people "
            f"(withholding whole departments instead: {rows.cell_share:.0%} and "
            f"{rows.people_share:.0%}).</p>" + (f"<ul>{notes}</ul>" if notes else "")
        )
    )
    page = render(contents, lang)
    body = page[page.index("<body>") + len("<body>") : page.rindex("</body>")]
    display(
        HTML(f'<div lang="{escape(lang)}" dir="{"rtl" if lang == "ar" else "ltr"}">{body}</div>')
    )
    if done.written is not None:
        listed = ", ".join(
            escape(str(p)) for p in [*done.written.pages.values(), done.written.tables]
        )
        display(HTML(f"<p>Written: <code>{listed}</code>.</p>"))
