"""Disclosure control: the one place that decides what a published figure may say.

Every output (the needs assessment's results file, report and charts; the debrief's report and
files) takes its figures from here, so a rule is decided once.

1. **The threshold.** A figure about fewer people than the threshold is withheld. Higher-level
   figures (domain scores, organisation lists, totals) are built *only* from figures that are
   themselves shown, so a withheld figure cannot be recovered by subtraction within one report
   (secondary suppression by construction).
2. **Precision.** Means and interval bounds are published with one decimal, never sums; charts
   are drawn from those rounded figures. At full precision, n, the mean and the interval give a
   cell's sum and sum of squares, and with half-point answers the individual scores follow.
3. **The cell-key method** (Australian Bureau of Statistics, Office for National Statistics),
   against differencing two runs. Every person gets a *record key*, a keyed hash of their
   respondent or submission id under a secret of this installation. A cell's key is the sum of
   its members' record keys; its perturbation is a fixed function of that cell key. So the same
   cell (the same people) always gets the same small perturbation, run after run (nothing to
   average away), while a cell with one person more or less gets an unrelated one: the
   difference of two runs is the person's contribution plus the difference of two unknown
   perturbations, and carries no exact information. Rounding alone does not suffice: with
   half-point answers a team of five's sum is a multiple of 0.5, and a mean rounded to one
   decimal still pins it down (5 × 3.4 ± 0.25 holds only 17.0).

   * a cell's sum moves by up to ``SUM_NOISE`` scale points (a triangular distribution, mean 0);
   * its sum of squared deviations by up to ``SPREAD_NOISE`` (so "everyone answered alike"
     is never certain);
   * a published count by up to ``COUNT_NOISE`` people (a count of a shown group never below
     the threshold).

The secret comes from ``CCT_DISCLOSURE_KEY``, else ``var/disclosure.key`` (made on first use,
readable by its owner only). Without it the perturbations cannot be recomputed and removed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import stats

from toolkit.core.exceptions import ToolkitError

__all__ = [
    "DEFAULT_THRESHOLD",
    "MINIMUM_THRESHOLD",
    "DECIMALS",
    "ThresholdError",
    "Perturbation",
    "check_threshold",
    "shown",
    "withheld_note",
    "threshold_floor",
    "method_note",
    "publish",
    "record_keys",
    "cell_key",
    "perturbations",
    "perturbed_mean",
    "perturbed_count",
    "published_interval",
    "perturbed_share",
    "published_share",
    "count_text",
    "censor_counts",
    "pseudonym",
]

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 2
# set by `cct serve` for its kernels: the lowest threshold any page of that server may use
FLOOR_ENV = "CCT_PRIVACY_THRESHOLD"
DECIMALS = 1  # means, interval bounds, gaps: what a reader needs, no more
SHARE_DECIMALS = 0  # percentages: whole percent (on 0–100 that is finer than 0.1 on 1–5)
SUM_NOISE = 1.0  # scale points a cell's sum may move
SPREAD_NOISE = 1.0  # squared scale points a cell's sum of squared deviations may move
COUNT_NOISE = 2  # people a published count may move
CONFIDENCE = 0.95
KEY_ENV = "CCT_DISCLOSURE_KEY"
KEY_FILE_NAME = "disclosure.key"
_MASK = (1 << 64) - 1
_NO_KEYS = np.array([], dtype=np.uint64)


class ThresholdError(ToolkitError, ValueError):
    """Raised when the privacy threshold is not a usable whole number."""


class DisclosureKeyError(ToolkitError, ValueError):
    """Raised when the secret for the perturbations cannot be read or made."""


# -- the threshold ---------------------------------------------------------------------------
def threshold_floor() -> int:
    """The server's threshold (``cct serve``), below which no page may go; else the minimum."""
    try:
        return max(MINIMUM_THRESHOLD, int(os.environ.get(FLOOR_ENV, MINIMUM_THRESHOLD)))
    except ValueError:
        return DEFAULT_THRESHOLD  # a garbled setting errs on the side of withholding


def check_threshold(threshold: object) -> int:
    """Return the threshold as an int, or say plainly what is allowed."""
    try:
        value = int(threshold)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ThresholdError(
            f"The privacy threshold must be a whole number, got {threshold!r}"
        ) from None
    if value != threshold and not isinstance(threshold, str):
        raise ThresholdError(f"The privacy threshold must be a whole number, got {threshold!r}")
    if value < MINIMUM_THRESHOLD:
        raise ThresholdError(
            f"The privacy threshold must be at least {MINIMUM_THRESHOLD} (got {value}): "
            "below that, single people's answers would be shown"
        )
    # a viewer of a served page cannot go below the server's setting, whatever the page sends
    return max(value, threshold_floor())


