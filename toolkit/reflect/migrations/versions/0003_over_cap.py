"""A flag on submissions beyond a session's cap (planned group size plus margin): they are kept,
never counted towards results, so a stuffed form cannot lift a withheld group.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (no table copy), so SQLite keeps the append-only triggers
    op.add_column(
        "reflections",
        sa.Column("over_cap", sa.Boolean, nullable=False, server_default=sa.false()),
    )
