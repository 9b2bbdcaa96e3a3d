"""monthly statistics rollups, the months built, the stale marks that keep them honest; when a
conversation began waiting for a person and when it was answered

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_rollup",
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dim", "grain", "period", "country", "channel", "risk", "agency", "value", name=op.f("pk_stats_rollup")
        ),
    )
    op.create_table(
        "stats_rollup_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_stats_rollup_month")),
    )
    op.create_table(
        "stats_stale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_stale")),
    )
    op.create_index("ix_stats_stale_month", "stats_stale", ["month"], unique=False)
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_since", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_conversation_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_started_at"))
        batch_op.drop_column("answered_at")
        batch_op.drop_column("waiting_since")
    op.drop_index("ix_stats_stale_month", table_name="stats_stale")
    op.drop_table("stats_stale")
    op.drop_table("stats_rollup_month")
    op.drop_table("stats_rollup")
