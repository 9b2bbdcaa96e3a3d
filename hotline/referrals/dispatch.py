"""Dispatch: a proposed or held referral goes to its agency only when an operator confirms it, or when
its review deadline passes; the one writer of `Referral.dispatch`.

Confirming runs the referral's flowchart from `triaged` to `referred`, which queues the agency's
notice in the same transaction. A held referral (a consent not given) goes only when the consent is
now recorded on the ticket, or with a legal ground an operator states (a child, imminent danger);
a stated fear of return is never overridden. A flood (hotline/floods.py) may hold a referral its
agency has not yet heard of, dispatched or proposed; only the flood's release lets it go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.models import Agency
from hotline.db import changed_rows
from hotline.reasons import system_reason
from hotline.referrals.lifecycle import advance, resume
from hotline.referrals.models import DISPATCH_TRANSITIONS, DispatchState, Referral
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, move_ticket, record_event
from routing.dispatch import CHILD_GROUND, DANGER_GROUND, plan_referral
from routing.flow_engine import Event

GROUNDS = (CHILD_GROUND, DANGER_GROUND)
# A flood's hold, by what the referral was before: sent to its agency, or proposed for review.
FLOOD_HELD = ("flood", "flood_proposal")


class DispatchRefused(ValueError):
    """The referral cannot go: already decided, consent missing, or a fear of return."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def set_dispatch(session: Session, referral: Referral, to_state: str, who: str, reason: str | None) -> bool:
    """Move the dispatch state along DISPATCH_TRANSITIONS and record it; False when another move won.

    Does not commit.
    """
    from_state = referral.dispatch
    if to_state not in DISPATCH_TRANSITIONS[from_state]:
        raise DispatchRefused("already_decided")
    moved = changed_rows(
        session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.dispatch == from_state)
            .values(dispatch=to_state)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(referral)
    if not moved:
        return False
    record_event(
        session,
        referral.ticket,
        "dispatch",
        who,
        referral_id=referral.id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    return True


def confirm(
    session: Session,
    referral: Referral,
    who: str,
    now: datetime,
    *,
    reason: str | None = None,
    ground: str | None = None,
) -> bool:
    """Send a proposed (or held) referral to its agency. Does not commit; False when another move won."""
    if referral.held_reason in FLOOD_HELD:
        # Its ticket is held in a flood: released by a supervisor, with the flood's other reports or alone.
        raise DispatchRefused("flood_hold")
    if referral.dispatch == DispatchState.HELD:
        consent = referral.ticket.consent or {}
        if referral.held_reason == "fear_of_return":
            raise DispatchRefused("fear_of_return")
        if consent.get(referral.needs_consent or "") is not True and ground not in GROUNDS:
            raise DispatchRefused("consent_missing")
    if not set_dispatch(session, referral, DispatchState.DISPATCHED, who, reason):
        return False
    if ground is not None and referral.dispatch == DispatchState.DISPATCHED and referral.override_ground is None:
        referral.override_ground = ground
        record_event(
            session,
            referral.ticket,
            "consent_overridden",
            who,
            referral_id=referral.id,
            reason=system_reason("legal_ground", ground=ground),
        )
    actor = "system" if who == SYSTEM else "operator"
    # What the flowchart's refer step needs, as when a referral is sent at once (lifecycle.open_referral).
    origin = (referral.ticket.routing or {}).get("victim_nationality")
    payload = {"agency": referral.agency_id, "origin_country": origin}
    advance(session, referral, Event("refer", actor, payload), who, now, reason=reason)
    move_ticket(
        session, referral.ticket, TicketStatus.REFERRED, who, reason=system_reason("referral_dispatched"), strict=False
    )
    return True


def hold(session: Session, referral: Referral, who: str, reason: str) -> bool:
    """Keep a proposal from its agency (an operator's call, with a reason). Does not commit."""
    if referral.dispatch != DispatchState.PROPOSED:
        raise DispatchRefused("already_decided")
    if not set_dispatch(session, referral, DispatchState.HELD, who, reason):
        return False
    referral.held_reason = "operator_hold"
    referral.deadline_at, referral.deadline_timer = None, None
    return True


def hold_for_flood(session: Session, referral: Referral, reason: str) -> bool:
    """Keep a referral its agency has not heard of from it while its ticket is held in a flood: its
    notices are withheld (hotline/floods.py) and its deadline stops. Does not commit."""
    was = referral.dispatch
    if was not in (DispatchState.DISPATCHED, DispatchState.PROPOSED):
        return False
    if not set_dispatch(session, referral, DispatchState.HELD, SYSTEM, reason):
        return False
    referral.held_reason = "flood" if was == DispatchState.DISPATCHED else "flood_proposal"
    referral.deadline_at, referral.deadline_timer = None, None
    return True


def release_from_flood(session: Session, referral: Referral, who: str, now: datetime, reason: str) -> bool:
    """The flood's hold is lifted: the referral is sent (or proposed) again, its clock starting now.
    Does not commit; False when it is not held by a flood."""
    if referral.dispatch != DispatchState.HELD or referral.held_reason not in FLOOD_HELD:
        return False
    target = DispatchState.DISPATCHED if referral.held_reason == "flood" else DispatchState.PROPOSED
    if not set_dispatch(session, referral, target, who, reason):
        return False
    referral.held_reason = None
    resume(session, referral, now)
    return True


def drop(session: Session, referral: Referral, who: str, reason: str) -> bool:
    """Take a proposal or a held referral back: it never reaches the agency. Does not commit."""
    if not set_dispatch(session, referral, DispatchState.DROPPED, who, reason):
        return False
    referral.deadline_at, referral.deadline_timer = None, None
    return True


def review_deadline_passed(session: Session, referral: Referral, now: datetime) -> str:
    """Nobody reviewed the proposal in time: it goes as proposed and the supervisors are told. Does not commit."""
    if referral.dispatch != DispatchState.PROPOSED:
        return "not proposed"
    if not confirm(session, referral, SYSTEM, now, reason=system_reason("review_passed")):
        return "already moved"
    record_event(
        session,
        referral.ticket,
        "review_overdue",
        SYSTEM,
        referral_id=referral.id,
        reason=system_reason("review_unattended"),
    )
    return "dispatched at the review deadline"


def record_consent(session: Session, ticket: Ticket, answers: Mapping[str, bool], who: str, reason: str) -> list[int]:
    """What the person agreed to, learnt after the ticket was routed: kept on the ticket (one event),
    and each proposal it no longer allows is held with the reason. Returns the ids held. Does not commit.

    A referral already dispatched stays dispatched (it went on a ground or an earlier answer).
    """
    consent = {**(ticket.consent or {}), **answers}
    if consent == (ticket.consent or {}):
        return []
    ticket.consent = consent
    changed = ", ".join(f"{key}={'yes' if value else 'no'}" for key, value in sorted(answers.items()))
    record_event(
        session, ticket, "consent_recorded", who, reason=system_reason("consent", changed=changed, reason=reason)
    )
    decision = ticket.routing or {}
    held: list[int] = []
    if not decision:
        return held
    for referral in session.scalars(
        select(Referral).where(Referral.ticket_id == ticket.id, Referral.dispatch == DispatchState.PROPOSED)
    ):
        agency = session.get(Agency, referral.agency_id)
        if agency is None:
            continue
        plan = plan_referral(decision, agency.kind, referral.role, consent, "")
        if plan["dispatch"] != "held":
            continue
        if set_dispatch(session, referral, DispatchState.HELD, who, f"held: {plan['held_reason']}"):
            referral.held_reason, referral.needs_consent = plan["held_reason"], plan["needs_consent"]
            referral.deadline_at, referral.deadline_timer = None, None
            held.append(referral.id)
    return held
