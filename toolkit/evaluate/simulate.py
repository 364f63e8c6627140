"""Synthetic self-generated codes over two cycles, with the slips real people make.

Used by the linking benchmark, the tests and the sample organisation. Each person's code follows
the reflection form's recipe: the first two letters of their mother's first name, the day they
were born (two digits) and the last letter of their own first name (``MA07N``). Names are drawn
from a list with very unequal frequencies (as real first names are), so strangers share codes
about as often as they do in a real organisation. Between cycles some people leave and newcomers
arrive; a share of those who stay make exactly one slip in the later cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# first names as written in Latin letters, common across the staff of services for migrants;
# drawn with Zipf weights, so the first ones are far more frequent than the last
MOTHERS_NAMES = (
    "MARIA ANNA FATIMA SARA ELENA OLENA AMINA LAURA ROSA NADIA HANNA MARTA IRINA AISHA SOFIA "
    "ANA LUCIA MARIAM ZAINAB EVA CARMEN JULIA KATERINA LEILA NATALIA TATIANA CHRISTINE MONIQUE "
    "HALIMA KHADIJA BARBARA PATRICIA LINDA SUSAN MARGARET HELEN DOROTA AGNIESZKA YASMIN NOOR "
    "GRACE JOY ESTHER RUTH MIRIAM SVETLANA LUDMILA TERESA ISABEL PILAR"
).split()
OWN_LAST_LETTERS = "AEIONSLRYHDMKT"
ALPHABET = "ABCDEFGHIJKLMNOPRSTUVWYZ0123456789"


@dataclass(frozen=True)
class Slip:
    """How a code was mistyped: one of substitution, deletion, insertion, transposition."""

    kind: str
    position: int


def _zipf(n: int, rng: np.random.Generator, size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return rng.choice(n, size=size, p=weights / weights.sum())


def true_codes(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` people's codes, made by the form's recipe."""
    mothers = _zipf(len(MOTHERS_NAMES), rng, n)
    days = rng.integers(1, 32, size=n)
    last = _zipf(len(OWN_LAST_LETTERS), rng, n)
    return [
        f"{MOTHERS_NAMES[m][:2]}{d:02d}{OWN_LAST_LETTERS[k]}"
        for m, d, k in zip(mothers, days, last, strict=True)
    ]


def slip(code: str, rng: np.random.Generator) -> str:
    """The code with exactly one slip: a character changed, dropped, added, or two swapped."""
    kind = rng.choice(["substitution", "deletion", "insertion", "transposition"])
    if kind == "transposition":
        pairs = [i for i in range(len(code) - 1) if code[i] != code[i + 1]]
        if pairs:
            i = int(rng.choice(pairs))
            return code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        kind = "substitution"
    i = int(rng.integers(0, len(code)))
    if kind == "deletion":
        return code[:i] + code[i + 1 :]
    if kind == "insertion":
        return code[:i] + str(rng.choice(list(ALPHABET))) + code[i:]
    choices = [c for c in ALPHABET if c != code[i]]
    return code[:i] + str(rng.choice(choices)) + code[i + 1 :]


def two_cycles(
    teams: int,
    team_size: int,
    *,
    slip_share: float = 0.10,
    turnover: float = 0.20,
    seed: int = 17,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records of two cycles: columns ``id``, ``code``, ``team_id`` and the truth, ``person``.

    ``turnover`` of each team leaves after the first cycle and as many newcomers join;
    ``slip_share`` of those who stay make one slip in their code in the second cycle.
    """
    rng = np.random.default_rng(seed)
    n = teams * team_size
    newcomers = int(round(n * turnover))
    codes = true_codes(n + newcomers, rng)
    team_of = np.repeat(np.arange(teams), team_size)
    first = pd.DataFrame(
        {
            "id": [f"c1-{p}" for p in range(n)],
            "code": codes[:n],
            "team_id": [f"team{t:04d}" for t in team_of],
            "person": np.arange(n),
        }
    )
    leaving = rng.choice(n, size=newcomers, replace=False)
    staying = np.setdiff1d(np.arange(n), leaving)
    people = np.concatenate([staying, np.arange(n, n + newcomers)])
    teams_later = np.concatenate([team_of[staying], team_of[leaving]])  # newcomers fill places
    later_codes = [codes[p] for p in people]
    slipping = rng.random(len(staying)) < slip_share
    for k in np.flatnonzero(slipping):
        later_codes[k] = slip(later_codes[k], rng)
    order = rng.permutation(len(people))
    second = pd.DataFrame(
        {
            "id": [f"c2-{people[k]}" for k in order],
            "code": [later_codes[k] for k in order],
            "team_id": [f"team{teams_later[k]:04d}" for k in order],
            "person": people[order],
        }
    )
    return first, second


@dataclass(frozen=True)
class Accuracy:
    """How well links found the truth: shares of people who stayed, and of links made."""

    stayers: int
    links: int
    correct: int
    false: int

    @property
    def correct_share(self) -> float:
        return self.correct / self.stayers if self.stayers else 0.0

    @property
    def false_share(self) -> float:
        return self.false / self.links if self.links else 0.0


def accuracy(links, first: pd.DataFrame, second: pd.DataFrame) -> Accuracy:
    """Score links (anything with ``.earlier`` and ``.later`` ids) against the ``person`` truth."""
    person_first = dict(zip(first["id"], first["person"], strict=True))
    person_second = dict(zip(second["id"], second["person"], strict=True))
    stayers = len(set(first["person"]) & set(second["person"]))
    correct = sum(1 for k in links if person_first[k.earlier] == person_second[k.later])
    return Accuracy(stayers, len(links), correct, len(links) - correct)
