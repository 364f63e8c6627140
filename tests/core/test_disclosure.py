"""The disclosure-control module's own rules: keys, perturbations, precision, counts in words."""

import numpy as np
import pytest

from toolkit.core import disclosure
from toolkit.core.disclosure import (
    cell_key,
    censor_counts,
    perturbation,
    perturbed_count,
    perturbed_mean,
    pseudonym,
    publish,
    record_keys,
)


def test_the_same_people_give_the_same_cell_key_in_any_order():
    keys = record_keys(["a", "b", "c"])
    assert cell_key(keys) == cell_key(keys[::-1]) == cell_key(record_keys(["c", "a", "b"]))
    assert cell_key(record_keys(["a", "b"])) != cell_key(keys)


def test_record_keys_are_the_keyed_blake2b_of_each_id_as_text():
    """The record keys, however they are computed, are one keyed BLAKE2b of each id's text
    under this installation's secret (the definition every published figure rests on)."""
    import hashlib

    ids = [f"sub-{k}" for k in range(3000)] + [17, "é-ü", ""]
    key = hashlib.sha256(b"record|" + disclosure.secret()).digest()
    expected = [
        int.from_bytes(hashlib.blake2b(str(i).encode(), key=key, digest_size=8).digest())
        for i in ids
    ]
    got = record_keys(iter(ids))
    assert got.dtype == np.uint64 and got.tolist() == expected
    assert max(expected) > 2**63  # the top bit is used: no sign trouble in the array form
    assert record_keys([]).dtype == np.uint64 and record_keys([]).size == 0


def test_array_forms_of_cell_keys_and_perturbations_are_the_single_ones():
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 2**64 - 1, 5000, dtype=np.uint64, endpoint=True)
    keys[:4] = [0, 1, 2**63, 2**64 - 1]
    keys[4:40] = keys[40:76]  # repeated cells are computed once, given to each
    expected = [perturbation(int(k), "usefulness|sum") for k in keys]
    got = disclosure.perturbations(keys, "usefulness|sum")
    assert got.tolist() == expected  # bit for bit
    assert disclosure.perturbations([int(k) for k in keys[:9]], "x").tolist() == [
        perturbation(int(k), "x") for k in keys[:9]
    ]
    assert disclosure.perturbations(np.array([], dtype=np.uint64), "x").size == 0
    assert cell_key(keys) == sum(int(k) for k in keys) % 2**64 == cell_key(keys.tolist())


def test_perturbations_stay_within_their_bounds_and_average_zero():
    draws = np.array([perturbation(k, "score") for k in range(20_000)])
    assert draws.min() > -1 and draws.max() < 1
    assert abs(draws.mean()) < 0.02  # unbiased
    counts = [perturbed_count(10, k, "n") for k in range(2_000)]
    assert set(counts) <= set(range(10 - disclosure.COUNT_NOISE, 10 + disclosure.COUNT_NOISE + 1))
    assert all(perturbed_count(5, k, "n", floor=5) >= 5 for k in range(500))


def test_a_perturbed_mean_moves_at_most_sum_noise_over_n():
    for key in range(500):
        got = perturbed_mean(17.5, 0.0, 5, key, "score")
        assert abs(got.mean - 3.5) <= disclosure.SUM_NOISE / 5
        assert got.ci_low <= got.mean <= got.ci_high


def test_another_secret_gives_other_keys_and_pseudonyms(monkeypatch):
    first = (record_keys(["a"])[0], pseudonym("AB12"))
    monkeypatch.setenv(disclosure.KEY_ENV, "another installation")
    second = (record_keys(["a"])[0], pseudonym("AB12"))
    assert first[0] != second[0] and first[1] != second[1]
    assert "AB12" not in second[1]


def test_the_key_file_is_made_once_and_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv(disclosure.KEY_ENV)
    path = tmp_path / "var" / "disclosure.key"
    monkeypatch.setattr(disclosure, "_key_file", lambda: path)
    first = disclosure.secret()
    assert path.stat().st_mode & 0o777 == 0o600
    assert disclosure.secret() == first and len(first) >= 32


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("3 respondent(s) answered no item", "fewer than 5 respondent(s) answered no item"),
        ("12 respondent(s) belong to teams", "12 respondent(s) belong to teams"),
        ("4 reflection(s) name no team", "fewer than 5 reflection(s) name no team"),
        ("0 respondents", "0 respondents"),
        ("COM01 has 3 items", "COM01 has 3 items"),
    ],
)
def test_counts_of_people_under_the_threshold_are_said_in_words(text, said):
    assert censor_counts(text, 5) == said


def test_published_figures_have_one_decimal():
    assert publish(3.14159) == 3.1 and publish(float("nan")) is None and publish(None) is None


def test_a_perturbed_share_moves_at_most_one_in_n_and_keeps_its_interval():
    from scipy import stats

    from toolkit.core.disclosure import perturbed_share, published_share

    moved = []
    for key in range(500):
        got = perturbed_share(3, 10, key, "acted")
        assert abs(got.mean - 30) <= 100 * disclosure.SUM_NOISE / 10
        assert got.ci_low <= got.mean <= got.ci_high
        moved.append(got.mean)
    assert len({round(m, 6) for m in moved}) > 400  # a cell's own perturbation, not one shift
    assert perturbed_share(3, 10, 7, "acted") == perturbed_share(3, 10, 7, "acted")  # fixed
    edge = [perturbed_share(0, 10, key, "acted") for key in range(200)]
    assert all(e.mean >= 0 and e.ci_low >= 0 and e.ci_high <= 100 for e in edge)
    top = [perturbed_share(10, 10, key, "acted") for key in range(200)]
    assert all(t.mean <= 100 and t.ci_high <= 100 for t in top)
    raw = perturbed_share(3, 10, 11, "acted")
    k = raw.mean / 10  # the perturbed count behind the share
    assert raw.ci_low == pytest.approx(100 * stats.beta.ppf(0.025, k + 0.5, 10 - k + 0.5))
    whole = published_share(3, 10, 11, "acted")
    assert all(v == round(v) for v in (whole.mean, whole.ci_low, whole.ci_high))
