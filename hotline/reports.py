"""The one way in for a report: store it, then triage and route it, and never leave it stranded.

Every channel and the partner API call `file_report`. Storing comes first and commits on its own, so
the reporter's words and their reference survive whatever routing does next. Routing runs in a
savepoint: when it fails (a fault, a locked database, a directory with nobody to refer to), the
ticket is held as `needs_triage` for an operator and `retry_routing`, run by the scheduler, tries
again. A retried request (the same Idempotency-Key, CallSid or conversation) finishes what its first
attempt left undone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline import floods, metrics
from hotline.db import changed_rows, utcnow
from hotline.reasons import system_reason
from hotline.referrals.service import NoAgencyFound, route_ticket
from hotline.settings import Settings
from hotline.tickets.intake import ParsedIntake
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, Received, intake_of, move_ticket, receive
from routing.intake import Intake

log = logging.getLogger(__name__)

UNROUTED = (TicketStatus.RECEIVED, TicketStatus.NEEDS_TRIAGE)
# A ticket still `received` this long after it came in lost its routing to a crash: the sweep takes it.
ROUTING_GRACE = timedelta(seconds=30)


class ServiceBusy(RuntimeError):
    """The database could not store the report just now; nothing was stored, the reporter may retry."""


def file_report(
    session: Session,
    settings: Settings,
    parsed: ParsedIntake,
    *,
    source_key: str | None = None,
    routing_text: str | None = None,
    origin: str | None = None,
) -> Received:
    """Store the report as a ticket (or find the one a retry made) and route it if it is not yet.

    Raises ServiceBusy when the report could not be stored; once stored, never raises for routing.
    `routing_text` is what routing reads when it should see more than the narrative (a conversation's
    place as the caller wrote it). `origin` names where it came from for the flood rules ("addr:…",
    "api-key:…"); a caller's number counts by its hash. A report that is part of a flood is held for
    review instead of routed (hotline/floods.py).
    """
    try:
        received = receive(session, settings, parsed, source_key=source_key)
    except OperationalError:
        session.rollback()
        log.warning("a report could not be stored: the database is unavailable")
        raise ServiceBusy from None
    if received.created:
        metrics.ticket_received(received.ticket.channel)
    if received.created and not has_content(parsed.intake):
        # Silence, a pocket dial, an empty message: kept as a contact an operator can open, never referred.
        move_ticket(
            session,
            received.ticket,
            TicketStatus.LOGGED,
            SYSTEM,
            kind="logged_contact",
            reason=system_reason("no_content"),
        )
        session.commit()
    elif received.ticket.status in UNROUTED:
        if received.created and held_as_flood(session, settings, received.ticket, parsed.intake, origin):
            return received
        intake = parsed.intake if routing_text is None else replace(parsed.intake, text=routing_text)
        route_or_hold(session, received.ticket, intake)
    return received


def held_as_flood(session: Session, settings: Settings, ticket: Ticket, intake: Intake, origin: str | None) -> bool:
    """Count a new report by the flood rules and hold it when it is part of a flood. Commits.

    Flood detection never costs a report: if counting fails the report is routed as usual."""
    if origin is None and ticket.caller_hash:
        origin = f"caller:{ticket.caller_hash}"
    if NOTHING_SAID in intake.text:
        # A channel's placeholder ("(Call: no narrative given …)") is the same in every such report.
        intake = replace(intake, text="")
    try:
        flood = floods.check(session, settings, ticket, intake, origin, utcnow())
        if flood is not None:
            floods.hold(session, ticket, flood)
        session.commit()
    except Exception as fault:  # noqa: BLE001 - a fault in counting must not strand the report
        session.rollback()
        session.refresh(ticket)
        log.warning("flood rules could not count ticket %s: %s", ticket.id, type(fault).__name__)
        return False
    return flood is not None


# What a channel writes for a conversation in which the person said nothing (hotline.conversations).
NOTHING_SAID = "no narrative given"


def has_content(intake: Intake) -> bool:
    """Whether the person said anything to act on: words, an answer, or a place."""
    location = intake.location
    answered = any(value is not None for value in intake.answers.values())
    words = intake.text.strip() and NOTHING_SAID not in intake.text
    return bool(words) or answered or bool(location.country or location.region or location.place)


def route_or_hold(session: Session, ticket: Ticket, intake: Intake | None = None) -> bool:
    """Route the ticket, or hold it for manual triage when routing fails. Commits; True when routed.

    The ticket is claimed first with a conditional UPDATE: a retried request and the sweep routing the
    same ticket at once wait for each other and the second finds it routed (on SQLite this also
    takes the write lock before routing reads anything, so a concurrent commit cannot invalidate it).
    """
    try:
        claimed = changed_rows(
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.status.in_(UNROUTED))
                .values(updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
        if not claimed:
            session.rollback()
            session.refresh(ticket)
            return ticket.status not in UNROUTED
        session.refresh(ticket)
        with session.begin_nested():
            route_ticket(session, ticket, intake or intake_of(session, ticket))
        session.commit()
        return True
    except NoAgencyFound:
        why = system_reason("no_agency_found")
    except Exception as fault:  # noqa: BLE001 - any fault in routing must leave a visible ticket, not a 500
        why = system_reason("routing_failed", fault=type(fault).__name__)
        log.warning("routing ticket %s failed: %s", ticket.id, type(fault).__name__)
    try:
        session.rollback()
        session.refresh(ticket)
        if ticket.status != TicketStatus.NEEDS_TRIAGE:
            move_ticket(session, ticket, TicketStatus.NEEDS_TRIAGE, SYSTEM, kind="routing_failed", reason=why)
        session.commit()
    except OperationalError:
        # Not even the hold could be written: the ticket stays `received`, and the sweep finds it.
        session.rollback()
        log.warning("ticket %s left received for the routing sweep", ticket.id)
    return False


def retry_routing(session: Session, now: datetime, batch: int = 200) -> dict[str, int]:
    """Route every ticket left unrouted: held for manual triage, or `received` and forgotten. Commits."""
    counts = {"unrouted": 0, "routed": 0}
    last_id = 0
    while True:
        found = session.scalars(
            select(Ticket)
            .where(
                Ticket.id > last_id,
                or_(
                    Ticket.status == TicketStatus.NEEDS_TRIAGE,
                    (Ticket.status == TicketStatus.RECEIVED) & (Ticket.created_at < now - ROUTING_GRACE),
                ),
            )
            .order_by(Ticket.id)
            .limit(batch)
        ).all()
        if not found:
            return counts
        for ticket in found:
            counts["unrouted"] += 1
            counts["routed"] += route_or_hold(session, ticket)
        last_id = found[-1].id
