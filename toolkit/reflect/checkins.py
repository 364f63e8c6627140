"""Follow-up check-ins in the reflections database: append-only, one transaction per submission.

A few weeks after a session the participant says, for their commitment and for each competency
the session covered, how often they applied it, what got in the way, and how confident they are
now. Same promises as the reflections (:mod:`toolkit.reflect.store`): same database and schema
(table ``checkins``, Alembic revision 0004), idempotent by ``submission_id``, append-only by
trigger, capped per session (beyond the cap kept but flagged ``over_cap``, never counted).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from toolkit.reflect import append_only
from toolkit.reflect.store import ReflectionStore

SCHEMA_VERSION = 1
# how often the participant applied something since the session, and what that says about
# "whether": never = no, once or twice = partly, more = yes (the evaluation's level 3)
FREQUENCIES = ("never", "once", "several", "weekly")
APPLIED = {"never": "no", "once": "partly", "several": "yes", "weekly": "yes"}
OBSTACLES = ("no_occasion", "no_time", "no_support", "no_interpreter", "unsure_how", "other")


class Applied(BaseModel):
    """One thing practised: how often it was applied, and confidence in it now (1–5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    frequency: str
    confidence: int = Field(ge=1, le=5)

    @field_validator("frequency")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in FREQUENCIES:
            raise ValueError(f"frequency {value!r}; expected one of {list(FREQUENCIES)}")
        return value

    @property
    def applied(self) -> str:
        return APPLIED[self.frequency]


class CheckIn(BaseModel):
    """One participant's follow-up on one session. Pseudonymous: no name, no e-mail."""

    model_config = ConfigDict(extra="forbid")

    submission_id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=64)
    schema_version: int = SCHEMA_VERSION
    session_id: str = Field(min_length=1, max_length=160)
    team_id: str | None = Field(default=None, max_length=120)
    language: str = Field(max_length=8)
    self_code: str | None = Field(default=None, max_length=40)
    commitment: Applied
    competencies: dict[str, Applied] = Field(min_length=1)
    obstacles: list[str] = Field(default_factory=list)
    obstacle_text: str = Field(default="", max_length=2000)
    over_cap: bool = False
    submitted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("obstacles")
    @classmethod
    def _known_obstacles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(OBSTACLES))
        if unknown:
            raise ValueError(f"unknown obstacles {unknown}; expected {list(OBSTACLES)}")
        return [o for o in OBSTACLES if o in value]


metadata = sa.MetaData()
checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("session_id", sa.String(160), nullable=False),
    sa.Column("team_id", sa.String(120)),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("self_code", sa.String(40)),
    sa.Column("commitment", sa.JSON, nullable=False),
    sa.Column("competencies", sa.JSON, nullable=False),
    sa.Column("obstacles", sa.JSON, nullable=False),
    sa.Column("obstacle_text", sa.Text, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("over_cap", sa.Boolean, nullable=False),
)


class CheckInStore:
    """The check-ins of the reflections database (opened, and its schema checked, the same way:
    never created by opening; ``cct db upgrade`` makes the table)."""

    def __init__(self, url: str | None = None, reflections: ReflectionStore | None = None):
        self.reflections = reflections or ReflectionStore(url)
        self.engine = self.reflections.engine
        self.url = self.reflections.url

    def save(self, checkin: CheckIn, cap: int | None = None) -> bool:
        """Store one check-in in one transaction. True if new, False if already stored."""
        row = checkin.model_dump(mode="json")
        row["submitted_at"] = checkin.submitted_at
        group = {"session_id": checkin.session_id}
        return append_only.append(
            self.engine, checkins, row, cap=cap, group=group, lock="checkin:" + checkin.session_id
        )

    def has(self, submission_id: str) -> bool:
        return append_only.has(self.engine, checkins, submission_id)

    def load(self, team_id: str | None = None, counted_only: bool = False) -> list[CheckIn]:
        """Every stored check-in (of one team; only those within their session's cap), oldest
        first."""
        query = sa.select(checkins).order_by(checkins.c.id)
        if team_id is not None:
            query = query.where(checkins.c.team_id == team_id)
        if counted_only:
            query = query.where(checkins.c.over_cap.is_(False))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [CheckIn.model_validate({k: v for k, v in r.items() if k != "id"}) for r in rows]

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per session: (check-ins counted, check-ins beyond its cap)."""
        return append_only.counts(self.engine, checkins)
