"""early warning: each ticket's details as keyed hashes, when its words were read, and the warnings

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_detail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("ticket_created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_detail_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_detail")),
        sa.UniqueConstraint("ticket_id", "kind", "digest", name="uq_ticket_detail_ticket_id_kind_digest"),
    )
    op.create_index("ix_ticket_detail_kind_digest", "ticket_detail", ["kind", "digest"], unique=False)
    op.create_index(op.f("ix_ticket_detail_ticket_id"), "ticket_detail", ["ticket_id"], unique=False)
    op.create_table(
        "detail_scan",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("scanned_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_detail_scan_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_detail_scan")),
    )
    op.create_table(
        "early_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("seen_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_warning")),
    )
    op.create_index(op.f("ix_early_warning_digest"), "early_warning", ["digest"], unique=False)
    op.create_index(op.f("ix_early_warning_country"), "early_warning", ["country"], unique=False)
    op.create_index(op.f("ix_early_warning_status"), "early_warning", ["status"], unique=False)
    op.create_table(
        "early_warning_ticket",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["early_warning.id"], name=op.f("fk_early_warning_ticket_warning_id_early_warning")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_early_warning_ticket_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("warning_id", "ticket_id", name=op.f("pk_early_warning_ticket")),
    )
    op.create_index(op.f("ix_early_warning_ticket_ticket_id"), "early_warning_ticket", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("early_warning_ticket")
    op.drop_table("early_warning")
    op.drop_table("detail_scan")
    op.drop_table("ticket_detail")
