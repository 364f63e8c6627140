"""The reflections as columns (issue 17): the store computes what the evaluation reads, in one
query, on SQLite and PostgreSQL alike, and the evaluation gives the same figures from them as
from the reflection objects."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.evaluate.test_levels import Q1, Q2, cohort, reflection
from toolkit.evaluate.levels import evaluate
from toolkit.reflect.store import (
    REFLECTION_COLUMNS,
    Rating,
    Reflection,
    reflections_as_columns,
    upgrade_schema,
)


def _items() -> list[Reflection]:
    items = cohort("a", Q1, 7, seed=1) + cohort("a", Q2, 6, seed=2) + cohort("b", Q1, 5, seed=3)
    several = reflection("b", Q2, 1).model_copy(
        update={
            "ratings": {
                "x.one": Rating(before=1, now=4),
                "x.two": Rating(before=3, now=2),
                "x.three": Rating(before=2, now=2),
            }
        }  # fmt: skip
    )  # a mean change of 2/3: not a whole number
    nameless = reflection("c", Q2, 2).model_copy(update={"team_id": None})
    return [*items, several, nameless]


def test_the_stores_columns_are_the_objects_columns(store_url):
    store = upgrade_schema(store_url)
    items = _items()
    for item in items:
        assert store.save(item)
    flagged = reflection("b", Q2, 9)
    assert store.save(flagged, cap=1) and store.save(reflection("b", Q2, 10), cap=1)
    columns = store.load_columns()
    assert list(columns.columns) == list(REFLECTION_COLUMNS)
    from_objects = reflections_as_columns(store.load())
    assert len(columns) == len(items) + 2
    assert columns["over_cap"].tolist() == from_objects["over_cap"].tolist()
    assert columns["over_cap"].sum() == 2  # the session already had one: both beyond
    for name in ("submission_id", "team_id", "session_id", "self_code", "usefulness", "relevance"):
        assert columns[name].tolist() == from_objects[name].tolist(), name
    assert columns["then_test_change"].tolist() == from_objects["then_test_change"].tolist()
    assert 2 / 3 in columns["then_test_change"].tolist()
    assert isinstance(columns["submitted_at"].dtype, pd.DatetimeTZDtype)  # parsed, in UTC
    assert str(columns["submitted_at"].dt.tz) == "UTC"
    dates = pd.to_datetime(columns["submitted_at"], utc=True)
    assert dates.tolist() == pd.to_datetime(from_objects["submitted_at"], utc=True).tolist()


def test_the_evaluation_of_columns_is_the_evaluation_of_objects(store_url):
    store = upgrade_schema(store_url)
    for item in _items():
        store.save(item)
    from_columns = evaluate(store.load_columns(), threshold=5)
    from_objects = evaluate(store.load(), threshold=5)
    pd.testing.assert_frame_equal(from_columns.figures, from_objects.figures)
    assert from_columns.notices == from_objects.notices
    assert "reflection(s) name no team" in " ".join(from_columns.notices)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/reflections.sqlite"
    return request.getfixturevalue("postgres").new_database()


def test_an_empty_store_gives_the_columns_and_no_figures(store_url):
    columns = upgrade_schema(store_url).load_columns()
    assert list(columns.columns) == list(REFLECTION_COLUMNS) and columns.empty
    assert evaluate(columns, threshold=5).figures.empty
