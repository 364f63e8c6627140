"""One append-only save for every participant table (reflections, check-ins, client feedback).

Each submission is stored in one transaction, at most once (by ``submission_id``), and, with a
cap, counted against its group (a session, or a team on one day) under a lock, so two last
places cannot both be counted: SQLite holds its write lock from ``BEGIN IMMEDIATE``; on
PostgreSQL an advisory lock per group does the same. Beyond the cap a row is kept but flagged
``over_cap``, never counted.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def append(
    engine: sa.Engine,
    table: sa.Table,
    row: dict,
    *,
    cap: int | None = None,
    group: Mapping[str, object] | None = None,
    lock: str = "",
) -> bool:
    """Store ``row`` in ``table``. True if new, False if its ``submission_id`` was stored.

    With a ``cap``, the rows already counted in ``group`` (column → value) decide whether this
    one is flagged ``over_cap``; ``lock`` names the group's PostgreSQL advisory lock.
    """
    postgres = engine.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    with engine.begin() as connection:
        if cap is not None:
            if postgres:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(hashtext(:group))"), {"group": lock}
                )
            query = sa.select(sa.func.count()).select_from(table)
            for column, value in (group or {}).items():
                query = query.where(table.c[column] == value)
            counted = connection.execute(query.where(table.c.over_cap.is_(False))).scalar_one()
            row = {**row, "over_cap": bool(row.get("over_cap")) or counted >= cap}
        statement = (
            insert(table).values(**row).on_conflict_do_nothing(index_elements=["submission_id"])
        )
        # RETURNING gives a row only if this insert stored one: the same answer on every
        # engine (rowcount is -1 on PostgreSQL once SQLAlchemy adds RETURNING itself)
        return connection.execute(statement.returning(table.c.id)).first() is not None


def has(engine: sa.Engine, table: sa.Table, submission_id: str) -> bool:
    """Whether the submission is stored (a reload asking if its Send was kept)."""
    query = sa.select(table.c.id).where(table.c.submission_id == submission_id)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def counts(engine: sa.Engine, table: sa.Table) -> dict[str, tuple[int, int]]:
    """Per session: (rows counted, rows beyond its cap)."""
    query = sa.select(table.c.session_id, table.c.over_cap, sa.func.count()).group_by(
        table.c.session_id, table.c.over_cap
    )
    found: dict[str, tuple[int, int]] = {}
    with engine.connect() as connection:
        for session_id, over, n in connection.execute(query):
            counted, beyond = found.get(session_id, (0, 0))
            found[session_id] = (counted, beyond + n) if over else (counted + n, beyond)
    return found
