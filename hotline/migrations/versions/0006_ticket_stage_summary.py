"""ticket stage summary: each ticket's furthest funnel stage and whether it closed with an outcome

Adds `ticket.furthest_stage` and `ticket.closed_with_outcome` (kept from here on by `record_event`),
back-fills them from the event log by the funnel rule of hotline.tickets.stages, and indexes them
with the creation time and country the statistics page filters and groups by.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.tickets.stages import backfill

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults so existing rows (and raw-SQL loaders) get a value before the back-fill. Plain
    # strings: a SQL expression default (sa.false()) makes Alembic recreate the table on SQLite, which
    # the ticket rows' foreign keys refuse. PostgreSQL reads '0' as false.
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("furthest_stage", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("closed_with_outcome", sa.Boolean(), nullable=False, server_default="0"))
    backfill(op.get_bind())
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_created_at_stage",
            ["created_at", "incident_country", "furthest_stage", "closed_with_outcome"],
            unique=False,
        )


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a column in place, without recreating the table.
    op.drop_index("ix_ticket_created_at_stage", table_name="ticket")
    op.drop_column("ticket", "closed_with_outcome")
    op.drop_column("ticket", "furthest_stage")
