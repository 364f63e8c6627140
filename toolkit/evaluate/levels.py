"""The evaluation: Kirkpatrick's four levels per team and for the organisation, cycle by cycle.

* **reaction** — how useful and relevant participants rated the session (reflections);
* **learning** — the retrospective change in confidence (recalled *before* against *now*, both
  rated after the session), and, separately, the needs assessment of one cycle against the next
  (a traditional pre/post on whoever answered each time);
* **behaviour** — the share of follow-up check-ins saying the commitment was acted on, and the
  share of supervisors' observations where a behaviour was shown;
* **results** — the service outcomes the organisation keeps, against the cycles with training.

Every figure comes with a 95% interval where one can be computed (scipy), the number of people
(or occasions, or clients) it is about, and a response rate where the base is known. The privacy
rule is the one every step uses (``toolkit.core``): a figure about fewer than ``threshold`` is
withheld, and the organisation's figure of a cycle is built only from the records of teams shown
in that cycle, so no withheld figure influences any shown one, in the same cycle or another.
Changes between cycles are only computed between two shown figures.

Every published figure then goes through :mod:`toolkit.core.disclosure`, as the debrief's do:
means and interval bounds with one decimal, percentages in whole percent, and the cell-key
method. A team-cycle's cell key is the sum of its people's record keys (reflections: their
submission ids; check-ins: their row in the follow-up file; observations and outcomes: their
team, period and behaviour or outcome), the organisation's the sum of its shown teams' keys; so
the same people always get the same perturbation, and a run with one person more an unrelated
one. Counts of people (and the bases of response rates) are perturbed counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.assess.results import AssessmentResults
from toolkit.core import disclosure
from toolkit.core.disclosure import (
    SHARE_DECIMALS,
    Perturbation,
    cell_key,
    cell_keys,
    check_threshold,
    perturbed_count,
    publish,
    published_share,
    record_keys,
    withheld_note,
)
from toolkit.core.framework import Framework, default_framework
from toolkit.core.teams import Team
from toolkit.evaluate.followups import FollowUps
from toolkit.evaluate.linking import LinkReport, link_codes
from toolkit.evaluate.observations import Observations
from toolkit.evaluate.outcomes import OutcomeCatalog, Outcomes, default_outcomes
from toolkit.evaluate.periods import FREQUENCIES, to_cycle
from toolkit.reflect.store import Reflection, reflections_as_columns

__all__ = ["LEVELS", "Evaluation", "Measure", "evaluate"]

LEVELS = ("reaction", "learning", "behaviour", "results")
ORGANISATION = ""  # team_id of the organisation's rows
LOW_RESPONSE = 0.5  # response rates below this get a warning
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Measure:
    key: str
    level: str
    label: str
    unit: str
    better: str = "higher"
    scale: tuple[float, float] = (-math.inf, math.inf)  # a published mean never leaves it


REACTION = [
    Measure("usefulness", "reaction", "Usefulness of the session", "rating 1–5", scale=(1, 5)),
    Measure("relevance", "reaction", "Relevance to their work", "rating 1–5", scale=(1, 5)),
]
THEN_TEST = Measure(
    "then_test_change",
    "learning",
    "Change in confidence, before → now (rated after the session)",
    "points on 1–5",
    scale=(-4, 4),
)
PRE_POST = Measure(
    "assessment_change",
    "learning",
    "Change in self-rated competence since the previous cycle's needs assessment",
    "points on 1–5",
)
ACTED_ON = Measure(
    "commitments_acted_on", "behaviour", "Commitments acted on (follow-up: yes or partly)", "%"
)
OBSERVED = Measure(
    "behaviours_observed", "behaviour", "Behaviours shown when observed (supervisors)", "%"
)

_REFLECTION_COLUMNS = ("id", "team_id", "session_id", "code", "date", "usefulness",
                       "relevance", "then_test_change")  # fmt: skip
COLUMNS = ["scope", "team_id", "cycle", "level", "measure", "label", "unit", "better",
           "value", "low", "high", "n", "base", "response_rate", "shown", "small"]  # fmt: skip


@dataclass
class Evaluation:
    """All figures in one long table (``figures``), plus what a reader needs beside them."""

    figures: pd.DataFrame
    threshold: int
    frequency: str
    cycles: list[str]
    team_names: dict[str, str]
    training: pd.DataFrame  # team_id, cycle, date: sessions, from the reflections
    links: dict[str, LinkReport] = field(default_factory=dict)  # "2026Q1 → 2026Q2": report
    followup_links: dict[str, LinkReport] = field(default_factory=dict)  # cycle: report
    notices: list[str] = field(default_factory=list)
    link_keys: dict[str, int] = field(default_factory=dict)  # links' name: the later side's key

    @property
    def privacy_note(self) -> str:
        return withheld_note(self.threshold) + (
            " Each cycle's organisation figures are built only from teams shown in that cycle, "
            "and changes between cycles only from figures shown in both."
        )

    @property
    def teams(self) -> list[str]:
        return sorted(t for t in self.figures["team_id"].unique() if t != ORGANISATION)

    def of(self, team_id: str = ORGANISATION) -> pd.DataFrame:
        return self.figures[self.figures["team_id"] == team_id]


# -- published figures (toolkit.core.disclosure) ---------------------------------------------
def group_keys(frame: pd.DataFrame, grouped) -> np.ndarray:
    """Each group's cell key, in the groups' order: the sum of its records' keys (column
    ``key``) modulo 2**64. ``grouped`` is ``frame``'s groupby, whose grouping is reused."""
    codes = grouped.ngroup().to_numpy()
    return cell_keys(frame["key"].to_numpy(dtype=np.uint64), codes, grouped.ngroups)


