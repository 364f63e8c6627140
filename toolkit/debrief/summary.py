"""The facilitator debrief: what changed after a session, per session and per team.

Reads reflections from the store (:mod:`toolkit.reflect.store`) and computes, per session and per team:

* the number of reflections;
* per competency, from each participant's retrospective *before* and *now* confidence (1–5):
  mean before, mean now, mean change, the paired effect size Cohen's d_z (mean change / SD of the
  changes; *not defined* when everyone changed by the same amount) and the 95% t-interval of
  the mean change (scipy);
* the session ratings (mean relevance and usefulness), the commitments (text and date, never
  the participant's self code) and the frequent themes of the free text, per language.

**Privacy** follows :mod:`toolkit.core.disclosure`: published means and intervals carry one
decimal, and means, spreads and counts the cell key's perturbation (the same reflections
give the same figures). The finest cells are the reflections of one team in one session
(normally the whole session). A cell of fewer people than the threshold is
withheld, and so is every competency, language and theme count inside a shown cell that is
about fewer people than the threshold. Session and team figures are then built *only* from
shown cells (the way :mod:`toolkit.assess.assessment` builds domain figures only from shown
competency cells): every figure, and every difference between two figures, is about a union
of shown cells, so nothing withheld can be recovered by subtraction. A group with no shown
cell is withheld entirely, commitments included.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import yaml
from scipy import stats

from toolkit.core.disclosure import (
    cell_key,
    censor_counts,
    check_threshold,
    perturbed_count,
    perturbed_mean,
    publish,
    record_keys,
    withheld_note,
)
from toolkit.core.exceptions import DataFileError, InputFileError, InputProblem
from toolkit.core.framework import Framework, default_framework
from toolkit.core.i18n import LANGUAGES
from toolkit.core.paths import DATA_DIR
from toolkit.reflect.store import GIBBS_STAGES, Reflection, ReflectionStore, reflections

__all__ = [
    "CompetencyChange",
    "Debrief",
    "GroupDebrief",
    "compute",
    "load_reflections",
    "open_store",
    "paired_change",
    "themes_of",
]

STOPWORDS_FILE = DATA_DIR / "stopwords.yaml"
STOPWORD_LANGUAGES = ("en", "es", "fr", "ar", "uk")
TOP_THEMES = 10
MIN_WORD_LENGTH = 3
CONFIDENCE = 0.95


# -- the paired statistics -----------------------------------------------------------------
@dataclass(frozen=True)
class CompetencyChange:
    """Before → now on one competency, for the shown reflections of one group."""

    competency_id: str
    name: str
    n: int
    mean_before: float
    mean_now: float
    mean_change: float
    sd_change: float
    d_z: float | None  # None: not defined, the changes do not vary (SD 0)
    ci_low: float
    ci_high: float
    before_counts: tuple[int, ...]  # people at each scale point, lowest first
    now_counts: tuple[int, ...]


def paired_change(before: Sequence[float], now: Sequence[float]) -> dict[str, float | None]:
    """Mean before/now/change, SD of the changes, Cohen's d_z and the 95% t-interval.

    d_z = mean change / SD of changes (sample SD, n − 1); ``None`` when that SD is 0, because
    the ratio is then not defined (it would be infinite or 0/0), not large.
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(now, dtype=float)
    if b.shape != a.shape or b.size < 2:
        raise ValueError("paired_change needs two equally long sequences of at least 2 values")
    diff = a - b
    n = diff.size
    mean = float(diff.mean())
    sd = float(diff.std(ddof=1))
    if sd > 0:
        low, high = stats.t.interval(CONFIDENCE, n - 1, loc=mean, scale=sd / np.sqrt(n))
        d_z: float | None = mean / sd
    else:
        low = high = mean
        d_z = None
    return {
        "n": n,
        "mean_before": float(b.mean()),
        "mean_now": float(a.mean()),
        "mean_change": mean,
        "sd_change": sd,
        "d_z": d_z,
        "ci_low": float(low),
        "ci_high": float(high),
    }


# -- themes of the free text ---------------------------------------------------------------
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")  # tashkeel, tatweel
_ARABIC_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي"})
_ARABIC_ARTICLE = ("وال", "بال", "فال", "كال", "لل", "ال")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # role-play, rendez-vous: one word
_WORD_WITH_APOSTROPHE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")  # Ukrainian: пам'ять


