"""The reflections table: one row per participant submission, append-only.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("session_id", sa.String(160), nullable=False, index=True),
        sa.Column("team_id", sa.String(120), nullable=True, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("self_code", sa.String(40), nullable=True),
        sa.Column("ratings", sa.JSON, nullable=False),
        sa.Column("prompts", sa.JSON, nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("commitment_date", sa.Date, nullable=True),
        sa.Column("relevance", sa.Integer, nullable=False),
        sa.Column("usefulness", sa.Integer, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":  # append-only, enforced by the database itself
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER reflections_no_{action.lower()} BEFORE {action} ON reflections "
                "BEGIN SELECT RAISE(ABORT, 'reflections are append-only'); END"
            )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION reflections_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'reflections are append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER reflections_append_only BEFORE UPDATE OR DELETE ON reflections "
            "FOR EACH ROW EXECUTE FUNCTION reflections_append_only()"
        )
