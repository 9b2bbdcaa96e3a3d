"""The ticket audit log made tamper-evident: each event carries the hash of the one before it.

Per ticket, events form a chain: an event's `hash` covers its own fields and `prev_hash`, the hash of
the ticket's previous event (the first one follows GENESIS), and the ticket keeps the newest hash in
`event_head`, so a deleted last event shows as well. The database refuses UPDATE and DELETE on
`ticket_event` (a trigger, migration 0011), and `flask --app wsgi audit verify` walks every chain and
reports the first broken link: what a trigger cannot stop (an owner dropping it) the chain still shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.tickets.models import Ticket, TicketEvent

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    ticket_id: int,
    referral_id: int | None,
    at: datetime,
    actor: str,
    kind: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
) -> str:
    """The hash of one event's fields and its predecessor's hash, in a canonical JSON form."""
    moment = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)
    fields = [
        prev_hash,
        ticket_id,
        referral_id,
        moment.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        actor,
        kind,
        from_state,
        to_state,
        reason,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _hash_of(event: TicketEvent) -> str:
    return event_hash(
        event.prev_hash or "",
        event.ticket_id,
        event.referral_id,
        event.at,
        event.actor,
        event.kind,
        event.from_state,
        event.to_state,
        event.reason,
    )


def link(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    """Chain `event` after the ticket's newest one, holding the ticket's row until commit.

    The UPDATE comes first: it takes the row lock on PostgreSQL and the write lock on SQLite, so two
    writers of one ticket's events line up and never fork the chain."""
    tickets = cast(Table, Ticket.__table__)
    row = tickets.c
    # `updated_at` kept as it is: an event is not an edit of the ticket.
    unchanged = {"updated_at": row.updated_at}
    session.execute(update(tickets).where(row.id == ticket.id).values(event_head=row.event_head, **unchanged))
    head = session.scalar(select(row.event_head).where(row.id == ticket.id)) or GENESIS
    event.prev_hash = head
    event.hash = _hash_of(event)
    session.execute(update(tickets).where(row.id == ticket.id).values(event_head=event.hash, **unchanged))
    set_committed_value(ticket, "event_head", event.hash)


@dataclass(frozen=True)
class Break:
    """The first place a ticket's chain does not hold, in words an auditor can act on."""

    ticket_id: int
    reference: str
    event_id: int | None
    problem: str


def verify(session: Session) -> list[Break]:
    """Every ticket's chain walked from its first event; one Break (the first) per broken ticket."""
    breaks: list[Break] = []
    tickets = session.execute(select(Ticket.id, Ticket.reference, Ticket.event_head).order_by(Ticket.id)).all()
    for ticket_id, reference, stored_head in tickets:
        events = session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        ).all()
        head = GENESIS
        found: Break | None = None
        for event in events:
            if event.prev_hash != head:
                found = Break(ticket_id, reference, event.id, "an event before this one was changed or removed")
                break
            if event.hash != _hash_of(event):
                found = Break(ticket_id, reference, event.id, "this event was changed")
                break
            head = event.hash
        if found is None and (stored_head or GENESIS) != head:
            found = Break(ticket_id, reference, None, "the newest events were removed")
        if found is not None:
            breaks.append(found)
    return breaks
