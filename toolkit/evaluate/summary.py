"""The evaluation in plain words: what changed, how sure we are, and what it does not show.

Sentences describe changes over the same period as the training; they never say the training
caused them. Every evaluation summary ends with :data:`CAUTION`, which says why not.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from toolkit.evaluate.levels import LEVELS, LOW_RESPONSE, ORGANISATION, Evaluation

__all__ = ["CAUTION", "summarise", "format_value"]

CAUTION = (
    "These figures describe what changed over the same period as the training. They do not "
    "show that the training caused it: staff, clients, workload and policies change too, and "
    "the people who answered may differ from those who did not. To learn what the training "
    "itself does, compare with teams not yet trained, or train teams at different times and "
    "compare them."
)
Z = stats.norm.ppf(0.975)


def format_value(value: float, unit: str) -> str:
    if unit.startswith("%"):
        return f"{value:.0f}%"
    if unit.startswith(("rating", "points")):
        return f"{value:.1f}"  # published with one decimal (toolkit.core.disclosure)
    return f"{value:,.1f}".removesuffix(".0")


def _signed(value: float, unit: str) -> str:
    text = format_value(abs(value), unit)
    if unit.startswith("%"):
        text = text.removesuffix("%") + " percentage points"
    return ("+" if value >= 0 else "−") + text


def _certainty(first: pd.Series, last: pd.Series) -> tuple[str, bool | None]:
    """Words for how sure we are of the change, and whether its interval excludes zero."""
    if any(math.isnan(v) for v in (first.low, first.high, last.low, last.high)):
        return "these figures come without an interval, so we cannot say how sure this is", None
    spread = math.hypot((first.high - first.low) / (2 * Z), (last.high - last.low) / (2 * Z))
    change = last.value - first.value
    low, high = change - Z * spread, change + Z * spread
    interval = (
        f"95% interval of the change: {_signed(low, last.unit)} to {_signed(high, last.unit)}"
    )
    if low > 0 or high < 0:
        return f"a clear change ({interval})", True
    return f"no clear change: chance alone could give a difference this size ({interval})", False


def _measure_sentence(rows: pd.DataFrame, threshold: int) -> str | None:
    shown = rows[rows["shown"] & rows["value"].notna()]
    withheld = rows[~rows["shown"]]["cycle"].tolist()
    label = rows.iloc[0]["label"]
    unit = rows.iloc[0]["unit"]
    text = None
    if len(shown) >= 2:
        first, last = shown.iloc[0], shown.iloc[-1]
        change = last.value - first.value
        if format_value(first.value, unit) == format_value(last.value, unit):
            direction = "stayed about the same"
        else:
            better = (change > 0) == (last.better == "higher")
            direction = f"{'rose' if change > 0 else 'fell'} ({'better' if better else 'worse'})"
        certainty, _ = _certainty(first, last)
        text = (
            f"{label} {direction}, from {format_value(first.value, unit)} in {first.cycle} to "
            f"{format_value(last.value, unit)} in {last.cycle}: {certainty}."
        )
        if last.small or first.small:
            text += " Few people are behind at least one of these figures; read it with care."
    elif len(shown) == 1:
        only = shown.iloc[0]
        text = (
            f"{label}: {format_value(only.value, unit)} in {only.cycle}, the only cycle shown so "
            "far, so there is no change to report yet."
        )
    if withheld:
        note = f"withheld in {', '.join(withheld)} (about fewer than {threshold} people or clients)"
        text = f"{text} {note[0].upper()}{note[1:]}." if text else f"{label}: {note}."
    return text


def summarise(evaluation: Evaluation, team_id: str = ORGANISATION) -> list[str]:
    """Plain sentences for one team (or the organisation), level by level, then the caution."""
    figures = evaluation.of(team_id)
    who = (
        "the organisation"
        if team_id == ORGANISATION
        else evaluation.team_names.get(team_id, team_id)
    )
    lines: list[str] = []
    if figures.empty:
        return [f"There are no figures for {who} yet.", CAUTION]
    for level in LEVELS:
        of_level = figures[figures["level"] == level]
        for _, rows in of_level.groupby("measure", sort=False):
            sentence = _measure_sentence(rows, evaluation.threshold)
            if sentence:
                lines.append(sentence)
    low = figures[figures["response_rate"] < LOW_RESPONSE]
    for cycle, rows in low.groupby("cycle"):
        rate = rows["response_rate"].min()
        lines.append(
            f"Low response in {cycle}: for some figures only {rate:.0%} of those who could "
            f"answer did, so they may not speak for all of {who}."
        )
    # a withheld figure has no rate (it would give the count): said as "fewer than", when the
    # team is big enough that enough answers would have let its figures be shown
    threshold = evaluation.threshold
    unseen = figures[~figures["shown"].astype(bool) & (figures["base"] >= threshold)]
    for cycle, rows in unseen[~unseen["cycle"].isin(set(low["cycle"]))].groupby("cycle"):
        lines.append(
            f"Low response in {cycle}: fewer than {threshold} of the {rows['base'].min():,.0f} "
            f"who could answer did, too few to show figures about {who} for that cycle."
        )
    lines.append(CAUTION)
    return lines
