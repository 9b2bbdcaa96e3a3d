"""Runs each referral through its flowchart: the only code that moves a referral from state to state.

The flowchart files (routing/flows/) say which events may move a referral and who may fire them; this
module stores the run, writes the event (who, when, from, to, why), sets the next deadline, and
carries out what the flowchart asks (notify the agency, open a linked referral). Every move is a
conditional UPDATE on the referral's revision, so two moves racing (an acknowledgement by link and
by SMS, a deadline check and the sweep) make exactly one change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from directory.models import Agency
from directory.models import Country as CountryRow
from hotline import metrics
from hotline.db import changed_rows, utcnow
from hotline.jobs.queue import enqueue_after_commit
from hotline.reasons import system_reason
from hotline.referrals import deadlines
from hotline.referrals.models import DispatchState, FlowDefinition, Referral, ReferralStatus
from hotline.referrals.notices import queue_agency_notice
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, move_ticket, record_event
from routing.dispatch import dispatch_policy, plan_referral
from routing.flow_definition import Flow, load_flow
from routing.flow_engine import Action, Event, IllegalTransition, Run, fire, start
from routing.snapshot import POLICY_KINDS

FLOWS_DIR = Path(__file__).resolve().parents[2] / "routing" / "flows"
NATIONAL = "referral_national"
# Not a flowchart timer: the deadline by which an operator reviews a proposal (routing.dispatch).
REVIEW_DEADLINE = "review_deadline"
CROSS_BORDER = "referral_crossborder"
JUSTICE = "referral_justice"
CHILD = "referral_child"
ORIGIN = "referral_origin"
REFERRAL_FLOWS = (NATIONAL, CROSS_BORDER, JUSTICE, CHILD, ORIGIN)
# The agency kinds whose referral runs its own pathway instead of the victim-services flowchart.
JUSTICE_KINDS = frozenset({"prosecutor"})
CHILD_KINDS = frozenset({"child_protection"})
# Who receives the origin country's side of a case, in order of preference.
ORIGIN_KINDS = ("consulate", "coordinating_body")

__all__ = [
    "CHILD",
    "CROSS_BORDER",
    "JUSTICE",
    "NATIONAL",
    "ORIGIN",
    "IllegalTransition",
    "Moved",
    "advance",
    "flow",
    "flow_for",
    "flow_of",
    "open_referral",
    "reschedule",
    "resume",
]


@cache
def flow(flow_id: str) -> Flow:
    """The current version of a referral flowchart, loaded and checked once per process."""
    if flow_id not in REFERRAL_FLOWS:
        raise LookupError(flow_id)
    return load_flow(_document(flow_id))


def flow_for(kind: str, role: str, *, cross_border: bool, minor: bool) -> str:
    """The flowchart a referral runs: a prosecutor's runs the criminal-justice track beside assistance;
    child protection for a child runs the children's special measures; the origin country's body runs
    the origin side (validation, return, reception, reintegration); the destination's other agencies run
    the cross-border one when the person is foreign, the national one otherwise."""
    if role == "origin_country":
        return ORIGIN
    if kind in JUSTICE_KINDS:
        return JUSTICE
    if kind in CHILD_KINDS and minor:
        return CHILD
    return CROSS_BORDER if cross_border else NATIONAL


def _document(flow_id: str) -> dict[str, Any]:
    return json.loads((FLOWS_DIR / f"{flow_id}.json").read_text(encoding="utf-8"))


_earlier: dict[tuple[str, int], Flow] = {}


def flow_of(session: Session, referral: Referral) -> Flow:
    """The flowchart version the referral started with: the current file, or the stored copy of an
    earlier version, so that publishing a new version never strands the referrals already running."""
    current = flow(referral.flow_id)
    if current.version == referral.flow_version:
        return current
    key = (referral.flow_id, referral.flow_version)
    if key not in _earlier:
        stored = session.get(FlowDefinition, key)
        if stored is None:
            raise LookupError(f"{referral.flow_id} v{referral.flow_version} was never stored")
        _earlier[key] = load_flow(stored.document)
    return _earlier[key]


def _remember(session: Session, chart: Flow) -> None:
    """Keep the version a new referral starts with, once per version."""
    if session.get(FlowDefinition, (chart.id, chart.version)) is not None:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    row = {"flow_id": chart.id, "version": chart.version, "document": _document(chart.id), "stored_at": utcnow()}
    # Another process may store the same version at the same moment: the first one stays.
    session.execute(dialect.insert(FlowDefinition).values(**row).on_conflict_do_nothing())


@dataclass(frozen=True)
class Moved:
    """What a move did: the referral's state before and after, or nothing when another move won."""

    referral: Referral
    changed: bool
    from_state: str
    to_state: str


