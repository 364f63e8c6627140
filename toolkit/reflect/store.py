"""The reflections store: SQLAlchemy, append-only, one transaction per submission.

* Any database by URL (:func:`toolkit.core.config.database_url`); SQLite by default, in WAL mode
  with ``synchronous=FULL``, so a submission is on disk when :meth:`ReflectionStore.save`
  returns, even if the server is killed right after.
* Idempotent: each form carries a ``submission_id`` made when the form is opened; saving it
  twice (a double click, a reload, a retry) stores it once.
* One code path on SQLite and PostgreSQL (``postgresql+psycopg://…``), tested on both.
* Versioned schema through Alembic (``toolkit/reflect/migrations``), managed explicitly:
  :func:`upgrade_schema` (``cct db upgrade``) creates or upgrades the tables; opening a store
  never does, so pointing the app at the wrong database cannot silently make an empty one. A
  database written by a newer toolkit is refused with a plain message instead of being misread.
* Append-only: database triggers refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE; on PostgreSQL
  the app can run under a role that may only SELECT and INSERT (:func:`grant_app_role`).
* Capped: a session's submissions beyond its cap (planned group size plus a margin) are kept
  but flagged ``over_cap``, in the same transaction that counts them.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel, ConfigDict, Field, field_validator

from toolkit.core.config import database_url
from toolkit.core.exceptions import ToolkitError
from toolkit.reflect import append_only

SCHEMA_VERSION = 1
MIGRATIONS = Path(__file__).parent / "migrations"
GIBBS_STAGES = ("description", "feelings", "evaluation", "analysis", "action")


class StoreError(ToolkitError, RuntimeError):
    """Raised when the store cannot be used (newer schema, unreachable database)."""


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    before: int = Field(ge=1, le=5)
    now: int = Field(ge=1, le=5)


class Reflection(BaseModel):
    """One participant's reflection on one session. Pseudonymous: no name, no e-mail."""

    model_config = ConfigDict(extra="forbid")

    submission_id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=64)
    schema_version: int = SCHEMA_VERSION
    session_id: str = Field(min_length=1, max_length=160)
    team_id: str | None = Field(default=None, max_length=120)
    language: str = Field(max_length=8)
    self_code: str | None = Field(default=None, max_length=40)
    ratings: dict[str, Rating] = Field(min_length=1)
    prompts: dict[str, str] = Field(default_factory=dict)
    commitment: str = Field(min_length=1, max_length=2000)
    commitment_date: date | None = None
    relevance: int = Field(ge=1, le=5)
    usefulness: int = Field(ge=1, le=5)
    over_cap: bool = False  # beyond the session's cap: kept, never counted
    submitted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("prompts")
    @classmethod
    def _known_prompts(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(GIBBS_STAGES))
        if unknown:
            raise ValueError(f"unknown prompts {unknown}; expected {list(GIBBS_STAGES)}")
        return {k: v[:4000] for k, v in value.items()}

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(
                f"reflection schema version {value}; this toolkit reads {SCHEMA_VERSION}"
            )
        return value


