"""The transparency report at scale (issue 18): 2,000 teams × 20 departments × 3 cycles.

A synthetic organisation (``toolkit.publish.synthetic``: departments of very different sizes,
each leaning on two or three of 8 roles, so small groups occur) with about 50,000 trainings.
Measured in one fresh process, side by side:

* **protect** — build the tables from one row per person, primary and secondary suppression
  with every audit it takes, and the final full audit (HiGHS, every withheld cell's minimum
  and maximum) — what ``cct report`` does before it writes;
* **whole rows** — the simple alternative: withhold every department with a small group whole
  (and a second one where one alone could be subtracted), then audit it;
* **floor** — building the tables alone (numpy group sums), for scale.

Information loss of both patterns, on this organisation and on the bundled three-cycle sample:
the share of inner cells withheld and of the people they hold. Peak RSS increase of the first
call (``measure_call``) and the tracemalloc peak of one more. Target from the issue: suppression and audit in a minute or less.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import measure_call, median, megabytes, run_worker, seconds, table  # noqa: E402

TEAMS, DEPARTMENTS, ROLES, CYCLES = 2000, 20, 8, 3
TARGET_SECONDS = 60.0


def _sample_losses() -> dict:
    """The bundled sample's three cycles: loss of our pattern and of whole rows."""
    from toolkit.core.teams import read_teams
    from toolkit.evaluate.sample import DEPARTMENTS, TEAMS_FILE, sample_cycles
    from toolkit.publish.contents import people_frame
    from toolkit.publish.grids import build_grids
    from toolkit.publish.suppression import information_loss, protect, withhold_whole_rows

    teams = read_teams(TEAMS_FILE)
    reflections = sample_cycles()[0]
    people, _ = people_frame(reflections, teams, DEPARTMENTS)
    departments = list(dict.fromkeys(DEPARTMENTS[t] for t in teams))
    roles = list(dict.fromkeys(x.role for x in teams.values()))
    cycles = sorted(people["cycle"].unique())
    ours = build_grids(people, departments, roles, cycles)
    protect(ours, 10)
    rows = build_grids(people, departments, roles, cycles)
    passed = withhold_whole_rows(rows, 10).passed
    return {
        "ours": information_loss(ours).__dict__,
        "rows": information_loss(rows).__dict__,
        "rows_passed": passed,
    }


def worker() -> dict:
    from toolkit.publish.grids import build_grids
    from toolkit.publish.suppression import information_loss, protect, withhold_whole_rows
    from toolkit.publish.synthetic import synthetic_people

    people, departments, roles, cycles = synthetic_people(TEAMS, DEPARTMENTS, ROLES, CYCLES)

    def ours():
        grids = build_grids(people, departments, roles, cycles)
        return grids, protect(grids, 10)

    def whole_rows():
        grids = build_grids(people, departments, roles, cycles)
        return grids, withhold_whole_rows(grids, 10)

    protected, (grids, result) = measure_call(ours, 1, traced=True)
    rowwise, (row_grids, row_result) = measure_call(whole_rows, 1)
    floor, _ = measure_call(lambda: build_grids(people, departments, roles, cycles), 3)
    return {
        "people": len(people),
        "protect": protected["times"],
        "protect_rss": protected["rss_increase"],
        "protect_traced": protected.get("traced_peak", 0),
        "rows": rowwise["times"],
        "floor": floor["times"],
        "withheld": len(result.cells),
        "passed": result.passed,
        "rows_passed": row_result.passed,
        "loss": information_loss(grids).__dict__,
        "rows_loss": information_loss(row_grids).__dict__,
        "sample": _sample_losses(),
    }


def _share(loss: dict) -> str:
    cells = loss["cells_withheld"] / loss["cells"] if loss["cells"] else 0
    people = loss["people_withheld"] / loss["people"] if loss["people"] else 0
    return f"{cells:.0%} of cells, {people:.0%} of people"


def rows() -> tuple[str, list[str]]:
    f = run_worker("transparency", "--worker", timeout=1200)
    ours, whole, base = (median(f[k]) for k in ("protect", "rows", "floor"))
    body = [
        ["protect: suppression + audits", seconds(ours), f"{ours / base:.0f}×",
         megabytes(f["protect_rss"]), f"{f['withheld']} withheld, audit "
         + ("passed" if f["passed"] else "FAILED")],
        ["whole rows + audit", seconds(whole), f"{whole / base:.0f}×", "",
         "audit " + ("passed" if f["rows_passed"] else "FAILED")],
        ["floor: build the tables", seconds(base), "1×", "", ""],
    ]  # fmt: skip
    losses = [
        ["synthetic, ours", _share(f["loss"])],
        ["synthetic, whole rows", _share(f["rows_loss"])],
        ["sample (3 cycles), ours", _share(f["sample"]["ours"])],
        [
            "sample (3 cycles), whole rows",
            _share(f["sample"]["rows"])
            + ("" if f["sample"]["rows_passed"] else " (and its audit FAILS)"),
        ],
    ]
    text = "\n".join(
        [
            f"Transparency report ({TEAMS:,} teams × {DEPARTMENTS} departments × {ROLES} roles × "
            f"{CYCLES} cycles, {f['people']:,} trainings; threshold 10)",
            table(["what", "time", "× floor", "peak RSS +", "note"], body, left=(0, 4)),
            f"tracemalloc peak of one more protect call: {megabytes(f['protect_traced'])}",
            "Information loss (withheld inner cells of the staff table, and the people in them)",
            table(["pattern", "withheld"], losses, left=(0, 1)),
        ]
    )
    summary = [
        f"transparency: suppression + audit {ours:.1f} s for {TEAMS:,} teams × {DEPARTMENTS} "
        f"departments × {CYCLES} cycles (target ≤ {TARGET_SECONDS:.0f} s: "
        f"{'met' if ours <= TARGET_SECONDS else 'NOT met'}), peak RSS +"
        f"{megabytes(f['protect_rss'])}, tracemalloc peak {megabytes(f['protect_traced'])}; withheld {_share(f['loss'])} vs whole rows "
        f"{_share(f['rows_loss'])}"
    ]
    return text, summary


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    else:
        text, summary = rows()
        print(text)
        print("\n".join(summary))
