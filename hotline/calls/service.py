"""Who is on shift, and which waiting caller each operator is offered: the only writer of both.

An operator is on shift for a caller only when they said so (status `available`, or `busy` on a
call), their softphone page has beaten in the last PRESENCE_TTL, they speak the caller's language
and cover the incident country. An open page alone never counts, and an operator who walks away
without saying so drops out when the page stops beating: callers waiting for them are let go to
the fallback. Only `available` operators are offered a caller.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.accounts import StaffUser
from hotline.calls.control import CallControl
from hotline.calls.models import CallEvent, CallState, OperatorPresence, Presence, PresenceEvent, VoiceCall
from hotline.conversations.models import Conversation
from hotline.db import changed_rows, utcnow

CALL_ROLES = ("operator", "supervisor", "admin")
# The softphone page beats every BEAT_SECONDS; two missed beats and more take the operator off shift.
BEAT_SECONDS = 10
PRESENCE_TTL = timedelta(seconds=45)
# How long a caller waits for a person before the fallback: a caller in danger far less.
MAX_WAIT = timedelta(minutes=4)
MAX_WAIT_IN_DANGER = timedelta(seconds=75)
RISK_ORDER = ("critical", "high", "medium", "low")


class PresenceRefused(ValueError):
    """Not a status an operator can set, or not an account that takes calls."""


def presence_of(session: Session, user_id: int) -> OperatorPresence:
    found = session.get(OperatorPresence, user_id)
    if found is None:
        found = OperatorPresence(user_id=user_id, status=Presence.AWAY, since=utcnow())
        session.add(found)
        session.flush()
    return found


def set_presence(session: Session, user: StaffUser, status: str, actor: str, reason: str) -> bool:
    """Change an operator's availability and record the change; False when it was already so. Commits."""
    if status not in Presence.ALL:
        raise PresenceRefused(status)
    if user.role not in CALL_ROLES or not user.active:
        raise PresenceRefused(user.role)
    presence = presence_of(session, user.id)
    changed = _move(session, presence, status, actor, reason)
    if status == Presence.AVAILABLE:
        presence.seen_at = utcnow()
    session.commit()
    return changed


def beat(session: Session, user_id: int) -> OperatorPresence:
    """The softphone page is still open (and its device ready). Commits."""
    presence = presence_of(session, user_id)
    presence.seen_at = utcnow()
    session.commit()
    return presence


def _move(session: Session, presence: OperatorPresence, status: str, actor: str, reason: str) -> bool:
    if presence.status == status:
        return False
    session.add(
        PresenceEvent(
            user_id=presence.user_id,
            at=utcnow(),
            actor=actor,
            from_status=presence.status,
            to_status=status,
            reason=reason[:200],
        )
    )
    presence.status, presence.since = status, utcnow()
    return True


def step(
    session: Session, call: VoiceCall, kind: str, actor: str, *, to: str | None = None, detail: str | None = None
) -> None:
    """Record one step of a call as an event, moving its state when `to` is given (no commit)."""
    if call.id is None:
        session.flush()
    before = call.state
    if to is not None:
        call.state = to
    session.add(
        CallEvent(
            call_id=call.id,
            at=utcnow(),
            actor=actor,
            kind=kind,
            from_state=before,
            to_state=call.state,
            detail=detail[:200] if detail else None,
        )
    )


def speaks(user: StaffUser, language: str | None) -> bool:
    return not user.languages or language is None or language in user.languages


def on_shift(session: Session, language: str | None, country: str | None, now: datetime | None = None) -> list[int]:
    """Operators on shift for a caller in this language about this country: available, or busy on
    another call (the caller waits for them); longest in that state first."""
    now = now or utcnow()
    rows = session.execute(
        select(StaffUser, OperatorPresence)
        .join(OperatorPresence, OperatorPresence.user_id == StaffUser.id)
        .where(
            OperatorPresence.status.in_((Presence.AVAILABLE, Presence.BUSY)),
            OperatorPresence.seen_at >= now - PRESENCE_TTL,
            StaffUser.active.is_(True),
            StaffUser.role.in_(CALL_ROLES),
        )
        .order_by(OperatorPresence.since, StaffUser.id)
    ).all()
    return [
        user.id
        for user, _presence in rows
        if speaks(user, language) and (country is None or user.covers_country(country))
    ]


