"""Anonymous client feedback (Kirkpatrick level 4): three answers per visit, no identifiers.

Only the team, the page's language, the three answers and the day (not the time: a time could
point at one visit). Append-only like the reflections; beyond a team's daily cap kept but
flagged ``over_cap``, never counted.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
        sa.Column("team_id", sa.String(120), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("understood", sa.String(8), nullable=False),
        sa.Column("respected", sa.String(8), nullable=False),
        sa.Column("interpreter", sa.String(16), nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("over_cap", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER client_feedback_no_{action.lower()} BEFORE {action} ON "
                "client_feedback BEGIN SELECT RAISE(ABORT, 'client feedback is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION client_feedback_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'client feedback is append-only' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER client_feedback_append_only BEFORE UPDATE OR DELETE ON "
            "client_feedback FOR EACH ROW EXECUTE FUNCTION client_feedback_append_only()"
        )
        op.execute(
            "CREATE TRIGGER client_feedback_no_truncate BEFORE TRUNCATE ON client_feedback "
            "FOR EACH STATEMENT EXECUTE FUNCTION client_feedback_append_only()"
        )
