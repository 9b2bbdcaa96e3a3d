"""a directory change can be flagged for a coordinator (an agency contact number seen as a reporter's)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("directory_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_directory_change_flag"), ["flag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("directory_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_change_flag"))
        batch_op.drop_column("flag")
