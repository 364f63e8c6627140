"""The reflections store, on SQLite and on a real PostgreSQL server: append-only, idempotent,
versioned, created only on request, and nothing lost under load."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import subprocess
import sys
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from toolkit.reflect.store import (
    Rating,
    Reflection,
    ReflectionStore,
    SchemaNotReady,
    StoreError,
    _switch_to_wal,
    grant_app_role,
    head_revision,
    migrate_schema,
    schema_state,
    upgrade_schema,
)

PROCESSES = 30
PER_PROCESS = 100
ENGINES = ["sqlite", "postgresql"]


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


@pytest.fixture(params=ENGINES)
def empty_url(request, tmp_path) -> str:
    """A database with no tables yet: a new SQLite file's URL, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/reflections.sqlite"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def url(empty_url) -> str:
    """A database made ready by ``cct db upgrade``, as an administrator would."""
    upgrade_schema(empty_url).engine.dispose()
    return empty_url


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


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


def test_truncate_is_refused_too(postgres):
    url = postgres.new_database()
    store = upgrade_schema(url)
    store.save(reflection(1))
    with (
        store.engine.begin() as connection,
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
    ):
        connection.execute(sa.text("TRUNCATE reflections"))
    assert store.count() == 1


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    store = upgrade_schema(f"sqlite:///{tmp_path}/r.sqlite")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_schema_is_versioned_and_a_newer_one_is_refused(url):
    store = ReflectionStore(url)
    assert store.revision() == head_revision() == "0005"
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    store.engine.dispose()
    with pytest.raises(StoreError, match="schema revision 0099, written by a newer version"):
        ReflectionStore(url)
    with pytest.raises(StoreError, match="schema revision 0099, written by a newer version"):
        upgrade_schema(url)  # nothing is changed either


def test_opening_never_creates_tables(empty_url, tmp_path):
    with pytest.raises(SchemaNotReady, match=r"cct db upgrade --store"):
        ReflectionStore(empty_url)
    assert schema_state(empty_url) == (None, head_revision())
    if empty_url.startswith("sqlite"):
        assert not (tmp_path / "reflections.sqlite").exists()  # not even an empty file
    else:
        assert tables(empty_url) == []
    store = upgrade_schema(empty_url)  # the explicit way
    assert store.save(reflection(1)) is True
    assert schema_state(empty_url) == (head_revision(), head_revision())


def test_an_older_schema_is_upgraded_on_request_keeping_every_row(empty_url):
    migrate_schema(empty_url, revision="0001")
    with pytest.raises(SchemaNotReady, match="has schema revision 0001; this toolkit needs 0005"):
        ReflectionStore(empty_url)
    engine = sa.create_engine(empty_url)
    with engine.begin() as connection:  # a row written by the older toolkit
        connection.execute(
            sa.text(
                "INSERT INTO reflections (submission_id, schema_version, session_id, language, "
                "ratings, prompts, commitment, relevance, usefulness, submitted_at) VALUES "
                "('old', 1, 's', 'en', '{\"c.x\": {\"before\": 1, \"now\": 2}}', '{}', "
                "'x', 3, 3, '2026-01-01 10:00:00+00:00')"
            )
        )
    engine.dispose()
    store = upgrade_schema(empty_url)
    assert store.revision() == "0005" and store.has("old") and store.count() == 1
    assert [r.over_cap for r in store.load()] == [False]  # nothing older is flagged


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


@pytest.fixture
def processes():
    """Separate processes, as app servers are, started from a fork server that has imported
    this module once: thirty spawned interpreters each importing SQLAlchemy and the toolkit
    cost the suite a minute on a 2-core machine and test nothing more.

    The fork server is one per Python process: it is stopped after the test, so that the
    serve tests' kernel fork server starts with its own imports, not with this module's."""
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    try:
        yield ctx
    finally:
        forkserver._forkserver._stop()
        ctx.set_forkserver_preload(["__main__"])  # multiprocessing's own default


def _submit_many(url: str, worker: int, start: mp.Event, answers: mp.Queue) -> None:
    store = ReflectionStore(url)
    start.wait()
    first = again = 0
    for k in range(PER_PROCESS):
        item = reflection(worker * PER_PROCESS + k, team_id=f"team-{worker}")
        first += store.save(item)
        if k % 10 == 0:  # some participants double-click
            again += not store.save(item)  # answered "already sent"
    answers.put((worker, first, again))