def queue_caller(
    session: Session,
    call_sid: str,
    *,
    conversation_id: int | None,
    ticket_id: int | None,
    language: str,
    country: str | None,
    risk: str | None,
    in_danger: bool,
    line: str | None = None,
) -> VoiceCall:
    """Put a caller in the waiting line (or find them there: a retried webhook). Commits."""
    call = session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
    if call is None:
        call = VoiceCall(
            call_sid=call_sid,
            conversation_id=conversation_id,
            ticket_id=ticket_id,
            language=language,
            country=country,
            risk=risk,
            in_danger=in_danger,
            state=CallState.WAITING,
            enqueued_at=utcnow(),
            line=line,
        )
        session.add(call)
        step(session, call, "queued", "system", detail=f"risk {risk or 'unknown'}")
        session.commit()
    return call


def let_go(session: Session, call: VoiceCall, why: str) -> None:
    """The caller stops waiting (too long, or nobody left on shift): the fallback takes over. Commits."""
    if call.state == CallState.WAITING:
        call.outcome, call.ended_at = why, utcnow()
        step(session, call, "left_line", "system", to=CallState.ENDED, detail=why)
    session.commit()


def identity_of(user: StaffUser) -> str:
    """The softphone's Twilio client identity: the operator, never their name or address."""
    return f"staff-{user.id}"


def operator_for(session: Session, caller_id: str) -> StaffUser | None:
    """The operator behind a softphone call (Twilio's From is "client:staff-<id>"), if they take calls."""
    prefix = "client:staff-"
    if not caller_id.startswith(prefix) or not caller_id[len(prefix) :].isdigit():
        return None
    user = session.get(StaffUser, int(caller_id[len(prefix) :]))
    return user if user is not None and user.active and user.role in CALL_ROLES else None


def record_unanswered(
    session: Session,
    call_sid: str,
    outcome: str,
    *,
    conversation_id: int | None = None,
    language: str = "es",
    country: str | None = None,
    in_danger: bool = False,
    line: str | None = None,
) -> VoiceCall:
    """A caller handed over with nobody on shift, or let go from the line: how the call ended. Commits."""
    call = session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
    if call is None:
        call = VoiceCall(
            call_sid=call_sid,
            conversation_id=conversation_id,
            language=language,
            country=country,
            in_danger=in_danger,
            line=line,
            state=CallState.WAITING,
        )
        session.add(call)
    if call.state != CallState.TALKING and call.outcome not in ("answered", "transferred"):
        call.outcome, call.ended_at = outcome, utcnow()
        step(session, call, "unanswered", "system", to=CallState.ENDED, detail=outcome)
    session.commit()
    return call


def _priority() -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]:
    rank = case({level: i for i, level in enumerate(RISK_ORDER)}, value=VoiceCall.risk, else_=len(RISK_ORDER))
    return (VoiceCall.in_danger.desc(), rank, VoiceCall.enqueued_at, VoiceCall.id)


def waiting_for(session: Session, user: StaffUser) -> list[VoiceCall]:
    """The callers this operator could take, in the order they should be taken."""
    calls = session.scalars(select(VoiceCall).where(VoiceCall.state == CallState.WAITING).order_by(*_priority()))
    return [c for c in calls if speaks(user, c.language) and (c.country is None or user.covers_country(c.country))]


def position(session: Session, call: VoiceCall) -> int:
    """The caller's place in line among everyone waiting (1 = next)."""
    ahead = 0
    for other in session.scalars(select(VoiceCall).where(VoiceCall.state == CallState.WAITING).order_by(*_priority())):
        if other.id == call.id:
            return ahead + 1
        ahead += 1
    return 1


def must_leave(session: Session, call: VoiceCall, waited_seconds: int | None) -> str | None:
    """Why the caller should stop waiting now (None: keep waiting): nobody left on shift, or too long."""
    if call.state != CallState.WAITING:
        return None
    limit = MAX_WAIT_IN_DANGER if call.in_danger else MAX_WAIT
    since = call.enqueued_at or utcnow()
    waited = timedelta(seconds=waited_seconds) if waited_seconds is not None else utcnow() - since
    if waited >= limit:
        return "max_wait"
    if not on_shift(session, call.language, call.country):
        return "no_operator"
    return None


