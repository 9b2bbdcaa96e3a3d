"""Referrals: the only code that creates, notifies about and acknowledges them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from directory.snapshot import current_snapshot
from hotline.db import database, utcnow
from hotline.jobs.queue import enqueue
from hotline.referrals.models import Referral, ReferralStatus
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, record_event
from routing.engine import decision_to_json, route
from routing.intake import Intake

# Referral states and the moves allowed between them; the flowchart issue grows this table.
TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.SENT: {ReferralStatus.ACKNOWLEDGED},
    ReferralStatus.ACKNOWLEDGED: set(),
}


class IllegalTransition(ValueError):
    """A referral was asked to move where its flowchart does not allow."""


def route_ticket(session: Session, ticket: Ticket, intake: Intake) -> list[Referral]:
    """Triage and refer a freshly received ticket with the routing engine; commits, then queues notices."""
    now = utcnow()
    decision = decision_to_json(route(intake, current_snapshot(session), now))
    apply_triage(ticket, decision, stated_language=intake.language)
    record_event(
        session,
        ticket,
        "triaged",
        SYSTEM,
        from_state=TicketStatus.RECEIVED,
        to_state=TicketStatus.TRIAGED,
        reason=triage_summary(decision),
    )
    ticket.status = TicketStatus.TRIAGED
    referrals = []
    for choice in decision["referrals"]:
        referral = Referral(
            ticket_id=ticket.id,
            agency_id=choice["agency_id"],
            role=choice["role"],
            status=ReferralStatus.SENT,
            # The policy's reason; every other reason stays with the decision on the ticket.
            reason=choice["reasons"][0] if choice["reasons"] else choice["role"],
            created_at=now,
            ack_due_at=now + timedelta(minutes=choice["ack_due_minutes"]),
        )
        session.add(referral)
        session.flush()
        record_event(
            session,
            ticket,
            "referred",
            SYSTEM,
            to_state=ReferralStatus.SENT,
            reason=f"{choice['role']}: {choice['name']}",
            referral_id=referral.id,
        )
        referrals.append(referral)
    record_event(
        session,
        ticket,
        "status_changed",
        SYSTEM,
        from_state=TicketStatus.TRIAGED,
        to_state=TicketStatus.REFERRED,
        reason=f"{len(referrals)} referral(s) sent",
    )
    ticket.status = TicketStatus.REFERRED
    session.commit()
    for referral in referrals:
        enqueue("hotline.jobs.notify.notify_agency", referral.id)
    return referrals


def apply_triage(ticket: Ticket, decision: dict[str, Any], stated_language: str | None) -> None:
    """Copy what routing resolved onto the ticket; what the reporter stated is never overwritten."""
    ticket.routing = decision
    ticket.risk_level = decision["risk"]["level"]
    ticket.case_type = decision["case_type"]
    if stated_language is None:
        ticket.language = decision["language"]["code"]
    location = decision["location"]
    if ticket.incident_country is None and location["country"]:
        ticket.incident_country = location["country"]
        ticket.incident_region = location["region"]
    elif ticket.incident_region is None and location["country"] == ticket.incident_country:
        ticket.incident_region = location["region"]


def triage_summary(decision: dict[str, Any]) -> str:
    location = decision["location"]
    where = location["country"] or ("ambiguous" if location["ambiguous"] else "unknown")
    return (
        f"risk {decision['risk']['level']} ({decision['risk']['rules_version']}), {decision['case_type']}, "
        f"location {where} from {location['source']}, language {decision['language']['code']} "
        f"from {decision['language']['source']}"
    )


def preview_routing(bodies: list[Any]) -> list[dict[str, Any]]:
    """One decision per Intake JSON object, in order. Raises IntakeError naming the bad one."""
    with database().session() as session:
        snapshot = current_snapshot(session)
    now = utcnow()
    decisions = []
    for index, body in enumerate(bodies):
        try:
            parsed = parse_intake(body)
        except IntakeError as error:
            raise IntakeError(f"[{index}].{error.field}".rstrip("."), error.message) from None
        decisions.append(decision_to_json(route(parsed.intake, snapshot, now)))
    return decisions


def acknowledge(session: Session, referral_id: int, actor: str, via: str) -> tuple[Referral, bool]:
    """Record that the agency has the case. Idempotent: a second acknowledgement changes nothing.

    Returns the referral and whether this call acknowledged it. The move is one conditional
    UPDATE, so two simultaneous acknowledgements (portal and SMS, say) record exactly one.
    """
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise LookupError(referral_id)
    previous = referral.status
    if previous == ReferralStatus.ACKNOWLEDGED:
        return referral, False
    _check_move(previous, ReferralStatus.ACKNOWLEDGED)
    now = utcnow()
    moved = session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.status == previous)
        .values(status=ReferralStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        session.rollback()
        session.refresh(referral)
        return referral, False
    ticket = referral.ticket
    record_event(
        session,
        ticket,
        "acknowledged",
        actor,
        from_state=previous,
        to_state=ReferralStatus.ACKNOWLEDGED,
        reason=f"via {via}",
        referral_id=referral.id,
    )
    if ticket.status == TicketStatus.REFERRED:
        ticket.status = TicketStatus.ACKNOWLEDGED
        record_event(
            session,
            ticket,
            "status_changed",
            actor,
            from_state=TicketStatus.REFERRED,
            to_state=TicketStatus.ACKNOWLEDGED,
            reason=f"referral to {referral.agency_id} acknowledged",
        )
    session.commit()
    session.refresh(referral)
    return referral, True


def _check_move(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, set()):
        raise IllegalTransition(f"{current} → {target}")
