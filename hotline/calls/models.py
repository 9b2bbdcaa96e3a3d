"""An operator's stated availability (with every change as an event), and each call put through to a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class Presence:
    """What an operator says they are: only `available` operators are offered callers."""

    AVAILABLE = "available"
    BUSY = "busy"  # on a call (set by the call), or by hand
    AWAY = "away"
    ALL = (AVAILABLE, BUSY, AWAY)


class OperatorPresence(Base):
    """One row per operator who ever opened the softphone; `seen_at` is the page's last beat."""

    __tablename__ = "operator_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default=Presence.AWAY)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PresenceEvent(Base):
    """One change of an operator's availability: who, when, from, to, why. Never changed."""

    __tablename__ = "presence_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(200))


class CallState:
    WAITING = "waiting"  # in its own Twilio queue, hearing its place in line
    OFFERED = "offered"  # an operator's softphone is dialling its queue
    TALKING = "talking"
    ENDED = "ended"
    LIVE = (WAITING, OFFERED, TALKING)


class VoiceCall(Base):
    """A caller who asked for (or was handed to) a person: the waiting line and the call's record.

    Each waiting caller has a Twilio queue of their own (`call-<id>`), so the order in which callers
    are answered is ours (highest risk first, then longest waiting), not the queue's.
    """

    __tablename__ = "voice_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    risk: Mapped[str | None] = mapped_column(String(16))
    in_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), index=True, default=CallState.WAITING)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    operator_call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # answered, abandoned, max_wait, response_line, told_number, voicemail, no_operator, transferred,
    # after_hours, callback
    outcome: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The hotline number the caller rang (Twilio's To): which line, for hours and statistics.
    line: Mapped[str | None] = mapped_column(String(20), index=True)
    # The call's conference (`call-<id>`), once Twilio says it started; participants are moved with it.
    conference_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    # The agency whose duty line joined the conference (a warm transfer when the operator then leaves).
    transferred_to: Mapped[str | None] = mapped_column(String(64))
    interpreter: Mapped[str | None] = mapped_column(String(64))
    # A call-back the caller asked for: their number encrypted, only until the window closes.
    callback_phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    callback_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_state: Mapped[str | None] = mapped_column(String(12), index=True)


class CallbackState:
    DUE = "due"  # the caller asked; an operator should ring them
    DIALLED = "dialled"
    EXPIRED = "expired"  # the window closed first: the number is gone


class CallEvent(Base):
    """One step of a call (queued, offered, answered, agency added, on hold, left, ended): who, when,
    from, to, why. Never changed."""

    __tablename__ = "call_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("voice_call.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str | None] = mapped_column(String(12))
    detail: Mapped[str | None] = mapped_column(String(200))