def offer_next(session: Session, user: StaffUser, operator_call_sid: str) -> VoiceCall | None:
    """Give the operator the first caller they can take, and mark them busy. Commits.

    Two operators answering at once get two different callers: the offer is a conditional UPDATE.
    """
    already = session.scalar(select(VoiceCall).where(VoiceCall.operator_call_sid == operator_call_sid))
    if already is not None:
        return already
    for call in waiting_for(session, user):
        taken = changed_rows(session.execute(
            update(VoiceCall)
            .where(VoiceCall.id == call.id, VoiceCall.state == CallState.WAITING)
            .values(state=CallState.OFFERED, operator_id=user.id, operator_call_sid=operator_call_sid)
            .execution_options(synchronize_session=False)
        ))
        if taken:
            session.refresh(call)
            step(session, call, "offered", user.actor)
            _move(session, presence_of(session, user.id), Presence.BUSY, user.actor, f"taking call {call.id}")
            session.commit()
            return call
    session.rollback()
    return None


def connected(session: Session, call_sid: str) -> VoiceCall | None:
    """The caller is being put through to the operator who dialled their queue. Commits."""
    call = session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
    if call is None or call.state not in (CallState.OFFERED, CallState.WAITING):
        return call
    call.answered_at, call.outcome = utcnow(), "answered"
    step(session, call, "answered", "system", to=CallState.TALKING)
    session.commit()
    return call


def operator_hung_up(session: Session, operator_call_sid: str, control: CallControl | None = None) -> VoiceCall | None:
    """The operator's leg ended. A caller not yet put through waits again; a caller left with an agency
    or an interpreter stays with them (with an agency, a warm transfer); a caller left alone has their
    conference ended. The operator is free again. Commits."""
    call = session.scalar(select(VoiceCall).where(VoiceCall.operator_call_sid == operator_call_sid))
    if call is None:
        return None
    operator = call.operator_id
    if call.state == CallState.OFFERED:
        call.operator_id, call.operator_call_sid = None, None
        step(session, call, "operator_left", "system", to=CallState.WAITING, detail="before the caller joined")
    elif call.state == CallState.TALKING:
        # The operator is off this call (it drops off their console); a retried callback finds nothing.
        call.operator_call_sid = None
        if call.transferred_to is not None:
            call.outcome = "transferred"
            step(session, call, "operator_left", "system", detail=f"transferred to {call.transferred_to}")
        elif call.interpreter is not None:
            step(session, call, "operator_left", "system", detail="caller left with the interpreter")
        else:
            call.ended_at = utcnow()
            step(session, call, "operator_left", "system", to=CallState.ENDED, detail="call over")
            if control is not None and call.conference_sid:
                control.end_conference(call.conference_sid)
    if operator is not None:
        presence = presence_of(session, operator)
        if presence.status == Presence.BUSY:
            _move(session, presence, Presence.AVAILABLE, "system", f"call {call.id} ended")
    session.commit()
    return call


def caller_gone(session: Session, call_sid: str) -> VoiceCall | None:
    """The caller's call ended (Twilio's status callback): a caller still waiting abandoned. Commits."""
    call = session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
    if call is None or call.state == CallState.ENDED:
        return call
    call.ended_at = utcnow()
    if call.state in (CallState.WAITING, CallState.OFFERED):
        call.outcome = "abandoned"
        waited = int((call.ended_at - (call.enqueued_at or call.created_at)).total_seconds())
        step(session, call, "caller_hung_up", "system", to=CallState.ENDED, detail=f"abandoned after {waited} s")
    else:
        step(session, call, "caller_hung_up", "system", to=CallState.ENDED)
    session.commit()
    return call


def records_for_ticket(session: Session, ticket_id: int) -> list[tuple[VoiceCall, list[CallEvent]]]:
    """The calls behind a ticket (queued with it, or from the conversation that made it), each with its steps."""
    conversations = select(Conversation.id).where(Conversation.ticket_id == ticket_id)
    found = session.scalars(
        select(VoiceCall)
        .where((VoiceCall.ticket_id == ticket_id) | VoiceCall.conversation_id.in_(conversations))
        .order_by(VoiceCall.id)
    ).all()
    return [
        (call, list(session.scalars(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.id))))
        for call in found
    ]