metadata = sa.MetaData()
reflections = sa.Table(
    "reflections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("session_id", sa.String(160), nullable=False),
    sa.Column("team_id", sa.String(120)),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("self_code", sa.String(40)),
    sa.Column("ratings", sa.JSON, nullable=False),
    sa.Column("prompts", sa.JSON, nullable=False),
    sa.Column("commitment", sa.Text, nullable=False),
    sa.Column("commitment_date", sa.Date),
    sa.Column("relevance", sa.Integer, nullable=False),
    sa.Column("usefulness", sa.Integer, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("over_cap", sa.Boolean, nullable=False, server_default=sa.false()),
)


WAL_SWITCH_PATIENCE_S = 60.0


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Turn a new file to WAL, waiting for the other processes doing the same.

    Two connections switching one new file at once can deadlock (each holds a read lock and
    wants the exclusive one); SQLite then answers "database is locked" at once, without its
    busy handler. Eight processes opening a new database together hit it about one time in ten.
    The switch is retried until it holds; once a file is WAL the pragma changes nothing.
    """
    deadline = time.monotonic() + WAL_SWITCH_PATIENCE_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" below open transactions
    cursor = dbapi_connection.cursor()
    # first: switching a new file to WAL needs its lock too, and must wait for it like a writer
    # (with Python's default 5 s, eight processes opening a new database at once could fail)
    cursor.execute("PRAGMA busy_timeout=60000")  # concurrent writers wait, they do not fail
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")  # durable at commit, not only at checkpoint
    cursor.close()


class SchemaNotReady(StoreError):
    """The database has no tables yet, or an older schema: ``cct db upgrade`` is needed."""


def _open_engine(url: str | None) -> tuple[str, sa.Engine]:
    resolved = database_url(url)
    try:
        engine = sa.create_engine(resolved, pool_pre_ping=True)
    except ImportError as exc:
        raise StoreError(
            f"Cannot use the database URL {display_url(resolved)}: its driver is not installed "
            f"({exc}). For PostgreSQL use postgresql+psycopg://… (psycopg comes with the toolkit)."
        ) from None
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"Cannot use the database URL {resolved!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # transactional DDL, and the write lock taken at the start of a transaction, so
        # concurrent writers queue (busy_timeout) instead of failing midway
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return resolved, engine


def display_url(url: str | sa.URL) -> str:
    """The URL as it may be printed: never with its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return str(url)


def _sqlite_file(engine: sa.Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Path(database)


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The schema revision this toolkit reads and writes."""
    return _scripts().get_current_head()


def _revision(engine: sa.Engine, shown: str) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"Cannot open the reflections database {shown}: {_reason(exc)}") from None


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The driver's own message, first line, without SQLAlchemy's boilerplate."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


def schema_state(url: str | None = None) -> tuple[str | None, str]:
    """(the database's schema revision or None if it has no tables, this toolkit's head)."""
    resolved, engine = _open_engine(url)
    try:
        missing = _sqlite_file(engine)
        if missing is not None and not missing.is_file():
            return None, head_revision()
        return _revision(engine, display_url(resolved)), head_revision()
    finally:
        engine.dispose()


def upgrade_schema(url: str | None = None) -> ReflectionStore:
    """Create the tables, or bring an older schema to this toolkit's; refuse a newer one.

    The one place tables are made (``cct db upgrade``). Safe to run from several processes at
    once: PostgreSQL takes an advisory lock, SQLite its write lock (``BEGIN IMMEDIATE``).
    Returns the store, open.
    """
    return ReflectionStore(migrate_schema(url))


def migrate_schema(url: str | None = None, revision: str = "head") -> str:
    """Bring the schema to ``revision`` (an older one only to test upgrades); the URL used."""
    resolved, engine = _open_engine(url)
    shown = display_url(resolved)
    scripts = _scripts()
    head = scripts.get_current_head()
    known = {s.revision for s in scripts.walk_revisions()}
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7215190019)")
            current = MigrationContext.configure(connection).get_current_revision()
            if current is not None and current not in known:
                raise StoreError(_newer(shown, current, head))
            if current != (head if revision == "head" else revision):
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                alembic_command.upgrade(config, revision)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(
            f"Cannot upgrade the reflections database {shown}: {_reason(exc)}"
        ) from None
    engine.dispose()
    return resolved


def grant_app_role(role: str, url: str | None = None) -> list[str]:
    """Let an existing PostgreSQL role read and add reflections, and nothing else.

    The app then runs under that role: it cannot UPDATE, DELETE, TRUNCATE, ALTER or DROP the
    table nor touch its triggers (only the owner, who ran ``cct db upgrade``, can). Returns
    the statements run. SQLite has no roles: protect its file instead.
    """
    resolved, engine = _open_engine(url)
    shown = display_url(resolved)
    try:
        if engine.dialect.name != "postgresql":
            raise StoreError(
                f"{shown} is not a PostgreSQL database; roles exist only there (for SQLite, "
                "let only the app's user write the file)."
            )
        ReflectionStore(resolved).engine.dispose()  # the schema must be there and current
        quote = engine.dialect.identifier_preparer.quote
        with engine.begin() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).first()
            if exists is None:
                raise StoreError(
                    f"There is no role {role!r} in {shown}. Create it first, e.g. "
                    f"CREATE ROLE {quote(role)} LOGIN PASSWORD '…';"
                )
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence('reflections', 'id')")
            ).scalar_one()
            checkin_sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence('checkins', 'id')")
            ).scalar_one()
            feedback_sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence('client_feedback', 'id')")
            ).scalar_one()
            statements = [
                f"GRANT USAGE ON SCHEMA {quote(connection.exec_driver_sql('SELECT current_schema()').scalar_one())} TO {quote(role)}",
                f"GRANT SELECT, INSERT ON reflections TO {quote(role)}",
                f"GRANT USAGE ON SEQUENCE {sequence} TO {quote(role)}",
                f"GRANT SELECT, INSERT ON checkins TO {quote(role)}",
                f"GRANT USAGE ON SEQUENCE {checkin_sequence} TO {quote(role)}",
                f"GRANT SELECT, INSERT ON client_feedback TO {quote(role)}",
                f"GRANT USAGE ON SEQUENCE {feedback_sequence} TO {quote(role)}",
                f"GRANT SELECT ON alembic_version TO {quote(role)}",
            ]
            for statement in statements:
                connection.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"Cannot grant {role!r} access to {shown}: {_reason(exc)}") from None
    finally:
        engine.dispose()
    return statements


def _newer(shown: str, current: str, head: str) -> str:
    return (
        f"The reflections database {shown} has schema revision {current}, written by a newer "
        f"version of the toolkit (this one knows up to {head}). Upgrade the toolkit; nothing "
        "was changed."
    )


#: what :meth:`ReflectionStore.load_columns` gives, one column each: what the evaluation reads
#: of a reflection ("then_test_change": the mean of now − before over its rated competencies)
REFLECTION_COLUMNS = (
    "submission_id",
    "team_id",
    "session_id",
    "self_code",
    "submitted_at",
    "usefulness",
    "relevance",
    "over_cap",
    "then_test_change",
)

# the mean change in confidence of each reflection, computed by the database from its JSON
# ratings (both engines have json_each), so that no reflection has to become a Python object
_MEAN_CHANGE_SQL = {
    "sqlite": "(SELECT AVG(json_extract(j.value, '$.now') - json_extract(j.value, '$.before')) "
    "FROM json_each(reflections.ratings) AS j)",
    "postgresql": "(SELECT CAST(AVG(CAST(j.value ->> 'now' AS integer) - "
    "CAST(j.value ->> 'before' AS integer)) AS double precision) "
    "FROM json_each(CAST(reflections.ratings AS json)) AS j)",
}


def reflections_as_columns(items: Iterable[Reflection]):
    """Reflection objects (a file's, a test's) as the columns of :data:`REFLECTION_COLUMNS`, in
    one pass over them: the same frame :meth:`ReflectionStore.load_columns` reads."""
    import pandas as pd

    rows = [
        (
            r.submission_id,
            r.team_id,
            r.session_id,
            r.self_code,
            r.submitted_at,
            r.usefulness,
            r.relevance,
            r.over_cap,
            sum([x.now - x.before for x in r.ratings.values()]) / len(r.ratings),
        )
        for r in items
    ]
    return pd.DataFrame.from_records(rows, columns=list(REFLECTION_COLUMNS))


class ReflectionStore:
    """Append-only storage of reflections at a database URL whose schema is this toolkit's.

    Opening never creates or changes tables: a database without them (or a missing SQLite
    file, or an older schema) is refused with a message saying to run ``cct db upgrade``.
    """

    def __init__(self, url: str | None = None):
        self.url, self.engine = _open_engine(url)
        shown = display_url(self.url)
        missing = _sqlite_file(self.engine)
        if missing is not None and not missing.is_file():  # connecting would create it
            raise SchemaNotReady(
                f"There is no reflections database at {missing}. Create it with "
                f"`cct db upgrade --store {shown}` (the reflection app then saves there), or "
                f"fill one with sample data: `cct sample-reflections --store {shown}`."
            )
        current = _revision(self.engine, shown)
        head = head_revision()
        if current == head:
            return
        self.engine.dispose()
        if current is None:
            raise SchemaNotReady(
                f"The reflections database {shown} has no reflections table yet. Create it "
                f"with `cct db upgrade --store {shown}`."
            )
        if current not in {s.revision for s in _scripts().walk_revisions()}:
            raise StoreError(_newer(shown, current, head))
        raise SchemaNotReady(
            f"The reflections database {shown} has schema revision {current}; this toolkit "
            f"needs {head}. Run `cct db upgrade --store {shown}` (keeps every reflection)."
        )

    def revision(self) -> str | None:
        return _revision(self.engine, display_url(self.url))

    def save(self, reflection: Reflection, cap: int | None = None) -> bool:
        """Store one reflection in one transaction. True if new, False if already stored.

        With a ``cap``, a submission arriving when the session already counts ``cap`` is kept
        but flagged ``over_cap``.
        """
        row = reflection.model_dump(mode="python")
        row["ratings"] = {k: v for k, v in reflection.model_dump(mode="json")["ratings"].items()}
        group = {"session_id": reflection.session_id}
        return append_only.append(
            self.engine, reflections, row, cap=cap, group=group, lock=reflection.session_id
        )

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per session: (submissions counted, submissions beyond its cap)."""
        return append_only.counts(self.engine, reflections)

    def load(self, session_id: str | None = None, team_id: str | None = None) -> list[Reflection]:
        """Every stored reflection (of one session or team), oldest first."""
        query = sa.select(reflections).order_by(reflections.c.id)
        if session_id is not None:
            query = query.where(reflections.c.session_id == session_id)
        if team_id is not None:
            query = query.where(reflections.c.team_id == team_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [Reflection.model_validate({k: v for k, v in r.items() if k != "id"}) for r in rows]

    def load_columns(self):
        """Every stored reflection, oldest first, as the columns of :data:`REFLECTION_COLUMNS`
        (a pandas DataFrame), read in one query: what an evaluation of 150,000 reflections
        needs without validating each as an object. An engine without ``json_each`` reads
        the objects."""
        import pandas as pd

        change = _MEAN_CHANGE_SQL.get(self.engine.dialect.name)
        if change is None:
            return reflections_as_columns(self.load())
        c = reflections.c
        submitted = c.submitted_at
        if self.engine.dialect.name == "sqlite":  # its ISO text, parsed below in one go
            submitted = sa.type_coerce(submitted, sa.String).label("submitted_at")
        query = sa.select(
            c.submission_id,
            c.team_id,
            c.session_id,
            c.self_code,
            submitted,
            c.usefulness,
            c.relevance,
            c.over_cap,
            sa.literal_column(change, sa.Float).label("then_test_change"),
        ).order_by(c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        # column by column: pandas asks each SQLAlchemy row for attributes it does not have,
        # and every miss raised and caught inside cost more than the whole query (3 of 6 s)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(REFLECTION_COLUMNS)
        frame = pd.DataFrame(dict(zip(REFLECTION_COLUMNS, map(list, columns), strict=True)))
        # stored in UTC (naive on SQLite): one vectorised parse, not a datetime per row
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], format="ISO8601", utc=True)
        return frame

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(reflections)
            ).scalar_one()

    def has(self, submission_id: str) -> bool:
        return append_only.has(self.engine, reflections, submission_id)
