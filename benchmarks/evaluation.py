"""The evaluation at scale (issue 17): 2,000 teams × 3 cycles × 50,000 participants.

Synthetic data, made with numpy in the measuring process: 50,000 participants in 2,000 teams,
each reflecting once per cycle on 4 competencies (150,000 reflections, as the columns the
store's ``load_columns`` gives: computed by the database, no object per reflection), 60%
sending a follow-up check-in,
and 3 monthly outcome rows per team and cycle with 3 outcomes.

* **evaluate** — ``toolkit.evaluate.levels.evaluate(reflections, followups=…, outcomes=…)``:
  every figure of every team and of the organisation, with intervals, suppression and the
  linking of cycles (participants give no code here, so linking is cheap; ``make bench``'s
  linking rows measure it);
* **floor** — the same aggregation written directly in pandas/numpy on ready DataFrames:
  group sizes, means and standard deviations per team and cycle (t-intervals vectorised),
  follow-up shares (Jeffreys intervals vectorised), outcome sums and means, the organisation
  pooled from shown teams; no conversion from reflection objects, no row-by-row table;
* **reflections → frame** — evaluate's first step alone (the store's columns into the frame of
  counted people, with their record keys and cycles), to show where the time goes;
* **keyed hashing** — the keyed hashes evaluate computes and the floor does not (a record key
  per reflection, check-in and outcome row; a hash pair per published cell and measure for its
  perturbation), recorded from one evaluate call and replayed alone: the privacy work no
  faster aggregation removes. "without it" is evaluate's CPU minus this, over the floor's.

The three calls run in turns over ``RUNS`` rounds (``measure.interleaved``), so a change in the
shared machine's load hits them alike. The ratio to the floor is the median of the per-round
ratios of CPU time (``time.process_time``: this process's own work, which other processes on a
loaded machine do not inflate), with its range over the rounds; wall clock beside it. Peak RSS
increase of one first (cold) call each (``measure_call``). Target: ≤ 2× the floor (CPU).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import (  # noqa: E402
    interleaved,
    measure_call,
    median,
    megabytes,
    paired_ratio,
    run_worker,
    seconds,
    table,
)

TEAMS = 2000
PARTICIPANTS = 50_000
CYCLES = (datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 5, 3, tzinfo=UTC),
          datetime(2027, 8, 2, tzinfo=UTC))  # fmt: skip
COMPETENCIES = ("communication.active_listening", "communication.plain_language",
                "self_awareness.bias", "ethics_privacy.safeguarding")  # fmt: skip
RUNS = 5  # interleaved rounds after the cold call
SEED = 1717
TARGET_RATIO = 2.0


def make_data():
    from toolkit.evaluate.followups import FollowUps
    from toolkit.evaluate.outcomes import Outcomes
    from toolkit.reflect.store import REFLECTION_COLUMNS

    rng = np.random.default_rng(SEED)
    team = rng.integers(0, TEAMS, PARTICIPANTS)
    team_ids = np.array([f"team{t:04d}" for t in range(TEAMS)], dtype=object)
    columns: dict[str, list] = {name: [] for name in REFLECTION_COLUMNS}
    follow = {"id": [], "team_id": [], "date": [], "code": [], "applied": []}
    for c, day in enumerate(CYCLES):
        before = rng.integers(1, 4, (PARTICIPANTS, 4))
        gain = rng.integers(0, 3, (PARTICIPANTS, 4))
        useful = rng.integers(1, 6, PARTICIPANTS)
        relevant = rng.integers(1, 6, PARTICIPANTS)
        sends = rng.random(PARTICIPANTS) < 0.6
        acted = rng.choice(["yes", "partly", "no"], PARTICIPANTS)
        now = np.minimum(before + gain, 5)
        columns["submission_id"] += [f"{c}-{i}" for i in range(PARTICIPANTS)]
        columns["team_id"] += list(team_ids[team])
        columns["session_id"] += [f"{t}-{c}" for t in team_ids[team]]
        columns["self_code"] += [None] * PARTICIPANTS
        columns["submitted_at"] += [day] * PARTICIPANTS
        columns["usefulness"].append(useful)
        columns["relevance"].append(relevant)
        columns["over_cap"].append(np.zeros(PARTICIPANTS, dtype=bool))
        columns["then_test_change"].append((now - before).mean(axis=1))
        follow["id"] += [f"f{c}-{i}" for i in np.flatnonzero(sends)]
        follow["team_id"] += list(team_ids[team[sends]])
        follow["date"] += [pd.Timestamp(day.date()) + pd.Timedelta(days=42)] * int(sends.sum())
        follow["code"] += [None] * int(sends.sum())
        follow["applied"] += list(acted[sends])
    reflections = pd.DataFrame(
        {
            name: np.concatenate(values) if isinstance(values[0], np.ndarray) else values
            for name, values in columns.items()
        }
    )  # as ReflectionStore.load_columns gives them
    followups = FollowUps(pd.DataFrame(follow), "followups.csv")
    rows = []
    for day in CYCLES:
        first = pd.Timestamp(day.date()).to_period("Q").asfreq("M", "s")
        for m in range(3):
            for t in team_ids:
                clients = float(rng.integers(50, 400))
                rows += [
                    (t, first + m, "complaints", float(rng.poisson(3)), clients),
                    (t, first + m, "wait_time", float(rng.normal(30, 5)), clients),
                    (t, first + m, "client_satisfaction", float(rng.normal(75, 5)), clients),
                ]
    outcomes = Outcomes(
        pd.DataFrame(rows, columns=["team_id", "period", "outcome", "value", "clients"]),
        "outcomes.csv",
    )
    return reflections, followups, outcomes


def floor(people: pd.DataFrame, followups: pd.DataFrame, outcomes: pd.DataFrame, threshold=5):
    """The same figures, straight pandas/numpy on ready frames."""
    from scipy import stats

    out = []
    keys = ["cycle", "team_id"]
    for measure in ("usefulness", "relevance", "then_test_change"):
        g = people.groupby(keys)[measure].agg(["size", "mean", "std"])
        half = stats.t.ppf(0.975, g["size"] - 1) * g["std"] / np.sqrt(g["size"])
        shown = g["size"] >= threshold
        out.append((g["mean"].where(shown), (g["mean"] - half).where(shown)))
        pooled = people.join(shown.rename("shown"), on=keys)
        pooled = pooled[pooled["shown"]].groupby("cycle")[measure].agg(["size", "mean", "std"])
        out.append(pooled)
    f = followups.assign(k=followups["applied"].isin(["yes", "partly"]))
    g = f.groupby(keys)["k"].agg(["sum", "size"])
    low = stats.beta.ppf(0.025, g["sum"] + 0.5, g["size"] - g["sum"] + 0.5)
    high = stats.beta.ppf(0.975, g["sum"] + 0.5, g["size"] - g["sum"] + 0.5)
    out.append((g["sum"] / g["size"], low, high))
    o = outcomes.groupby(["outcome", "cycle", "team_id"]).agg(
        value_sum=("value", "sum"), value_mean=("value", "mean"), clients=("clients", "sum")
    )
    out.append(o.groupby(["outcome", "cycle"]).sum())
    return out


def hashing_work(run: Callable[[], object]) -> tuple[Callable[[], None], int, int]:
    """The keyed hashes one ``run`` computes (record keys, cell perturbations), recorded, and a
    call that computes exactly those again; with the numbers of records and of cell hashes."""
    from toolkit.core import disclosure
    from toolkit.evaluate import levels

    ids: list[list] = []
    cells: list[tuple[list, str]] = []
    record_keys, uniforms = levels.record_keys, disclosure._uniforms

    def keep_ids(values):
        ids.append(list(values))
        return record_keys(ids[-1])

    def keep_cells(keys, measure):
        cells.append((list(keys), measure))
        return uniforms(cells[-1][0], measure)

    levels.record_keys, disclosure._uniforms = keep_ids, keep_cells
    try:
        run()
    finally:
        levels.record_keys, disclosure._uniforms = record_keys, uniforms

    def replay() -> None:
        for values in ids:
            record_keys(values)
        for keys, measure in cells:
            uniforms(keys, measure)

    return replay, sum(map(len, ids)), sum(len(keys) for keys, _ in cells)


STORE_ROUNDS = 3  # reading the store both ways, in turns


def store_reads(folder: Path) -> dict:
    """A real SQLite store of 150,000 reflections (the same sizes; written in one bulk insert,
    the append-only triggers in place), read the two ways the evaluation can: every reflection
    as a validated object (``load``), and the columns the database computes (``load_columns``)."""
    import sqlalchemy as sa

    from toolkit.reflect.store import SCHEMA_VERSION, reflections, upgrade_schema

    rng = np.random.default_rng(SEED)
    store = upgrade_schema(f"sqlite:///{folder}/reflections.sqlite")
    rows = []
    for c, day in enumerate(CYCLES):
        before = rng.integers(1, 4, (PARTICIPANTS, 4))
        now = np.minimum(before + rng.integers(0, 3, (PARTICIPANTS, 4)), 5)
        team = rng.integers(0, TEAMS, PARTICIPANTS)
        rows += [
            {
                "submission_id": f"{c}-{i}", "schema_version": SCHEMA_VERSION,
                "session_id": f"team{team[i]:04d}-{c}", "team_id": f"team{team[i]:04d}",
                "language": "en", "self_code": None,
                "ratings": {comp: {"before": int(before[i, j]), "now": int(now[i, j])}
                            for j, comp in enumerate(COMPETENCIES)},
                "prompts": {}, "commitment": "x", "commitment_date": None, "relevance": 4,
                "usefulness": 4, "submitted_at": day, "over_cap": False,
            }
            for i in range(PARTICIPANTS)
        ]  # fmt: skip
    with store.engine.begin() as connection:
        connection.execute(sa.insert(reflections), rows)
    del rows
    calls = {"objects": store.load, "columns": store.load_columns}
    measure_call(store.load_columns, 1)  # warm: the file in the page cache, both ways
    return interleaved(calls, STORE_ROUNDS)


def worker() -> dict:
    from toolkit.evaluate.levels import _reflection_frame, evaluate

    reflections, followups, outcomes = make_data()
    people = _reflection_frame(reflections, "Q", [])
    fol = followups.frame.assign(cycle=[str(d.to_period("Q")) for d in followups.frame["date"]])
    out = outcomes.frame.assign(cycle=[str(p.asfreq("Q")) for p in outcomes.frame["period"]])
    hashing, records, cell_hashes = hashing_work(
        lambda: evaluate(reflections, followups=followups, outcomes=outcomes)
    )
    calls = {
        "evaluate": lambda: evaluate(reflections, followups=followups, outcomes=outcomes),
        "floor": lambda: floor(people, fol, out),
        "conversion": lambda: _reflection_frame(reflections, "Q", []),
        "hashing": hashing,
    }
    cold = {name: measure_call(call, 1) for name, call in calls.items()}  # peak RSS, warm-up
    figures = interleaved(calls, RUNS)  # turns, so the machine's load hits all three alike
    with tempfile.TemporaryDirectory(prefix="cct-bench-store-") as folder:
        reads = store_reads(Path(folder))
    return {
        **figures,
        "store_objects": reads["objects"],
        "store_columns": reads["columns"],
        "evaluate_rss": cold["evaluate"][0]["rss_increase"],
        "floor_rss": cold["floor"][0]["rss_increase"],
        "figures": len(cold["evaluate"][1].figures),
        "records": records,
        "cell_hashes": cell_hashes,
    }


def rows() -> tuple[str, list[str]]:
    figures = run_worker("evaluation", "--worker", timeout=1800)
    ratio = paired_ratio(figures, "evaluate", "floor", "cpu")
    wall = paired_ratio(figures, "evaluate", "floor", "wall")
    conv = paired_ratio(figures, "conversion", "floor", "cpu")
    hashed = paired_ratio(figures, "hashing", "floor", "cpu")
    figures["rest"] = {
        "cpu": [a - b for a, b in zip(figures["evaluate"]["cpu"], figures["hashing"]["cpu"],
                                      strict=True)],
    }  # fmt: skip
    rest = paired_ratio(figures, "rest", "floor", "cpu")

    def spread(r: dict) -> str:
        return f"{r['median']:.1f}× ({r['low']:.1f}–{r['high']:.1f})"

    cpu = {k: median(figures[k]["cpu"]) for k in ("evaluate", "floor", "conversion", "hashing")}
    walls = {k: median(figures[k]["wall"]) for k in ("evaluate", "floor", "conversion", "hashing")}
    share = median([h / e for h, e in zip(figures["hashing"]["cpu"], figures["evaluate"]["cpu"],
                                          strict=True)])  # fmt: skip
    body = [
        ["evaluate (four levels, all teams)", seconds(cpu["evaluate"]), seconds(walls["evaluate"]),
         spread(ratio), spread(wall), megabytes(figures["evaluate_rss"]),
         f"{figures['figures']:,} figures"],
        ["  of which reflections → frame", seconds(cpu["conversion"]),
         seconds(walls["conversion"]), spread(conv), "", "", ""],
        ["  of which keyed hashing", seconds(cpu["hashing"]), seconds(walls["hashing"]),
         spread(hashed), "", "", f"{figures['records']:,} records, "
         f"{figures['cell_hashes']:,} cell hashes; {share:.0%} of evaluate"],
        ["  evaluate without the keyed hashing", seconds(median(figures["rest"]["cpu"])), "",
         spread(rest), "", "", ""],
        ["floor: same aggregation in pandas", seconds(cpu["floor"]), seconds(walls["floor"]),
         "1.0×", "1.0×", megabytes(figures["floor_rss"]), ""],
        ["store → reflections, as columns", seconds(median(figures["store_columns"]["cpu"])),
         seconds(median(figures["store_columns"]["wall"])), "", "", "",
         f"SQLite, {len(CYCLES) * PARTICIPANTS:,} reflections (load_columns; cct evaluate)"],
        ["store → reflections, as objects", seconds(median(figures["store_objects"]["cpu"])),
         seconds(median(figures["store_objects"]["wall"])), "", "", "",
         "the same rows validated one by one (load)"],
    ]  # fmt: skip
    text = "\n".join(
        [
            f"Evaluation at scale ({TEAMS:,} teams × {len(CYCLES)} cycles × "
            f"{PARTICIPANTS:,} participants; {RUNS} interleaved rounds, medians, "
            "ratios per round: median (range))",
            table(
                ["what", "CPU", "wall", "× floor CPU", "× floor wall", "peak RSS +", "note"],
                body,
                left=(0, 6),
            ),
        ]
    )
    summary = [
        f"evaluation: {cpu['evaluate']:.1f} s CPU for {TEAMS:,} teams × {len(CYCLES)} cycles × "
        f"{PARTICIPANTS:,} participants, {ratio['median']:.1f}× the pandas floor in CPU time "
        f"({ratio['low']:.1f}–{ratio['high']:.1f} over {RUNS} rounds; wall clock "
        f"{wall['median']:.1f}×; target ≤ {TARGET_RATIO:.0f}×); the keyed hashing the floor "
        f"does not do is {share:.0%} of it, and without it evaluate is {rest['median']:.1f}× the "
        "floor"
    ]
    return text, summary


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    else:
        text, summary = rows()
        print(text)
        print("\n".join(summary))