def shown(counts: np.ndarray, threshold: int) -> np.ndarray:
    """True where a figure about ``counts`` people may be shown."""
    return np.asarray(counts) >= threshold


def withheld_note(threshold: int) -> str:
    return (
        f"Figures about fewer than {threshold} people are withheld, and totals are built only "
        "from figures that are shown, so withheld figures cannot be worked out by subtraction. "
        + method_note()
    )


def method_note() -> str:
    return (
        "Means and intervals are rounded to one decimal, and every published figure carries a "
        "small fixed perturbation (the cell-key method), so comparing two reports does not "
        "reveal one person's answers."
    )


def count_text(count: int, threshold: int) -> str:
    """A count of people for a notice or a log: exact from the threshold up, else 'fewer than'."""
    return str(count) if count >= threshold else f"fewer than {threshold}"


_PEOPLE_COUNT = re.compile(
    r"\b(\d+)(?= (?:respondent|reflection|participant|people|person|answer)s?\b|"
    r" (?:respondent|reflection|participant)\(s\))"
)


def censor_counts(text: str, threshold: int) -> str:
    """A notice with every count of people under the threshold said as 'fewer than …', so a
    message or a log line never tells a small group's size (0 stays 0)."""

    def say(match: re.Match[str]) -> str:
        count = int(match[1])
        return match[1] if count == 0 or count >= threshold else f"fewer than {threshold}"

    return _PEOPLE_COUNT.sub(say, text)


# -- precision -------------------------------------------------------------------------------
def publish(value: float | None, decimals: int | None = None) -> float | None:
    """A figure as published: rounded (to ``DECIMALS`` unless told), or None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), DECIMALS if decimals is None else decimals)


def publish_array(values: np.ndarray, decimals: int | None = None) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float), DECIMALS if decimals is None else decimals)


# -- the secret and the keys -----------------------------------------------------------------
def _key_file() -> Path:
    from toolkit.core.config import VAR_DIR

    return VAR_DIR / KEY_FILE_NAME


@lru_cache(maxsize=4)
def _secret_from(env_value: str | None, path: Path) -> bytes:
    if env_value:
        return env_value.encode("utf-8")
    try:
        if path.is_file():
            return path.read_bytes().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32).encode("ascii")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(value)
        return value
    except FileExistsError:
        return path.read_bytes().strip()
    except OSError as exc:
        raise DisclosureKeyError(
            f"Cannot read or create the disclosure key {path}: {exc.strerror}. Set "
            f"{KEY_ENV} to a long random text instead."
        ) from None


def secret() -> bytes:
    """This installation's secret for record keys and pseudonyms."""
    return _secret_from(os.environ.get(KEY_ENV), _key_file())


def record_keys(ids: Iterable[object]) -> np.ndarray:
    """One 64-bit record key per person: a keyed hash (BLAKE2b in its keyed mode, a MAC) of
    their id. The keyed state is set up once and copied per id, and the digests are read as one
    big-endian array: a few tenths of a microsecond each, the same keys as hashing each afresh."""
    key = hashlib.sha256(b"record|" + secret()).digest()
    keyed = hashlib.blake2b(key=key, digest_size=8)

    def digest(value: object) -> bytes:
        h = keyed.copy()
        h.update(str(value).encode("utf-8"))
        return h.digest()

    digests = b"".join(map(digest, ids))
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64) if digests else _NO_KEYS.copy()


def cell_key(keys: Iterable[int] | np.ndarray) -> int:
    """A cell's key: the sum of its members' record keys, modulo 2**64 (order does not matter)."""
    if hasattr(keys, "__array__"):  # an array or a column of keys: summed by numpy
        array = np.asarray(keys)
        if array.dtype == np.uint64:
            return int(array.sum(dtype=np.uint64))  # unsigned arithmetic wraps: modulo 2**64
    return int(sum(int(k) for k in keys) & _MASK)


