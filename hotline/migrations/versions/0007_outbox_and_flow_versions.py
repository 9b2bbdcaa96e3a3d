"""outbox that delivers, flow versions kept, the stated language of a submission

Outbox rows gain what a dispatcher needs to deliver each exactly once (kind, attempts, claim and
retry times, the contact and ticket it concerns); referral flowchart versions are stored as first
used; a submission keeps the language the reporter chose, so routing can be retried from it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="agency_notice"))
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.String(length=80), nullable=True))
        batch_op.create_foreign_key("fk_outbox_message_ticket_id_ticket", "ticket", ["ticket_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_outbox_message_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_status"), ["status"], unique=False)
    with op.batch_alter_table("ticket_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    op.create_table(
        "flow_definition",
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("flow_id", "version", name=op.f("pk_flow_definition")),
    )


def downgrade() -> None:
    op.drop_table("flow_definition")
    with op.batch_alter_table("ticket_submission", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_ticket_id"))
        batch_op.drop_constraint("fk_outbox_message_ticket_id_ticket", type_="foreignkey")
        for column in ("error", "sent_at", "claimed_at", "next_attempt_at", "attempts", "contact_id", "ticket_id"):
            batch_op.drop_column(column)
        for column in ("kind",):
            batch_op.drop_column(column)
