"""The written report: true totals, small groups withheld, the file it publishes audited,
English and Arabic, a PDF, and nothing written when the audit fails."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from tests.browser import chromium_page, serious_violations
from toolkit.publish.audit import AuditError
from toolkit.publish.pipeline import audit_file
from toolkit.publish.report import write_report
from toolkit.publish.tables import TOTAL, WITHHELD
from toolkit.reflect.store import ReflectionStore


def published(done) -> list[dict[str, str]]:
    with done.written.tables.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_totals_are_the_true_totals_and_small_groups_are_withheld(sample_report):
    url, files, done = sample_report
    rows = published(done)
    counted = Counter(
        str(pd.Timestamp(r.submitted_at).tz_localize(None).to_period("Q"))
        for r in ReflectionStore(url).load()
        if not r.over_cap
    )
    grand = {
        r["cycle"]: int(r["value"])
        for r in rows
        if r["table"] == "staff_trained" and r["department"] == TOTAL and r["role"] == TOTAL
    }
    assert grand == dict(counted)
    counts = done.contents.grids[0]
    small = (counts.values > 0) & (counts.values < 10)
    assert small.any(), "the sample has a small group (its leadership team)"
    shown = {
        (r["cycle"], r["department"], r["role"]): r["value"]
        for r in rows
        if r["table"] == "staff_trained"
    }
    for c, i, j in np.argwhere(small):
        key = (counts.cycles[c], counts.row_label(i), counts.col_label(j))
        assert shown[key] == WITHHELD, key


def test_the_published_file_passes_the_audit_and_a_planted_leak_fails_it(sample_report, tmp_path):
    _, _, done = sample_report
    assert audit_file(done.written.tables).passed
    rows = published(done)
    withheld = [r for r in rows if r["value"] == WITHHELD and r["table"] == "staff_trained"]
    counts = done.contents.grids[0]
    leaked = []
    for row in rows:  # one withheld total of a department published after all
        if row is withheld[0]:
            i = counts.rows.index(row["department"]) if row["department"] != TOTAL else -1
            j = counts.cols.index(row["role"]) if row["role"] != TOTAL else -1
            c = counts.cycles.index(row["cycle"])
            row = {**row, "value": str(int(counts.values[c, i, j]))}
        leaked.append(row)
    path = tmp_path / "leaked.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(leaked)
    with pytest.raises(AuditError, match="give away too precisely"):
        audit_file(path).raise_if_failed()


def test_a_report_whose_audit_fails_is_not_written(sample_report, tmp_path):
    _, _, done = sample_report
    contents = done.contents
    counts = contents.grids[0]
    original = counts.withheld.copy()
    small = np.argwhere((counts.values[0] > 0) & (counts.values[0] < 10))[0]
    # publish every cell of the small one's row but the small one: it follows from the total
    counts.withheld[:, small[0], :] = False
    counts.withheld[:, small[0], small[1]] = True
    try:
        with pytest.raises(AuditError, match="withheld, but the published tables pin it"):
            write_report(contents, tmp_path / "out", ["en"], pdf=False)
    finally:
        counts.withheld[:] = original
    assert not list((tmp_path / "out").glob("*"))


def test_english_and_arabic_pages_a_pdf_each_and_the_organisations_words(sample_report):
    _, files, done = sample_report
    english = done.written.pages["en"].read_text(encoding="utf-8")
    arabic = done.written.pages["ar"].read_text(encoding="utf-8")
    assert 'lang="ar" dir="rtl"' in arabic and 'lang="en" dir="ltr"' in english
    assert "كيف نحمي" in arabic  # the method note's heading, translated
    assert "Social services" in english  # the team file's department column, its own words
    assert "Central intake, North office" not in english  # teams are not published
    assert "<svg" in english and "Sample City Services" in english
    assert "More interpreter hours for Tigrinya" in english
    assert "=HYPERLINK(&#34;x&#34;)" in english or "=HYPERLINK(&quot;x&quot;)" in english
    for pdf in done.written.pdfs.values():
        assert pdf.read_bytes().startswith(b"%PDF")
    assert done.contents.evaluation["level"].isin(["behaviour", "results"]).any()


@pytest.mark.browser
def test_the_pages_have_no_serious_accessibility_violations(sample_report):
    _, _, done = sample_report
    with chromium_page() as page:
        for path in done.written.pages.values():
            page.goto(path.as_uri())
            assert serious_violations(page) == [], path.name
            page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scroll
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path.name
            # a table that scrolls inside itself takes focus, so a keyboard can scroll it
            # (axe's scrollable-region-focusable is serious)
            assert serious_violations(page) == [], f"{path.name} at 390 px"
            page.set_viewport_size({"width": 1280, "height": 800})


def test_every_text_of_the_page_has_its_arabic_translation():
    import re

    from toolkit.core.i18n import catalog_path
    from toolkit.core.paths import TEMPLATES_DIR
    from toolkit.publish.report import DOMAIN, MEAN_LABELS

    template = (TEMPLATES_DIR / "publish" / "report.html.j2").read_text(encoding="utf-8")
    wanted = set(re.findall(r'_\("([^"]+)"\)', template) + re.findall(r"_\('([^']+)'\)", template))
    wanted |= set(MEAN_LABELS.values()) | {"withheld", "Staff trained", "Cycle", "All roles"}
    from babel.messages.pofile import read_po

    with catalog_path("ar", DOMAIN).open("rb") as fh:
        arabic = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(w for w in wanted if not arabic.get(w))
    assert not missing
    assert all("%(threshold)s" in arabic[w] for w in wanted if "%(threshold)s" in w)
