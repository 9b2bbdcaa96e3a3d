"""dispatch with a person in the loop, and what the person consented to

Referrals gain their dispatch state (proposed, held, dispatched, dropped; existing ones were all
dispatched) with the reason a referral is held, the consent that decides it and the legal ground of
an override; tickets keep what the person agreed to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatch", sa.String(length=12), nullable=False, server_default="dispatched"))
        batch_op.add_column(sa.Column("held_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("needs_consent", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("override_ground", sa.String(length=48), nullable=True))
        batch_op.create_index(batch_op.f("ix_referral_dispatch"), ["dispatch"], unique=False)
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("consent")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_dispatch"))
        for column in ("override_ground", "needs_consent", "held_reason", "dispatch"):
            batch_op.drop_column(column)
