"""Attacks on the evaluation's published figures, written as an attacker would run them.

The attacker reads only what the evaluation publishes (``evaluation_figures.csv``, the report)
and knows the method: the printed precision and the perturbation bounds of
:mod:`toolkit.core.disclosure` (the code is public; only the secret key is not). They may run the
evaluation twice, once with one participant's reflection or follow-up check-in more, and know
the true number of people each time (the worst case). An attack *succeeds* when exactly one
answer is consistent with what was read. The planted-leak tests switch disclosure control off
(full precision, no perturbation) and check that the same attacks then succeed, so these tests
can fail.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.evaluate.test_levels import Q1, reflection
from toolkit.core import disclosure
from toolkit.evaluate.followups import FollowUps
from toolkit.evaluate.levels import evaluate
from toolkit.evaluate.report import render_report, write_outputs

USEFULNESS = np.arange(1, 6, dtype=float)  # a rating 1–5
CHANGES = np.arange(-4, 5, dtype=float)  # now − before, one competency rated


def bounds() -> tuple[float, float, int]:
    return disclosure.SUM_NOISE, disclosure.SPREAD_NOISE, disclosure.COUNT_NOISE


# -- what is published -------------------------------------------------------------------------
def published(tmp: Path, name: str, reflections, followups=None) -> tuple[list[dict], float]:
    """The figures file as the attacker reads it, and the rounding they infer from it."""
    ev = evaluate(reflections, followups=followups, threshold=5)
    outputs = write_outputs(ev, tmp / name)
    text = outputs.figures_csv.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    return rows, tolerance(rows)


def tolerance(rows: list[dict]) -> float:
    """Half a unit of the last decimal printed in the value columns (at full float precision:
    a rounding error)."""
    places = max(
        (len(v.split(".")[1]) for r in rows for c in ("value", "low", "high")
         if "." in (v := r[c])),
        default=0,
    )  # fmt: skip
    return 1e-9 if places >= 10 else 0.5 * 10.0**-places


def cell(rows: list[dict], team: str, measure: str, cycle: str = "2027Q1") -> dict:
    (row,) = [r for r in rows if r["team_id"] == team and r["measure"] == measure
              and r["cycle"] == cycle]  # fmt: skip
    assert row["shown"] == "True", row
    return {k: float(row[k]) if row[k] else math.nan for k in ("value", "low", "high", "n")}


def people(team: str, ratings: list[tuple[int, int, int]], offset: int = 0) -> list:
    """Reflections of one session: (before, now, usefulness) each."""
    return [
        reflection(team, Q1, offset + k, before=b, now=n, useful=u)
        for k, (b, n, u) in enumerate(ratings)
    ]


def pinned(estimate: float, slack: float, choices: np.ndarray) -> int:
    return int(((choices >= estimate - slack - 1e-9) & (choices <= estimate + slack + 1e-9)).sum())


# -- attack 1: two runs, one reflection apart ---------------------------------------------------
BASE = [(1, 3, 2), (2, 3, 4), (2, 4, 3), (3, 4, 5), (2, 5, 4), (3, 3, 1)]


def reflection_difference(tmp: Path) -> list[int]:
    """Per newcomer and figure (team and organisation; usefulness and change in confidence):
    how many values of the newcomer's answer fit the two runs."""
    found = []
    for k, newcomer in enumerate([(1, 5, 5), (3, 3, 1), (2, 4, 3)]):
        other = people("b", [(2, 4, 4)] * 5, offset=50)
        first, tol = published(tmp, f"first{k}", people("a", BASE) + other)
        second, _ = published(tmp, f"second{k}", people("a", [*BASE, newcomer]) + other)
        sum_noise, _, _ = bounds()
        for team, n in (("a", 6), ("", 11)):
            for measure, choices in (("usefulness", USEFULNESS), ("then_test_change", CHANGES)):
                a, b = cell(first, team, measure), cell(second, team, measure)
                estimate = (n + 1) * b["value"] - n * a["value"]
                slack = (2 * n + 1) * tol + 2 * sum_noise
                found.append(pinned(estimate, slack, choices))
    return found


def test_one_reflection_more_does_not_give_its_ratings(tmp_path):
    found = reflection_difference(tmp_path)
    assert min(found) >= 2, f"{found.count(1)} of {len(found)} figures give the newcomer away"


# -- attack 2: two runs, one follow-up check-in apart ----------------------------------------
def checkins(answers: list[str]) -> FollowUps:
    frame = pd.DataFrame(
        {
            "id": [f"followups.csv:{k + 2}" for k in range(len(answers))],
            "team_id": ["a"] * len(answers),
            "date": [pd.Timestamp("2027-03-15")] * len(answers),
            "code": [None] * len(answers),
            "applied": answers,
        }
    )
    return FollowUps(frame, "followups.csv")


