"""media fetched: a photo or file a reporter sent, kept encrypted with the ticket

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_recording") as batch_op:
        batch_op.add_column(sa.Column("content_encrypted", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("fetched_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_recording") as batch_op:
        batch_op.drop_column("fetched_at")
        batch_op.drop_column("content_encrypted")
