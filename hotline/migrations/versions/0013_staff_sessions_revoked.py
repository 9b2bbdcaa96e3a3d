"""sign-out ends a staff account's sessions server-side

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_user", sa.Column("sessions_revoked_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE staff_user DROP COLUMN sessions_revoked_at")