def _counts_of(frame: pd.DataFrame, k: str, n: str | None = None) -> pd.DataFrame:
    """Per team and cycle: the sum of ``k``, of ``n`` (else the number of records) and the
    cell key, from one grouping."""
    grouped = frame.groupby(["team_id", "cycle"])
    counts = grouped.agg(k=(k, "sum"), n=(n or k, "sum" if n else "size")).reset_index()
    counts["key"] = group_keys(frame, grouped)
    return counts


def _python_round(values: np.ndarray, decimals: int) -> np.ndarray:
    """:func:`toolkit.core.disclosure.publish` on a whole column: Python's ``round`` (correct
    decimal rounding) bit for bit. ``np.round`` scales, rounds and unscales; it differs from
    Python only where the scaled value lands within a rounding error of a half, so those few
    values are rounded by Python and the rest by numpy (k / 10**d, one division, is the float
    Python's correctly rounded result parses to)."""
    values = np.asarray(values, dtype=float)
    scale = 10.0**decimals
    scaled = values * scale
    rounded = np.rint(scaled) / scale
    with np.errstate(invalid="ignore"):
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= 1e-9 * np.maximum(
            1.0, np.abs(scaled)
        )
    for i in np.flatnonzero(near_half):
        rounded[i] = round(float(values[i]), decimals)
    return rounded


def _perturbed_counts(count: np.ndarray, keys, measure: str, floor: int) -> np.ndarray:
    """:func:`toolkit.core.disclosure.perturbed_count` for many cells: the count moved by a
    fixed whole number (Python's round, half to even, as ``np.rint``), never below ``floor``."""
    moved = count + np.rint(
        disclosure.COUNT_NOISE * disclosure.perturbations(keys, measure + "|count")
    )
    return np.maximum(moved, floor)


