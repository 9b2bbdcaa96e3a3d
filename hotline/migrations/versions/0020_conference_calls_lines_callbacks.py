"""conference calls: each call's steps as events, its line, conference, hold, transfer and call-back;
our hotline lines with their country, language and hours

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NEW_INDEXES = ("line", "conference_sid", "callback_state")


def upgrade() -> None:
    op.create_table(
        "hotline_line",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("time_zone", sa.String(length=40), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_hotline_line")),
    )
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("conference_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("on_hold", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("transferred_to", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("interpreter", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("callback_phone_encrypted", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("callback_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("callback_state", sa.String(length=12), nullable=True))
        for column in NEW_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_voice_call_{column}"), [column], unique=False)
    op.create_table(
        "call_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["voice_call.id"], name=op.f("fk_call_event_call_id_voice_call")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_event")),
    )
    with op.batch_alter_table("call_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_event_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_event_call_id"))
    op.drop_table("call_event")
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        for column in NEW_INDEXES:
            batch_op.drop_index(batch_op.f(f"ix_voice_call_{column}"))
        for column in (
            "callback_state",
            "callback_expires_at",
            "callback_phone_encrypted",
            "interpreter",
            "transferred_to",
            "on_hold",
            "conference_sid",
            "line",
        ):
            batch_op.drop_column(column)
    op.drop_table("hotline_line")
