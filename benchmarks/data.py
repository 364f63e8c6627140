"""Synthetic, deterministic benchmark data: staff answers and the teams they belong to.

The data are written once to a temporary directory by the parent process (``write``) and
loaded by each measuring subprocess (``load``), so that building them never counts towards a
measured call's time or memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from toolkit.core.framework import default_framework
from toolkit.core.teams import Team
from toolkit.intake.responses import Responses

N_STAFF = 100_000
N_TEAMS = 400
N_SMALL_TEAMS = 8  # teams of 3 people: below the threshold of 5, so suppression is exercised
MISSING_SHARE = 0.03
SEED = 20260

LANGUAGE_MIXES = (
    {"ar": 40.0, "es": 35.0, "uk": 25.0},
    {"es": 60.0, "pt": 20.0, "ht": 20.0},
    {"fa": 50.0, "ps": 30.0, "ar": 20.0},
    {"uk": 70.0, "ru": 30.0},
    {"so": 45.0, "ti": 30.0, "am": 25.0},
)
STAFF_LANGUAGES = (("en", "es"), ("en",), ("en", "ar", "fr"), ("en", "uk"))


def make_teams(n_teams: int = N_TEAMS) -> dict[str, Team]:
    """Teams with the fields of tests/conftest.py ``make_team``, cycling roles and languages."""
    roles = default_framework().role_ids
    teams = {}
    for k in range(n_teams):
        team_id = f"team_{k:04d}"
        teams[team_id] = Team(
            team_id=team_id,
            name=f"Team {k:04d}",
            role=roles[k % len(roles)],
            staff_count=250,
            clients_per_month=100 + 10 * (k % 50),
            interpreter_need_share=float(10 + k % 80),
            client_languages=dict(LANGUAGE_MIXES[k % len(LANGUAGE_MIXES)]),
            client_regions=("Middle East and North Africa", "Latin America"),
            staff_languages=STAFF_LANGUAGES[k % len(STAFF_LANGUAGES)],
            interpreter_hours_per_month=float(5 * (k % 30)),
        )
    return teams


def make_responses(n_staff: int = N_STAFF, n_teams: int = N_TEAMS) -> Responses:
    """``n_staff`` × all framework items, answers 1..5 with ~3% blanks, spread over the teams."""
    framework = default_framework()
    rng = np.random.default_rng(SEED)
    n_items = len(framework.item_ids)
    small = N_SMALL_TEAMS * 3
    codes = np.concatenate(
        [
            rng.integers(0, n_teams - N_SMALL_TEAMS, n_staff - small),
            np.repeat(np.arange(n_teams - N_SMALL_TEAMS, n_teams), 3),
        ]
    )
    rng.shuffle(codes)
    team_names = np.array([f"team_{k:04d}" for k in range(n_teams)])
    values = rng.integers(1, 6, size=(n_staff, n_items)).astype(float)
    values[rng.random((n_staff, n_items)) < MISSING_SHARE] = np.nan
    return Responses(
        respondent_ids=np.array([f"R{k:06d}" for k in range(n_staff)]),
        team_ids=team_names[codes],
        item_ids=list(framework.item_ids),
        values=values,
        source="synthetic",
    )


def write(directory: Path) -> dict[str, Path]:
    """Write the responses as ``responses.npz`` (fast to load) and as a wide ``responses.csv``."""
    responses = make_responses()
    npz = directory / "responses.npz"
    np.savez(
        npz,
        respondent_ids=responses.respondent_ids,
        team_ids=responses.team_ids,
        values=responses.values,
    )
    # Wide CSV as a spreadsheet exports it: whole numbers, blank when not answered.
    text_of = np.array(["", "1", "2", "3", "4", "5"])
    cells = text_of[np.nan_to_num(responses.values, nan=0).astype(np.int8)]
    csv = directory / "responses.csv"
    with csv.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(["respondent_id", "team_id", *responses.item_ids]) + "\n")
        for rid, tid, row in zip(responses.respondent_ids, responses.team_ids, cells, strict=True):
            fh.write(f"{rid},{tid},{','.join(row)}\n")
    return {"npz": npz, "csv": csv}


def load(npz: Path) -> Responses:
    with np.load(npz) as data:
        return Responses(
            respondent_ids=data["respondent_ids"],
            team_ids=data["team_ids"],
            item_ids=list(default_framework().item_ids),
            values=data["values"],
            source="synthetic",
        )