def published_means(
    measure: Measure, n, total, squares, keys, threshold: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, interval and count of each cell as the debrief publishes them: the sum and the
    spread moved by the cell key's fixed perturbation, the mean kept on the scale and given
    with one decimal, the interval around the published mean (kept within reach of the scale),
    the count perturbed (never below the threshold). NaN where n < 1; the interval NaN where
    n < 2.

    The same arithmetic as :func:`toolkit.core.disclosure.perturbed_mean` cell by cell, done on
    whole columns: one vectorised t quantile instead of one scipy call per cell (the cost of an
    evaluation of thousands of teams). ``tests/evaluate/test_published.py`` holds it to the
    cell-by-cell figures."""
    lo, hi = measure.scale
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    squares = np.asarray(squares, dtype=float)
    keys = np.asarray(keys, dtype=np.uint64)
    size = len(n)
    mean = np.full(size, np.nan)
    low = np.full(size, np.nan)
    high = np.full(size, np.nan)
    count = np.full(size, np.nan)
    some = n >= 1
    if not some.any():
        return mean, low, high, count
    k, t, sq, key = n[some], total[some], squares[some], keys[some]
    spread = np.maximum(sq - t**2 / k, 0.0)
    raw = (t + disclosure.SUM_NOISE * disclosure.perturbations(key, measure.key + "|sum")) / k
    spread = np.abs(
        spread + disclosure.SPREAD_NOISE * disclosure.perturbations(key, measure.key + "|ss")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(k > 1, np.sqrt(spread / (k - 1)), 0.0)
    half = stats.t.ppf(0.5 + disclosure.CONFIDENCE / 2, np.maximum(k - 1, 1)) * sd / np.sqrt(k)
    half = (raw + half) - raw  # as the scalar path reads it: ci_high − mean
    published = _python_round(np.minimum(np.maximum(raw, lo), hi), disclosure.DECIMALS)
    two = k >= 2
    mean[some] = published
    low[some] = np.where(
        two, _python_round(np.maximum(published - half, lo), disclosure.DECIMALS), np.nan
    )
    high[some] = np.where(
        two, _python_round(np.minimum(published + half, hi), disclosure.DECIMALS), np.nan
    )
    count[some] = _perturbed_counts(k, key, "reflections", threshold)
    return mean, low, high, count


def _shares_as_published(k, n, keys, measure: str) -> tuple[np.ndarray, ...]:
    """:func:`toolkit.core.disclosure.published_share` for many cells (every ``n`` > 0): the
    count moved by the cell's perturbation, Jeffreys intervals from one vectorised beta
    quantile each side, whole percent."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if not len(n):
        return (np.array([], dtype=float),) * 3
    moved = np.minimum(
        np.maximum(
            k + disclosure.SUM_NOISE * disclosure.perturbations(keys, measure + "|sum"), 0.0
        ),
        n,
    )
    alpha = 1 - disclosure.CONFIDENCE
    a, b = moved + 0.5, n - moved + 0.5
    low = np.where(moved <= 0, 0.0, stats.beta.ppf(alpha / 2, a, b))
    high = np.where(moved >= n, 1.0, stats.beta.ppf(1 - alpha / 2, a, b))
    share = moved / n
    return (
        _python_round(100 * share, disclosure.SHARE_DECIMALS),
        _python_round(100 * low, disclosure.SHARE_DECIMALS),
        _python_round(100 * high, disclosure.SHARE_DECIMALS),
    )


def published_shares(k, n, keys, measure: str, threshold: int):
    """Percentages (whole percent) with Jeffreys intervals from the perturbed count of ``k``,
    and the perturbed ``n``: :func:`toolkit.core.disclosure.published_share` on whole columns."""
    keys = np.asarray(keys, dtype=np.uint64)
    n = np.asarray(n, dtype=float)
    value, low, high = _shares_as_published(k, n, keys, measure)
    return value, low, high, _perturbed_counts(n, keys, "count", threshold).astype(float)


def _org_key(keys: Iterable[int]) -> int:
    return cell_key(keys)  # the sum of the shown teams' keys is the sum of their people's


# -- building rows ----------------------------------------------------------------------------
class _Rows:
    """The figures table, built in order: single rows (organisation, assessments) and whole
    columns at once (every team of a measure), with the one privacy rule applied to both."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.rows: list[dict] = []
        self.chunks: list[pd.DataFrame] = []

    def _flush(self) -> None:
        if self.rows:
            self.chunks.append(pd.DataFrame(self.rows, columns=COLUMNS))
            self.rows = []

    def frame(self) -> pd.DataFrame:
        self._flush()
        if not self.chunks:
            return pd.DataFrame(columns=COLUMNS)
        return pd.concat(self.chunks, ignore_index=True)

    def add_many(
        self, measure: Measure, teams, cycles, value, low, high, n, base=None, count=None
    ) -> np.ndarray:
        """Add one figure per team and cycle; returns which are shown. ``n`` decides (the
        threshold); ``count`` (the published, perturbed n) is what the table says."""
        n = np.asarray(n, dtype=float)
        shown = np.isnan(n) | (n >= self.threshold)
        count = n if count is None else np.asarray(count, dtype=float)
        base = np.full(len(n), np.nan) if base is None else np.asarray(base, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(base > 0, count / base, np.nan)
        hide = ~shown
        chunk = pd.DataFrame(
            {
                "scope": "team",
                "team_id": np.asarray(teams, dtype=object),
                "cycle": np.asarray(cycles, dtype=object),
                "level": measure.level,
                "measure": measure.key,
                "label": measure.label,
                "unit": measure.unit,
                "better": measure.better,
                "value": np.where(hide, np.nan, np.asarray(value, dtype=float)),
                "low": np.where(hide, np.nan, np.asarray(low, dtype=float)),
                "high": np.where(hide, np.nan, np.asarray(high, dtype=float)),
                "n": np.where(hide, np.nan, count),
                "base": base,
                "response_rate": np.where(hide, np.nan, rate),
                "shown": shown,
                "small": shown & ~np.isnan(count) & (count < 2 * self.threshold),
            },
            columns=COLUMNS,
        )
        self._flush()
        self.chunks.append(chunk)
        return shown

    def add(
        self,
        measure: Measure,
        team: str,
        cycle: str,
        figure,
        n: float,
        base: float = math.nan,
        withheld: bool = False,
        count: float | None = None,
    ) -> bool:
        """Add one figure; True if it is shown (about ``threshold`` or more, or no people).
        ``count`` is the published (perturbed) n, when it differs from ``n``."""
        value, low, high = figure if figure is not None else (math.nan,) * 3
        shown = (bool(n >= self.threshold) if not math.isnan(n) else True) and not withheld
        count = n if count is None else count
        if not shown:
            value = low = high = count = math.nan
        rate = count / base if base and not math.isnan(base) and base > 0 else math.nan
        self.rows.append(
            {
                "scope": "organisation" if team == ORGANISATION else "team",
                "team_id": team,
                "cycle": cycle,
                "level": measure.level,
                "measure": measure.key,
                "label": measure.label,
                "unit": measure.unit,
                "better": measure.better,
                "value": value,
                "low": low,
                "high": high,
                "n": count,
                "base": base,
                "response_rate": rate,
                "shown": shown,
                "small": shown and not math.isnan(count) and count < 2 * self.threshold,
            }
        )
        return shown


def _texts(values: pd.Series) -> list[str]:
    """``values.astype(str)`` as a list, each distinct value formatted once (periods repeat)."""
    codes, uniques = pd.factorize(values)
    if (codes < 0).any():
        return values.astype(str).tolist()
    return np.asarray(pd.Series(uniques).astype(str), dtype=object)[codes].tolist()


def _cycles_of(periods: pd.Series, frequency: str) -> pd.Series:
    """Each period's cycle as text (None when longer than a cycle), computed once per period."""
    if periods.empty:
        return pd.Series([], index=periods.index, dtype=object)
    # a period's text names it with its frequency ("2027-03", "2027Q1"): hash text, not Periods
    codes, _ = pd.factorize(periods.astype(str))
    _, first = np.unique(codes, return_index=True)
    cycles = [to_cycle(periods.iloc[i], frequency) for i in first]
    texts = np.array([None if c is None else str(c) for c in cycles], dtype=object)
    return pd.Series(texts[codes], index=periods.index, dtype=object)


def _dates_to_cycles(dates: pd.Series, frequency: str) -> pd.Series:
    """Each date's cycle as text; each distinct cycle formatted once (not once per person)."""
    periods = pd.to_datetime(dates).dt.to_period(frequency)
    codes, uniques = pd.factorize(periods)
    if (codes < 0).any() or not len(codes):
        return periods.astype(str)
    texts = np.asarray(uniques.astype(str), dtype=object)
    return pd.Series(texts[codes], index=dates.index, name=dates.name).astype(str)


def _reflection_frame(
    reflections: Iterable[Reflection] | pd.DataFrame, frequency: str, notices: list[str]
):
    """One row per counted reflection: id, team, session, code, date, the two ratings, the mean
    change in confidence, the record key and the cycle. From the store's columns
    (:meth:`ReflectionStore.load_columns`) or from reflection objects, read in one pass."""
    table = (
        reflections
        if isinstance(reflections, pd.DataFrame)
        else reflections_as_columns(reflections)
    )
    over = table["over_cap"].to_numpy(dtype=bool)  # beyond a session's cap: kept, not counted
    if over.any():
        notices.append(
            f"{int(over.sum())} reflection(s) beyond their session's cap were not counted"
        )
    team = table["team_id"]
    named = (team.notna() & (team != "")).to_numpy(dtype=bool)
    if (~named & ~over).any():
        notices.append(
            f"{int((~named & ~over).sum())} reflection(s) name no team and are not counted"
        )
    kept = table[named & ~over]
    if kept.empty:
        frame = pd.DataFrame({c: [] for c in _REFLECTION_COLUMNS})
        frame["key"] = np.array([], dtype=np.uint64)
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        frame["cycle"] = ""
        return frame
    ids = kept["submission_id"].to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "id": ids,
            "team_id": kept["team_id"].to_numpy(dtype=object),
            "session_id": kept["session_id"].to_numpy(dtype=object),
            "code": kept["self_code"].to_numpy(dtype=object),
            # vectorised when the column is already datetimes (the store's, a frame's)
            "date": pd.to_datetime(kept["submitted_at"], utc=True).dt.tz_localize(None).to_numpy(),
            "usefulness": kept["usefulness"].to_numpy(dtype=np.int64),
            "relevance": kept["relevance"].to_numpy(dtype=np.int64),
            "then_test_change": kept["then_test_change"].to_numpy(dtype=float),
            "key": record_keys(ids),
        }
    )
    frame["cycle"] = _dates_to_cycles(frame["date"], frequency)
    return frame


