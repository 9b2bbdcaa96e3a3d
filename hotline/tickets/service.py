"""The one way in: every channel hands its Intake to `receive`, which makes or finds the ticket."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import cast

from sqlalchemy import Table, case, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.accounts import hash_random_secret, verify_secret
from hotline.db import changed_rows, utcnow
from hotline.privacy import (
    caller_hash,
    canonical_code,
    encrypt_phone,
    new_passphrase,
    new_reference,
    reference_from_code,
)
from hotline.reasons import system_reason
from hotline.settings import Settings
from hotline.tickets import audit
from hotline.tickets.intake import ParsedIntake, is_region
from hotline.tickets.models import (
    TICKET_TRANSITIONS,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
    TicketSubmission,
)
from hotline.tickets.stages import CLOSED_NODE, stage_rank
from routing.intake import MAX_TEXT_LENGTH, Intake, Location

REPORTER = "reporter"
SYSTEM = "system"
TEXT_CHANNELS = ("web", "sms", "chat", "api", "whatsapp")


class IdempotencyConflict(ValueError):
    """The same idempotency key came back with a different body."""


class IllegalTicketMove(ValueError):
    """The ticket's state machine does not allow this move."""

    def __init__(self, from_state: str, to_state: str) -> None:
        super().__init__(f"{from_state} → {to_state}")
        self.from_state, self.to_state = from_state, to_state


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    created: bool
    # Shown to the reporter once and never stored in clear; None when the ticket already existed.
    passphrase: str | None


def record_event(
    session: Session,
    ticket: Ticket,
    kind: str,
    actor: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    referral_id: int | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        referral_id=referral_id,
        at=utcnow(),
        actor=actor,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    audit.link(session, ticket, event)
    session.add(event)
    # Raise the ticket's funnel summary (hotline.tickets.stages) to what this event proves, in the
    # caller's transaction. A conditional UPDATE: it only ever goes up, and concurrent writers cannot
    # lower each other's value (PostgreSQL re-checks the WHERE on the row it locked). `updated_at` is
    # left as it was, and so is every pending change of the ticket object, whose loaded summary is set
    # to what was written without marking it changed.
    rank, closes = stage_rank(to_state), to_state == CLOSED_NODE
    if rank or closes:
        table = cast(Table, Ticket.__table__)
        row = table.c
        higher = row.furthest_stage < rank
        summary = update(table).values(updated_at=row.updated_at)
        if closes:
            summary = summary.where(row.id == ticket.id, or_(higher, row.closed_with_outcome.is_(False))).values(
                furthest_stage=case((higher, rank), else_=row.furthest_stage), closed_with_outcome=True
            )
        else:
            summary = summary.where(row.id == ticket.id, higher).values(furthest_stage=rank)
        session.execute(summary)
        loaded = inspect(ticket).dict
        if "furthest_stage" in loaded:
            set_committed_value(ticket, "furthest_stage", max(loaded["furthest_stage"] or 0, rank))
        if closes and "closed_with_outcome" in loaded:
            set_committed_value(ticket, "closed_with_outcome", True)
    return event


def move_ticket(
    session: Session,
    ticket: Ticket,
    to_state: str,
    actor: str,
    *,
    kind: str = "status_changed",
    reason: str | None = None,
    strict: bool = True,
) -> bool:
    """The only writer of `Ticket.status`: move it along TICKET_TRANSITIONS and record the event.

    A conditional UPDATE on the status read, so of two racing moves one wins; the loser (and, with
    `strict=False`, a move the machine does not allow, such as an agency's progress on a closed
    ticket) changes nothing and returns False. Does not commit.
    """
    from_state = ticket.status
    if to_state not in TICKET_TRANSITIONS[from_state]:
        if strict:
            raise IllegalTicketMove(from_state, to_state)
        return False
    moved = changed_rows(
        session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.status == from_state)
            .values(status=to_state)
            .execution_options(synchronize_session=False)
        )
    )
    if not moved:
        session.refresh(ticket)
        return False
    set_committed_value(ticket, "status", to_state)
    record_event(session, ticket, kind, actor, from_state=from_state, to_state=to_state, reason=reason)
    return True


def intake_of(session: Session, ticket: Ticket) -> Intake:
    """The Intake a stored ticket was made from: its first submission and every word the reporter sent."""
    submission = session.scalar(
        select(TicketSubmission).where(TicketSubmission.ticket_id == ticket.id).order_by(TicketSubmission.id)
    )
    words = [
        message.body
        for message in session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "in")
            .order_by(TicketMessage.id)
        )
    ]
    location = dict(submission.location) if submission is not None else {}
    return Intake(
        channel=ticket.channel,
        text="\n".join(words)[:MAX_TEXT_LENGTH],
        language=submission.language if submission is not None else None,
        caller_country=ticket.caller_country,
        location=Location(**{key: location.get(key) for key in ("country", "region", "place")}),
        answers=MappingProxyType(dict(submission.answers) if submission is not None else {}),
        reporter_role=ticket.reporter_role,
        contact_ok=ticket.contact_ok,
        consent=MappingProxyType(dict(ticket.consent or {})),
    )


