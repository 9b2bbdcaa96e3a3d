"""flood hold: the flood rules' counts (keyed hashes), the floods recognised, and the tickets they hold

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flood_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flood_signal")),
    )
    op.create_index("ix_flood_signal_rule_digest_at", "flood_signal", ["rule", "digest", "at"], unique=False)
    op.create_index(op.f("ix_flood_signal_at"), "flood_signal", ["at"], unique=False)
    op.create_table(
        "flood",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("opened_bucket", sa.Integer(), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("alerted_at", UTCDateTime(), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flood")),
        sa.UniqueConstraint("rule", "digest", "opened_bucket", name="uq_flood_rule_digest_bucket"),
    )
    op.create_index(op.f("ix_flood_released_at"), "flood", ["released_at"], unique=False)
    op.create_table(
        "flood_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flood_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["flood_id"], ["flood.id"], name=op.f("fk_flood_hold_flood_id_flood")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_flood_hold_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flood_hold")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_flood_hold_ticket_id")),
    )
    op.create_index(op.f("ix_flood_hold_flood_id"), "flood_hold", ["flood_id"], unique=False)


def downgrade() -> None:
    op.drop_table("flood_hold")
    op.drop_table("flood")
    op.drop_table("flood_signal")
