"""live calls: operators' stated availability with its events, and the line of callers waiting for a person

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:18:36.688074
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

VOICE_CALL_INDEXES = ("conversation_id", "operator_call_sid", "operator_id", "state", "ticket_id")


def upgrade() -> None:
    op.create_table(
        "operator_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_operator_presence_user_id_staff_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_operator_presence")),
    )
    op.create_table(
        "presence_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=False),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_presence_event_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_event")),
    )
    with op.batch_alter_table("presence_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presence_event_user_id"), ["user_id"], unique=False)
    op.create_table(
        "voice_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column("in_danger", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("enqueued_at", UTCDateTime(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("operator_call_sid", sa.String(length=64), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversation.id"], name=op.f("fk_voice_call_conversation_id_conversation")
        ),
        sa.ForeignKeyConstraint(["operator_id"], ["staff_user.id"], name=op.f("fk_voice_call_operator_id_staff_user")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_voice_call_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_call")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_voice_call_call_sid")),
    )
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        for column in VOICE_CALL_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_voice_call_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        for column in VOICE_CALL_INDEXES:
            batch_op.drop_index(batch_op.f(f"ix_voice_call_{column}"))
    op.drop_table("voice_call")
    with op.batch_alter_table("presence_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_event_user_id"))
    op.drop_table("presence_event")
    op.drop_table("operator_presence")
