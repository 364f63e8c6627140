"""The reflections store: append-only, idempotent, versioned, and nothing lost under load."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest
import sqlalchemy as sa

from toolkit.reflect.store import Rating, Reflection, ReflectionStore, StoreError

PROCESSES = 30
PER_PROCESS = 100


def reflection(n: int = 0, **overrides) -> Reflection:
    fields = dict(
        submission_id=f"sub-{n:06d}",
        session_id="intake_north-20270201-0930",
        team_id="intake_north",
        language="en",
        ratings={"language_access.working_with_interpreters": Rating(before=2, now=4)},
        prompts={"description": "Role-play with an interpreter", "action": "Brief first"},
        commitment="Brief the interpreter before every appointment",
        commitment_date=date(2027, 3, 1),
        relevance=5,
        usefulness=4,
    )
    fields.update(overrides)
    return Reflection(**fields)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/reflections.sqlite"


def test_save_then_load_round_trip(url):
    store = ReflectionStore(url)
    assert store.save(reflection(1)) is True
    [back] = store.load(session_id="intake_north-20270201-0930")
    assert back.ratings["language_access.working_with_interpreters"] == Rating(before=2, now=4)
    assert back.commitment_date == date(2027, 3, 1)
    assert store.load(session_id="other") == []


def test_the_same_submission_is_stored_once(url):
    store = ReflectionStore(url)
    assert store.save(reflection(7)) is True
    assert store.save(reflection(7)) is False  # a double click, a reload, a retry
    assert store.count() == 1


def test_rows_cannot_be_changed_or_deleted(url):
    store = ReflectionStore(url)
    store.save(reflection(1))
    with (
        store.engine.begin() as connection,
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
    ):
        connection.execute(sa.text("UPDATE reflections SET commitment = 'x'"))
    with (
        store.engine.begin() as connection,
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
    ):
        connection.execute(sa.text("DELETE FROM reflections"))
    assert store.count() == 1


def test_sqlite_runs_in_wal_mode_with_full_sync(url):
    store = ReflectionStore(url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_schema_is_versioned_and_a_newer_one_is_refused(url):
    store = ReflectionStore(url)
    assert store.revision() == "0002"
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreError, match="schema revision 0099, written by a newer version"):
        ReflectionStore(url)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(ratings={"x": {"before": 0, "now": 3}}), "greater than or equal to 1"),
        (dict(relevance=6), "less than or equal to 5"),
        (dict(schema_version=2), "reflection schema version 2"),
        (dict(prompts={"gossip": "x"}), "unknown prompts"),
        (dict(commitment=""), "at least 1 character"),
    ],
)
def test_invalid_reflections_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        reflection(1, **bad)


def test_unusable_url_is_a_plain_error():
    with pytest.raises(StoreError, match="Cannot use the database URL"):
        ReflectionStore("nosuchdb://here")


def _submit_many(url: str, worker: int, start: mp.Event) -> None:
    store = ReflectionStore(url)
    start.wait()
    for k in range(PER_PROCESS):
        item = reflection(worker * PER_PROCESS + k, team_id=f"team-{worker}")
        store.save(item)
        if k % 10 == 0:  # some participants double-click
            store.save(item)


def test_thirty_processes_at_once_lose_nothing_and_double_nothing(url):
    ReflectionStore(url)  # created once, as the server would
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    workers = [ctx.Process(target=_submit_many, args=(url, w, start)) for w in range(PROCESSES)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    store = ReflectionStore(url)
    assert store.count() == PROCESSES * PER_PROCESS
    ids = [r.submission_id for r in store.load()]
    assert len(set(ids)) == len(ids) == 3000


def _open_and_save(url: str, n: int, start: mp.Event) -> None:
    start.wait()
    ReflectionStore(url).save(reflection(n))


def test_many_processes_creating_a_new_database_at_once(url):
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    workers = [ctx.Process(target=_open_and_save, args=(url, n, start)) for n in range(8)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert ReflectionStore(url).count() == 8


KILLED_AFTER_ACK = """
import sys
from toolkit.reflect.store import ReflectionStore, Reflection, Rating
store = ReflectionStore(sys.argv[1])
store.save(Reflection(submission_id="acked", session_id="s", language="ar",
                      ratings={"c.x": Rating(before=1, now=2)}, commitment="x",
                      relevance=3, usefulness=3))
print("ACK", flush=True)
import time; time.sleep(60)
"""


def test_an_acknowledged_submission_survives_a_kill_right_after(url):
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_AFTER_ACK, url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ACK"
    process.kill()  # SIGKILL: no clean shutdown, no WAL checkpoint
    process.wait()
    assert ReflectionStore(url).has("acked")


def test_submissions_beyond_the_cap_are_kept_but_flagged(url):
    store = ReflectionStore(url)
    saved = [store.save(reflection(n), cap=3) for n in range(5)]
    assert saved == [True] * 5  # nothing refused: the participant's words are kept
    flags = [r.over_cap for r in store.load()]
    assert flags == [False, False, False, True, True]
    assert store.counts() == {"intake_north-20270201-0930": (3, 2)}
    # another session has its own cap
    store.save(reflection(9, session_id="intake_south-20270201-0930"), cap=3)
    assert store.counts()["intake_south-20270201-0930"] == (1, 0)


def test_a_store_of_the_first_schema_is_upgraded_with_nothing_flagged(url):
    store = ReflectionStore(url, migrate=False)
    with store.engine.begin() as connection:
        store._alembic.attributes["connection"] = connection
        from alembic import command

        command.upgrade(store._alembic, "0001")
        connection.execute(
            sa.text(
                "INSERT INTO reflections (submission_id, schema_version, session_id, language, "
                "ratings, prompts, commitment, relevance, usefulness, submitted_at) VALUES "
                "('old', 1, 's-20270101-0900', 'en', '{\"a\": {\"before\": 1, \"now\": 2}}', "
                "'{}', 'c', 3, 3, '2027-01-01 10:00:00')"
            )
        )
    upgraded = ReflectionStore(url)
    assert upgraded.revision() == "0002"
    assert [r.over_cap for r in upgraded.load()] == [False]