@pytest.mark.timeout(600)
def test_thirty_processes_at_once_lose_nothing_and_double_nothing(url, processes):
    ctx = processes
    start, answers = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_submit_many, args=(url, w, start, answers)) for w in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    start.set()
    reported = [answers.get(timeout=540) for _ in workers]  # generous: a shared, loaded machine
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    # every participant's first submission was answered "saved", every repeat "already sent"
    assert sorted(reported) == [(w, PER_PROCESS, PER_PROCESS // 10) for w in range(PROCESSES)]
    store = ReflectionStore(url)
    assert store.count() == PROCESSES * PER_PROCESS
    ids = [r.submission_id for r in store.load()]
    assert len(set(ids)) == len(ids) == 3000


def _upgrade_and_save(url: str, n: int, start: mp.Event) -> None:
    start.wait()
    assert upgrade_schema(url).save(reflection(n)) is True


def test_many_processes_upgrading_a_new_database_at_once(empty_url, processes):
    ctx = processes
    start = ctx.Event()
    workers = [ctx.Process(target=_upgrade_and_save, args=(empty_url, n, start)) for n in range(8)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    store = ReflectionStore(empty_url)
    assert store.count() == 8
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_new_file_locked_by_another_connection_still_turns_to_wal(tmp_path, monkeypatch):
    """The deadlock two processes switching a new file to WAL can meet, made on purpose: the
    other connection holds the write lock and the switch gets "database is locked" at once
    (no busy wait). It must be retried until the lock goes, not fail the upgrade (it did,
    one CI run in a few: eight processes upgrading a new database)."""
    path = tmp_path / "new.sqlite"
    monkeypatch.setattr("toolkit.reflect.store.WAL_SWITCH_PATIENCE_S", 10.0)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE t (x)")
    switching = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    switching.execute("PRAGMA busy_timeout=0")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        switching.execute("PRAGMA journal_mode=WAL")  # what happens without the retry
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    _switch_to_wal(switching.cursor())
    assert switching.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    switching.close()
    holder.close()


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
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_AFTER_ACK, url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ACK"
    process.kill()  # SIGKILL: no clean shutdown, no WAL checkpoint
    process.wait()
    assert ReflectionStore(url).has("acked")


APP = "cct_app"


def database_of(url: str) -> str:
    return sa.engine.make_url(url).database


def test_the_app_can_run_under_a_role_that_cannot_alter_the_table(postgres):
    """The README's recipe, then what a compromised app (or a mistaken script) would try."""
    owner_url = postgres.new_database()
    upgrade_schema(owner_url).engine.dispose()
    postgres.sql(f"CREATE ROLE {APP} LOGIN PASSWORD 'app-secret'")
    try:
        assert grant_app_role(APP, owner_url)
        store = ReflectionStore(postgres.url(database_of(owner_url), APP))
        assert store.save(reflection(1)) is True and store.save(reflection(1)) is False
        assert [r.submission_id for r in store.load()] == ["sub-000001"]
        for attack in [
            "UPDATE reflections SET commitment = 'x'",
            "DELETE FROM reflections",
            "TRUNCATE reflections",
            "ALTER TABLE reflections DISABLE TRIGGER ALL",
            "DROP TRIGGER reflections_append_only ON reflections",
            "CREATE OR REPLACE FUNCTION reflections_append_only() RETURNS trigger AS "
            "$$ BEGIN RETURN OLD; END $$ LANGUAGE plpgsql",
            "ALTER TABLE reflections DROP COLUMN commitment",
            "DROP TABLE reflections",
            "UPDATE alembic_version SET version_num = '0001'",
            "CREATE TABLE elsewhere (x int)",
        ]:
            with (
                store.engine.begin() as connection,
                pytest.raises(sa.exc.DBAPIError, match="permission denied|must be owner"),
            ):
                connection.exec_driver_sql(attack)
        store.engine.dispose()
        assert ReflectionStore(owner_url).count() == 1
        fresh = postgres.new_database()  # nor can the app make tables in an empty database
        with pytest.raises(StoreError, match="Cannot upgrade .* permission denied"):
            upgrade_schema(postgres.url(database_of(fresh), APP))
        assert tables(fresh) == []
    finally:
        postgres.sql(f'DROP DATABASE "{database_of(owner_url)}" WITH (FORCE)')
        postgres.sql(f"DROP OWNED BY {APP}; DROP ROLE {APP}")


def test_granting_needs_postgresql_and_an_existing_role(tmp_path, postgres):
    with pytest.raises(StoreError, match="not a PostgreSQL database; roles exist only there"):
        grant_app_role(APP, upgrade_schema(f"sqlite:///{tmp_path}/r.sqlite").url)
    url = postgres.new_database()
    upgrade_schema(url).engine.dispose()
    with pytest.raises(StoreError, match="There is no role 'nobody'"):
        grant_app_role("nobody", url)


def test_a_password_is_never_shown_in_an_error():
    with pytest.raises(StoreError) as info:
        ReflectionStore("postgresql+psycopg://cct:s3cret-pw@127.0.0.1:1/cct?connect_timeout=3")
    assert "Cannot open the reflections database" in str(info.value)
    assert "s3cret-pw" not in str(info.value) and "***" in str(info.value)


def test_submissions_beyond_the_cap_are_kept_but_flagged(url):
    store = ReflectionStore(url)
    saved = [store.save(reflection(n), cap=3) for n in range(5)]
    assert saved == [True] * 5  # nothing refused: the participant's words are kept
    flags = [r.over_cap for r in sorted(store.load(), key=lambda r: r.submission_id)]
    assert flags == [False, False, False, True, True]
    assert store.counts() == {"intake_north-20270201-0930": (3, 2)}
    # another session has its own cap
    store.save(reflection(9, session_id="intake_south-20270201-0930"), cap=3)
    assert store.counts()["intake_south-20270201-0930"] == (1, 0)
