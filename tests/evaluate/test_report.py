"""The evaluation report: levels side by side, response rates, flags, charts, escaping."""

from __future__ import annotations

import csv

from tests.evaluate.test_levels import Q1, Q2, cohort
from toolkit.evaluate.levels import evaluate
from toolkit.evaluate.report import render_report, side_by_side, trend_chart, write_outputs


def small_evaluation():
    reflections = cohort("a", Q1, 12, 1) + cohort("a", Q2, 6, 2) + cohort("b", Q2, 3, 3)
    return evaluate(reflections, threshold=5)


def test_the_four_levels_sit_side_by_side_with_cycles_as_columns():
    ev = small_evaluation()
    levels = side_by_side(ev, "a")
    assert [lv["name"] for lv in levels] == [
        "Level 1 · Reaction",
        "Level 2 · Learning",
        "Level 3 · Behaviour",
        "Level 4 · Results",
    ]
    useful = levels[0]["measures"][0]
    assert [c["small"] for c in useful["cells"]] == [False, True]  # 12 people, then 6
    assert useful["cells"][1]["n"] == "6"


def test_the_report_flags_small_samples_and_withholds_without_zeros(tmp_path):
    ev = small_evaluation()
    html = render_report(ev)
    assert html.startswith("<!DOCTYPE html>")
    assert "⚑ small sample" in html and "withheld (fewer than 5)" in html
    assert "do not show that the training caused it" in html
    assert html.count("<svg") == 1 + len(ev.teams)
    outputs = write_outputs(ev, tmp_path)
    with outputs.figures_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    withheld = [r for r in rows if r["team_id"] == "b"]
    assert withheld and all(r["value"] == "" and r["shown"] == "False" for r in withheld)


def test_charts_mark_small_samples_withheld_cycles_and_training_dates():
    ev = small_evaluation()
    fig = trend_chart(ev, "a")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "small (n=6)" in texts
    lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert lines  # the training dates
    withheld = [t.get_text() for ax in trend_chart(ev, "b").axes for t in ax.texts]
    assert "withheld" in withheld


def test_team_names_and_notices_are_escaped():
    ev = small_evaluation()
    ev.team_names["a"] = "<script>alert(1)</script>"
    ev.notices.append("<img src=x onerror=alert(1)>")
    html = render_report(ev)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