def _by_cycle(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each cycle's records (in their order), from one grouping instead of a mask per cycle."""
    return dict(tuple(frame.groupby("cycle", sort=False, dropna=False)))


@dataclass(frozen=True)
class _Cells:
    """The reflections' team-cycles, grouped once for every measure: ``table`` has each cell's
    cycle, team, size ``n`` and cell ``key`` (sorted by cycle, then team); ``codes`` gives each
    person's row in it."""

    table: pd.DataFrame
    codes: np.ndarray


def _person_cells(people: pd.DataFrame) -> _Cells:
    grouped = people.groupby(["cycle", "team_id"], sort=True)
    table = grouped.size().reset_index()
    table.columns = ["cycle", "team_id", "n"]
    table["key"] = group_keys(people, grouped)
    return _Cells(table, grouped.ngroup().to_numpy())


def _reflection_counts(cells: _Cells, threshold: int) -> dict[tuple[str, str], float]:
    """Reflections per (team, cycle) as published: perturbed with the same cell key as the
    team's reaction figures, and only where that team-cycle is shown (else no base at all)."""
    big = cells.table[cells.table["n"] >= threshold]
    counts = _perturbed_counts(
        big["n"].to_numpy(dtype=float), big["key"].to_numpy(np.uint64), "reflections", threshold
    )
    cells = zip(big["team_id"].tolist(), big["cycle"].tolist(), strict=True)
    return dict(zip(cells, counts.tolist(), strict=True))


def _per_person(
    rows: _Rows, frame, cells: _Cells, measure: Measure, bases: Mapping[str, float], cycles
):
    """A mean of one value per person, per team and cycle; the organisation from shown teams."""
    values = frame[measure.key].to_numpy(dtype=float)
    agg = cells.table.assign(
        total=pd.Series(values).groupby(cells.codes).sum().to_numpy(),
        squares=pd.Series(values**2).groupby(cells.codes).sum().to_numpy(),
        base=cells.table["team_id"].map(bases).astype(float),
    )
    order = {c: i for i, c in enumerate(cycles)}
    agg = agg.sort_values(
        ["cycle", "team_id"], key=lambda c: c.map(order) if c.name == "cycle" else c
    )
    mean, low, high, count = published_means(
        measure, agg["n"], agg["total"], agg["squares"], agg["key"], rows.threshold
    )
    shown = rows.add_many(
        measure, agg["team_id"], agg["cycle"], mean, low, high, agg["n"], agg["base"], count
    )
    kept = agg[shown]
    org = kept.groupby("cycle", sort=False)
    org = org[["n", "total", "squares", "base"]].sum(min_count=1).reset_index()
    org_keys = [_org_key(kept[kept["cycle"] == c]["key"]) for c in org["cycle"]]
    mean, low, high, count = published_means(
        measure, org["n"], org["total"], org["squares"], org_keys, rows.threshold
    )
    for r, m, lo, hi, c in zip(org.itertuples(index=False), mean, low, high, count, strict=True):
        rows.add(measure, ORGANISATION, r.cycle, (m, lo, hi), float(r.n), r.base, count=c)


def _shares(rows: _Rows, counts: pd.DataFrame, measure: Measure, cycles, bases=None):
    """Shares from counts ``k`` of ``n`` per team and cycle (``key``: the cell key); the
    organisation from shown teams."""
    counts = counts[counts["n"] > 0].copy()
    order = {c: i for i, c in enumerate(cycles)}
    counts = counts.sort_values(
        ["cycle", "team_id"], key=lambda c: c.map(order) if c.name == "cycle" else c
    )
    if bases:
        counts["base"] = [
            bases.get(key, math.nan)
            for key in zip(counts["team_id"].tolist(), counts["cycle"].tolist(), strict=True)
        ]
    else:
        counts["base"] = math.nan
    value, low, high, count = published_shares(
        counts["k"], counts["n"], counts["key"], measure.key, rows.threshold
    )
    shown = rows.add_many(
        measure, counts["team_id"], counts["cycle"], value, low, high, counts["n"],
        counts["base"], count,
    )  # fmt: skip
    kept = counts[shown]
    org = kept.groupby("cycle", sort=False)
    org = org[["k", "n", "base"]].sum(min_count=1).reset_index()
    org_keys = [_org_key(kept[kept["cycle"] == c]["key"]) for c in org["cycle"]]
    value, low, high, count = published_shares(
        org["k"], org["n"], org_keys, measure.key, rows.threshold
    )
    for r, v, lo, hi, c in zip(org.itertuples(index=False), value, low, high, count, strict=True):
        rows.add(measure, ORGANISATION, r.cycle, (v, lo, hi), float(r.n), r.base, count=c)


def _rounded(value: float, half: float) -> tuple[float, float, float]:
    """A change between two published assessments (already perturbed there), one decimal."""
    shown = publish(value)
    return shown, publish(shown - half), publish(shown + half)


def _assessment_changes(rows: _Rows, assessments: Mapping[str, AssessmentResults], frequency):
    """Each team's mean self-rated competence, cycle against the previous one with results.

    Only competencies shown in both cycles count. The standard error of a team's mean over
    competencies is bounded by the mean of their standard errors (their correlation is
    unknown), so the interval is on the safe, wide side.
    """
    ordered = sorted(assessments.items(), key=lambda kv: pd.Period(kv[0], frequency))
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    for (_, before), (cycle, after) in zip(ordered, ordered[1:], strict=False):
        org_diffs, org_se, org_n = [], [], []
        prior = {t.team_id: t for t in before.teams}
        for team in after.teams:
            earlier = prior.get(team.team_id)
            if earlier is None:
                continue
            comps_before = {c.competency_id: c for c in earlier.competencies if not c.withheld}
            pairs = [
                (comps_before[c.competency_id], c)
                for c in team.competencies
                if not c.withheld and c.competency_id in comps_before
            ]
            n = float(min(earlier.respondents or 0, team.respondents or 0))
            if earlier.withheld or team.withheld or not pairs:
                rows.add(PRE_POST, team.team_id, cycle, None, n, withheld=True)
                continue

            def se(c) -> float:
                if c.ci_low is None or c.ci_high is None or not c.n or c.n < 2:
                    return math.nan
                return (c.ci_high - c.ci_low) / 2 / stats.t.ppf(0.5 + CONFIDENCE / 2, c.n - 1)

            diff = float(np.mean([b.mean - a.mean for a, b in pairs]))
            se_before = float(np.mean([se(a) for a, _ in pairs]))
            se_after = float(np.mean([se(b) for _, b in pairs]))
            spread = math.sqrt(se_before**2 + se_after**2)
            if rows.add(PRE_POST, team.team_id, cycle, _rounded(diff, z * spread), n):
                org_diffs.append(diff)
                org_se.append(spread)
                org_n.append(n)
        if org_diffs:
            weights = np.asarray(org_n) / sum(org_n)
            diff = float(np.dot(weights, org_diffs))
            spread = float(math.sqrt(np.dot(weights**2, np.asarray(org_se) ** 2)))
            rows.add(PRE_POST, ORGANISATION, cycle, _rounded(diff, z * spread), float(sum(org_n)))


def _outcome_figure(
    value: float, k: float, clients: float, key: int, measure: str, percent: bool, threshold: int
) -> tuple[float, float, float, float]:
    """An outcome as published: a percentage with known clients as a perturbed share (whole
    percent, Jeffreys interval), anything else with one decimal; the clients a perturbed count."""
    rounded = publish(value, SHARE_DECIMALS if percent else None)
    plain = math.nan if rounded is None else rounded
    if math.isnan(clients):
        return plain, math.nan, math.nan, math.nan
    count = float(perturbed_count(int(clients), key, "clients", threshold))
    if percent and clients > 0:
        figure: Perturbation = published_share(k, int(clients), key, measure)
        return figure.mean, figure.ci_low, figure.ci_high, count  # type: ignore[return-value]
    return plain, math.nan, math.nan, count


def _outcome_figures(
    value: np.ndarray,
    k: np.ndarray,
    clients: np.ndarray,
    keys: np.ndarray,
    measure: str,
    percent: bool,
    threshold: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_outcome_figure` for every team-cycle of an outcome at once (the same figures)."""
    plain = _python_round(value, SHARE_DECIMALS if percent else disclosure.DECIMALS)
    low = np.full(len(value), np.nan)
    high = np.full(len(value), np.nan)
    count = np.full(len(value), np.nan)
    known = ~np.isnan(clients)
    whole = np.trunc(clients[known])  # int(clients), as the single figure does
    count[known] = _perturbed_counts(whole, keys[known], "clients", threshold)
    if percent:
        share = known & (clients > 0)
        with np.errstate(invalid="ignore"):
            n = np.trunc(clients[share])
        mean, low[share], high[share] = _shares_as_published(k[share], n, keys[share], measure)
        plain[share] = mean
    return plain, low, high, count


def _outcomes(rows: _Rows, outcomes: Outcomes, catalog: OutcomeCatalog, frequency: str, notices):
    """Months rolled into cycles (sum or mean, as the outcome says), per team; the organisation
    from the shown teams; a Jeffreys interval for percentages when the clients are known."""
    frame = outcomes.frame.copy()
    frame["cycle"] = _cycles_of(frame["period"], frequency)
    longer = int(frame["cycle"].isna().sum())
    if longer:
        notices.append(
            f"{outcomes.name}: {longer} figure(s) cover a period longer than a "
            f"{FREQUENCIES[frequency]} and are not used"
        )
    frame = frame[frame["cycle"].notna()].copy()
    frame["key"] = record_keys(
        f"outcome|{t}|{p}|{o}"
        for t, p, o in zip(frame["team_id"].tolist(), _texts(frame["period"]),
                           frame["outcome"].tolist(), strict=True)
    )  # fmt: skip
    order = {
        c: i
        for i, c in enumerate(
            sorted(frame["cycle"].unique(), key=lambda c: pd.Period(c, frequency))
        )
    }
    for outcome_id, of_outcome in frame.groupby("outcome", sort=False):
        outcome = catalog.outcome(outcome_id)
        measure = Measure(
            f"outcome:{outcome_id}", "results", outcome.name, outcome.unit, outcome.better
        )
        g = of_outcome.groupby(["cycle", "team_id"])
        agg = g.agg(
            total=("value", "sum"), mean=("value", "mean"), clients=("clients", "sum"),
            known=("clients", "count"), months=("value", "size"),
        ).reset_index()  # fmt: skip
        agg["key"] = group_keys(of_outcome, g)
        agg = agg.sort_values(
            ["cycle", "team_id"], key=lambda c: c.map(order) if c.name == "cycle" else c
        )
        agg["value"] = agg["total"] if outcome.combine == "sum" else agg["mean"]
        agg["clients"] = agg["clients"].where(agg["known"] == agg["months"])
        percent = "%" in outcome.unit
        k = np.rint(agg["value"] / 100 * agg["clients"])
        value, low, high, count = _outcome_figures(
            agg["value"].to_numpy(float), k.to_numpy(float), agg["clients"].to_numpy(float),
            agg["key"].to_numpy(np.uint64), measure.key, percent, rows.threshold,
        )  # fmt: skip
        shown = rows.add_many(
            measure, agg["team_id"], agg["cycle"], value, low, high, agg["clients"], None, count
        )
        kept = agg[shown].assign(k=k[shown], weighted=agg["value"][shown] * agg["clients"][shown])
        for cycle, group in kept.groupby("cycle", sort=False):
            clients = float(group["clients"].sum(min_count=len(group)))
            if outcome.combine == "sum":
                value = float(group["value"].sum())
            elif not math.isnan(clients) and clients > 0:
                value = float(group["weighted"].sum() / clients)
            else:
                value = float(group["value"].mean())
            figure = _outcome_figure(
                value, float(group["k"].sum()), clients, _org_key(group["key"]), measure.key,
                percent, rows.threshold,
            )  # fmt: skip
            rows.add(measure, ORGANISATION, str(cycle), figure[:3], clients, count=figure[3])


def evaluate(
    reflections: Iterable[Reflection] | pd.DataFrame,
    *,
    followups: FollowUps | None = None,
    observations: Observations | None = None,
    outcomes: Outcomes | None = None,
    assessments: Mapping[str, AssessmentResults] | None = None,
    teams: Mapping[str, Team] | None = None,
    threshold: int = 5,
    frequency: str = "Q",
    framework: Framework | None = None,
    catalog: OutcomeCatalog | None = None,
) -> Evaluation:
    """The four levels per team and for the organisation, per cycle (a ``frequency`` period).

    ``reflections``: the store's columns (:meth:`ReflectionStore.load_columns`, what the
    pipeline passes) or reflection objects."""
    threshold = check_threshold(threshold)
    if frequency not in FREQUENCIES:
        raise ValueError(
            f"cycles are months, quarters or years ({list(FREQUENCIES)}), got {frequency!r}"
        )
    framework = framework or default_framework()
    catalog = catalog or default_outcomes()
    notices: list[str] = []
    rows = _Rows(threshold)
    people = _reflection_frame(reflections, frequency, notices)
    cells = _person_cells(people)
    staff = {t: float(team.staff_count) for t, team in (teams or {}).items()}

    cycles: set[str] = set(people["cycle"].unique())
    if followups is not None:
        cycles |= set(_dates_to_cycles(followups.frame["date"], frequency).unique())
    if observations is not None:
        cycles |= set(_cycles_of(observations.frame["period"], frequency).dropna())
    if outcomes is not None:
        cycles |= set(_cycles_of(outcomes.frame["period"], frequency).dropna())
    if assessments:
        cycles |= set(assessments)
    ordered = sorted(cycles, key=lambda c: pd.Period(c, frequency))

    for measure in (*REACTION, THEN_TEST):
        _per_person(rows, people, cells, measure, staff, ordered)
    if assessments:
        _assessment_changes(rows, assessments, frequency)

    links: dict[str, LinkReport] = {}
    link_keys: dict[str, int] = {}
    people_of = _by_cycle(people)
    reflection_cycles = sorted(people_of, key=lambda c: pd.Period(c, frequency))
    for earlier, later in zip(reflection_cycles, reflection_cycles[1:], strict=False):
        links[f"{earlier} → {later}"] = link_codes(people_of[earlier], people_of[later])
        link_keys[f"{earlier} → {later}"] = cell_key(people_of[later]["key"])

    followup_links: dict[str, LinkReport] = {}
    if followups is not None:
        checkins = followups.frame.copy()
        checkins["cycle"] = _dates_to_cycles(checkins["date"], frequency)
        checkins["k"] = checkins["applied"].isin(["yes", "partly"]).astype(int)
        checkins["key"] = record_keys(checkins["id"].tolist())
        counts = _counts_of(checkins, "k")
        _shares(rows, counts, ACTED_ON, ordered, _reflection_counts(cells, threshold))
        checkins_of = _by_cycle(checkins)
        for cycle in sorted(checkins_of):
            followup_links[cycle] = link_codes(
                people_of.get(cycle, people.iloc[:0]), checkins_of[cycle]
            )
            link_keys[cycle] = cell_key(checkins_of[cycle]["key"])

    if observations is not None:
        seen = observations.frame.copy()
        seen["cycle"] = _cycles_of(seen["period"], frequency)
        seen = seen[seen["cycle"].notna()]
        seen["n"] = seen["observed"] + seen["not_observed"]
        seen["key"] = record_keys(
            f"observation|{t}|{p}|{b}"
            for t, p, b in zip(seen["team_id"].tolist(), _texts(seen["period"]),
                               seen["behaviour"].tolist(), strict=True)
        )  # fmt: skip
        counts = _counts_of(seen, "observed", "n")
        _shares(rows, counts, OBSERVED, ordered)

    if outcomes is not None:
        _outcomes(rows, outcomes, catalog, frequency, notices)
        notices.extend(outcomes.notices)

    figures = rows.frame()
    training = (
        people.groupby(["team_id", "session_id"], as_index=False)
        .agg(date=("date", "min"), cycle=("cycle", "first"))
        .drop(columns="session_id")
    )
    names = {t: team.name for t, team in (teams or {}).items()}
    return Evaluation(
        figures=figures,
        threshold=threshold,
        frequency=frequency,
        cycles=ordered,
        team_names=names,
        training=training,
        links=links,
        followup_links=followup_links,
        notices=notices,
        link_keys=link_keys,
    )


def training_dates(evaluation: Evaluation, team_id: str) -> list[date]:
    dates = evaluation.training[evaluation.training["team_id"] == team_id]["date"]
    return sorted({d.date() for d in dates})