def cell_keys(keys: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Cell keys of many cells at once: ``codes`` gives each record's cell (-1: none)."""
    out = np.zeros(n_groups, dtype=np.uint64)
    ok = codes >= 0
    np.add.at(out, codes[ok], keys[ok])  # unsigned arithmetic wraps: modulo 2**64
    return out


def _uniform(key: int, measure: str) -> float:
    digest = hashlib.blake2b(f"{int(key)}|{measure}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2.0**64


def perturbation(key: int, measure: str) -> float:
    """The cell's fixed perturbation for one measure, in (-1, 1), triangular around 0."""
    return _uniform(key, measure + "|a") - _uniform(key, measure + "|b")


def _uniforms(keys: Sequence[int], measure: str) -> np.ndarray:
    """:func:`_uniform` of many keys: one hash each, the digests read as one array."""
    suffix = f"|{measure}".encode()
    digests = b"".join(
        hashlib.blake2b(b"%d%b" % (key, suffix), digest_size=8).digest() for key in keys
    )
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2.0**64


def perturbations(keys: Iterable[int] | np.ndarray, measure: str) -> np.ndarray:
    """:func:`perturbation` of many cell keys at once (the same values, bit for bit): one
    hash pair per distinct key, the arithmetic on whole arrays."""
    keys = np.asarray(keys, dtype=np.uint64).ravel()
    if not keys.size:
        return np.array([], dtype=float)
    distinct, where = np.unique(keys, return_inverse=True)
    listed = distinct.tolist()  # Python ints: their decimal text is what the scalar path hashes
    return (_uniforms(listed, measure + "|a") - _uniforms(listed, measure + "|b"))[where]


# -- published figures -----------------------------------------------------------------------
@dataclass(frozen=True)
class Perturbation:
    """Published mean, SD and interval of a cell (unrounded: round with :func:`publish`)."""

    mean: float
    sd: float
    ci_low: float
    ci_high: float


def perturbed_mean(total: float, squares: float, n: int, key: int, measure: str) -> Perturbation:
    """Mean, SD and 95% t-interval from a perturbed sum and sum of squared deviations."""
    mean = (total + SUM_NOISE * perturbation(key, measure + "|sum")) / n
    spread = abs(squares + SPREAD_NOISE * perturbation(key, measure + "|ss"))
    sd = math.sqrt(spread / (n - 1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, max(n - 1, 1))) * sd / math.sqrt(n)
    return Perturbation(mean, sd, mean - half, mean + half)


def perturbed_means(
    total: np.ndarray, squares: np.ndarray, n: np.ndarray, keys: np.ndarray, measure: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Array form of :func:`perturbed_mean`: published (unrounded) mean, ci_low, ci_high; NaN
    where n < 2."""
    flat = [
        perturbed_mean(float(t), float(s), int(k_n), int(k), measure)
        if k_n >= 2
        else Perturbation(*(math.nan,) * 4)
        for t, s, k_n, k in zip(
            total.ravel(), squares.ravel(), n.ravel(), keys.ravel(), strict=True
        )
    ]
    shape = np.shape(total)
    return tuple(
        np.array([getattr(p, name) for p in flat], dtype=float).reshape(shape)
        for name in ("mean", "ci_low", "ci_high")
    )  # type: ignore[return-value]


def perturbed_count(count: int, key: int, measure: str, floor: int = 0) -> int:
    """A count moved by a fixed whole number from -COUNT_NOISE to COUNT_NOISE, never below
    ``floor`` (the threshold, for a shown group)."""
    moved = count + round(COUNT_NOISE * perturbation(key, measure + "|count"))
    return max(int(moved), floor)


def published_interval(values: Sequence[float], key: int, measure: str) -> Perturbation:
    """Mean and interval of a list of values, perturbed by the cell key and rounded."""
    array = np.asarray(values, dtype=float)
    mean = array.mean()
    raw = perturbed_mean(
        float(array.sum()), float(((array - mean) ** 2).sum()), array.size, key, measure
    )
    return Perturbation(*(publish(v) for v in (raw.mean, raw.sd, raw.ci_low, raw.ci_high)))


def perturbed_share(k: float, n: int, key: int, measure: str) -> Perturbation:
    """A percentage of ``k`` in ``n`` with its Jeffreys 95% interval, from ``k`` moved by the
    cell's fixed perturbation (up to ``SUM_NOISE``: a count is a sum of 0s and 1s) and kept
    within 0..n (unrounded: round with :func:`publish` and ``SHARE_DECIMALS``)."""
    moved = min(max(k + SUM_NOISE * perturbation(key, measure + "|sum"), 0.0), float(n))
    alpha = 1 - CONFIDENCE
    low = 0.0 if moved <= 0 else float(stats.beta.ppf(alpha / 2, moved + 0.5, n - moved + 0.5))
    high = 1.0 if moved >= n else float(stats.beta.ppf(1 - alpha / 2, moved + 0.5, n - moved + 0.5))
    share = moved / n
    return Perturbation(
        100 * share, 100 * math.sqrt(share * (1 - share) / n), 100 * low, 100 * high
    )


def published_share(k: float, n: int, key: int, measure: str) -> Perturbation:
    """:func:`perturbed_share` as published: whole percent."""
    raw = perturbed_share(k, n, key, measure)
    return Perturbation(
        *(publish(v, SHARE_DECIMALS) for v in (raw.mean, raw.sd, raw.ci_low, raw.ci_high))
    )


def pseudonym(value: str, purpose: str = "self_code") -> str:
    """A keyed hash standing in for an identifier (a self code) in files for analysts: the same
    code gives the same pseudonym, and without the secret it cannot be turned back."""
    digest = hmac.new(secret(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:16]}"
