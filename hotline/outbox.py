"""The transactional outbox: every notice the system sends is a row first, written with the change
that causes it; a dispatcher hands each row to the outbound gateway once.

Redis only wakes the dispatcher (`hotline.jobs.outbox.deliver_message`, queued after commit); the
sweep (`sweep_outbox`) delivers whatever a lost wake-up, a dead worker or a Redis outage left behind.
A row moves pending → sending → sent (live) or recorded (development and tests, where nothing
leaves the system); a refused hand-off waits and is tried again, up to `MAX_ATTEMPTS`. A row may wait
before its first hand-off (`next_attempt_at`: an agency notice's flood hold), and a flood may set it
aside as `withheld` until a supervisor releases its ticket.

At most one message per row reaches the provider: a dispatcher first claims the row with a
conditional UPDATE and commits, so a second dispatcher finds nothing to claim. A row left in
`sending` by a process that died is looked at again after `LEASE`: where the gateway can tell that
nothing left (the recording gateway's hand-off is part of the same transaction as the mark), it goes
back to pending; where it cannot (a live provider that may have accepted it), it is marked
`uncertain` and not sent again, and the referral's own deadline escalates as for any silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline import metrics
from hotline.db import Base, UTCDateTime, changed_rows, utcnow
from hotline.jobs.queue import enqueue_after_commit

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=2)
DELIVER_JOB = "hotline.jobs.outbox.deliver_message"


class OutboxStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    RECORDED = "recorded"  # handed to the recording gateway: development and tests, nothing left
    RETRY = "retry"  # the gateway refused for now; tried again at next_attempt_at
    FAILED = "failed"  # given up, or the provider reported the delivery failed
    UNCERTAIN = "uncertain"  # a dispatcher died mid hand-off to a live provider; not sent again
    WITHHELD = "withheld"  # a flood holds its ticket (hotline/floods.py); pending again on release

    DELIVERED = (SENT, RECORDED)
    CLAIMABLE = (PENDING, RETRY)


class OutboxKind:
    AGENCY_NOTICE = "agency_notice"  # a referral's notice to one of the agency's contacts
    REPORTER_REPLY = "reporter_reply"  # an operator's SMS to a reporter


class OutboxMessage(Base):
    """One outbound message. To an agency it carries a reference and a link, never a story; to a
    reporter, the outbox keeps a label instead of the number, which is decrypted only to send."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=OutboxKind.AGENCY_NOTICE)
    channel: Mapped[str] = mapped_column(String(8))  # "sms", "whatsapp" or "email"
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING, index=True)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    # Which of the agency's referral contacts it went to, so a failed delivery can try the next one.
    contact_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A short code of why the last hand-off failed (an exception class name), never the provider's text.
    error: Mapped[str | None] = mapped_column(String(80))
    # An approved WhatsApp template (Twilio's ContentSid): sent instead of the body, which keeps its words.
    content_sid: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HandOffRefused(Exception):
    """The gateway did not take the message; `permanent` when trying again cannot help."""

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class Gateway(Protocol):
    """The outbound edge (`channels/outbound.py`): hands one message to Twilio or SMTP."""

    #: True when a hand-off leaves no trace outside the dispatcher's own transaction, so a row whose
    #: dispatcher died may safely be handed off again.
    replay_safe: bool

    def hand_off(self, session: Session, message: OutboxMessage) -> str:
        """Send the message; return the provider's id. Raises HandOffRefused."""
        ...

    def download(self, url: str) -> bytes | None:
        """A file a reporter sent, fetched from the provider with its credentials; None when nothing
        may leave the system (record mode). Raises HandOffRefused."""
        ...


def gateway() -> Gateway:
    return current_app.extensions["outbound"]


# What the rest of the core does once a message has been delivered or has finally failed (say,
# record on the referral that the agency was notified): registered by the owning domain, keyed by kind.
Settle = Callable[[Session, OutboxMessage, bool], None]
_settlers: dict[str, Settle] = {}


def on_settled(kind: str) -> Callable[[Settle], Settle]:
    def register(function: Settle) -> Settle:
        _settlers[kind] = function
        return function

    return register


