"""the audit log made tamper-evident: a hash chain per ticket, and the database refuses to change events

Existing events are chained in id order, per ticket. On PostgreSQL a trigger refuses UPDATE, DELETE
and TRUNCATE on ticket_event; on SQLite two triggers refuse UPDATE and DELETE.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.tickets.audit import GENESIS, event_hash

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION ticket_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ticket_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_head", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    event = sa.table(
        "ticket_event",
        *(sa.column(name) for name in ("id", "ticket_id", "referral_id", "actor", "kind", "from_state", "to_state")),
        sa.column("reason"), sa.column("prev_hash"), sa.column("hash"), sa.column("at", sa.DateTime(timezone=True)),
    )
    ticket = sa.table("ticket", sa.column("id"), sa.column("event_head"))
    heads: dict[int, str] = {}
    rows = bind.execute(sa.select(event).order_by(event.c.id)).mappings().all()
    for row in rows:
        prev = heads.get(row["ticket_id"], GENESIS)
        at = row["at"]
        if isinstance(at, str):  # SQLite without the column type's processing
            from datetime import datetime
            at = datetime.fromisoformat(at)
        digest = event_hash(
            prev, row["ticket_id"], row["referral_id"], at, row["actor"], row["kind"],
            row["from_state"], row["to_state"], row["reason"],
        )
        bind.execute(sa.update(event).where(event.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        heads[row["ticket_id"]] = digest
    for ticket_id, head in heads.items():
        bind.execute(sa.update(ticket).where(ticket.c.id == ticket_id).values(event_head=head))
    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER ticket_event_append_only BEFORE UPDATE OR DELETE ON ticket_event "
            "FOR EACH ROW EXECUTE FUNCTION ticket_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER ticket_event_no_truncate BEFORE TRUNCATE ON ticket_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION ticket_event_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ticket_event_no_{operation.lower()} BEFORE {operation} ON ticket_event "
                f"BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER ticket_event_no_truncate ON ticket_event")
        op.execute("DROP TRIGGER ticket_event_append_only ON ticket_event")
        op.execute("DROP FUNCTION ticket_event_append_only()")
    else:
        op.execute("DROP TRIGGER ticket_event_no_update")
        op.execute("DROP TRIGGER ticket_event_no_delete")
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy `ticket`, which foreign keys refuse.
    op.execute("ALTER TABLE ticket DROP COLUMN event_head")
    op.execute("ALTER TABLE ticket_event DROP COLUMN hash")
    op.execute("ALTER TABLE ticket_event DROP COLUMN prev_hash")
