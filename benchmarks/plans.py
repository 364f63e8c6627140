"""Session plans for 100 teams: the batch against the naive way and against the floor.

* **naive** — what a programme lead would script: per team, a shell loop of the stock
  ``papermill`` CLI then ``jupyter nbconvert --to html``. Measured on ``NAIVE_SAMPLE`` teams
  (it costs seconds a team) and scaled to 100; each team is a fresh pair of processes, so the
  per-team cost does not depend on how many run.
* **floor** — the same plan, chart, handout, guide and plan.json made by calling ``toolkit``
  directly in one process with no kernel and no nbconvert.
* **cct plans** — the batch: executed notebook + HTML handout + guide per team, every core,
  one warm kernel per worker (``toolkit.plan.warm_engine``).
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.measure import ROOT

N_TEAMS = 100
NAIVE_SAMPLE = 4

FLOOR = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from toolkit.plan.batch import read_jobs
from toolkit.plan.report import write_plan_files
from toolkit.plan.session_plan import make_plan
for job in read_jobs(sys.argv[1], sys.argv[2], sys.argv[3]):
    p = job.parameters
    plan = make_plan(p["results_file"], p["team_id"], p["minutes"], p["session_format"],
                     p["group_size"], p["start"], p["language"], p["base_url"])
    write_plan_files(plan, p["output_dir"])  # handout and guide, each with its PDF
"""


def organisation(tmp: Path, n_sessions: int = N_TEAMS) -> tuple[Path, Path]:
    """A 100-team organisation (the sample's teams repeated), assessed; and its sessions file:
    one session per team, or ``n_sessions`` of them, the teams taken in turn on later dates."""
    import datetime as dt

    from toolkit.assess.needs_assessment import run
    from toolkit.assess.sample import TEAM_COLUMNS, team_rows
    from toolkit.core.framework import default_framework

    framework = default_framework()
    rng = np.random.default_rng(100)
    base = team_rows()
    teams, answers = [], []
    for k in range(N_TEAMS):
        row = dict(base[k % len(base)])
        row["team_id"] = f"{row['team_id']}_{k:03d}"
        row["team_name"] = f"{row['team_name']} #{k}"
        teams.append(row)
        for r in range(int(rng.integers(5, 15))):
            answers.append(
                [
                    f"{row['team_id']}-{r}",
                    row["team_id"],
                    *rng.integers(1, 6, len(framework.item_ids)),
                ]
            )
    teams_csv, responses_csv = tmp / "teams.csv", tmp / "responses.csv"
    with teams_csv.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, TEAM_COLUMNS)
        writer.writeheader()
        writer.writerows(teams)
    with responses_csv.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["respondent_id", "team_id", *framework.item_ids])
        writer.writerows(answers)
    results = run(responses_csv, teams_csv, out_dir=tmp / "assessment").results_path
    sessions = tmp / "sessions.csv"
    with sessions.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["team_id", "minutes", "format", "group_size", "start", "language"])
        first_day = dt.date(2027, 3, 1)
        for k in range(max(n_sessions, N_TEAMS)):
            row = teams[k % N_TEAMS]
            fmt = ("in_person", "online", "in_person", "self_paced")[k % 4]
            minutes = {"in_person": 180, "online": 120, "self_paced": 45}[fmt]
            day = first_day + dt.timedelta(days=k % 28 + 28 * (k // N_TEAMS))
            writer.writerow([row["team_id"], minutes, fmt, 12, f"{day} 09:30", "en"])
    return results, sessions


def _wall(command: list[str] | str, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )
    return time.perf_counter() - started


def measure(tmp: Path) -> dict:
    results, sessions = organisation(tmp)
    bin_dir = Path(sys.executable).parent
    ours = _wall(
        [
            sys.executable,
            "-m",
            "toolkit.cli",
            "plans",
            str(sessions),
            "-r",
            str(results),
            "-o",
            str(tmp / "ours"),
            "--force",
        ]
    )
    floor = _wall([sys.executable, "-c", FLOOR, str(sessions), str(results), str(tmp / "floor")])
    from toolkit.plan.batch import read_jobs

    jobs = read_jobs(sessions, results, tmp / "naive")[:NAIVE_SAMPLE]
    script = []
    for job in jobs:
        p = job.parameters
        out = Path(job.out_dir)
        args = " ".join(f"-p {k} '{v}'" for k, v in p.items())
        script.append(
            f"mkdir -p {out} && {bin_dir}/papermill --no-progress-bar notebooks/session_plan.ipynb "
            f"{out}/session_plan.ipynb {args} && {bin_dir}/jupyter nbconvert --to html "
            f"--no-input {out}/session_plan.ipynb"
        )
    naive = _wall(" && ".join(script), shell=True) / NAIVE_SAMPLE * N_TEAMS
    return {"ours": ours, "floor": floor, "naive": naive}


def rows(tmp: Path) -> tuple[str, list[str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    f = measure(tmp)
    per = {k: v / N_TEAMS for k, v in f.items()}
    text = "\n".join(
        [
            f"Session plans: {N_TEAMS} teams, executed notebook + HTML handout each (and guide, "
            "plan.json)",
            f"  naive (papermill + nbconvert per team, {NAIVE_SAMPLE} measured, scaled): "
            f"{f['naive']:.1f} s  ({per['naive']:.2f} s a team)",
            f"  cct plans (warm kernels, every core):              {f['ours']:.1f} s  "
            f"({per['ours']:.2f} s a team)",
            f"  floor (toolkit in one process, no kernel):          {f['floor']:.1f} s  "
            f"({per['floor']:.2f} s a team)",
            f"  naive / cct plans = {f['naive'] / f['ours']:.1f}x faster (target ≥ 10x); "
            f"cct plans / floor = {f['ours'] / f['floor']:.2f}x (target ≤ 2.5x)",
        ]
    )
    summary = [
        f"plans {N_TEAMS} teams: cct plans {f['ours']:.1f} s, naive {f['naive']:.0f} s "
        f"({f['naive'] / f['ours']:.1f}x), floor {f['floor']:.1f} s "
        f"(ours/floor {f['ours'] / f['floor']:.2f}x)"
    ]
    return text, summary


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        text, _ = rows(Path(tmp))
        print(text)
