"""Needs-assessment benchmarks at scale: assess(), read_responses() on a wide CSV and
``pandas.read_csv`` of the same file (the parser underneath, for the ratio), to_results().

Each figure is measured in its own fresh process (``python -m benchmarks.assessment WHAT DIR``,
which prints one JSON line), so that one measurement's memory never shows in another's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from benchmarks import data
from benchmarks.measure import interleaved, measure_call

RUNS = 3
PAIRED_RUNS = 5  # rounds of the two calls in turns, for the ratios
THRESHOLD = 5


def _worker(what: str, directory: Path) -> dict:
    from toolkit.assess.assessment import assess
    from toolkit.assess.results import to_results
    from toolkit.intake.responses import read_responses

    teams = data.make_teams()
    if what == "assess":
        responses = data.load(directory / "responses.npz")
        out, result = measure_call(
            lambda: assess(responses, teams, threshold=THRESHOLD), RUNS, traced=True
        )
        out["shown_teams"] = len(result.shown_teams)
        out["withheld_teams"] = len(result.withheld_teams)
        out["cells"] = len(result.cells)
        out["input_bytes"] = int(responses.values.nbytes)
    elif what == "read":
        csv = directory / "responses.csv"
        known = set(teams)
        out, read = measure_call(lambda: read_responses(csv, known_teams=known), RUNS)
        # The CSV must give back exactly the matrix it was written from.
        expected = data.load(directory / "responses.npz")
        out["same_as_written"] = bool(
            np.array_equal(read.values, expected.values, equal_nan=True)
            and (read.team_ids == expected.team_ids).all()
        )
        out["file_bytes"] = csv.stat().st_size
        # then side by side with the parser, in turns, so both meet the same load
        import pandas as pd

        out["paired"] = interleaved(
            {
                "read_csv": lambda: pd.read_csv(csv),
                "read_responses": lambda: read_responses(csv, known_teams=known),
            },
            PAIRED_RUNS,
        )
    elif what == "read_csv":  # the parser underneath, for the ratio
        import pandas as pd

        csv = directory / "responses.csv"
        out, frame = measure_call(lambda: pd.read_csv(csv), RUNS)
        out["rows"] = len(frame)
    elif what == "results":
        responses = data.load(directory / "responses.npz")
        result = assess(responses, teams, threshold=THRESHOLD)
        sources = {"responses": "responses.csv", "teams": "teams.csv"}
        out, results = measure_call(lambda: to_results(result, sources), RUNS)
        out["teams"] = len(results.teams)
        del results
        # side by side with the assessment it documents, in turns
        out["paired"] = interleaved(
            {
                "assess": lambda: assess(responses, teams, threshold=THRESHOLD),
                "to_results": lambda: to_results(result, sources),
            },
            PAIRED_RUNS,
        )
    else:
        raise SystemExit(f"unknown benchmark {what!r}")
    return out


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1], Path(sys.argv[2]))))
