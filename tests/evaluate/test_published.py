"""The vectorised published figures are the cell-by-cell ones (issue 17's scale target).

The evaluation publishes thousands of team-cycles; it computes their perturbed means, shares and
counts on whole columns. The reference here is the cell-by-cell path it replaced, built on
:mod:`toolkit.core.disclosure`'s single-cell functions: the same published tables, to the bit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from toolkit.core.disclosure import perturbed_count, perturbed_mean, publish, published_share
from toolkit.evaluate import levels
from toolkit.evaluate.pipeline import run


# -- the cell-by-cell reference (the evaluation's code before it was vectorised) --------------
def reference_means(measure, n, total, squares, keys, threshold):
    lo, hi = measure.scale
    out = []
    for k, t, sq, key in zip(n, total, squares, keys, strict=True):
        k = int(k)
        if k < 1:
            out.append((math.nan,) * 4)
            continue
        spread = max(float(sq) - float(t) ** 2 / k, 0.0)
        figure = perturbed_mean(float(t), spread, k, int(key), measure.key)
        mean = publish(min(max(figure.mean, lo), hi))
        if k >= 2:
            half = figure.ci_high - figure.mean
            low, high = publish(max(mean - half, lo)), publish(min(mean + half, hi))
        else:
            low = high = math.nan
        out.append((mean, low, high, perturbed_count(k, int(key), "reflections", threshold)))
    if not out:
        return (np.array([], dtype=float),) * 4
    return tuple(np.array(column, dtype=float) for column in zip(*out, strict=True))


def reference_shares(k, n, keys, measure, threshold):
    out = []
    for kk, nn, key in zip(k, n, keys, strict=True):
        figure = published_share(float(kk), int(nn), int(key), measure)
        count = perturbed_count(int(nn), int(key), "count", threshold)
        out.append((figure.mean, figure.ci_low, figure.ci_high, count))
    if not out:
        return (np.array([], dtype=float),) * 4
    return tuple(np.array(column, dtype=float) for column in zip(*out, strict=True))


def reference_outcomes(value, k, clients, keys, measure, percent, threshold):
    figures = [
        levels._outcome_figure(float(v), float(kk), float(c), int(key), measure, percent, threshold)
        for v, kk, c, key in zip(value, k, clients, keys, strict=True)
    ]
    if not figures:
        return (np.array([], dtype=float),) * 4
    return tuple(np.array(column, dtype=float) for column in zip(*figures, strict=True))


def reference_reflection_frame(reflections, frequency, notices):
    """The reflections as a frame, one tuple per reflection (the code before it read columns)."""
    columns = ("id", "team_id", "session_id", "code", "date", "usefulness", "relevance",
               "then_test_change")  # fmt: skip
    rows, without_team = [], 0
    if isinstance(reflections, pd.DataFrame):  # the store's columns: row by row
        records = reflections.to_dict("records")
    else:
        records = [
            {**r.model_dump(), "then_test_change": sum(changes) / len(changes)}
            for r in reflections
            for changes in [[x.now - x.before for x in r.ratings.values()]]
        ]
    for r in records:
        if r["over_cap"]:
            continue
        if not r["team_id"]:
            without_team += 1
            continue
        rows.append((r["submission_id"], r["team_id"], r["session_id"], r["self_code"],
                     r["submitted_at"], r["usefulness"], r["relevance"],
                     r["then_test_change"]))  # fmt: skip
    if without_team:
        notices.append(f"{without_team} reflection(s) name no team and are not counted")
    frame = pd.DataFrame(
        {c: list(v) for c, v in zip(columns, zip(*rows, strict=True), strict=True)}
    )
    frame["key"] = np.array(
        [int(levels.record_keys([i])[0]) for i in frame["id"]], dtype=np.uint64
    )  # one id at a time
    frame["date"] = pd.to_datetime(frame["date"], utc=True).dt.tz_localize(None)
    frame["cycle"] = frame["date"].dt.to_period(frequency).astype(str)
    return frame


def reference_cell_keys(frame, by):
    return {group: sum(int(k) for k in part["key"]) % 2**64 for group, part in frame.groupby(by)}


def reference_person_cells(people):
    """Team-cycles by a string groupby per question, keys summed in Python."""
    keys_of = reference_cell_keys(people, ["cycle", "team_id"])
    sizes = people.groupby(["cycle", "team_id"]).size()
    table = pd.DataFrame(
        {
            "cycle": [c for c, _ in sizes.index],
            "team_id": [t for _, t in sizes.index],
            "n": sizes.to_numpy(),
            "key": np.array([keys_of[g] for g in sizes.index], dtype=np.uint64),
        }
    )
    where = {g: i for i, g in enumerate(sizes.index)}
    codes = np.array([where[g] for g in zip(people["cycle"], people["team_id"], strict=True)])
    return levels._Cells(table, codes)


def reference_reflection_counts(cells, threshold):
    return {
        (r.team_id, r.cycle): float(perturbed_count(int(r.n), int(r.key), "reflections", threshold))
        for r in cells.table.itertuples()
        if r.n >= threshold
    }


def same_as_with(sample_run, monkeypatch, **references):
    """The sample's evaluation, checked to be the same (tables, notices, keys, links) when
    ``references`` stand in for the evaluation's functions of those names."""
    fast = sample_run()
    with monkeypatch.context() as patched:
        for name, reference in references.items():
            patched.setattr(levels, name, reference)
        slow = sample_run()
    pd.testing.assert_frame_equal(fast.figures, slow.figures, check_exact=True)
    pd.testing.assert_frame_equal(fast.training, slow.training, check_exact=True)
    assert fast.notices == slow.notices and fast.link_keys == slow.link_keys
    assert fast.links == slow.links and fast.followup_links == slow.followup_links
    return fast


