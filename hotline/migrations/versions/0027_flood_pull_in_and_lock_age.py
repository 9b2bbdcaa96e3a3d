"""flood pull-in and lock age: the ticket a flood signal counted (so a flood holds the reports that
came before its threshold), and when a sign-in lock row last saw a failure (so retention can delete it)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flood_signal") as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("sign_in_lock") as batch_op:
        batch_op.add_column(sa.Column("last_failed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sign_in_lock") as batch_op:
        batch_op.drop_column("last_failed_at")
    with op.batch_alter_table("flood_signal") as batch_op:
        batch_op.drop_column("ticket_id")
