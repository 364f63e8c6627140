"""PostgreSQL: append-only also against TRUNCATE, and refusals reported as integrity errors.

Revision ID: 0002
Revises: 0001

A refused UPDATE, DELETE or TRUNCATE raises SQLSTATE 23000 (integrity constraint violation),
the class SQLite's trigger raises too, so both engines answer a change the same way. SQLite has
no TRUNCATE (its ``DELETE FROM`` without WHERE still fires the trigger): nothing to change there.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION reflections_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'reflections are append-only' "
        "USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER reflections_no_truncate BEFORE TRUNCATE ON reflections "
        "FOR EACH STATEMENT EXECUTE FUNCTION reflections_append_only()"
    )
