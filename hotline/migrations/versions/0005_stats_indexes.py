"""statistics indexes: each ticket's and referral's states, readable from the index alone

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_event_ticket_id_to_state", ["ticket_id", "to_state"], unique=False)
        batch_op.create_index("ix_ticket_event_referral_id_to_state", ["referral_id", "to_state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_event_referral_id_to_state")
        batch_op.drop_index("ix_ticket_event_ticket_id_to_state")
