"""Attacks on the published figures, written as an attacker would run them.

The attacker reads only what is published (``assessment.json``, ``assessment.html``, what
``cct`` prints, the debrief) and knows the method: the printed precision, and the perturbation
bounds from :mod:`toolkit.core.disclosure` (the code is public; only the secret key is not).
Each attack counts the answers consistent with what it read; an attack *succeeds* when exactly
one is left. The last tests plant a leak (no perturbation, full precision) and check that the
same attacks then succeed, so these tests can fail.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.conftest import TEAM_HEADER
from toolkit.assess.needs_assessment import run
from toolkit.core.framework import default_framework

HALF_POINTS = np.arange(2, 11) / 2  # a competency score is the mean of two 1–5 answers
try:  # the attacker knows the method's bounds (before disclosure control there were none)
    from toolkit.core import disclosure
except ImportError:  # pragma: no cover - the code before the disclosure module
    disclosure = None


def bounds() -> tuple[float, float, int]:
    """Sum noise, spread noise and count noise as published in the method."""
    if disclosure is None:
        return 0.0, 0.0, 0
    return disclosure.SUM_NOISE, disclosure.SPREAD_NOISE, disclosure.COUNT_NOISE


# -- making organisations --------------------------------------------------------------------
def team_line(team_id: str) -> str:
    return (
        f"{team_id},{team_id.title()},frontline_intake,10,100,50,ar=50; es=50,"
        "Middle East and North Africa,en; es,10\n"
    )


def people(team_id: str, count: int, seed: int, alike: bool = False) -> list[list[object]]:
    """Respondents with answers 1–5 on every item; ``alike``: everyone answers the same."""
    rng = np.random.default_rng(seed)
    items = default_framework().item_ids
    same = rng.integers(1, 6, len(items))
    return [
        [f"{team_id}-{seed}-{k}", team_id, *(same if alike else rng.integers(1, 6, len(items)))]
        for k in range(count)
    ]


def assess_files(tmp: Path, rows: list[list[object]], teams: list[str], name: str):
    items = default_framework().item_ids
    folder = tmp / name
    folder.mkdir()
    responses = folder / "responses.csv"
    responses.write_text(
        "respondent_id,team_id,"
        + ",".join(items)
        + "\n"
        + "".join(",".join(str(v) for v in row) + "\n" for row in rows),
        encoding="utf-8",
    )
    team_file = folder / "teams.csv"
    team_file.write_text(TEAM_HEADER + "".join(team_line(t) for t in teams), encoding="utf-8")
    outputs = run(responses, team_file, threshold=5, out_dir=folder / "out")
    raw = outputs.results_path.read_text(encoding="utf-8")
    return json.loads(raw), raw, outputs.report_path.read_text(encoding="utf-8")


def true_scores(rows: list[list[object]]) -> np.ndarray:
    """What the attacker wants: respondents × competencies."""
    fw = default_framework()
    values = np.array([row[2:] for row in rows], dtype=float)
    position = {item: k for k, item in enumerate(fw.item_ids)}
    scores = np.empty((len(rows), len(fw.competencies)))
    for k, comp in enumerate(fw.competencies):
        cols = [
            6 - values[:, position[i.id]] if i.reverse else values[:, position[i.id]]
            for i in comp.items
        ]
        scores[:, k] = np.mean(cols, axis=0)
    return scores


def tolerance(raw_json: str, field: str = "mean") -> float:
    """Half a unit of the last decimal printed (at full float precision: a rounding error)."""
    decimals = [len(d) for d in re.findall(rf'"{field}": -?\d+\.(\d+)', raw_json)]
    places = max(decimals, default=0)
    return 1e-9 if places >= 10 else 0.5 * 10.0**-places


def competencies(results: dict, team_id: str) -> list[dict]:
    return next(t for t in results["teams"] if t["team_id"] == team_id)["competencies"]


def respondents(results: dict, team_id: str) -> int | None:
    return next(t for t in results["teams"] if t["team_id"] == team_id)["respondents"]


# -- attack 1: reconstruction by enumeration -------------------------------------------------
def half_width(spread: float, n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) * math.sqrt(max(spread, 0) / (n - 1)) / math.sqrt(n)


def candidates(n: int, mean: float, low: float, high: float, tol: float) -> list[tuple]:
    """Every multiset of n half-point scores consistent with a published mean and interval."""
    sum_noise, spread_noise, _ = bounds()
    found = []
    width = (high - low) / 2
    at_edge = low <= HALF_POINTS[0] or high >= HALF_POINTS[-1]  # a bound kept on the scale
    for scores in itertools.combinations_with_replacement(HALF_POINTS, n):
        array = np.array(scores)
        if abs(array.mean() - mean) > tol + sum_noise / n + 1e-9:
            continue
        spread = float(((array - array.mean()) ** 2).sum())
        smallest = half_width(max(spread - spread_noise, 0), n)
        largest = half_width(spread + spread_noise, n)
        if at_edge or (smallest - 1e-9 <= width + tol and largest + 1e-9 >= width - tol):
            found.append(scores)
    return found


def reconstructed_cells(tmp_path: Path) -> tuple[int, int]:
    """Cells of three shown teams (5 varied, 6 varied, 5 alike) whose people's scores the
    attacker pins down from the results file alone."""
    rows = people("five", 5, 1) + people("six", 6, 2) + people("alike", 5, 3, alike=True)
    results, raw, _ = assess_files(tmp_path, rows, ["five", "six", "alike"], "run")
    tol = tolerance(raw)
    hits = total = 0
    for team, n in (("five", 5), ("six", 6), ("alike", 5)):
        truth = true_scores([r for r in rows if r[1] == team])
        for k, cell in enumerate(competencies(results, team)):
            assert not cell["withheld"]
            total += 1
            found = candidates(n, cell["mean"], cell["ci_low"], cell["ci_high"], tol)
            assert tuple(sorted(truth[:, k])) in found, "the attack model must fit the method"
            hits += len(found) == 1
    return hits, total


def test_no_cell_is_reconstructed_from_mean_and_interval(tmp_path):
    hits, total = reconstructed_cells(tmp_path)
    assert hits == 0, f"{hits} of {total} cells give away every person's score"


# -- attack 2: differencing two runs that differ by one person --------------------------------
def pinned_values(interval: tuple[float, float], choices: np.ndarray) -> np.ndarray:
    low, high = interval
    return choices[(choices >= low - 1e-9) & (choices <= high + 1e-9)]


def differenced_scores(tmp_path: Path) -> list[int]:
    before = people("team", 6, 4)
    newcomer = people("team", 1, 5)
    first, raw, _ = assess_files(tmp_path, before, ["team"], "first")
    second, _, _ = assess_files(tmp_path, before + newcomer, ["team"], "second")
    tol = tolerance(raw)
    sum_noise, _, _ = bounds()
    found = []
    for a, b in zip(competencies(first, "team"), competencies(second, "team"), strict=True):
        estimate = 7 * b["mean"] - 6 * a["mean"]
        slack = 7 * tol + 6 * tol + 2 * sum_noise
        found.append(len(pinned_values((estimate - slack, estimate + slack), HALF_POINTS)))
    return found


def test_two_runs_one_person_apart_do_not_give_that_persons_scores(tmp_path):
    found = differenced_scores(tmp_path)
    assert min(found) >= 2, f"{found.count(1)} of {len(found)} of the newcomer's scores exact"


# -- attack 3: a withheld team merged with (or split from) a shown one --------------------------
def test_a_withheld_team_is_not_recovered_from_a_merge_or_split(tmp_path):
    """A team of 4 (withheld) beside a team of 6, and the two as one team of 10, in either
    order (merged later or split later: the attacker holds the same two publications)."""
    shown = people("shown", 6, 6)
    small = people("small", 4, 7)
    merged = [[r[0], "merged", *r[2:]] for r in shown + small]
    a, raw, _ = assess_files(tmp_path, shown + small, ["shown", "small"], "apart")
    b, _, _ = assess_files(tmp_path, merged, ["merged"], "together")
    assert respondents(a, "small") is None  # withheld in its own run
    tol = tolerance(raw)
    sum_noise, _, count_noise = bounds()
    size = respondents(b, "merged") - respondents(a, "shown")
    sizes = [s for s in range(size - 2 * count_noise, size + 2 * count_noise + 1) if 1 <= s < 5]
    assert len(sizes) >= 2, f"the withheld team's size is exactly {size}"
    sums = np.arange(8, 41) / 2  # a team of four: sums of half points from 4 to 20
    for m, s in zip(competencies(b, "merged"), competencies(a, "shown"), strict=True):
        estimate = 10 * m["mean"] - 6 * s["mean"]
        slack = 10 * tol + 6 * tol + 2 * sum_noise
        assert len(pinned_values((estimate - slack, estimate + slack), sums)) >= 2


# -- attack 4: counts from every message and file ----------------------------------------------
def test_counts_in_messages_and_the_report_do_not_give_a_withheld_teams_size(tmp_path):
    from typer.testing import CliRunner

    from toolkit.cli import app

    rows = people("big", 22, 8) + people("tiny", 4, 9)
    results, _, html = assess_files(tmp_path, rows, ["big", "tiny"], "run")
    folder = tmp_path / "run"
    printed = CliRunner().invoke(
        app, ["import", str(folder / "responses.csv"), "-o", str(tmp_path / "tidy.csv")]
    )
    assert printed.exit_code == 0, printed.output
    assessed = CliRunner().invoke(
        app, ["assess", str(folder / "responses.csv"), str(folder / "teams.csv"), "-o",
              str(tmp_path / "cli")]
    )  # fmt: skip
    assert assessed.exit_code == 0, assessed.output
    said = printed.output + assessed.output
    totals = {int(n) for n in re.findall(r"(\d+) respondent", said)}
    shown_total = int(re.search(r"with (\d+) respondents between them", html)[1])
    _, _, count_noise = bounds()
    for total in totals:
        size = total - shown_total
        sizes = [s for s in range(size - count_noise, size + count_noise + 1) if 1 <= s < 5]
        assert len(sizes) != 1, f"'{total} respondents' minus the report's {shown_total}"
    # who skipped: a competency's n inside a shown team against the team's respondents
    skipped = rows[:]
    skipped[0] = [*rows[0][:2], "", "", *rows[0][4:]]  # one person skips COM01 and COM02
    again, _, _ = assess_files(tmp_path, skipped, ["big", "tiny"], "skipped")
    gap = respondents(again, "big") - competencies(again, "big")[0]["n"]
    how_many = [s for s in range(gap - 2 * count_noise, gap + 2 * count_noise + 1) if s >= 0]
    assert len(how_many) >= 2, "the number who skipped a competency is exact"


# -- attack 5: the debrief, one reflection more -------------------------------------------------
def debrief_difference(tmp_path: Path) -> tuple[list[int], list[int]]:
    from datetime import UTC, date, datetime

    from toolkit.debrief.summary import compute
    from toolkit.reflect.store import Rating, Reflection

    competency = "communication.plain_language"

    def reflection(k: int, before: int, now: int) -> Reflection:
        return Reflection(
            submission_id=f"s-{k}",
            session_id="north-20270201-0930",
            team_id="north",
            language="en",
            ratings={competency: Rating(before=before, now=now)},
            prompts={},
            commitment=f"I will do thing {k}",
            commitment_date=date(2027, 3, 1),
            relevance=4,
            usefulness=4,
            submitted_at=datetime(2027, 2, 1, 13, k, tzinfo=UTC),
        )

    ratings = [(1, 3), (2, 3), (2, 4), (3, 4), (2, 5), (3, 3)]
    first = compute([reflection(k, *r) for k, r in enumerate(ratings)], threshold=5)
    second = compute([reflection(k, *r) for k, r in enumerate([*ratings, (4, 5)])], threshold=5)
    a, b = first.sessions[0].competencies[0], second.sessions[0].competencies[0]
    sum_noise, _, count_noise = bounds()
    # the report printed two decimals before; now the method's
    tol = 0.005 if disclosure is None else 0.5 * 10.0**-disclosure.DECIMALS
    levels = np.arange(1, 6, dtype=float)
    from_means = []
    for field in ("mean_before", "mean_now"):
        estimate = 7 * getattr(b, field) - 6 * getattr(a, field)
        slack = 13 * tol + 2 * sum_noise
        from_means.append(len(pinned_values((estimate - slack, estimate + slack), levels)))
    from_counts = []
    for field in ("before_counts", "now_counts"):
        change = np.subtract(getattr(b, field), getattr(a, field))
        fits = [
            v
            for v in range(5)
            if all(abs(change[w] - (w == v)) <= 2 * count_noise for w in range(5))
        ]
        from_counts.append(len(fits))
    return from_means, from_counts


def test_one_reflection_more_does_not_give_its_ratings(tmp_path):
    from_means, from_counts = debrief_difference(tmp_path)
    assert min(from_means) >= 2, "the new reflection's rating follows from the means"
    assert min(from_counts) >= 2, "the new reflection's rating follows from the counts"


# -- the attacks work: a planted leak is caught --------------------------------------------------
@pytest.fixture
def leak(monkeypatch):
    """Disclosure control switched off: full precision, no perturbation."""
    if disclosure is None:
        pytest.skip("no disclosure module to switch off")
    monkeypatch.setattr(disclosure, "DECIMALS", 12)
    monkeypatch.setattr(disclosure, "SUM_NOISE", 0.0)
    monkeypatch.setattr(disclosure, "SPREAD_NOISE", 0.0)
    monkeypatch.setattr(disclosure, "COUNT_NOISE", 0)


def test_planted_leak_reconstruction_succeeds(tmp_path, leak):
    hits, total = reconstructed_cells(tmp_path)
    assert hits >= 20, f"only {hits} of {total}: the attack would not see a leak"


def test_planted_leak_differencing_succeeds(tmp_path, leak):
    assert max(differenced_scores(tmp_path)) == 1


def test_planted_leak_debrief_differencing_succeeds(tmp_path, leak):
    from_means, from_counts = debrief_difference(tmp_path)
    assert max(from_means) == 1 and max(from_counts) == 1


# -- attack 6: the chart's bar lengths -----------------------------------------------------------
def bar_means(svg: str) -> list[float]:
    """Means read off a team profile: each bar's length over the axis' (scale 1–5)."""
    boxes = []
    for path in re.findall(r'<g id="patch_\d+">\s*<path d="([^"]+)"', svg):
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]
        xs = numbers[0::2]
        boxes.append((min(xs), max(xs)))
    axis_left, axis_right = boxes[1]  # the figure, then the axes, then the bars
    span = axis_right - axis_left
    return [1 + 4 * (right - left) / span for left, right in boxes[2:] if left == axis_left]


def test_the_chart_shows_no_more_precision_than_the_table(tmp_path):
    from toolkit.assess import charts
    from toolkit.core.charts import to_svg

    rows = people("five", 5, 11) + people("six", 6, 12)
    assess_files(tmp_path, rows, ["five", "six"], "chart")
    result = run(tmp_path / "chart" / "responses.csv", tmp_path / "chart" / "teams.csv").assessment
    means = bar_means(to_svg(charts.team_profile(result, "six")))[:20]  # the bars come first
    assert len(means) == 20
    off_grid = [m for m in means if abs(m * 10 - round(m * 10)) > 0.01]
    assert not off_grid, f"bars give means to more than one decimal: {off_grid[:3]}"
