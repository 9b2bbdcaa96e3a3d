"""sign-in lock per account and source: failed sign-ins counted per keyed hash of the address

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 15:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_sign_in_lock_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_lock")),
        sa.UniqueConstraint("user_id", "source", name="uq_sign_in_lock_user_id_source"),
    )
    op.create_index(op.f("ix_sign_in_lock_user_id"), "sign_in_lock", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_lock")
