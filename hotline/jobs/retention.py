"""Retention: caller numbers are erased when their callback window closes, and the rest of what a reporter
gave (narratives, transcripts, recordings, sent texts, caller hashes) when the policy says so
(`hotline/retention_policy.json`). Every erasure on a ticket is recorded as one of its events; coded
fields (country, risk, case type, states) and the events stay, so statistics are unchanged. Words sealed
under a data key (narratives, transcripts, photos fetched: hotline/keystore.py) are erased by destroying
that key first, which reaches every copy of them, backups included. The hashes of where reports and
failed sign-ins came from (flood counts, sign-in locks) are deleted too."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from hotline import keystore
from hotline.accounts import SignInLock
from hotline.calls import callback
from hotline.conversations.models import Conversation
from hotline.db import changed_rows, utcnow
from hotline.floods import Flood, FloodSignal
from hotline.jobs.runtime import job_app
from hotline.outbox import OutboxMessage, OutboxStatus
from hotline.reasons import system_reason
from hotline.tickets.models import Ticket, TicketMessage, TicketRecording, TicketStatus
from hotline.tickets.service import SYSTEM, record_event

log = logging.getLogger(__name__)

POLICY_FILE = Path(__file__).resolve().parent.parent / "retention_policy.json"
ERASED = keystore.ERASED
SETTLED = (OutboxStatus.SENT, OutboxStatus.RECORDED, OutboxStatus.FAILED)
FLOOD_ERASED = "erased:"


def load_policy(path: Path = POLICY_FILE) -> dict[str, timedelta]:
    """The retention period of each kind of data; refuses a policy without one of them."""
    document: dict[str, Any] = json.loads(path.read_text())
    kinds = document["kinds"]
    missing = {
        "narrative",
        "transcript",
        "recording",
        "outbox_body",
        "caller_hash",
        "flood_count",
        "sign_in_source",
    } - set(kinds)
    if missing:
        raise ValueError(f"retention policy lacks {sorted(missing)}")
    for name, rule in kinds.items():
        if rule.get("action") != "erase" or not isinstance(rule.get("days"), int) or rule["days"] < 1:
            raise ValueError(f"retention policy: {name} needs a whole number of days and the action 'erase'")
    return {name: timedelta(days=rule["days"]) for name, rule in kinds.items()}


def expire_callback_numbers() -> int:
    """Erase every encrypted caller number past its window; return how many were erased."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return erase_expired_numbers(session)


