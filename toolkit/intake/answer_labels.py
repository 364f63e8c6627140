"""Answers as survey tools export them → points on the framework's scale.

An answer may arrive as a number (``4``, ``4.0``, ``4,0`` with a decimal comma), as a label of
the framework's agreement scale in any of its languages (``Strongly agree``, ``Totalmente de
acuerdo``, ``Tout à fait d'accord``, ``أوافق بشدة`` …), as ``4 - Agree`` (code and label), as a
label of another scale listed in ``data/answer_labels.yaml`` (frequency scales), or as a marker
of no answer (``N/A``, ``Don't know`` … also in that file), which is read as blank, never as 0.

Answers are kept on the raw scale: a reverse-scored item's "Strongly agree" is 5 here, and
:mod:`toolkit.assess.assessment` flips it (6 − 5) when it scores competencies.

Decoding works on the *distinct* answers of a column, never row by row: a column of 100,000
answers holds a handful of distinct texts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import DataFileError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.paths import DATA_DIR
from toolkit.core.text_keys import text_key

__all__ = [
    "ANSWER_LABELS_FILE",
    "AnswerVocabulary",
    "Decoded",
    "OK",
    "BLANK",
    "UNKNOWN",
    "OFF_SCALE",
    "answer_vocabulary",
    "load_label_file",
]

ANSWER_LABELS_FILE = DATA_DIR / "answer_labels.yaml"

# status of each decoded answer
OK, BLANK, UNKNOWN, OFF_SCALE = 0, 1, 2, 3

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_CODE_FIRST = re.compile(r"^\(?\s*(\d+)\s*\)?\s*[-–—=:.)]\s*\S")  # "4 - Agree", "4. Agree"
_CODE_LAST = re.compile(r"\S\s*\(\s*(\d+)\s*\)\s*$")  # "Agree (4)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleSpec(_Strict):
    id: str
    description: str = ""
    points: dict[int, dict[str, list[str]]]


class LabelFile(_Strict):
    missing: dict[str, list[str]]
    scales: list[ScaleSpec] = []


def load_label_file(path: Path | str = ANSWER_LABELS_FILE) -> LabelFile:
    """Read and check ``data/answer_labels.yaml``; every problem is named with its place."""
    path = Path(path)
    spec = load_model(path, LabelFile, "the answer label file")
    missing = {text_key(w) for words in spec.missing.values() for w in words}
    for scale in spec.scales:
        seen: dict[str, int] = {}
        for point, languages in scale.points.items():
            for words in languages.values():
                for word in words:
                    key = text_key(word)
                    if not key:
                        raise DataFileError(f"{path}: scale '{scale.id}' has an empty label")
                    if key in missing:
                        raise DataFileError(
                            f"{path}: '{word}' is both a missing-answer marker and a label of "
                            f"scale '{scale.id}'"
                        )
                    if seen.setdefault(key, point) != point:
                        raise DataFileError(
                            f"{path}: in scale '{scale.id}', '{word}' is given for point "
                            f"{seen[key]} and for point {point}; a label may count as one "
                            "point only"
                        )
    return spec


@dataclass(frozen=True)
class Decoded:
    """Distinct answers of one column, decoded: value (NaN unless OK) and status for each."""

    values: np.ndarray  # float64
    status: np.ndarray  # int8: OK, BLANK, UNKNOWN, OFF_SCALE
    scale: str  # id of the label scale the column was read with


@dataclass(frozen=True)
class AnswerVocabulary:
    """Every label the import understands, as text keys → points on the framework's scale."""

    minimum: int
    maximum: int
    scales: tuple[tuple[str, dict[str, int]], ...]  # (scale id, key → point); agreement first
    missing: frozenset[str]

    @property
    def example_labels(self) -> str:
        return "'Strongly agree', 'Totalmente de acuerdo', 'Frequently'"

    def _number(self, text: str) -> tuple[float, int]:
        value = float(text.replace(",", "."))
        if math.isfinite(value) and value == int(value) and self.minimum <= value <= self.maximum:
            return value, OK
        return math.nan, OFF_SCALE

    def decode_one(
        self, raw: str, labels: dict[str, int], agreement_only: bool = False
    ) -> tuple[float, int]:
        text = raw.strip()
        if not text:
            return math.nan, BLANK
        if _NUMBER.match(text):
            return self._number(text)
        key = text_key(text)
        if not key or key in self.missing:
            return math.nan, BLANK
        if key in labels:
            return float(labels[key]), OK
        scales = self.scales[:1] if agreement_only else self.scales
        for _, other in scales:  # a label of another scale, if it means one thing in all
            if key in other and all(o.get(key, other[key]) == other[key] for _, o in scales):
                return float(other[key]), OK
        code = _CODE_FIRST.match(text) or _CODE_LAST.search(text)
        if code:
            return self._number(code.group(1))
        return math.nan, UNKNOWN

    def decode(self, distinct: list[str] | np.ndarray, agreement_only: bool = False) -> Decoded:
        """Decode a column's distinct answers, with the label scale most of them belong to.

        Ties go to the first scale: the framework's agreement scale, then the label file's order.
        With ``agreement_only``, only the framework's own labels and the missing markers count
        (the toolkit's own layouts, which are written on the framework's scale).
        """
        keys = {text_key(str(d)) for d in distinct}
        best_id, best = self.scales[0]
        best_count = len(keys & best.keys())
        for scale_id, labels in [] if agreement_only else self.scales[1:]:
            count = len(keys & labels.keys())
            if count > best_count:
                best_id, best, best_count = scale_id, labels, count
        values = np.full(len(distinct), np.nan)
        status = np.zeros(len(distinct), dtype=np.int8)
        for k, raw in enumerate(distinct):
            values[k], status[k] = self.decode_one(str(raw), best, agreement_only)
        return Decoded(values, status, best_id)


def build_vocabulary(framework: Framework, spec: LabelFile) -> AnswerVocabulary:
    lo, hi = framework.scale.minimum, framework.scale.maximum
    agreement: dict[str, int] = {}
    for labels in framework.scale.labels.values():
        for offset, label in enumerate(labels):
            agreement.setdefault(text_key(label), lo + offset)
    scales = [("agreement", agreement)]
    for scale in spec.scales:
        points: dict[str, int] = {}
        for point, languages in scale.points.items():
            if not lo <= point <= hi:
                raise DataFileError(
                    f"answer labels: scale '{scale.id}' uses point {point}, outside the "
                    f"framework's scale {lo}–{hi}"
                )
            for words in languages.values():
                for word in words:
                    points[text_key(word)] = point
        scales.append((scale.id, points))
    missing = frozenset(text_key(w) for words in spec.missing.values() for w in words)
    return AnswerVocabulary(lo, hi, tuple(scales), missing)


@lru_cache(maxsize=4)
def _default_vocabulary() -> AnswerVocabulary:
    return build_vocabulary(default_framework(), load_label_file())


def answer_vocabulary(framework: Framework | None = None) -> AnswerVocabulary:
    """The vocabulary for a framework (the bundled one by default), with the bundled label file."""
    if framework is None or framework is default_framework():
        return _default_vocabulary()
    return build_vocabulary(framework, load_label_file())