# How a message's body is completed at the moment it is handed off (say, the one-time acknowledge
# token, which is never stored in the body): registered by the owning domain, keyed by kind.
Compose = Callable[[Session, OutboxMessage], str]
_composers: dict[str, Compose] = {}


def on_compose(kind: str) -> Callable[[Compose], Compose]:
    def register(function: Compose) -> Compose:
        _composers[kind] = function
        return function

    return register


def composed_body(session: Session, message: OutboxMessage) -> str:
    """The body as it leaves: the stored one, completed by its kind's composer if it has one."""
    composer = _composers.get(message.kind)
    return composer(session, message) if composer is not None else message.body


def queue_message(
    session: Session,
    *,
    kind: str,
    channel: str,
    to: str,
    body: str,
    subject: str | None = None,
    referral_id: int | None = None,
    ticket_id: int | None = None,
    contact_id: int | None = None,
    content_sid: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Write a message to send, in the caller's transaction; the dispatcher is woken after commit, or
    at `not_before` when it must wait (an agency notice's flood hold, hotline/floods.py)."""
    message = OutboxMessage(
        content_sid=content_sid,
        kind=kind,
        channel=channel,
        to_address=to,
        subject=subject,
        body=body,
        status=OutboxStatus.PENDING,
        referral_id=referral_id,
        ticket_id=ticket_id,
        contact_id=contact_id,
        attempts=0,
        next_attempt_at=not_before,
    )
    session.add(message)
    session.flush()
    enqueue_after_commit(session, DELIVER_JOB, message.id, at=not_before)
    return message


@dataclass(frozen=True)
class Delivery:
    outcome: str  # "delivered", "retry", "failed", or "nothing to do"
    message_id: int


def deliver(session: Session, message_id: int, sender: Gateway, now: datetime) -> Delivery:
    """Hand one message to the gateway if it is due and nobody else has it. Commits."""
    claimed = changed_rows(
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_(OutboxStatus.CLAIMABLE),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    if not claimed:
        return Delivery("nothing to do", message_id)
    message = session.get(OutboxMessage, message_id)
    assert message is not None
    session.refresh(message)
    try:
        message.provider_id = sender.hand_off(session, message)
    except HandOffRefused as refused:
        message.error = refused.code[:80]
        if refused.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            _settle(session, message, False)
            session.commit()
            return Delivery("failed", message_id)
        message.status = OutboxStatus.RETRY
        message.next_attempt_at = now + retry_delay(message.attempts)
        session.commit()
        return Delivery("retry", message_id)
    message.status = OutboxStatus.RECORDED if sender.replay_safe else OutboxStatus.SENT
    message.sent_at = now
    message.error = None
    _settle(session, message, True)
    session.commit()
    metrics.notice_delivered(message.channel, message.created_at, now)
    return Delivery("delivered", message_id)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8 min: a provider's short outage passes; a long one ends in `failed`."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


def sweep_outbox(
    session: Session, sender: Gateway, now: datetime, batch: int = 500, lease: timedelta = LEASE
) -> dict[str, int]:
    """Deliver every message that is due, and look again at hand-offs whose dispatcher died (claimed
    longer than `lease` ago, well past a job's time limit). Commits."""
    counts = {"due": 0, "delivered": 0, "reclaimed": 0, "uncertain": 0}
    stuck = session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - lease
        )
    ).all()
    for message_id in stuck:
        target = OutboxStatus.PENDING if sender.replay_safe else OutboxStatus.UNCERTAIN
        moved = changed_rows(
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
                .values(status=target)
                .execution_options(synchronize_session=False)
            )
        )
        counts["reclaimed" if target == OutboxStatus.PENDING else "uncertain"] += moved
        if moved and target == OutboxStatus.UNCERTAIN:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            _settle(session, message, False)
        session.commit()
    last_id = 0
    while True:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.id > last_id,
                OutboxMessage.status.in_(OutboxStatus.CLAIMABLE),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(batch)
        ).all()
        if not due:
            return counts
        for message_id in due:
            counts["due"] += 1
            if deliver(session, message_id, sender, now).outcome == "delivered":
                counts["delivered"] += 1
        last_id = due[-1]


def _settle(session: Session, message: OutboxMessage, delivered: bool) -> None:
    settle = _settlers.get(message.kind)
    if settle is not None:
        settle(session, message, delivered)
