"""Three cycles of the sample organisation, for the evaluation's demo and tests (reproducible).

The story, so that a reader of the report can check it tells the truth:

* most teams improve a little each quarter: higher confidence gains, more commitments acted on,
  more behaviours observed, fewer miscommunication incidents and shorter waits;
* ``family_services`` does not: its figures stay where they were;
* ``intake_evening`` has low response: few of its staff reflect, so most of its figures are
  withheld or flagged as small.

People keep their self-generated code from cycle to cycle; one in ten makes one slip in a later
cycle, and one in five never gives a code. Names never appear anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.core.framework import default_framework
from toolkit.core.paths import SAMPLE_DIR
from toolkit.core.safe_export import write_csv
from toolkit.core.teams import read_teams
from toolkit.evaluate.simulate import slip, true_codes
from toolkit.reflect.store import Rating, Reflection, upgrade_schema

SEED = 20270417
CYCLES = ("2027-02-01", "2027-05-03", "2027-08-02")  # the sessions' weeks, one per quarter
NOT_IMPROVING = "family_services"
LOW_RESPONSE = "intake_evening"
TEAMS_FILE = SAMPLE_DIR / "teams.csv"
# the departments the teams belong to, as the organisation names them in its public report
DEPARTMENTS = {
    "intake_north": "Intake", "intake_south": "Intake", "intake_evening": "Intake",
    "housing_east": "Housing", "housing_west": "Housing",
    "health_nav_central": "Health", "health_nav_harbour": "Health",
    "clinic_residents": "Health", "med_students_y3": "Health",
    "family_services": "Social services", "refugee_casework": "Social services",
    "product_benefits_app": "Digital services", "product_data": "Digital services",
    "service_leads": "Leadership",
}  # fmt: skip


@dataclass
class SampleFiles:
    teams: Path
    followups: Path
    observations: Path
    outcomes: Path
    reflections: int


def _progress(team: str, cycle: int) -> float:
    """How far along the story a team is in a cycle: 0 at the start, 1 at the end."""
    return 0.0 if team == NOT_IMPROVING else cycle / (len(CYCLES) - 1)


def sample_cycles(
    seed: int = SEED,
) -> tuple[list[Reflection], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Reflections, follow-ups, observations and outcomes of three cycles (frames as files)."""
    rng = np.random.default_rng(seed)
    framework = default_framework()
    teams = read_teams(TEAMS_FILE)
    comps = [c.id for c in framework.competencies]
    reflections: list[Reflection] = []
    followups, observations, outcomes = [], [], []
    for team_id, team in teams.items():
        codes = true_codes(team.staff_count, rng)
        gives_code = rng.random(team.staff_count) > 0.2
        covered = list(rng.choice(comps, size=4, replace=False))
        for cycle, start in enumerate(CYCLES):
            p = _progress(team_id, cycle)
            session_day = datetime.fromisoformat(start).replace(tzinfo=UTC)
            rate = 0.3 if team_id == LOW_RESPONSE else rng.uniform(0.7, 0.95)
            present = np.flatnonzero(rng.random(team.staff_count) < rate)
            for person in present:
                code = None
                if gives_code[person]:
                    code = codes[person]
                    if cycle and rng.random() < 0.1:
                        code = slip(code, rng)
                before_level = 2.6 + 0.5 * p + rng.normal(0, 0.4)
                ratings = {}
                for cid in covered:
                    before = int(np.clip(np.rint(before_level + rng.normal(0, 0.5)), 1, 5))
                    gain = int(np.rint(rng.normal(0.5 + 0.5 * p, 0.6)))
                    ratings[cid] = Rating(before=before, now=int(np.clip(before + gain, 1, 5)))
                submitted = session_day + timedelta(hours=int(rng.integers(3, 30)))
                reflections.append(
                    Reflection(
                        submission_id=f"cycle{cycle + 1}-{team_id}-{person:03d}",
                        session_id=f"{team_id}-{session_day:%Y%m%d}",
                        team_id=team_id,
                        language="en",
                        self_code=code,
                        ratings=ratings,
                        commitment="Sample commitment: summarise back before moving on.",
                        commitment_date=(session_day + timedelta(days=30)).date(),
                        relevance=int(np.clip(np.rint(rng.normal(3.8 + 0.4 * p, 0.7)), 1, 5)),
                        usefulness=int(np.clip(np.rint(rng.normal(3.6 + 0.5 * p, 0.7)), 1, 5)),
                        submitted_at=submitted,
                    )
                )
                if rng.random() < 0.65:
                    acted = rng.random() < 0.45 + 0.3 * p
                    followups.append(
                        {
                            "team_id": team_id,
                            "date": (session_day + timedelta(days=42)).date().isoformat(),
                            "code": code or "",
                            "applied": "yes"
                            if acted
                            else rng.choice(["partly", "no"], p=[0.3, 0.7]),
                        }
                    )
            quarter = pd.Timestamp(session_day).tz_localize(None).to_period("Q")
            for behaviour in framework.behaviours:
                occasions = int(rng.integers(2, 7))
                observed = int(rng.binomial(occasions, 0.45 + 0.3 * p))
                observations.append(
                    {
                        "team_id": team_id,
                        "period": str(quarter).replace("Q", "-Q"),
                        "behaviour": behaviour.id,
                        "observed": observed,
                        "not_observed": occasions - observed,
                    }
                )
            for month in range(3):
                clients = max(
                    1, int(rng.normal(team.clients_per_month, team.clients_per_month * 0.1))
                )
                outcomes.append(
                    {
                        "team_id": team_id,
                        "period": str(quarter.asfreq("M", "s") + month),
                        "clients": clients,
                        "client_satisfaction": round(float(np.clip(rng.normal(72 + 8 * p, 3), 0, 100)), 1),
                        "complaints": int(rng.poisson(max(clients / 150 * (1 - 0.3 * p), 0.2))),
                        "wait_time": round(float(max(rng.normal(38 - 8 * p, 4), 1)), 1),
                        "interpreter_use": round(float(np.clip(rng.normal(70 + 10 * p, 4), 0, 100)), 1),
                        "miscommunication_incidents": int(rng.poisson(max(clients / 200 * (1 - 0.4 * p), 0.2))),
                    }
                )  # fmt: skip
    reflections.sort(key=lambda r: r.submitted_at)
    return reflections, pd.DataFrame(followups), pd.DataFrame(observations), pd.DataFrame(outcomes)


def write_sample(
    out_dir: Path | str, store_url: str | None = None, seed: int = SEED
) -> SampleFiles:
    """Write the three cycles: reflections into the store, the rest as CSV files in out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reflections, followups, observations, outcomes = sample_cycles(seed)
    store = upgrade_schema(store_url)  # sample data is an explicit request for a store
    for reflection in reflections:
        store.save(reflection)

    def csv(name: str, frame: pd.DataFrame) -> Path:
        rows = frame.astype(str).values.tolist()
        return write_csv(out / name, list(frame.columns), rows)

    teams = out / "teams.csv"
    table = pd.read_csv(TEAMS_FILE, dtype=str, keep_default_na=False)
    table["department"] = table["team_id"].map(DEPARTMENTS)  # the public report's own words
    write_csv(teams, list(table.columns), table.values.tolist())
    return SampleFiles(
        teams=teams,
        followups=csv("followups.csv", followups),
        observations=csv("observations.csv", observations),
        outcomes=csv("outcomes.csv", outcomes),
        reflections=len(reflections),
    )