def open_referral(
    session: Session,
    ticket: Ticket,
    agency_id: str,
    *,
    role: str,
    reason: str,
    now: datetime,
    flow_id: str = NATIONAL,
    escalated_from: Referral | None = None,
    linked_to: Referral | None = None,
    plan: Mapping[str, Any] | None = None,
) -> Referral:
    """Create a referral and run its flowchart: received, triaged by the system, then referred at once
    (no plan, or a plan to dispatch it "auto"), or stopped at `triaged` as a proposal for an operator
    (with a review deadline) or held for a consent not given (routing.dispatch)."""
    chart = flow(flow_id)
    _remember(session, chart)
    outcome = start(chart, now)
    run, actions = outcome.run, list(outcome.actions)
    triage = {"risk": ticket.risk_level, "case_type": ticket.case_type}
    refer = {"agency": agency_id, "origin_country": (ticket.routing or {}).get("victim_nationality")}
    planned = (plan or {}).get("dispatch", "auto")
    state = {"auto": DispatchState.DISPATCHED, "review": DispatchState.PROPOSED}.get(planned, DispatchState.HELD)
    events = [Event("triage", "system", triage)]
    if state == DispatchState.DISPATCHED:
        events.append(Event("refer", "system", refer))
    for event in events:
        outcome = fire(chart, run, event, now)
        run, actions = outcome.run, actions + list(outcome.actions)
    referral = Referral(
        ticket_id=ticket.id,
        agency_id=agency_id,
        role=role,
        flow_id=chart.id,
        flow_version=chart.version,
        status=run.node,
        run=run.to_dict(),
        reason=reason,
        created_at=now,
        ack_due_at=now,
        escalated_from_id=escalated_from.id if escalated_from else None,
        linked_to_id=linked_to.id if linked_to else None,
        dispatch=state,
        held_reason=(plan or {}).get("held_reason"),
        needs_consent=(plan or {}).get("needs_consent"),
        override_ground=(plan or {}).get("override"),
    )
    session.add(referral)
    session.flush()
    if state == DispatchState.DISPATCHED:
        _set_deadline(session, referral, run, now)
    elif state == DispatchState.PROPOSED:
        _watch_review(referral, now)
        enqueue_after_commit(session, "hotline.jobs.deadlines.check_deadline", referral.id, at=referral.deadline_at)
    referral.ack_due_at = referral.deadline_at or now
    kind = {DispatchState.DISPATCHED: "referred", DispatchState.PROPOSED: "proposed"}.get(state, "held")
    if state == DispatchState.HELD:
        reason = system_reason("held", reason=reason, held=referral.held_reason)
    record_event(
        session,
        ticket,
        kind,
        SYSTEM,
        to_state=run.node,
        referral_id=referral.id,
        reason=system_reason(
            "opened", role=role, agency=agency_id, chart=chart.id, version=chart.version, reason=reason
        ),
    )
    _carry_out(session, referral, actions, now)
    # The opening move counts like every later one, so `to_state="referred"` includes intake's referrals.
    opened_at = run.node
    metrics.after_commit(session, lambda: metrics.referral_moved(opened_at))
    return referral


