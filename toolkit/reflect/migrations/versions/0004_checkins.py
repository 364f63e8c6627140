"""The follow-up check-ins table: weeks after a session, whether participants applied what they
practised. One row per submission, append-only like the reflections, flagged beyond the cap.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("session_id", sa.String(160), nullable=False, index=True),
        sa.Column("team_id", sa.String(120), nullable=True, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("self_code", sa.String(40), nullable=True),
        sa.Column("commitment", sa.JSON, nullable=False),
        sa.Column("competencies", sa.JSON, nullable=False),
        sa.Column("obstacles", sa.JSON, nullable=False),
        sa.Column("obstacle_text", sa.Text, nullable=False, server_default=""),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("over_cap", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":  # append-only, enforced by the database itself
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER checkins_no_{action.lower()} BEFORE {action} ON checkins "
                "BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION checkins_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'check-ins are append-only' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins "
            "FOR EACH ROW EXECUTE FUNCTION checkins_append_only()"
        )
        op.execute(
            "CREATE TRIGGER checkins_no_truncate BEFORE TRUNCATE ON checkins "
            "FOR EACH STATEMENT EXECUTE FUNCTION checkins_append_only()"
        )
