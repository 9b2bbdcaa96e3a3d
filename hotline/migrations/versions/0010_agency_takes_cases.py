"""agency takes cases: whether a case may be referred to the body, over its kind's default

Policy and coordination bodies (commissions, task forces) are informed, never sent a case; NULL
keeps the kind's default.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("takes_cases", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_column("takes_cases")