def test_reading_and_grouping_reflections_in_columns_gives_the_same_tables(sample_run, monkeypatch):
    """Reading the objects column by column, grouping people once and the per-cycle splits give
    what one tuple per reflection, a groupby per question and Python sums of keys gave."""
    fast = same_as_with(
        sample_run,
        monkeypatch,
        _reflection_frame=reference_reflection_frame,
        _person_cells=reference_person_cells,
        _reflection_counts=reference_reflection_counts,
    )
    assert fast.figures["shown"].any() and fast.links and fast.followup_links


@pytest.fixture(scope="module")
def sample_run(sample, tmp_path_factory):
    url, files = sample
    return lambda: (
        run(
            url,
            teams_file=files.teams,
            followups_file=files.followups,
            observations_file=files.observations,
            outcomes_file=files.outcomes,
        ).evaluation
    )


def test_the_three_cycle_sample_publishes_the_same_tables_as_cell_by_cell(sample_run, monkeypatch):
    fast = same_as_with(
        sample_run,
        monkeypatch,
        published_means=reference_means,
        published_shares=reference_shares,
        _outcome_figures=reference_outcomes,
    )
    assert (
        len(fast.figures) > 100 and fast.figures["shown"].any() and (~fast.figures["shown"]).any()
    )
    assert set(fast.figures["level"]) == set(levels.LEVELS)
    assert (fast.figures["unit"].str.contains("%") & fast.figures["low"].notna()).any()


def random_cells(seed: int, size: int = 4000):
    rng = np.random.default_rng(seed)
    n = rng.integers(0, 40, size).astype(float)
    n[:6] = [0, 1, 2, 3, 5, 1]  # the edges: nobody, one person (no interval), two
    values = rng.integers(1, 6, (size, 40)).astype(float)
    mask = np.arange(40) < n[:, None]
    total = (values * mask).sum(axis=1)
    squares = (values**2 * mask).sum(axis=1)
    keys = rng.integers(0, 2**63, size, dtype=np.uint64) * np.uint64(2)
    return n, total, squares, keys


@pytest.mark.parametrize("measure", [*levels.REACTION, levels.THEN_TEST, levels.PRE_POST])
def test_published_means_match_the_single_cell_figures(measure):
    n, total, squares, keys = random_cells(17)
    if measure is levels.THEN_TEST:
        total = total - 3 * n  # changes, −4 … 4, near the scale's ends
    fast = levels.published_means(measure, n, total, squares, keys, 5)
    slow = reference_means(measure, n, total, squares, keys, 5)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


def test_published_shares_match_the_single_cell_figures():
    n, _, _, keys = random_cells(18)
    n = np.maximum(n, 1)
    rng = np.random.default_rng(19)
    k = np.floor(rng.random(len(n)) * (n + 1))
    k[:4] = [0, n[1], 0, n[3]]  # none and all: the intervals' ends are 0 and 100
    fast = levels.published_shares(k, n, keys, "commitments_acted_on", 5)
    slow = reference_shares(k, n, keys, "commitments_acted_on", 5)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("percent", [True, False])
def test_outcome_figures_match_the_single_cell_figures(percent):
    rng = np.random.default_rng(20)
    size = 3000
    value = rng.uniform(0, 100, size)
    value[:3] = [0.0, 100.0, np.nan]
    clients = rng.integers(0, 400, size).astype(float)  # whole clients, as imports check
    clients[3:8] = [np.nan, 0.0, 1.0, 2.0, np.nan]  # unknown, none, one, two
    k = np.rint(value / 100 * clients)
    keys = rng.integers(0, 2**63, size, dtype=np.uint64)
    fast = levels._outcome_figures(value, k, clients, keys, "outcome:x", percent, 5)
    slow = reference_outcomes(value, k, clients, keys, "outcome:x", percent, 5)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


def test_cycle_and_period_texts_are_formatted_as_pandas_formats_each_value(sample):
    """Record keys hash these texts and cycles name the columns: formatting each distinct value
    once must give what formatting every value gives, or every perturbation would change."""
    _, files = sample
    for path in (files.outcomes, files.observations):
        periods = pd.read_csv(path, dtype=str)["period"].map(lambda p: pd.Period(p, "M"))
        assert len(periods) > 20 and periods.nunique() < len(periods)
        assert levels._texts(periods) == periods.astype(str).tolist()
    dates = pd.read_csv(files.followups, dtype=str)["date"]
    with_gap = pd.concat([dates, pd.Series([None, dates.iloc[0]])], ignore_index=True)
    for frequency in ("M", "Q", "Y"):
        for column in (dates, with_gap):
            plain = pd.to_datetime(column).dt.to_period(frequency).astype(str)
            pd.testing.assert_series_equal(levels._dates_to_cycles(column, frequency), plain)
