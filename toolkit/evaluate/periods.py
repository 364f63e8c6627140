"""Periods: the months or quarters that outcomes and observations are kept by, and cycles.

Organisations keep figures by month ("2026-03") or by quarter ("2026-Q1"); a cycle of the
programme is compared at one frequency (quarters by default), so months are rolled up into it.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["FREQUENCIES", "parse_period", "PERIOD_HELP", "to_cycle"]

FREQUENCIES = {"M": "month", "Q": "quarter", "Y": "year"}
PERIOD_HELP = "write a month as 2026-03, a quarter as 2026-Q1, or a year as 2026"
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*Q([1-4])$|^Q([1-4])\s*[-/ ]?\s*(\d{4})$", re.I)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> pd.Period | None:
    """The period a cell names, or None if it names none (a date counts as its month)."""
    text = str(text).strip()
    if m := _MONTH.match(text):
        month = int(m[2])
        return pd.Period(year=int(m[1]), month=month, freq="M") if 1 <= month <= 12 else None
    if m := _QUARTER.match(text):
        year, quarter = (m[1], m[2]) if m[1] else (m[4], m[3])
        return pd.Period(year=int(year), quarter=int(quarter), freq="Q")
    if m := _DATE.match(text):
        try:
            return pd.Timestamp(int(m[1]), int(m[2]), int(m[3])).to_period("M")
        except ValueError:
            return None
    if m := _YEAR.match(text):
        return pd.Period(year=int(m[1]), freq="Y")
    return None


def frequency_rank(period: pd.Period) -> int:
    return list(FREQUENCIES).index(period.freqstr[0])


def to_cycle(period: pd.Period, frequency: str = "Q") -> pd.Period | None:
    """The cycle a period falls in; None when the period is longer than a cycle."""
    if frequency_rank(period) > list(FREQUENCIES).index(frequency):
        return None
    return period.asfreq(frequency)