def apply_retention_policy() -> dict[str, int]:
    """The scheduler's run of the whole policy."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return apply_retention(session, utcnow())


def erase_expired_numbers(session: Session) -> int:
    now = utcnow()
    expired = session.scalars(
        select(Ticket).where(Ticket.caller_phone_encrypted.is_not(None), Ticket.caller_phone_expires_at <= now)
    ).all()
    for ticket in expired:
        ticket.caller_phone_encrypted = None
        record_event(session, ticket, "caller_number_erased", SYSTEM, reason=system_reason("retention_callback"))
    return len(expired) + callback.erase_expired(session, now)


def apply_retention(session: Session, now: datetime, policy: dict[str, timedelta] | None = None) -> dict[str, int]:
    """Erase what the policy says is due at `now`; one `retention_erased` event per ticket touched. Commits."""
    periods = policy or load_policy()
    erased: Counter[str] = Counter()
    per_ticket: dict[int, Counter[str]] = {}

    def note(ticket_id: int | None, kind: str, count: int = 1) -> None:
        erased[kind] += count
        if ticket_id is not None:
            per_ticket.setdefault(ticket_id, Counter())[kind] += count

    closed_before = {
        kind: select(Ticket.id).where(Ticket.status == TicketStatus.CLOSED, Ticket.updated_at <= now - periods[kind])
        for kind in ("narrative", "recording", "caller_hash")
    }
    narratives = select(TicketMessage).where(
        TicketMessage.ticket_id.in_(closed_before["narrative"]), TicketMessage.body_sealed != keystore.CLEARED
    )
    messages = session.scalars(narratives).all()
    # The keys go first and at once (the key store commits on its own): every copy of these words, in
    # any backup of this database, is unreadable from here on. Clearing the rows below only tidies up,
    # and a run that fails before its commit finds the same rows again next time.
    keystore.shred(session, {message.ticket_id for message in messages}, keystore.NARRATIVE)
    for message in messages:
        message.body_sealed = keystore.CLEARED
        note(message.ticket_id, "narrative")
    recordings = select(TicketRecording).where(TicketRecording.ticket_id.in_(closed_before["recording"]))
    kept = (TicketRecording.url != "") | TicketRecording.content_encrypted.is_not(None)
    due_recordings = session.scalars(recordings.where(kept)).all()
    keystore.shred(session, {r.ticket_id for r in due_recordings if r.fetched_at is not None}, keystore.MEDIA)
    for recording in due_recordings:
        # The link and, for a photo or file fetched, its sealed copy (its key destroyed above) go together.
        recording.url, recording.content_encrypted = "", None
        note(recording.ticket_id, "recording")
    hashed = session.scalars(
        select(Ticket.id).where(Ticket.id.in_(closed_before["caller_hash"]), Ticket.caller_hash.is_not(None))
    ).all()
    if hashed:
        # `updated_at` kept: it is when the ticket closed, the start of every other kind's period.
        tickets = cast(Table, Ticket.__table__)
        row = tickets.c
        session.execute(update(tickets).where(row.id.in_(hashed)).values(caller_hash=None, updated_at=row.updated_at))
    for ticket_id in hashed:
        note(ticket_id, "caller_hash")
    old_conversations = select(Conversation).where(Conversation.closed_at.is_not(None))
    hash_due = Conversation.closed_at <= now - periods["caller_hash"]
    for conversation in session.scalars(old_conversations.where(hash_due, Conversation.caller_hash.is_not(None))):
        conversation.caller_hash = None
        note(conversation.ticket_id, "caller_hash")
    transcripts_due = session.scalars(old_conversations.where(Conversation.closed_at <= now - periods["transcript"]))
    for conversation in transcripts_due:
        turns = [t for t in conversation.turns if t.body_sealed]
        host = conversation.host or {}
        # Words kept beside the run: the first text, and answers given in words.
        words = [name for name in ("opening", "answer_words") if host.get(name)]
        if not (turns or words):
            continue
        keystore.shred(session, {conversation.id}, keystore.TRANSCRIPT)  # first, as for narratives
        for turn in turns:
            turn.body_sealed = ""
        if words:
            conversation.host = {k: v for k, v in host.items() if k not in words}
        note(conversation.ticket_id, "transcript", len(turns) + len(words))
    for sent in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status.in_(SETTLED),
            OutboxMessage.created_at <= now - periods["outbox_body"],
            OutboxMessage.body != ERASED,
        )
    ):
        sent.body, sent.subject = ERASED, None
        note(sent.ticket_id, "outbox_body")
    _erase_source_hashes(session, now, periods, note)
    session.flush()
    for ticket_id, kinds in per_ticket.items():
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            what = ", ".join(f"{kind} ({count})" for kind, count in sorted(kinds.items()))
            record_event(
                session, ticket, "retention_erased", SYSTEM, reason=system_reason("retention_erased", what=what)
            )
    session.commit()
    log.info("retention run: %s", dict(erased) or "nothing due")
    return dict(erased)


def _erase_source_hashes(
    session: Session, now: datetime, periods: dict[str, timedelta], note: Callable[[int | None, str, int], None]
) -> None:
    """Delete the flood counts and sign-in locks past their period, and the hash of a flood seen last
    before it (the flood itself, its holds and its why stay for review and statistics)."""
    counted_before = now - periods["flood_count"]
    signals = changed_rows(session.execute(delete(FloodSignal).where(FloodSignal.at <= counted_before)))
    if signals:
        note(None, "flood_count", signals)
    for flood in session.scalars(
        select(Flood).where(Flood.last_seen_at <= counted_before, Flood.digest.not_like(f"{FLOOD_ERASED}%"))
    ):
        # Unique with its rule and window: an erased hash names its own row.
        flood.digest = f"{FLOOD_ERASED}{flood.id}"
        note(None, "flood_count", 1)
    failed_before = now - periods["sign_in_source"]
    locks = changed_rows(
        session.execute(
            delete(SignInLock).where(
                or_(SignInLock.locked_until.is_(None), SignInLock.locked_until <= failed_before),
                or_(SignInLock.last_failed_at.is_(None), SignInLock.last_failed_at <= failed_before),
            )
        )
    )
    if locks:
        note(None, "sign_in_source", locks)
