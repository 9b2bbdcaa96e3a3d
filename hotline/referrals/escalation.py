"""Deadlines that pass: timers fire, and unanswered referrals climb the escalation ladder.

The ladder, one rung per missed deadline: the agency's next referral contact, then an alternate
agency of the same kind, then the national coordinating body, then the regional focal point. A rung
that does not apply (no second contact, no alternate agency) is skipped. When the ladder is spent,
the flowchart's own escalation deadline lets the referral expire. Every rung is an event.

`apply_due_deadline` is what both the scheduled check and the sweep call: it does nothing unless
the referral's deadline has really passed, and its move is conditional, so it escalates once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.models import Agency, Country
from hotline import metrics
from hotline.db import changed_rows
from hotline.jobs.queue import enqueue_after_commit
from hotline.reasons import system_reason
from hotline.referrals.deadlines import deadline
from hotline.referrals.dispatch import review_deadline_passed
from hotline.referrals.lifecycle import REVIEW_DEADLINE, IllegalTransition, advance, open_referral
from hotline.referrals.models import Referral, ReferralStatus
from hotline.referrals.notices import queue_agency_notice
from hotline.referrals.service import next_candidates
from hotline.tickets.service import SYSTEM, record_event
from routing.flow_engine import Event

NEXT_CONTACT, ALTERNATE_AGENCY, COORDINATING_BODY, REGIONAL_FOCAL_POINT = 1, 2, 3, 4
LADDER = (NEXT_CONTACT, ALTERNATE_AGENCY, COORDINATING_BODY, REGIONAL_FOCAL_POINT)
RUNG = "escalation_rung"


def apply_due_deadline(session: Session, referral_id: int, now: datetime) -> str:
    """Act on the referral's deadline if it has passed; return what was done. Commits."""
    referral = session.get(Referral, referral_id)
    if referral is None or referral.ended or referral.deadline_at is None or referral.deadline_at > now:
        return "not due"
    timer = referral.deadline_timer
    due_at = referral.deadline_at
    if timer == REVIEW_DEADLINE:
        done = review_deadline_passed(session, referral, now)
    elif timer == RUNG:
        done = _climb(session, referral, now)
    else:
        try:
            moved = advance(
                session,
                referral,
                Event(timer or "", "timer"),
                SYSTEM,
                now,
                reason=system_reason("timer_passed", timer=timer),
            )
        except IllegalTransition as refused:
            # A deadline the flowchart no longer knows at this node: stop watching it, say why.
            record_event(
                session, referral.ticket, "deadline_dropped", SYSTEM, referral_id=referral.id, reason=refused.reason
            )
            referral.deadline_at = None
            session.commit()
            return "dropped"
        if not moved.changed:
            return "already moved"
        done = f"{timer}: {moved.from_state} → {moved.to_state}"
        if moved.to_state == ReferralStatus.ESCALATED and referral.escalated_from_id is None:
            done += "; " + _climb(session, referral, now)
    metrics.after_commit(session, lambda: metrics.deadline_acted_on(timer or "none", due_at, now))
    session.commit()
    return done


class _AlreadyClimbed(Exception):
    """Another deadline check took this rung first."""


def _climb(session: Session, referral: Referral, now: datetime) -> str:
    """Take the next rung that applies, and set the deadline for the one after."""
    for rung in LADDER:
        if rung <= referral.escalation_level:
            continue
        try:
            # In a savepoint: when another check climbed first, what `_take` wrote for this rung goes,
            # and the caller's other work stays.
            with session.begin_nested():
                taken = _take(session, referral, rung, now)
                if taken is None:
                    continue
                claimed = changed_rows(
                    session.execute(
                        update(Referral)
                        .where(Referral.id == referral.id, Referral.escalation_level == referral.escalation_level)
                        .values(escalation_level=rung)
                        .execution_options(synchronize_session=False)
                    )
                )
                if not claimed:
                    raise _AlreadyClimbed
        except _AlreadyClimbed:
            session.refresh(referral)
            return "already escalated"
        session.refresh(referral)
        record_event(
            session,
            referral.ticket,
            "escalation",
            SYSTEM,
            referral_id=referral.id,
            from_state=str(rung - 1),
            to_state=str(rung),
            reason=taken,
        )
        _watch(session, referral, RUNG, now)
        return taken
    # The ladder is spent: the flowchart's escalation deadline decides what happens next.
    _watch(session, referral, "escalation_deadline", now)
    return "ladder spent"


def _take(session: Session, referral: Referral, rung: int, now: datetime) -> str | None:
    """Carry out one rung; None when it does not apply to this referral."""
    agency = session.get(Agency, referral.agency_id)
    assert agency is not None
    if rung == NEXT_CONTACT:
        contacts = agency.active_contacts
        if len(contacts) < 2:
            return None
        queue_agency_notice(session, referral, contacts[1], now, why="escalation rung 1")
        return system_reason("rung_contact", agency=agency.id)
    taken = set(session.scalars(select(Referral.agency_id).where(Referral.ticket_id == referral.ticket_id)))
    candidates = next_candidates(session, agency, exclude=taken)
    wanted = {
        ALTERNATE_AGENCY: lambda a: a.kind == agency.kind and a.country == agency.country,
        COORDINATING_BODY: lambda a: a.kind == "coordinating_body" and a.country == agency.country,
        REGIONAL_FOCAL_POINT: lambda a: a.regional_focal_point,
    }[rung]
    chosen = next((candidate for candidate in candidates if wanted(candidate)), None)
    if chosen is None:
        return None
    open_referral(
        session,
        referral.ticket,
        chosen.id,
        role="escalation",
        now=now,
        flow_id=referral.flow_id,
        escalated_from=referral,
        reason=system_reason("did_not_acknowledge", agency=agency.id, rung=rung),
    )
    return system_reason("rung_referred", rung=rung, other=chosen.id, agency=agency.id)


def _watch(session: Session, referral: Referral, timer: str, now: datetime) -> None:
    """Make `timer`, started now, the referral's next deadline."""
    agency = session.get(Agency, referral.agency_id)
    assert agency is not None
    referral.deadline_timer = timer
    country = session.get(Country, agency.country) if agency.country else None
    referral.deadline_at = deadline(timer, referral.ticket.risk_level, now, agency, country)
    enqueue_after_commit(session, "hotline.jobs.deadlines.check_deadline", referral.id, at=referral.deadline_at)


def sweep(session: Session, now: datetime, batch: int = 500) -> dict[str, int]:
    """Find every referral whose deadline passed, whatever happened to its scheduled check. Commits."""
    counts = {"due": 0, "acted": 0}
    last_id = 0
    while True:
        due = session.scalars(
            select(Referral.id)
            .where(Referral.deadline_at <= now, Referral.id > last_id)
            .order_by(Referral.id)
            .limit(batch)
        ).all()
        if not due:
            return counts
        for referral_id in due:
            counts["due"] += 1
            if apply_due_deadline(session, referral_id, now) not in ("not due", "already moved"):
                counts["acted"] += 1
        last_id = due[-1]
