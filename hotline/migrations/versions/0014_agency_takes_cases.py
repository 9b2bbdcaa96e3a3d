"""agency takes cases: whether a case may be referred to the body, over its kind's default

Policy and coordination bodies (commissions, task forces) are informed, never sent a case; NULL
keeps the kind's default.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("takes_cases", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that recreates the table, which the rows pointing at agencies refuse;
    # SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.drop_column("agency", "takes_cases")
