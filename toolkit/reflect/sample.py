"""Synthetic reflections for the sample organisation's sessions, to demo the debrief on.

One session per row of ``data/sample/sessions.csv`` (session id ``<team_id>-YYYYMMDD-HHMM`` of
its start). Participants rate the first competencies the session plan covers (the planner run
on the sample assessment), starting near their team's assessed level; they write in English,
Spanish, French, Arabic or Ukrainian, assembled from the sentences in
``data/sample/reflection_texts.yaml``. ``product_data`` (4 people) stays under the privacy
threshold and ``housing_west`` sits exactly at it. Deterministic for a seed; submission ids are
fixed, so filling a store twice stores everything once. Nobody real is described.
"""

from __future__ import annotations

import csv
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

from toolkit.core.exceptions import DataFileError
from toolkit.core.paths import SAMPLE_DIR
from toolkit.reflect.store import (
    GIBBS_STAGES,
    Rating,
    Reflection,
    ReflectionStore,
    upgrade_schema,
)

SEED = 20270301
SESSIONS_FILE = SAMPLE_DIR / "sessions.csv"
TEXTS_FILE = SAMPLE_DIR / "reflection_texts.yaml"
LANGUAGES = ("en", "es", "fr", "ar", "uk")
COMPETENCIES_PER_SESSION = 4
# who writes in which language (the rest: mostly English, a few of each other language)
TEAM_LANGUAGES = {
    "intake_north": {"en": 0.45, "ar": 0.3, "uk": 0.15, "es": 0.1},
    "intake_south": {"es": 0.6, "en": 0.4},
    "health_nav_harbour": {"fr": 0.6, "en": 0.4},
    "refugee_casework": {"ar": 0.7, "uk": 0.1, "en": 0.2},
    "family_services": {"uk": 0.55, "en": 0.45},
}
DEFAULT_LANGUAGES = {"en": 0.8, "es": 0.05, "fr": 0.05, "ar": 0.05, "uk": 0.05}
# reflections per session where the group size alone would not tell the privacy story
FIXED_COUNTS = {"product_data": 3, "housing_west": 5, "intake_evening": 5}


def load_texts(path: Path | str = TEXTS_FILE) -> dict[str, dict[str, list[str]]]:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"Cannot read the sample reflection texts {path}: {exc}") from exc
    needed = (*GIBBS_STAGES, "commitments")
    problems = [
        f"'{lang}' has no sentences for {part}"
        for lang in LANGUAGES
        for part in needed
        if not (raw or {}).get(lang, {}).get(part)
    ]
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    return raw


def _sessions(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _covered(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """The competencies each session covers first, from the sample's session plans."""
    from toolkit.plan.planner import SessionParameters, plan_session
    from toolkit.plan.session_plan import sample_results

    results = sample_results()
    covered = {}
    for row in rows:
        params = SessionParameters(
            team_id=row["team_id"],
            minutes=int(row["minutes"]),
            format=row["format"],
            group_size=int(row["group_size"]),
            start=datetime.fromisoformat(row["start"]),
            language=row["language"],
        )
        plan = plan_session(results, params)
        covered[params.session_id] = plan.covered_competencies[:COMPETENCIES_PER_SESSION]
    return covered, results


def sample_reflections(
    seed: int = SEED, sessions_file: Path | str = SESSIONS_FILE
) -> list[Reflection]:
    """Every sample reflection, in the order they were 'submitted'."""
    rng = np.random.default_rng(seed)
    texts = load_texts()
    rows = _sessions(Path(sessions_file))
    covered, results = _covered(rows)
    out: list[Reflection] = []
    for row in rows:
        team_id = row["team_id"]
        start = datetime.fromisoformat(row["start"])
        session_id = f"{team_id}-{start:%Y%m%d-%H%M}"
        end = start.replace(tzinfo=UTC) + timedelta(minutes=int(row["minutes"]))
        group = int(row["group_size"])
        count = FIXED_COUNTS.get(team_id, max(1, round(group * rng.uniform(0.7, 1.0))))
        weights = TEAM_LANGUAGES.get(team_id, DEFAULT_LANGUAGES)
        quota = {lang: int(weights[lang] * count) for lang in weights}  # largest remainders
        for lang in sorted(weights, key=lambda g: -(weights[g] * count % 1))[
            : count - sum(quota.values())
        ]:
            quota[lang] += 1
        languages = [lang for lang, q in quota.items() for _ in range(q)]
        rng.shuffle(languages)
        levels = {c.competency_id: c.mean for c in results.team(team_id).competencies}
        gains = {c: rng.normal(0.9, 0.35) for c in covered[session_id]}
        for k in range(count):
            lang = languages[k]
            bank = texts[lang]
            person = rng.normal(0, 0.45)
            ratings = {}
            for cid in covered[session_id]:
                base = (levels.get(cid) or 3.3) - 0.4  # recalled "before" runs low
                before = int(np.clip(np.rint(base + person + rng.normal(0, 0.6)), 1, 5))
                gain = int(np.rint(rng.normal(gains[cid], 0.7)))
                now = int(np.clip(before + max(gain, -1), 1, 5))
                ratings[cid] = Rating(before=before, now=now)
            prompts = {}
            for stage in GIBBS_STAGES:
                if rng.random() < 0.85:
                    picks = rng.choice(
                        len(bank[stage]), size=1 + (rng.random() < 0.25), replace=False
                    )
                    prompts[stage] = " ".join(bank[stage][i] for i in sorted(picks))
            code = None
            if rng.random() < 0.65:
                letters = rng.choice(list(string.ascii_uppercase), size=2)
                code = "".join(letters) + f"{int(rng.integers(10, 100))}"
            days = int(rng.choice([7, 14, 21, 30, 45, 60]))
            out.append(
                Reflection(
                    submission_id=f"sample-{session_id}-{k + 1:02d}",
                    session_id=session_id,
                    team_id=team_id,
                    language=lang,
                    self_code=code,
                    ratings=ratings,
                    prompts=prompts,
                    commitment=str(rng.choice(bank["commitments"])),
                    commitment_date=None
                    if rng.random() < 0.1
                    else (start + timedelta(days)).date(),
                    relevance=int(np.clip(np.rint(rng.normal(4.2, 0.7)), 1, 5)),
                    usefulness=int(np.clip(np.rint(rng.normal(4.0, 0.8)), 1, 5)),
                    submitted_at=end + timedelta(minutes=int(rng.integers(0, 90))),
                )
            )
    return out


def fill_sample_store(
    store: ReflectionStore | str | None, seed: int = SEED, sessions_file: Path | str = SESSIONS_FILE
) -> tuple[int, int]:
    """Save the sample reflections into a store. Returns (new, total).

    Given a URL, creates or upgrades its schema first (as ``cct db upgrade`` would): filling a
    store with sample data is an explicit request for one.
    """
    if not isinstance(store, ReflectionStore):
        store = upgrade_schema(store)
    items = sample_reflections(seed, sessions_file)
    new = sum(store.save(r) for r in items)
    return new, len(items)