def normalise_word(word: str, language: str) -> str:
    """Lower case; for Arabic also without diacritics, one alef, and without the article."""
    word = unicodedata.normalize("NFC", word).casefold()
    if language == "ar":
        word = _ARABIC_MARKS.sub("", word).translate(_ARABIC_ALEF)
        for prefix in _ARABIC_ARTICLE:
            if word.startswith(prefix) and len(word) - len(prefix) >= MIN_WORD_LENGTH:
                word = word[len(prefix) :]
                break
    return word


def tokens(text: str, language: str) -> list[str]:
    """The words of a text, normalised; hyphenated words stay whole, and French elisions
    (l'interprète) are split (in Ukrainian the apostrophe is part of the word)."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("ʼ", "'")
    pattern = _WORD_WITH_APOSTROPHE if language == "uk" else _WORD
    return [normalise_word(w, language) for w in pattern.findall(text)]


class StopwordsError(DataFileError):
    """Raised when ``data/stopwords.yaml`` is missing a language or holds something odd."""


def load_stopwords(path: Path | str = STOPWORDS_FILE) -> dict[str, frozenset[str]]:
    """Read and check the stopword lists; every problem is named."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StopwordsError(f"Cannot read the stopword lists {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise StopwordsError(f"{path} must map a language code to a list of words")
    problems = []
    for lang in STOPWORD_LANGUAGES:
        if lang not in raw:
            problems.append(f"no list for '{lang}'")
    lists: dict[str, frozenset[str]] = {}
    for lang, words in raw.items():
        if not isinstance(words, list) or not words:
            problems.append(f"'{lang}' must be a non-empty list of words")
            continue
        seen: set[str] = set()
        for word in words:
            if not isinstance(word, str) or not word.strip() or " " in word.strip():
                problems.append(f"'{lang}': {word!r} is not a single word")
            elif word != word.casefold():
                problems.append(f"'{lang}': '{word}' must be lower case")
            elif word in seen:
                problems.append(f"'{lang}': '{word}' is listed twice")
            else:
                seen.add(word)
        lists[lang] = frozenset(normalise_word(w, lang) for w in seen)
    if problems:
        raise StopwordsError(f"The stopword lists {path} are not valid: " + "; ".join(problems))
    return lists


@lru_cache(maxsize=1)
def default_stopwords() -> dict[str, frozenset[str]]:
    return load_stopwords(STOPWORDS_FILE)


def reflection_text(reflection: Reflection) -> list[str]:
    """The free text of a reflection: the Gibbs prompts in order, then the commitment."""
    parts = [reflection.prompts.get(stage, "") for stage in GIBBS_STAGES]
    return [p for p in (*parts, reflection.commitment) if p and p.strip()]


def themes_of(
    reflection: Reflection, stopwords: dict[str, frozenset[str]] | None = None
) -> set[str]:
    """The meaningful words and two-word phrases a reflection mentions (each counted once)."""
    stop = (stopwords or default_stopwords()).get(reflection.language, frozenset())
    found: set[str] = set()
    for text in reflection_text(reflection):
        words = tokens(text, reflection.language)
        keep = [len(w) >= MIN_WORD_LENGTH and w not in stop for w in words]
        found.update(w for w, k in zip(words, keep, strict=True) if k)
        for i in range(len(words) - 1):  # adjacent in the text, neither a stopword
            if keep[i] and keep[i + 1] and words[i] != words[i + 1]:
                found.add(f"{words[i]} {words[i + 1]}")
    return found


# -- the groups ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Theme:
    text: str
    reflections: int  # distinct reflections mentioning it


@dataclass(frozen=True)
class LanguageThemes:
    language: str
    language_name: str
    reflections: int
    themes: tuple[Theme, ...]


@dataclass(frozen=True)
class Commitment:
    text: str
    date: date | None
    language: str
    session_id: str


@dataclass
class GroupDebrief:
    """One session's or one team's debrief; withheld groups carry no figures at all."""

    kind: str  # "session" | "team"
    group_id: str
    label: str
    withheld: bool
    n: int | None = None
    partial: bool = False  # some of its reflections sit in withheld cells and are left out
    sessions: list[str] = field(default_factory=list)
    competencies: list[CompetencyChange] = field(default_factory=list)
    withheld_competencies: list[str] = field(default_factory=list)
    relevance: float | None = None
    usefulness: float | None = None
    commitments: list[Commitment] = field(default_factory=list)
    themes: list[LanguageThemes] = field(default_factory=list)


@dataclass
class Debrief:
    threshold: int
    sessions: list[GroupDebrief]
    teams: list[GroupDebrief]
    shown_reflections: list[Reflection]  # in shown cells and shown language groups: exports
    reflections: list[Reflection]  # every one loaded: for the next cycle's responses
    generated_at: datetime
    selection: dict[str, list[str] | str]
    framework: Framework
    notices: list[str] = field(default_factory=list)

    @property
    def privacy_note(self) -> str:
        return withheld_note(self.threshold)


_SESSION_ID = re.compile(r"^(?P<team>.+)-(?P<day>\d{8})(?:-(?P<time>\d{4}))?$")


def session_label(session_id: str, team_names: dict[str, str] | None = None) -> str:
    """``intake_north-20270201-0930`` → ``intake_north, 2027-02-01 09:30``, or with the team's
    name when ``team_names`` knows it: ``Central intake, North office · 2027-02-01 09:30``. An
    id with a day and no time (``intake_north-20270201``, as the evaluation's sample store
    has them) reads ``Central intake, North office · 2027-02-01``."""
    match = _SESSION_ID.match(session_id)
    if not match:
        return session_id
    try:
        if match["time"]:
            when = f"{datetime.strptime(match['day'] + match['time'], '%Y%m%d%H%M'):%Y-%m-%d %H:%M}"
        else:
            when = f"{datetime.strptime(match['day'], '%Y%m%d'):%Y-%m-%d}"
    except ValueError:
        return session_id
    name = (team_names or {}).get(match["team"])
    if name:
        return f"{name} · {when}"
    return f"{match['team']}, {when}"


Cell = tuple[str, str]  # (session_id, team_id or "")


def _published_change(
    pairs: list[tuple[int, int, int]], threshold: int, scale: tuple[int, int]
) -> dict:
    """Before, now and change of a competency cell as published: the cell key of the people
    in it perturbs each sum and spread (see :mod:`toolkit.core.disclosure`), then one decimal."""
    key = cell_key(p[2] for p in pairs)
    before = np.array([p[0] for p in pairs], dtype=float)
    now = np.array([p[1] for p in pairs], dtype=float)
    n = before.size

    def spread(values: np.ndarray) -> float:
        return float(((values - values.mean()) ** 2).sum())

    was = perturbed_mean(before.sum(), spread(before), n, key, "before")
    is_ = perturbed_mean(now.sum(), spread(now), n, key, "now")
    diff = now - before
    change = perturbed_mean(diff.sum(), spread(diff), n, key, "change")
    lo, hi = scale
    mean_before = publish(min(max(was.mean, lo), hi))  # never off the scale: that would tell
    mean_now = publish(min(max(is_.mean, lo), hi))
    mean_change = publish(mean_now - mean_before)  # as the reader subtracts
    half = change.ci_high - change.mean
    reach = hi - lo
    return {
        "n": perturbed_count(n, key, "reflections", threshold),
        "mean_before": mean_before,
        "mean_now": mean_now,
        "mean_change": mean_change,
        "sd_change": publish(change.sd),
        "d_z": None if publish(change.sd) == 0 else publish(mean_change / change.sd),
        "ci_low": publish(max(mean_change - half, -reach)),
        "ci_high": publish(min(mean_change + half, reach)),
        "before_counts": tuple(
            perturbed_count(int((before == v).sum()), key, f"before|{v}") for v in range(lo, hi + 1)
        ),
        "now_counts": tuple(
            perturbed_count(int((now == v).sum()), key, f"now|{v}") for v in range(lo, hi + 1)
        ),
    }


def _group(
    kind: str,
    group_id: str,
    label: str,
    cells: list[Cell],
    by_cell: dict[Cell, list[Reflection]],
    threshold: int,
    framework: Framework,
    stopwords: dict[str, frozenset[str]],
    cache: dict,
) -> GroupDebrief:
    shown_cells = [c for c in cells if len(by_cell[c]) >= threshold]
    members = [r for c in shown_cells for r in by_cell[c]]
    if len(members) < threshold:
        return GroupDebrief(kind, group_id, label, withheld=True)
    keys = dict(
        zip(
            (r.submission_id for r in members),
            record_keys(r.submission_id for r in members),
            strict=True,
        )
    )
    group_key = cell_key(keys.values())
    group = GroupDebrief(
        kind,
        group_id,
        label,
        withheld=False,
        n=perturbed_count(len(members), group_key, "reflections", threshold),
        partial=len(shown_cells) < len(cells),
        sessions=sorted({c[0] for c in shown_cells}),
    )
    lo, hi = framework.scale.minimum, framework.scale.maximum
    known = {c.id: c for c in framework.competencies}
    rated = {cid for r in members for cid in r.ratings}
    order = [c.id for c in framework.competencies] + sorted(rated - set(known))
    for cid in order:
        if cid not in rated:
            continue
        pairs: list[tuple[int, int, int]] = []
        for cell in shown_cells:  # only competency cells that are themselves shown
            cell_pairs = cache["pairs"][cell].get(cid, [])
            if len(cell_pairs) >= threshold:
                pairs += [(b, a, int(keys[sid])) for b, a, sid in cell_pairs]
        name = known[cid].name["en"] if cid in known else cid
        if len(pairs) < threshold:
            group.withheld_competencies.append(name)
            continue
        group.competencies.append(
            CompetencyChange(
                competency_id=cid, name=name, **_published_change(pairs, threshold, (lo, hi))
            )
        )
    for measure in ("relevance", "usefulness"):
        values = np.array([getattr(r, measure) for r in members], dtype=float)
        figure = perturbed_mean(
            values.sum(),
            float(((values - values.mean()) ** 2).sum()),
            values.size,
            group_key,
            measure,
        )
        setattr(group, measure, publish(figure.mean))
    language_n: Counter[str] = Counter()
    language_members: dict[str, list[str]] = defaultdict(list)
    theme_members: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cell in shown_cells:
        for lang, (ids, mentions) in cache["themes"][cell].items():
            if len(ids) < threshold:  # too few reflections in this language in this cell
                continue
            language_n[lang] += len(ids)
            language_members[lang] += ids
            for theme, who in mentions.items():
                if len(who) >= threshold:
                    theme_members[lang][theme] += who
    shown_languages = {lang for lang, count in language_n.items() if count >= threshold}
    group.commitments = sorted(
        (
            Commitment(
                r.commitment,
                r.commitment_date,
                r.language if r.language in shown_languages else "",  # no tag from a small group
                r.session_id,
            )
            for r in members
        ),
        key=lambda c: (c.date or date.max, c.text.casefold()),  # not in submission order
    )
    for lang in sorted(language_n, key=lambda k: (-language_n[k], k)):
        if lang not in shown_languages:
            continue
        counts = {
            theme: perturbed_count(len(who), cell_key(keys[w] for w in who), "mentions", threshold)
            for theme, who in theme_members[lang].items()
        }
        ranked = sorted(counts.items(), key=lambda tk: (-tk[1], -tk[0].count(" "), tk[0]))
        phrases = {t: k for t, k in ranked if " " in t}
        chosen = [
            Theme(t, k)
            for t, k in ranked
            if not (  # a word that only ever appears inside a shown phrase says nothing more
                " " not in t
                and any(
                    set(theme_members[lang][t]) == set(theme_members[lang][p]) and t in p.split()
                    for p in phrases
                )
            )
        ][:TOP_THEMES]
        language_key = cell_key(keys[w] for w in language_members[lang])
        group.themes.append(
            LanguageThemes(
                lang,
                LANGUAGES.get(lang, lang),
                perturbed_count(language_n[lang], language_key, "reflections", threshold),
                tuple(chosen),
            )
        )
    return group


def _cell_cache(
    by_cell: dict[Cell, list[Reflection]], threshold: int, stopwords: dict[str, frozenset[str]]
) -> dict:
    """Per shown cell: rating pairs (with who gave them) per competency, and per language the
    reflections and, per theme, the reflections mentioning it."""
    pairs: dict[Cell, dict[str, list[tuple[int, int, str]]]] = {}
    themes: dict[Cell, dict[str, tuple[list[str], dict[str, list[str]]]]] = {}
    for cell, members in by_cell.items():
        if len(members) < threshold:
            continue
        cell_pairs: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        per_language: dict[str, list[Reflection]] = defaultdict(list)
        for r in members:
            for cid, rating in r.ratings.items():
                cell_pairs[cid].append((rating.before, rating.now, r.submission_id))
            per_language[r.language].append(r)
        pairs[cell] = cell_pairs
        themes[cell] = {}
        for lang, rs in per_language.items():
            mentions: dict[str, list[str]] = defaultdict(list)
            for r in rs:
                for theme in themes_of(r, stopwords):
                    mentions[theme].append(r.submission_id)
            themes[cell][lang] = ([r.submission_id for r in rs], mentions)
    return {"pairs": pairs, "themes": themes}


def _choose(wanted: Iterable[str] | str | None) -> list[str] | None:
    if wanted is None:
        return None
    if isinstance(wanted, str):
        wanted = [w.strip() for w in wanted.split(",")]
    chosen = [w.strip() for w in wanted if w and w.strip()]
    if not chosen or chosen == ["all"]:
        return None
    return chosen


# -- reading the store -----------------------------------------------------------------------
def open_store(url: str | None = None) -> ReflectionStore:
    """Open an existing reflections store; a missing SQLite file or an empty database is an
    error (the store never makes tables on opening), not a new empty store."""
    return ReflectionStore(url or None)


def load_reflections(
    store: ReflectionStore | str | None,
    sessions: Iterable[str] | str | None = None,
    teams: Iterable[str] | str | None = None,
) -> list[Reflection]:
    """Reflections of the chosen sessions and teams ("all" or None: every one), oldest first.

    Asking for a session or team the store has no reflection of is a plain error that lists
    the ones it has.
    """
    if not isinstance(store, ReflectionStore):
        store = open_store(store)
    want_sessions, want_teams = _choose(sessions), _choose(teams)
    table = reflections
    with store.engine.connect() as connection:
        known_sessions = set(connection.execute(sa.select(table.c.session_id).distinct()).scalars())
        known_teams = {
            t for t in connection.execute(sa.select(table.c.team_id).distinct()).scalars() if t
        }
    problems = []
    for what, wanted, known in (
        ("session", want_sessions, known_sessions),
        ("team", want_teams, known_teams),
    ):
        unknown = [w for w in wanted or [] if w not in known]
        if unknown:
            listed = ", ".join(sorted(known)[:30]) or "none yet"
            problems.append(
                InputProblem(
                    "parameters",
                    f"no reflections from {what}(s) {', '.join(unknown)}; the store has "
                    f"{what}s: {listed}",
                    column=f"{what}s",
                )
            )
    if problems:
        raise InputFileError(problems)
    # submissions beyond a session's cap are kept in the store, never counted in a debrief
    query = sa.select(table).where(table.c.over_cap.is_(False)).order_by(table.c.id)
    if want_sessions is not None:
        query = query.where(table.c.session_id.in_(want_sessions))
    if want_teams is not None:
        query = query.where(table.c.team_id.in_(want_teams))
    with store.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [Reflection.model_validate({k: v for k, v in r.items() if k != "id"}) for r in rows]


# -- the whole debrief -----------------------------------------------------------------------
def compute(
    items: Sequence[Reflection],
    threshold: int = 5,
    framework: Framework | None = None,
    stopwords: dict[str, frozenset[str]] | None = None,
    selection: dict[str, list[str] | str] | None = None,
) -> Debrief:
    """The debrief of these reflections, per session and per team, with suppression applied."""
    framework = framework or default_framework()
    threshold = check_threshold(threshold)
    stopwords = stopwords if stopwords is not None else default_stopwords()
    by_cell: dict[Cell, list[Reflection]] = defaultdict(list)
    for r in items:
        by_cell[(r.session_id, r.team_id or "")].append(r)
    cache = _cell_cache(by_cell, threshold, stopwords)
    args = (by_cell, threshold, framework, stopwords, cache)
    session_ids = sorted({c[0] for c in by_cell})
    team_ids = sorted({c[1] for c in by_cell if c[1]})
    sessions = [
        _group("session", s, session_label(s), [c for c in by_cell if c[0] == s], *args)
        for s in session_ids
    ]
    teams = [_group("team", t, t, [c for c in by_cell if c[1] == t], *args) for t in team_ids]
    shown = [
        r
        for c, rs in by_cell.items()
        if len(rs) >= threshold
        for r in rs
        if len(cache["themes"][c][r.language][0]) >= threshold  # its language group is shown
    ]
    notices = []
    unknown = sorted(
        {cid for r in items for cid in r.ratings} - {c.id for c in framework.competencies}
    )
    if unknown:
        notices.append(
            f"Ratings of competencies not in framework {framework.version}: {', '.join(unknown)}"
        )
    return Debrief(
        threshold=threshold,
        sessions=sessions,
        teams=teams,
        shown_reflections=shown,
        reflections=list(items),
        generated_at=datetime.now(UTC).replace(microsecond=0),
        selection=selection or {"sessions": "all", "teams": "all"},
        framework=framework,
        notices=[censor_counts(n, threshold) for n in notices],
    )


def run_debrief(
    store_url: str | None = None,
    sessions: Iterable[str] | str | None = None,
    teams: Iterable[str] | str | None = None,
    threshold: int = 5,
    framework: Framework | None = None,
) -> Debrief:
    """Load from the store and compute: what the notebook, the app and ``cct debrief`` call."""
    threshold = check_threshold(threshold)
    items = load_reflections(store_url, sessions, teams)
    selection = {
        "sessions": _choose(sessions) or "all",
        "teams": _choose(teams) or "all",
    }
    return compute(items, threshold, framework, selection=selection)