def followup_difference(tmp: Path) -> list[int]:
    """Per newcomer: how many of 'acted on it' (1) and 'did not' (0) fit the two runs."""
    reflections = people("a", BASE * 2)
    base = ["yes", "no", "partly", "yes", "no", "yes", "no"]
    found = []
    for k, answer in enumerate(["yes", "no", "partly"]):
        first, tol = published(tmp, f"f-first{k}", reflections, checkins(base))
        second, _ = published(tmp, f"f-second{k}", reflections, checkins([*base, answer]))
        n = len(base)
        sum_noise, _, _ = bounds()
        a = cell(first, "a", "commitments_acted_on")
        b = cell(second, "a", "commitments_acted_on")
        estimate = ((n + 1) * b["value"] - n * a["value"]) / 100  # acted-on check-ins added
        slack = (2 * n + 1) * tol / 100 + 2 * sum_noise
        found.append(pinned(estimate, slack, np.array([0.0, 1.0])))
    return found


def test_one_followup_more_does_not_say_whether_they_acted(tmp_path):
    found = followup_difference(tmp_path)
    assert min(found) >= 2, f"{found.count(1)} of {len(found)} newcomers' answers exact"


# -- attack 3: enumeration from a mean and its interval -----------------------------------------
def half_width(spread: float, n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) * math.sqrt(max(spread, 0) / (n - 1)) / math.sqrt(n)


def candidates(figure: dict, n: int, choices: np.ndarray, tol: float) -> list[tuple]:
    """Every multiset of n answers consistent with a published mean and interval."""
    sum_noise, spread_noise, _ = bounds()
    lo, hi = choices[0], choices[-1]
    mean, low, high = figure["value"], figure["low"], figure["high"]
    at_edge = low <= lo or high >= hi  # a bound kept on the scale says less about the spread
    found = []
    for answers in itertools.combinations_with_replacement(choices, n):
        array = np.array(answers)
        if abs(array.mean() - mean) > tol + sum_noise / n + 1e-9:
            continue
        spread = float(((array - array.mean()) ** 2).sum())
        smallest = half_width(spread - spread_noise, n)
        largest = half_width(spread + spread_noise, n)
        # the interval sits around the published mean: its half width, to two roundings
        if at_edge or (smallest - 2 * tol - 1e-9 <= (high - low) / 2 <= largest + 2 * tol + 1e-9):
            found.append(answers)
    return found


def reconstructed(tmp: Path) -> tuple[int, int]:
    """Teams of five: how many figures pin every person's answer (of how many tried)."""
    rng = np.random.default_rng(17)
    teams = {}
    for k in range(6):
        before = rng.integers(1, 4, 5)
        teams[f"t{k}"] = [(int(b), int(b + rng.integers(0, 3)), int(rng.integers(1, 6)))
                          for b in before]  # fmt: skip
    teams["alike"] = [(2, 4, 4)] * 5  # everyone answered the same
    reflections = [r for t, ratings in teams.items() for r in people(t, ratings)]
    rows, tol = published(tmp, "enumerate", reflections)
    hits = total = 0
    for team, ratings in teams.items():
        truth = {
            "usefulness": tuple(sorted(float(u) for _, _, u in ratings)),
            "then_test_change": tuple(sorted(float(a - b) for b, a, _ in ratings)),
        }
        for measure, choices in (("usefulness", USEFULNESS), ("then_test_change", CHANGES)):
            found = candidates(cell(rows, team, measure), 5, choices, tol)
            assert truth[measure] in found, "the attack model must fit the method"
            total += 1
            hits += len(found) == 1
    return hits, total


def test_no_team_of_five_is_reconstructed_from_mean_and_interval(tmp_path):
    hits, total = reconstructed(tmp_path)
    assert hits == 0, f"{hits} of {total} figures give away every person's answer"