def fingerprint(parsed: ParsedIntake, key: bytes) -> str:
    """A keyed digest of what was received, to tell a retry from a different report.

    Keyed, because the body holds a phone number that a plain hash would let anyone confirm.
    """
    intake = parsed.intake
    body = {
        **{name: getattr(intake, name) for name in ("channel", "text", "language", "reporter_role", "contact_ok")},
        "location": asdict(intake.location),
        "answers": dict(intake.answers),
        "caller_phone": parsed.caller_phone,
    }
    return hmac.new(key, json.dumps(body, sort_keys=True, default=str).encode(), hashlib.sha256).hexdigest()


def receive(
    session: Session,
    settings: Settings,
    parsed: ParsedIntake,
    *,
    source_key: str | None = None,
) -> Received:
    """Store a new contact as a ticket, or return the ticket a retried request already made.

    Commits. Routing and notification follow in `hotline.referrals.service.route_ticket`.
    """
    digest = fingerprint(parsed, settings.phone_hash_key)
    if source_key is not None:
        existing = _by_source_key(session, source_key, digest)
        if existing is not None:
            return Received(existing, created=False, passphrase=None)

    intake = parsed.intake
    region = intake.location.region
    passphrase = new_passphrase() if intake.channel in TEXT_CHANNELS else None
    ticket = Ticket(
        reference=_unused_reference(session),
        channel=intake.channel,
        language=intake.language or settings.default_locale,
        incident_country=intake.location.country,
        # A subdivision code only: a region typed by name stays in the submission, and routing resolves it.
        incident_region=region if region is not None and is_region(region) else None,
        incident_place=intake.location.place,
        caller_country=intake.caller_country,
        reporter_role=intake.reporter_role,
        contact_ok=intake.contact_ok,
        consent=dict(intake.consent),
        source_key=source_key,
        source_fingerprint=digest,
        followup_passphrase_hash=hash_random_secret(canonical_code(passphrase)) if passphrase else None,
        status=TicketStatus.RECEIVED,
    )
    if parsed.caller_phone is not None:
        ticket.caller_hash = caller_hash(parsed.caller_phone, settings.phone_hash_key)
        ticket.caller_phone_encrypted = encrypt_phone(parsed.caller_phone, settings.phone_encryption_key)
        ticket.caller_phone_expires_at = utcnow() + timedelta(hours=settings.callback_window_hours)
    session.add(ticket)
    try:
        session.flush()
    except IntegrityError:
        # Another worker stored the same retried request a moment ago.
        session.rollback()
        if source_key is None:
            raise
        existing = _by_source_key(session, source_key, digest)
        assert existing is not None
        return Received(existing, created=False, passphrase=None)

    session.add(
        TicketSubmission(
            ticket_id=ticket.id,
            channel=intake.channel,
            answers=dict(intake.answers),
            location={k: v for k, v in asdict(intake.location).items() if v is not None},
            language=intake.language,
        )
    )
    if intake.text:
        session.add(
            TicketMessage(
                ticket_id=ticket.id, direction="in", channel=intake.channel, author=REPORTER, body=intake.text
            )
        )
    record_event(
        session,
        ticket,
        "received",
        REPORTER,
        to_state=TicketStatus.RECEIVED,
        reason=system_reason("via", channel=intake.channel),
    )
    session.commit()
    return Received(ticket, created=True, passphrase=passphrase)


def add_follow_up(session: Session, reference: str, passphrase: str, text: str, channel: str = "web") -> Ticket | None:
    """Add the reporter's new information to their ticket; None when reference or passphrase is wrong."""
    # One reading of a typed reference everywhere: any case, with or without hyphens, O as 0, I/L as 1.
    canonical = reference_from_code(reference)
    ticket = session.scalar(select(Ticket).where(Ticket.reference == canonical)) if canonical else None
    if ticket is None or ticket.followup_passphrase_hash is None:
        hash_random_secret("spend the same time as a real check")
        return None
    if not verify_secret(ticket.followup_passphrase_hash, canonical_code(passphrase)):
        return None
    session.add(TicketMessage(ticket_id=ticket.id, direction="in", channel=channel, author=REPORTER, body=text))
    record_event(session, ticket, "follow_up_received", REPORTER, reason=system_reason("via", channel=channel))
    session.commit()
    return ticket


def _by_source_key(session: Session, source_key: str, digest: str) -> Ticket | None:
    ticket = session.scalar(select(Ticket).where(Ticket.source_key == source_key))
    if ticket is not None and ticket.source_fingerprint != digest:
        raise IdempotencyConflict(source_key)
    return ticket


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_reference()
        if session.scalar(select(Ticket.id).where(Ticket.reference == reference)) is None:
            return reference