def _watch_review(referral: Referral, now: datetime) -> None:
    """A proposal's review deadline by the ticket's risk (routing/dispatch_policy.json)."""
    minutes = dispatch_policy().review_minutes.get(referral.ticket.risk_level, 60)
    referral.deadline_at, referral.deadline_timer = now + timedelta(minutes=minutes), REVIEW_DEADLINE


def advance(
    session: Session,
    referral: Referral,
    event: Event,
    who: str,
    now: datetime,
    reason: str | None = None,
) -> Moved:
    """Fire `event` on the referral's flowchart. Raises IllegalTransition when the flowchart refuses.

    `who` is the recorded actor ("staff:12", "link", "sms", "system"); `event.actor` is the
    flowchart role it acts in. Does not commit: the caller commits, and queued jobs go out then.
    """
    chart = flow_of(session, referral)
    before = Run.from_dict(referral.run)
    outcome = fire(chart, before, event, now)
    after = outcome.run
    moved = changed_rows(
        session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.revision == referral.revision)
            .values(status=after.node, run=after.to_dict(), revision=Referral.revision + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if not moved:
        # Another move won. Nothing was written here, and the caller's other work in this
        # transaction stays as it is: only the referral is read again.
        session.refresh(referral)
        return Moved(referral, False, before.node, referral.status)
    session.refresh(referral)
    if event.name == "refer" and "agency" in event.payload and event.payload["agency"] != referral.agency_id:
        referral.agency_id = str(event.payload["agency"])
        referral.notified_at = None
    _set_deadline(session, referral, after, now)
    if after.node in ReferralStatus.ENDED:
        referral.outcome = str(event.payload.get("outcome") or after.node)
    record_event(
        session,
        referral.ticket,
        event.name,
        who,
        from_state=before.node,
        to_state=after.node,
        reason=reason,
        referral_id=referral.id,
    )
    _carry_out(session, referral, list(outcome.actions), now)
    _update_ticket(session, referral, who)
    metrics.after_commit(session, lambda: metrics.referral_moved(after.node))
    return Moved(referral, True, before.node, after.node)


def reschedule(session: Session, referral: Referral, who: str, now: datetime) -> None:
    """Recompute the current flowchart deadline, for instance after an operator overruled the risk.

    A deadline set by the escalation ladder keeps its own clock. Does not commit.
    """
    if referral.ended or referral.deadline_timer in (None, "escalation_rung"):
        return
    before = referral.deadline_at
    if referral.deadline_timer == REVIEW_DEADLINE:
        _watch_review(referral, referral.created_at)
    else:
        _set_deadline(session, referral, Run.from_dict(referral.run), now)
    if referral.deadline_timer == "ack_deadline" and referral.deadline_at is not None:
        referral.ack_due_at = referral.deadline_at
    if referral.deadline_at != before:
        record_event(
            session,
            referral.ticket,
            "deadline_changed",
            who,
            referral_id=referral.id,
            from_state=before.isoformat() if before else None,
            to_state=referral.deadline_at.isoformat() if referral.deadline_at else None,
            reason=system_reason("deadline_for_risk", timer=referral.deadline_timer, risk=referral.ticket.risk_level),
        )


def resume(session: Session, referral: Referral, now: datetime) -> None:
    """Start a referral's clock again after a hold (a flood): its deadline counts from now, as if it
    had just been sent (or proposed). Does not commit."""
    if referral.ended:
        return
    if referral.dispatch == DispatchState.PROPOSED:
        _watch_review(referral, now)
        enqueue_after_commit(session, "hotline.jobs.deadlines.check_deadline", referral.id, at=referral.deadline_at)
    else:
        _set_deadline(session, referral, replace(Run.from_dict(referral.run), entered_at=now), now)
    referral.ack_due_at = referral.deadline_at or now


def _set_deadline(session: Session, referral: Referral, run: Run, now: datetime) -> None:
    """The earliest timer of the current node becomes the referral's deadline."""
    chart = flow_of(session, referral)
    timers = [t.timer for t in chart.nodes[run.node].transitions if t.timer is not None]
    if run.ended or not timers:
        referral.deadline_at, referral.deadline_timer = None, None
        return
    agency = session.get(Agency, referral.agency_id)
    assert agency is not None
    country = session.get(CountryRow, agency.country) if agency.country else None
    risk = referral.ticket.risk_level
    due = sorted((deadlines.deadline(timer, risk, run.entered_at, agency, country), timer) for timer in timers)
    referral.deadline_at, referral.deadline_timer = due[0]
    enqueue_after_commit(session, "hotline.jobs.deadlines.check_deadline", referral.id, at=due[0][0])


def _carry_out(session: Session, referral: Referral, actions: list[Action], now: datetime) -> None:
    for action in actions:
        if action.kind == "notify" and action.params.get("to") == "agency":
            contacts = referral.agency.active_contacts
            queue_agency_notice(session, referral, contacts[0] if contacts else None, now, why="new referral")
        elif action.kind == "open_linked_referral":
            _open_linked(session, referral, action.params, now)
        # Other notices (to the hotline, the operator) appear on the supervisor's pages; the
        # schedule_deadline actions are covered by _set_deadline for the node just entered.


def _open_linked(session: Session, referral: Referral, params: Mapping[str, Any], now: datetime) -> None:
    """Open (or link the existing) referral to the victim's origin country's consular service."""
    ticket = referral.ticket
    origin = (ticket.routing or {}).get("victim_nationality")
    existing = session.scalars(select(Referral).where(Referral.ticket_id == ticket.id)).all()
    for other in existing:
        if other.role == "origin_country" and other.linked_to_id is None and other.id != referral.id:
            other.linked_to_id = referral.id
            record_event(
                session,
                ticket,
                "linked",
                SYSTEM,
                referral_id=other.id,
                reason=system_reason(
                    "linked_for", referral=referral.id, purpose=params.get("purpose", "the origin country")
                ),
            )
            return
    if not origin:
        record_event(
            session,
            ticket,
            "link_not_opened",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason("nationality_unknown"),
        )
        return
    # The origin country's consular service, else a body that says it takes cases; a commission never.
    candidates = session.scalars(
        select(Agency).where(Agency.country == origin, Agency.kind.in_(ORIGIN_KINDS)).order_by(Agency.id)
    ).all()
    takers = sorted(
        (a for a in candidates if (a.takes_cases if a.takes_cases is not None else a.kind not in POLICY_KINDS)),
        key=lambda a: ORIGIN_KINDS.index(a.kind),
    )
    if not takers:
        record_event(
            session,
            ticket,
            "link_not_opened",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason("no_consular", country=origin),
        )
        return
    body, body_kind = takers[0].id, takers[0].kind
    decision = ticket.routing or {}
    consent = {**(ticket.consent or {})}
    if (decision.get("dispatch") or {}).get("fear_of_return"):
        consent["fear_of_return"] = True
    # The origin country is told only as the person agreed (routing.dispatch), here as anywhere.
    plan = plan_referral(decision, body_kind, "origin_country", consent, "") if decision else None
    open_referral(
        session,
        ticket,
        body,
        role="origin_country",
        flow_id=ORIGIN,
        now=now,
        linked_to=referral,
        plan=plan,
        reason=system_reason("cross_border", country=origin, purpose=params.get("purpose", "act")),
    )


def _update_ticket(session: Session, referral: Referral, who: str) -> None:
    """The ticket's status follows its most advanced referral; a closed ticket stays closed."""
    ticket = referral.ticket
    if referral.status == ReferralStatus.ACKNOWLEDGED and ticket.status == TicketStatus.REFERRED:
        target = TicketStatus.ACKNOWLEDGED
    elif referral.status in ("assistance", "protection") and ticket.status != TicketStatus.ASSISTED:
        target = TicketStatus.ASSISTED
    else:
        return
    move_ticket(
        session,
        ticket,
        target,
        who,
        reason=system_reason("referral_is", referral=referral.id, status=referral.status),
        strict=False,
    )
