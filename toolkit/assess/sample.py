"""A synthetic sample organisation, generated reproducibly, to demo and test on.

Fourteen teams across the framework's roles, with different clients and different gaps, three
of them small enough that the privacy threshold withholds or just admits them. No real person
is described: every answer is drawn from a seeded random generator.
Run ``cct sample`` (or :func:`write_sample`) to regenerate ``data/sample/``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from toolkit.core.framework import Framework, default_framework
from toolkit.core.paths import SAMPLE_DIR
from toolkit.core.teams import COLUMNS

SEED = 20261123
BASE_LEVEL = 3.7

# team id, name, role, staff, respondents, clients/month, % needing language support,
# client languages (% of those), regions, staff languages, interpreter hours/month,
# domain levels that differ from BASE_LEVEL (the story the sample tells)
TEAMS = [
    (
        "intake_north",
        "Central intake, North office",
        "frontline_intake",
        16,
        14,
        900,
        45,
        "ar=40; es=25; uk=20; fa=15",
        "Middle East and North Africa; Latin America; Eastern Europe; Central Asia",
        "en; es",
        150,
        {"language_access": 2.4, "migration_knowledge": 2.7},
    ),
    (
        "intake_south",
        "Central intake, South office",
        "frontline_intake",
        12,
        11,
        600,
        35,
        "es=60; pt=20; ht=20",
        "Latin America; Caribbean",
        "en; es; pt",
        40,
        {"trauma_informed": 2.8, "communication": 3.1},
    ),
    (
        "intake_evening",
        "Evening intake desk",
        "frontline_intake",
        6,
        5,
        250,
        40,
        "ar=50; so=30; es=20",
        "Middle East and North Africa; East Africa; Latin America",
        "en; ar",
        20,
        {"ethics_privacy": 2.6},
    ),
    (
        "housing_east",
        "Housing support, East",
        "housing",
        14,
        12,
        300,
        50,
        "ar=30; ti=25; so=25; fr=20",
        "East Africa; Middle East and North Africa; West Africa",
        "en; fr",
        60,
        {"trauma_informed": 2.5, "accommodation": 2.9},
    ),
    (
        "housing_west",
        "Housing support, West",
        "housing",
        5,
        3,
        120,
        40,
        "uk=70; ru=30",
        "Eastern Europe",
        "en; uk; ru",
        10,
        {"migration_knowledge": 2.6},
    ),
    (
        "health_nav_central",
        "Health navigation, Central clinic",
        "health_navigation",
        15,
        13,
        450,
        60,
        "es=45; ar=25; fa=20; ps=10",
        "Latin America; Middle East and North Africa; Central Asia",
        "en; es; fa",
        120,
        {"self_awareness": 3.0, "partnership": 2.9},
    ),
    (
        "health_nav_harbour",
        "Health navigation, Harbour clinic",
        "health_navigation",
        10,
        9,
        250,
        55,
        "so=40; ti=30; am=30",
        "East Africa",
        "en",
        30,
        {"language_access": 2.2, "accommodation": 3.0},
    ),
    (
        "clinic_residents",
        "Family medicine residents",
        "clinical_trainees",
        24,
        20,
        700,
        30,
        "es=50; zh=20; vi=15; ar=15",
        "Latin America; East Asia; South-East Asia; Middle East and North Africa",
        "en; es; zh",
        200,
        {"self_awareness": 2.8, "language_access": 3.0},
    ),
    (
        "med_students_y3",
        "Medical students, year 3",
        "clinical_trainees",
        30,
        24,
        0,
        0,
        "",
        "",
        "en",
        0,
        {"migration_knowledge": 2.4, "trauma_informed": 2.8, "language_access": 2.9},
    ),
    (
        "family_services",
        "Family social work",
        "social_work",
        18,
        15,
        200,
        45,
        "ar=35; fa=25; uk=25; ti=15",
        "Middle East and North Africa; Central Asia; Eastern Europe; East Africa",
        "en; ar; uk",
        80,
        {"ethics_privacy": 3.0, "trauma_informed": 3.2},
    ),
    (
        "refugee_casework",
        "Refugee resettlement casework",
        "social_work",
        13,
        12,
        160,
        70,
        "ps=30; fa=30; ar=20; ti=20",
        "Central Asia; Middle East and North Africa; East Africa",
        "en; fa; ar",
        140,
        {"trauma_informed": 2.9, "partnership": 3.0},
    ),
    (
        "product_benefits_app",
        "Benefits app product team",
        "tech_product",
        11,
        10,
        4000,
        25,
        "es=40; ar=30; uk=20; zh=10",
        "Latin America; Middle East and North Africa; Eastern Europe; East Asia",
        "en",
        0,
        {"accommodation": 2.6, "migration_knowledge": 2.5, "communication": 3.0},
    ),
    (
        "product_data",
        "Data and analytics team",
        "tech_product",
        4,
        3,
        0,
        0,
        "",
        "",
        "en",
        0,
        {"ethics_privacy": 3.0},
    ),
    (
        "service_leads",
        "Service leads and supervisors",
        "supervisors",
        9,
        8,
        0,
        0,
        "",
        "",
        "en; es",
        0,
        {"trauma_informed": 2.7, "partnership": 3.0},
    ),
]

TEAM_COLUMNS = list(COLUMNS)  # the team context file's columns, in its order
#: Teams whose clients reach them through what they make (an app), never through an interpreter.
PRODUCT_TEAMS = {"product_benefits_app", "product_data"}


def team_rows() -> list[dict[str, object]]:
    return [
        dict(
            zip(
                TEAM_COLUMNS,
                (
                    *(t[0], t[1], t[2], t[3], t[5], t[6], t[7], t[8], t[9], t[10]),
                    "product" if t[0] in PRODUCT_TEAMS else "direct",
                ),
                strict=True,
            )
        )
        for t in TEAMS
    ]


def simulate_answers(
    framework: Framework, seed: int = SEED
) -> tuple[list[str], list[str], np.ndarray]:
    """Respondent ids, team ids and a respondents × items matrix of answers (NaN = skipped)."""
    rng = np.random.default_rng(seed)
    lo, hi = framework.scale.minimum, framework.scale.maximum
    ids, teams, blocks = [], [], []
    for team in TEAMS:
        team_id, respondents, levels = team[0], team[4], team[11]
        true_level = np.array(
            [
                levels.get(
                    framework.domain_of_competency[framework.competency_of_item[i.id]], BASE_LEVEL
                )
                for i in framework.items
            ]
        )
        person = rng.normal(0, 0.45, size=(respondents, 1))
        noise = rng.normal(0, 0.7, size=(respondents, len(framework.items)))
        answers = np.clip(np.rint(true_level + person + noise), lo, hi)
        reverse = np.array([i.reverse for i in framework.items])
        answers[:, reverse] = (lo + hi) - answers[:, reverse]
        answers[rng.random(answers.shape) < 0.03] = np.nan
        blocks.append(answers)
        ids += [f"R{len(ids) + k + 1:04d}" for k in range(respondents)]
        teams += [team_id] * respondents
    return ids, teams, np.vstack(blocks)


def write_sample(out_dir: Path = SAMPLE_DIR, framework: Framework | None = None) -> list[Path]:
    """Write ``teams.csv`` and ``responses.csv`` (wide layout); returns the paths."""
    framework = framework or default_framework()
    out_dir.mkdir(parents=True, exist_ok=True)
    teams_path, responses_path = out_dir / "teams.csv", out_dir / "responses.csv"
    with teams_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, TEAM_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(team_rows())
    ids, teams, answers = simulate_answers(framework)
    with responses_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["respondent_id", "team_id", *framework.item_ids])
        for rid, tid, row in zip(ids, teams, answers, strict=True):
            writer.writerow([rid, tid, *("" if np.isnan(v) else int(v) for v in row)])
    return [teams_path, responses_path]
