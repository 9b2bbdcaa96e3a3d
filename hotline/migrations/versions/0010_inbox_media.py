"""inbox media: a photo or file sent by MMS or WhatsApp is kept beside the ticket's recordings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_recording") as batch:
        batch.add_column(sa.Column("content_type", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_recording") as batch:
        batch.drop_column("content_type")
