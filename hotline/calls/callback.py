"""Call-backs: a caller who waited too long may ask to be called back, only with their consent and only
on the number they called from. The number is kept encrypted on the call record for a short window,
erased when the call-back connects or the window closes; an operator's call-back dials through the
outbound gateway. The only writer of a call's call-back state."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.accounts import StaffUser
from hotline.calls.control import CallControl, CallControlRefused
from hotline.calls.models import CallbackState, CallState, Presence, VoiceCall
from hotline.calls.service import _move, presence_of, speaks, step
from hotline.db import changed_rows, utcnow
from hotline.privacy import decrypt_phone, encrypt_phone
from hotline.settings import Settings

# Shorter than a ticket's reply window: a call-back that waits a day has missed its moment.
CALLBACK_WINDOW = timedelta(hours=24)
ANSWER_PATH = "/twilio/voice/callback-answer?call={call}"
STATUS_PATH = "/twilio/voice/callback-status?call={call}"


def window(settings: Settings) -> timedelta:
    return min(CALLBACK_WINDOW, timedelta(hours=settings.callback_window_hours))


def book(session: Session, settings: Settings, call: VoiceCall, number: str) -> None:
    """The caller agreed to be called back on the number they are calling from. Commits."""
    if call.callback_state == CallbackState.DUE:
        return
    call.callback_phone_encrypted = encrypt_phone(number, settings.phone_encryption_key)
    call.callback_expires_at = utcnow() + window(settings)
    call.callback_state = CallbackState.DUE
    call.outcome = "callback"
    step(session, call, "callback_booked", "caller", detail=f"window {int(window(settings).total_seconds() // 3600)} h")
    session.commit()


def due_for(session: Session, user: StaffUser, now: datetime | None = None) -> list[VoiceCall]:
    """Call-backs this operator could make (their language and countries), oldest first."""
    now = now or utcnow()
    found = session.scalars(
        select(VoiceCall)
        .where(VoiceCall.callback_state == CallbackState.DUE, VoiceCall.callback_expires_at > now)
        .order_by(VoiceCall.created_at, VoiceCall.id)
    )
    return [c for c in found if speaks(user, c.language) and (c.country is None or user.covers_country(c.country))]


def ring(
    session: Session, settings: Settings, control: CallControl, user: StaffUser, call_id: int, operator_call_sid: str
) -> VoiceCall | None:
    """The operator's softphone asked to call this caller back: claim it (two operators never ring the
    same caller), then dial the caller into the call's conference. Commits; None when not possible."""
    call = session.get(VoiceCall, call_id)
    if call is None or call.operator_call_sid == operator_call_sid:
        return call
    if call not in due_for(session, user) or call.callback_phone_encrypted is None:
        return None
    claimed = changed_rows(
        session.execute(
            update(VoiceCall)
            .where(VoiceCall.id == call.id, VoiceCall.callback_state == CallbackState.DUE)
            .values(callback_state=CallbackState.DIALLED, operator_id=user.id, operator_call_sid=operator_call_sid)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        session.rollback()
        return None
    session.refresh(call)
    number = decrypt_phone(call.callback_phone_encrypted, settings.phone_encryption_key)
    if number is None:
        call.callback_state, call.callback_phone_encrypted = CallbackState.EXPIRED, None
        step(session, call, "callback_failed", user.actor, detail="number unreadable")
        session.commit()
        return None
    try:
        leg = control.ring_back(number, call.line, ANSWER_PATH.format(call=call.id), STATUS_PATH.format(call=call.id))
    except CallControlRefused:
        call.callback_state, call.operator_id, call.operator_call_sid = CallbackState.DUE, None, None
        step(session, call, "callback_failed", user.actor, detail="not accepted by Twilio")
        session.commit()
        return None
    # The call-back is a new leg: the record follows it, so hold and transfer reach the caller.
    call.call_sid, call.ended_at, call.conference_sid, call.on_hold = leg, None, None, False
    step(session, call, "callback_dialled", user.actor, to=CallState.OFFERED)
    _move(session, presence_of(session, user.id), Presence.BUSY, user.actor, f"calling back {call.id}")
    session.commit()
    return call


def answered(session: Session, call: VoiceCall) -> bool:
    """The caller picked up the call-back: the number is no longer needed. Commits."""
    if call.state != CallState.OFFERED or call.callback_state != CallbackState.DIALLED:
        return call.state == CallState.TALKING
    call.callback_phone_encrypted = None
    call.answered_at = utcnow()
    step(session, call, "callback_answered", "caller", to=CallState.TALKING)
    session.commit()
    return True


def not_answered(session: Session, call: VoiceCall, status: str) -> None:
    """The call-back rang out or failed: due again while the window is open. Commits."""
    if call.state != CallState.OFFERED or call.callback_state != CallbackState.DIALLED:
        return
    operator = call.operator_id
    call.callback_state, call.operator_id, call.operator_call_sid = CallbackState.DUE, None, None
    step(session, call, "callback_not_answered", "system", to=CallState.ENDED, detail=status[:40])
    if operator is not None:
        presence = presence_of(session, operator)
        if presence.status == Presence.BUSY:
            _move(session, presence, Presence.AVAILABLE, "system", f"call-back {call.id} not answered")
    session.commit()


def erase_expired(session: Session, now: datetime) -> int:
    """Erase every call-back number past its window (the retention sweep). No commit."""
    expired = session.scalars(
        select(VoiceCall).where(VoiceCall.callback_phone_encrypted.is_not(None), VoiceCall.callback_expires_at <= now)
    ).all()
    for call in expired:
        call.callback_phone_encrypted = None
        if call.callback_state == CallbackState.DUE:
            call.callback_state = CallbackState.EXPIRED
        step(session, call, "callback_number_erased", "system", detail="retention: call-back window closed")
    return len(expired)
