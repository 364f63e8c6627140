"""The reflections store: SQLAlchemy, append-only, one transaction per submission.

* Any database by URL (:func:`toolkit.core.config.database_url`); SQLite by default, in WAL mode
  with ``synchronous=FULL``, so a submission is on disk when :meth:`ReflectionStore.save`
  returns, even if the server is killed right after.
* Idempotent: each form carries a ``submission_id`` made when the form is opened; saving it
  twice (a double click, a reload, a retry) stores it once.
* Capped: a session's submissions beyond its cap (planned group size plus a margin) are kept
  but flagged ``over_cap``, in the same transaction that counts them.
* Versioned schema through Alembic (``toolkit/reflect/migrations``); a database written by a newer
  toolkit is refused with a plain message instead of being misread.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from toolkit.core.config import database_url
from toolkit.core.exceptions import ToolkitError

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" below open transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # durable at commit, not only at checkpoint
    cursor.execute("PRAGMA busy_timeout=60000")  # concurrent writers wait, they do not fail
    cursor.close()


class ReflectionStore:
    """Append-only storage of reflections at a database URL."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = database_url(url)
        try:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"Cannot use the database URL {self.url!r}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            # transactional DDL, and the write lock taken at the start of a transaction, so
            # concurrent writers queue (busy_timeout) instead of failing midway
            sa.event.listen(
                self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE")
            )
        if migrate:
            self.migrate()

    @cached_property
    def _alembic(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def migrate(self) -> None:
        """Bring the schema to this toolkit's version; refuse a newer one."""
        head = ScriptDirectory.from_config(self._alembic).get_current_head()
        known = {s.revision for s in ScriptDirectory.from_config(self._alembic).walk_revisions()}
        try:
            current = self.revision()
        except sa.exc.OperationalError as exc:
            raise StoreError(f"Cannot open the reflections database {self.url}: {exc}") from exc
        if current == head:
            return
        if current is not None and current not in known:
            raise StoreError(
                f"The reflections database {self.url} has schema revision {current}, written "
                f"by a newer version of the toolkit (this one knows up to {head}). Upgrade the "
                "toolkit; nothing was changed."
            )
        try:
            with self.engine.begin() as connection:
                self._alembic.attributes["connection"] = connection
                alembic_command.upgrade(self._alembic, "head")
        except (sa.exc.OperationalError, sa.exc.IntegrityError, sa.exc.ProgrammingError):
            if self.revision() != head:  # another process may have migrated at the same time
                raise

    def save(self, reflection: Reflection, cap: int | None = None) -> bool:
        """Store one reflection in one transaction. True if new, False if already stored.

        With a ``cap``, a submission arriving when the session already counts ``cap`` is kept
        but flagged ``over_cap``.
        """
        row = reflection.model_dump(mode="python")
        row["ratings"] = {k: v for k, v in reflection.model_dump(mode="json")["ratings"].items()}
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as connection:
            if cap is not None:  # SQLite's write lock is held: the count cannot change meanwhile
                counted = connection.execute(
                    sa.select(sa.func.count())
                    .select_from(reflections)
                    .where(reflections.c.session_id == reflection.session_id)
                    .where(reflections.c.over_cap.is_(False))
                ).scalar_one()
                row["over_cap"] = row["over_cap"] or counted >= cap
            statement = (
                insert(reflections)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["submission_id"])
            )
            result = connection.execute(statement)
        return result.rowcount == 1

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per session: (submissions counted, submissions beyond its cap)."""
        query = sa.select(
            reflections.c.session_id, reflections.c.over_cap, sa.func.count()
        ).group_by(reflections.c.session_id, reflections.c.over_cap)
        found: dict[str, tuple[int, int]] = {}
        with self.engine.connect() as connection:
            for session_id, over, n in connection.execute(query):
                counted, beyond = found.get(session_id, (0, 0))
                found[session_id] = (counted, beyond + n) if over else (counted + n, beyond)
        return found

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

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(reflections)
            ).scalar_one()

    def has(self, submission_id: str) -> bool:
        query = sa.select(reflections.c.id).where(reflections.c.submission_id == submission_id)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None
