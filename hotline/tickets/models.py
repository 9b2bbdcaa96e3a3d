"""Tickets, their inbound pieces and their append-only event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline import keystore
from hotline.db import Base, UTCDateTime, utcnow


class TicketStatus:
    RECEIVED = "received"
    # Routing failed (a fault, or no agency found): the ticket waits for an operator, and the
    # routing sweep tries again.
    NEEDS_TRIAGE = "needs_triage"
    # A contact with nothing to act on (silence, a pocket dial, an empty message): kept, not referred.
    LOGGED = "logged"
    # Part of a flood (hotline/floods.py): stored, not routed, until a supervisor releases it.
    HELD_FOR_REVIEW = "held_for_review"
    TRIAGED = "triaged"
    REFERRED = "referred"
    ACKNOWLEDGED = "acknowledged"
    ASSISTED = "assisted"
    CLOSED = "closed"


# The ticket's state machine: `hotline.tickets.service.move_ticket` is its only writer. A closed
# ticket stays closed; its agencies' referrals run on without reopening it.
TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.RECEIVED: frozenset(
        {
            TicketStatus.NEEDS_TRIAGE,
            TicketStatus.LOGGED,
            TicketStatus.HELD_FOR_REVIEW,
            TicketStatus.TRIAGED,
            TicketStatus.REFERRED,
            TicketStatus.CLOSED,
        }
    ),
    # Released in bulk or one by one by a supervisor (back to received and routed, or back to referred or
    # triaged when it was pulled in after routing), or one by one by an operator who refers or closes it.
    TicketStatus.HELD_FOR_REVIEW: frozenset(
        {TicketStatus.RECEIVED, TicketStatus.TRIAGED, TicketStatus.REFERRED, TicketStatus.CLOSED}
    ),
    TicketStatus.LOGGED: frozenset({TicketStatus.TRIAGED, TicketStatus.REFERRED, TicketStatus.CLOSED}),
    # A flood recognised a moment later holds a report no agency has heard of yet (hotline/floods.py).
    TicketStatus.NEEDS_TRIAGE: frozenset(
        {TicketStatus.HELD_FOR_REVIEW, TicketStatus.TRIAGED, TicketStatus.REFERRED, TicketStatus.CLOSED}
    ),
    TicketStatus.TRIAGED: frozenset(
        {TicketStatus.HELD_FOR_REVIEW, TicketStatus.NEEDS_TRIAGE, TicketStatus.REFERRED, TicketStatus.CLOSED}
    ),
    TicketStatus.REFERRED: frozenset(
        {TicketStatus.HELD_FOR_REVIEW, TicketStatus.ACKNOWLEDGED, TicketStatus.ASSISTED, TicketStatus.CLOSED}
    ),
    TicketStatus.ACKNOWLEDGED: frozenset({TicketStatus.ASSISTED, TicketStatus.CLOSED}),
    TicketStatus.ASSISTED: frozenset({TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class Ticket(Base):
    """One contact, whatever channel it came by, and everything the hotline learns about it."""

    __tablename__ = "ticket"
    # The statistics funnel per period (and country) reads the stage summary from the index alone.
    __table_args__ = (
        Index(
            "ix_ticket_created_at_stage",
            "created_at",
            "incident_country",
            "furthest_stage",
            "closed_with_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    incident_country: Mapped[str | None] = mapped_column(String(2), index=True)
    incident_region: Mapped[str | None] = mapped_column(String(8))
    incident_place: Mapped[str | None] = mapped_column(String(200))
    caller_country: Mapped[str | None] = mapped_column(String(2))
    risk_level: Mapped[str] = mapped_column(String(8), default="medium")
    case_type: Mapped[str] = mapped_column(String(12), default="unclear")
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.RECEIVED, index=True)
    reporter_role: Mapped[str | None] = mapped_column(String(16))
    contact_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    # The caller's number: a keyed hash for linking repeat contacts, and an encrypted copy kept
    # only for the callback window. Never stored in clear.
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The hash of the ticket's newest event: the end of its audit chain (hotline/tickets/audit.py).
    event_head: Mapped[str | None] = mapped_column(String(64))
    caller_phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    caller_phone_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followup_passphrase_hash: Mapped[str | None] = mapped_column(String(200))
    # Where a retried request is recognised: "api:<Idempotency-Key>", "sms:<MessageSid>", ...
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    routing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the person agreed to (routing.intake.CONSENT_KEYS): True, False, or absent when not asked.
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the event log proves, kept by `record_event` in the same transaction and only ever raised:
    # the furthest nested funnel stage any event entered (hotline.tickets.stages: 0 none, 1 triaged ...
    # 5 assisted) and whether any event entered "closed". The statistics funnel reads these.
    furthest_stage: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
    closed_with_outcome: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all"
    )
    submissions: Mapped[list[TicketSubmission]] = relationship(order_by="TicketSubmission.id", cascade="all")
    recordings: Mapped[list[TicketRecording]] = relationship(order_by="TicketRecording.id", cascade="all")
    events: Mapped[list[TicketEvent]] = relationship(order_by="TicketEvent.id", cascade="all")


class TicketMessage(Base):
    """A piece of narrative: the reporter's words or a reply, in or out."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    channel: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(64))
    # The words, sealed under the ticket's narrative data key (hotline/keystore.py); read `body`.
    body_sealed: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")

    # The words in clear (keystore.ERASED once retention destroyed the ticket's narrative key).
    body = keystore.SealedText(keystore.NARRATIVE, owner="ticket_id")


keystore.seal_on_flush(TicketMessage)


class TicketSubmission(Base):
    """The structured part of an inbound contact: triage answers and the stated location."""

    __tablename__ = "ticket_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    location: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The language the reporter chose, if they chose one (routing detects it otherwise).
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketRecording(Base):
    """A voicemail or call recording, or a photo or file sent by MMS or WhatsApp, kept by the
    telephony provider and linked to its ticket (the URL only; nothing is downloaded here)."""

    __tablename__ = "ticket_recording"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # The media's content type ("image/jpeg") for what a texter sent; None for a call recording.
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A photo or file fetched from the provider by a job (hotline.jobs.media), encrypted at rest with
    # the personal-data key; None until fetched (and for call recordings, which stay at the provider).
    content_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TicketEvent(Base):
    """One state change or action on a ticket: who, when, what, from, to, why. Never changed."""

    __tablename__ = "ticket_event"
    # The statistics funnel reads each ticket's (and referral's) states without touching the rows.
    __table_args__ = (
        Index("ix_ticket_event_ticket_id_to_state", "ticket_id", "to_state"),
        Index("ix_ticket_event_referral_id_to_state", "referral_id", "to_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    # The audit chain (hotline/tickets/audit.py): the ticket's previous event's hash, and this one's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AppendOnlyError(RuntimeError):
    """An event row was about to be changed or deleted."""


@event.listens_for(TicketEvent, "before_update")
@event.listens_for(TicketEvent, "before_delete")
def _refuse_event_change(_mapper: Any, _connection: Any, target: TicketEvent) -> None:
    raise AppendOnlyError(f"ticket events are append-only (event {target.id})")
