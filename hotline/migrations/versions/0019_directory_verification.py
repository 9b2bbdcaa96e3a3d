"""directory verification: when each agency record was last checked against its source, and by whom

A record never verified, or verified more than a year ago, is listed for coordinators to check
(`flask --app wsgi directory stale`, the staff verification page).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_verified_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_verified_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    # Not in batch mode, as 0014: SQLite recreating the table would trip over the rows pointing at agencies.
    op.drop_column("agency", "last_verified_by")
    op.drop_column("agency", "last_verified_at")