# -- what every output says: no more precision than the rule -------------------------------------
def test_the_report_and_the_file_show_one_decimal_and_whole_percent(tmp_path):
    reflections = [r for k in range(3) for r in people(f"t{k}", BASE, offset=10 * k)]
    ev = evaluate(reflections, followups=checkins(["yes", "no", "partly", "no", "yes"] * 2))
    html = re.sub(r"<(svg|style)\b.*?</\1>", "", render_report(ev), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.findall(r"\d\.\d{2,}", text), "the report prints more than one decimal"
    assert not re.findall(r"\d\.\d+%", text), "the report prints shares below a whole percent"
    f = ev.figures[ev.figures["shown"]]
    for column in ("value", "low", "high"):
        values = f[column].dropna().to_numpy()
        assert np.allclose(values, np.round(values, 1)), column
    shares = f[f["unit"] == "%"][["value", "low", "high"]].stack().to_numpy()
    assert len(shares) and np.allclose(shares, np.round(shares)), "shares in whole percent"
    assert (f["n"] >= 5).all() and f["n"].dropna().apply(float.is_integer).all()


# -- the attacks work: a planted leak is caught --------------------------------------------------
@pytest.fixture
def leak(monkeypatch):
    """Disclosure control switched off: full precision, no perturbation."""
    for name, value in (("DECIMALS", 12), ("SHARE_DECIMALS", 12), ("SUM_NOISE", 0.0),
                        ("SPREAD_NOISE", 0.0), ("COUNT_NOISE", 0)):  # fmt: skip
        monkeypatch.setattr(disclosure, name, value)
    monkeypatch.setattr("toolkit.evaluate.levels.SHARE_DECIMALS", 12)


def test_planted_leak_reflection_differencing_succeeds(tmp_path, leak):
    assert max(reflection_difference(tmp_path)) == 1


def test_planted_leak_followup_differencing_succeeds(tmp_path, leak):
    assert max(followup_difference(tmp_path)) == 1


def test_planted_leak_reconstruction_succeeds(tmp_path, leak):
    hits, total = reconstructed(tmp_path)
    assert hits >= total // 2, f"only {hits} of {total}: the attack would not see a leak"


def test_planted_leak_is_seen_in_the_report(leak):
    reflections = [r for k in range(3) for r in people(f"t{k}", BASE, offset=10 * k)]
    ev = evaluate(reflections, threshold=5)
    assert not np.allclose(ev.figures["value"].dropna(), ev.figures["value"].dropna().round(1))


# -- attack 4: the linking sentences, one reflection more ----------------------------------------
def link_difference() -> list[int]:
    """Per figure of the linking sentence: how many of 'the newcomer is in it' (1) and 'is not'
    (0) fit the two runs' sentences."""
    from tests.evaluate.test_levels import Q2
    from toolkit.evaluate.report import report_context

    def cycle(when, count: int, extra: list) -> list:
        coded = [reflection("a", when, k, code=f"MA{k:02d}N") for k in range(count)]
        return coded + [reflection("a", when, 40 + k) for k in range(6)] + extra

    def figures(extra: list) -> list[int]:
        ev = evaluate(cycle(Q1, 14, []) + cycle(Q2, 12, extra), threshold=5)
        (link,) = report_context(ev)["links"]
        return [int(v) for v in re.findall(r"\b(\d+) (?:of|people|gave)\b", link["text"])]

    first = figures([])
    second = figures([reflection("a", Q2, 90)])  # the newcomer gave no code
    _, _, count_noise = bounds()
    assert len(first) == len(second) == 3, (first, second)  # linked, coded, gave no code
    return [
        sum(abs(b - a - x) <= 2 * count_noise for x in (0, 1))
        for a, b in zip(first, second, strict=True)
    ]


def test_one_reflection_more_does_not_show_in_the_linking_counts():
    found = link_difference()
    assert min(found) >= 2, f"the linking sentence says where the newcomer is: {found}"


def test_planted_leak_linking_differencing_succeeds(leak):
    assert max(link_difference()) == 1


# -- attack: stuffing the form past a session's cap ---------------------------------------------
def test_stuffed_reflections_beyond_the_cap_do_not_lift_a_withheld_team(tmp_path):
    """Three real reflections of a session planned for three, then three fakes posted from the
    form link: the server keeps the fakes flagged beyond the cap (as `cct serve` saves them).
    They must not lift the team over the threshold of five in the evaluation, as they do not
    in the debrief and the public report; the report says that some were left out."""
    from toolkit.evaluate.pipeline import run
    from toolkit.reflect.store import upgrade_schema

    url = f"sqlite:///{tmp_path}/reflections.sqlite"
    store = upgrade_schema(url)
    cap = 3
    for k, item in enumerate(people("small", [(2, 4, 4), (3, 4, 5), (1, 3, 3)])):
        assert store.save(item, cap=cap), k
    fakes = people("small", [(1, 5, 5)] * 3, offset=10)
    assert all(store.save(item, cap=cap) for item in fakes)  # kept …
    assert store.counts()["small-20270201"] == (3, 3)  # … and flagged beyond the cap
    for item in people("large", [(2, 4, 4)] * 6):
        store.save(item, cap=12)
    done = run(url, threshold=5, output_dir=tmp_path / "out")
    rows = list(csv.DictReader(done.outputs.figures_csv.read_text("utf-8-sig").splitlines()))
    small = [r for r in rows if r["team_id"] == "small"]
    assert small and all(r["shown"] == "False" for r in small), small
    assert any(r["shown"] == "True" for r in rows if r["team_id"] == "large")
    # said, without a count small enough to point at a session
    assert "fewer than 5 reflection(s) beyond their session's cap were not counted" in done.notices
