"""The sample reflections: deterministic, in five languages, with a team under the threshold."""

from collections import Counter

import pytest

from toolkit.core.exceptions import DataFileError
from toolkit.debrief.summary import compute
from toolkit.reflect.sample import fill_sample_store, load_texts, sample_reflections
from toolkit.reflect.store import upgrade_schema


@pytest.fixture(scope="module")
def items():
    return sample_reflections()


def test_deterministic_for_a_seed(items):
    again = sample_reflections()
    assert [r.model_dump() for r in again] == [r.model_dump() for r in items]
    assert [r.model_dump() for r in sample_reflections(seed=1)] != [r.model_dump() for r in items]


def test_every_session_of_the_sample_in_five_languages(items):
    sessions = {r.session_id for r in items}
    assert len(sessions) == 14 and "intake_north-20270201-0930" in sessions
    assert set(Counter(r.language for r in items)) == {"en", "es", "fr", "ar", "uk"}
    assert all(r.session_id.startswith(r.team_id + "-") for r in items)
    assert any(r.self_code for r in items) and any(not r.self_code for r in items)


def test_the_debrief_has_a_story_to_tell(items):
    result = compute(items, threshold=5)
    by_team = {t.group_id: t for t in result.teams}
    assert by_team["product_data"].withheld, "a team under the threshold"
    at_threshold = [r for r in items if r.team_id == "housing_west"]
    assert len(at_threshold) == 5, "a team exactly at the threshold"
    assert not by_team["housing_west"].withheld  # shown (its published n is perturbed)
    shown = [t for t in result.teams if not t.withheld]
    assert all(t.competencies for t in shown)
    assert any(c.mean_change > 0.5 for t in shown for c in t.competencies)
    languages = {lang.language for t in shown for lang in t.themes if lang.themes}
    assert {"en", "es", "fr", "ar", "uk"} <= languages


def test_filling_a_store_twice_stores_once(tmp_path):
    store = upgrade_schema(f"sqlite:///{tmp_path}/r.sqlite")
    new, total = fill_sample_store(store)
    assert new == total == store.count()
    assert fill_sample_store(store) == (0, total)


def test_the_text_bank_is_complete(tmp_path):
    assert set(load_texts()) >= {"en", "es", "fr", "ar", "uk"}
    broken = tmp_path / "texts.yaml"
    broken.write_text("en:\n  description: [a]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="'en' has no sentences for feelings"):
        load_texts(broken)
