"""Linking cycles by self-generated codes (issue 17): how many people are linked, and how many wrongly.

Simulated codes (``toolkit.evaluate.simulate.two_cycles``): 2,000 teams of 25 (50,000 people),
codes made by the reflection form's recipe from names with Zipf-like frequencies; between the
cycles a share of each team leaves and as many newcomers join (turnover), and 10% of the people
who stay make exactly one slip (a character changed, dropped, added, or two swapped).

* **correct** — links to the right person, as a share of the people in both cycles;
* **false** — links to the wrong person, as a share of the links made;
* **exact only** — what matching identical codes alone would have linked correctly;
* rows at 0%, 10% and 20% turnover within teams (the default), and one across the whole
  organisation (``team_column=None``) to show why codes are matched within teams.

The issue's target: ≥ 95% correct and ≤ 1% false. Anchor: McGloin et al. (1996), 75.2% correct
with 2.7% false matches.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import table  # noqa: E402

TEAMS = 2000
TEAM_SIZE = 25
SLIP_SHARE = 0.10
SEED = 17
TARGET_CORRECT = 0.95
TARGET_FALSE = 0.01


def rows() -> tuple[str, list[str]]:
    from toolkit.evaluate.linking import link_codes
    from toolkit.evaluate.simulate import accuracy, two_cycles

    body = []
    summary = []
    cases = [(0.0, "team_id"), (0.10, "team_id"), (0.20, "team_id"), (0.10, None)]
    for turnover, team_column in cases:
        first, second = two_cycles(
            TEAMS, TEAM_SIZE, slip_share=SLIP_SHARE, turnover=turnover, seed=SEED
        )
        start = time.perf_counter()
        report = link_codes(first, second, team_column=team_column)
        elapsed = time.perf_counter() - start
        result = accuracy(report.links, first, second)
        exact = accuracy([k for k in report.links if k.distance == 0], first, second)
        met = result.correct_share >= TARGET_CORRECT and result.false_share <= TARGET_FALSE
        where = "within teams" if team_column else "whole organisation"
        body.append(
            [
                f"{turnover:.0%} turnover, {where}",
                f"{result.correct_share:.1%}",
                f"{result.false_share:.2%}",
                f"{exact.correct_share:.1%}",
                f"{report.match_rate:.1%}",
                f"{elapsed:.2f} s",
                "met" if met else "NOT met",
            ]
        )
        if team_column and turnover == 0.10:
            summary.append(
                f"linking codes (10% slips, 10% turnover, 50,000 people): "
                f"{result.correct_share:.1%} correct, {result.false_share:.2%} false "
                f"(target ≥ {TARGET_CORRECT:.0%}, ≤ {TARGET_FALSE:.0%}); exact matching alone "
                f"{exact.correct_share:.1%}"
            )
    text = "\n".join(
        [
            f"Linking cycles by self-generated codes ({TEAMS} teams × {TEAM_SIZE}, "
            f"{SLIP_SHARE:.0%} of stayers make one slip)",
            table(
                ["case", "correct", "false", "exact only", "match rate", "time", "target"],
                body,
                left=(0,),
            ),
        ]
    )
    return text, summary


if __name__ == "__main__":
    text, summary = rows()
    print(text)
    print("\n".join(summary))
