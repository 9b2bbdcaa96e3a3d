"""partner keys: partners' API keys (only a hash of the secret) and who made or revoked each, and why

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=120), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_partner_key_public_id")),
    )
    op.create_table(
        "partner_key_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["partner_key.id"], name=op.f("fk_partner_key_event_key_id_partner_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_key_event")),
    )
    op.create_index(op.f("ix_partner_key_event_key_id"), "partner_key_event", ["key_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_key_event_key_id"), table_name="partner_key_event")
    op.drop_table("partner_key_event")
    op.drop_table("partner_key")
