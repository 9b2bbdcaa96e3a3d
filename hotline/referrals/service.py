"""Referrals: routing a ticket to agencies, and every way an agency answers (portal, link, SMS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, joinedload, load_only

from directory.models import Agency
from directory.snapshot import current_snapshot
from hotline.access import visible_referrals
from hotline.accounts import StaffUser
from hotline.db import changed_rows, database, utcnow
from hotline.reasons import system_reason
from hotline.referrals import dispatch
from hotline.referrals.lifecycle import JUSTICE, IllegalTransition, Moved, advance, flow_for, open_referral
from hotline.referrals.models import AckLink, DispatchState, Referral, ReferralStatus
from hotline.referrals.notices import create_ack_link, find_ack_link
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, move_ticket, record_event
from routing.dispatch import plan_dispatch
from routing.engine import decision_to_json, route
from routing.flow_engine import Event
from routing.intake import Intake

__all__ = [
    "IllegalTransition",
    "acknowledge",
    "agency_act",
    "agency_referrals",
    "create_ack_link",
    "find_ack_link",
    "decline",
    "preview_routing",
    "redeem_ack_link",
    "route_ticket",
]


class NoAgencyFound(LookupError):
    """Routing found no agency to refer the ticket to (an empty or partial directory)."""


def route_ticket(session: Session, ticket: Ticket, intake: Intake) -> list[Referral]:
    """Triage and refer a received ticket with the routing engine. Does not commit: the notices are
    outbox rows in the same transaction. Raises NoAgencyFound, and whatever a fault raises."""
    now = utcnow()
    decision = decision_to_json(route(intake, current_snapshot(session), now))
    plan_dispatch(decision, intake.consent, intake.text)
    if not decision["referrals"]:
        raise NoAgencyFound(ticket.id)
    apply_triage(ticket, decision, stated_language=intake.language)
    move_ticket(session, ticket, TicketStatus.TRIAGED, SYSTEM, kind="triaged", reason=triage_summary(decision))
    cross_border = any(choice["role"] == "origin_country" for choice in decision["referrals"])
    minor = "minor" in decision.get("vulnerability", ())
    referrals: list[Referral] = []
    for choice in decision["referrals"]:
        origin = choice["role"] == "origin_country"
        flow_id = flow_for(choice["kind"], choice["role"], cross_border=cross_border, minor=minor)
        # The origin country's body, and the prosecutor's track, are linked to the victim's own
        # referral (the first one that is neither): the justice steps run beside assistance.
        assisting = next((r for r in referrals if r.flow_id not in (JUSTICE,) and r.role != "origin_country"), None)
        agency_id = choice["agency_id"]
        if choice.get("swap_kind"):
            # An override sends it to another kind of agency of that country (a child's own
            # country's child protection, not its coordinating body); held when there is none.
            swapped = session.scalar(
                select(Agency.id)
                .where(Agency.country == choice["country"], Agency.kind == choice["swap_kind"])
                .order_by(Agency.id)
            )
            if swapped is None:
                choice.update(dispatch="held", held_reason="no_agency_of_that_kind")
            else:
                agency_id = choice["agency_id"] = swapped
        referrals.append(
            open_referral(
                session,
                ticket,
                agency_id,
                plan=choice,
                role=choice["role"],
                now=now,
                flow_id=flow_id,
                linked_to=assisting if origin or flow_id == JUSTICE else None,
                # The policy's reason; every other reason stays with the decision on the ticket.
                reason=choice["reasons"][0] if choice["reasons"] else choice["role"],
            )
        )
    sent = [r for r in referrals if r.dispatch == DispatchState.DISPATCHED]
    if sent:
        move_ticket(
            session, ticket, TicketStatus.REFERRED, SYSTEM, reason=system_reason("referrals_sent", count=len(sent))
        )
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
    return system_reason(
        "triaged",
        risk=decision["risk"]["level"],
        rules=decision["risk"]["rules_version"],
        case_type=decision["case_type"],
        where=where,
        location_source=location["source"],
        language=decision["language"]["code"],
        language_source=decision["language"]["source"],
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
        intake = parsed.intake
        decisions.append(plan_dispatch(decision_to_json(route(intake, snapshot, now)), intake.consent, intake.text))
    return decisions


# An agency officer's list of referrals, a page at a time: an agency gathers hundreds over the years.
AGENCY_PAGE_SIZE = 100
AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)
# Nothing more for the agency to do: the run ended, or the agency declined it.
FINISHED = (*ReferralStatus.ENDED, ReferralStatus.DECLINED)


@dataclass(frozen=True)
class ReferralPage:
    referrals: list[Referral]
    page: int  # from 1
    pages: int  # at least 1, even with no referrals
    total: int


def agency_referrals(
    session: Session, user: StaffUser, page: int = 1, per_page: int = AGENCY_PAGE_SIZE
) -> ReferralPage:
    """One page of the referrals this user may see (hotline.access): those waiting for the agency's
    acknowledgement first, the nearest deadline first; then the ones it is working on; then the
    finished ones; newest first within those two. A page past the last shows the last.

    Two statements whatever the page holds: the count, and the referrals with their tickets' reference
    and risk joined in (only the columns the list shows: a referral's run and a ticket's routing are
    JSON that is slow to read and the list never shows)."""
    visible = visible_referrals(user)
    total = session.scalar(select(func.count(Referral.id)).where(visible)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    tier = case((Referral.status.in_(AWAITING_ACK), 0), (Referral.status.in_(FINISHED), 2), else_=1)
    query = (
        select(Referral)
        .options(
            load_only(Referral.ticket_id, Referral.status, Referral.ack_due_at),
            joinedload(Referral.ticket, innerjoin=True).load_only(Ticket.reference, Ticket.risk_level),
        )
        .where(visible)
        .order_by(
            tier,
            case((Referral.status.in_(AWAITING_ACK), Referral.ack_due_at)),
            Referral.ack_due_at.desc(),
            Referral.id.desc(),
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return ReferralPage(list(session.scalars(query)), page, pages, total)


def acknowledge(session: Session, referral_id: int, who: str, via: str) -> tuple[Referral, bool]:
    """Record that the agency has the case, by any way it answered. Commits.

    Idempotent: a referral already past `referred`/`escalated` is left as it is and False returned.
    Two acknowledgements at once (by link and by SMS) record exactly one.
    """
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise LookupError(referral_id)
    if referral.status not in (ReferralStatus.REFERRED, ReferralStatus.ESCALATED):
        return referral, False
    try:
        moved = advance(
            session, referral, Event("acknowledge", "agency"), who, utcnow(), reason=system_reason("via", channel=via)
        )
    except IllegalTransition:
        return referral, False
    if moved.changed:
        referral.acknowledged_at = utcnow()
        referral.acknowledged_by = who
        _stand_down_escalations(session, referral, who)
    session.commit()
    return moved.referral, moved.changed


def decline(session: Session, referral_id: int, who: str, reason: str) -> Moved:
    """The agency cannot take the case (a reason is required); it goes to the next candidate. Commits."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise LookupError(referral_id)
    now = utcnow()
    moved = advance(session, referral, Event("decline", "agency", {"reason": reason}), who, now, reason=reason)
    if moved.changed:
        _reroute(session, referral, now)
    session.commit()
    return moved


def agency_act(session: Session, referral_id: int, event: str, who: str, payload: dict[str, Any]) -> Moved:
    """Any other move an agency makes on its referral (accept, ask for information, ...). Commits."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise LookupError(referral_id)
    reason = next((str(payload[key]) for key in ("reason", "question", "outcome") if payload.get(key)), None)
    moved = advance(session, referral, Event(event, "agency", payload), who, utcnow(), reason=reason)
    session.commit()
    return moved


def redeem_ack_link(session: Session, token: str) -> Referral | None:
    """Acknowledge through a one-time link: single use, expiring. None when the link is not valid."""
    link = find_ack_link(session, token)
    if link is None:
        return None
    used = changed_rows(
        session.execute(
            update(AckLink).where(AckLink.id == link.id, AckLink.used_at.is_(None)).values(used_at=utcnow())
        )
    )
    if not used:
        session.rollback()
        return None
    session.commit()
    referral, _changed = acknowledge(session, link.referral_id, "link", via="one-time link")
    return referral


def _stand_down_escalations(session: Session, referral: Referral, who: str) -> None:
    """When an agency brought in by escalation takes the case, the one that did not answer stands down."""
    original = session.get(Referral, referral.escalated_from_id) if referral.escalated_from_id else None
    if original is None or original.status != ReferralStatus.ESCALATED:
        return
    advance(
        session,
        original,
        Event("withdraw", "hotline", {"reason": "acknowledged by another agency"}),
        SYSTEM,
        utcnow(),
        reason=system_reason("acknowledged_instead", agency=referral.agency_id, referral=referral.id),
    )


def _reroute(session: Session, declined: Referral, now: datetime) -> None:
    """Hand a declined referral to the next candidate: another agency of the same kind in the same
    country, else the national coordinating body, else the regional focal point. An operator decides
    when none is left."""
    taken = set(session.scalars(select(Referral.agency_id).where(Referral.ticket_id == declined.ticket_id)))
    agency = session.get(Agency, declined.agency_id)
    assert agency is not None
    for candidate in next_candidates(session, agency, exclude=taken):
        advance(
            session,
            declined,
            Event("refer", "hotline", {"agency": candidate.id}),
            SYSTEM,
            now,
            reason=system_reason("rerouted", agency=agency.id, other=candidate.id),
        )
        return
    record_event(
        session,
        declined.ticket,
        "reroute_needed",
        SYSTEM,
        referral_id=declined.id,
        reason=system_reason("no_agency_left"),
    )


def next_candidates(session: Session, agency: Agency, exclude: set[str]) -> list[Agency]:
    """Who may take over from `agency`, in the order of the escalation ladder's agency rungs."""
    same_kind = select(Agency).where(Agency.country == agency.country, Agency.kind == agency.kind)
    body = select(Agency).where(Agency.country == agency.country, Agency.kind == "coordinating_body")
    focal = select(Agency).where(Agency.regional_focal_point.is_(True))
    found: list[Agency] = []
    for query in (same_kind, body, focal):
        for candidate in session.scalars(query.order_by(Agency.id)):
            if candidate.id not in exclude and candidate.id != agency.id and candidate.referral_channels:
                found.append(candidate)
                exclude = exclude | {candidate.id}
    return found


RISK_ORDER = ("low", "medium", "high", "critical")


def retriage(session: Session, ticket: Ticket, intake: Intake) -> list[Referral]:
    """Route a referred ticket again on what the reporter said after it was made. Does not commit.

    A ticket made early (a caller in danger) was routed on the phone's country and no story; once
    the caller has named the incident country and told what happens, routing runs again: case type
    and location follow the new decision, risk never drops, agencies the decision adds are referred,
    and referrals not yet acknowledged by agencies of a country that is no longer the incident's are
    withdrawn with the reason. Returns the referrals opened. A ticket not yet routed is left to
    `route_or_hold`.
    """
    if ticket.status in (TicketStatus.RECEIVED, TicketStatus.NEEDS_TRIAGE, TicketStatus.HELD_FOR_REVIEW):
        return []
    now = utcnow()
    decision = decision_to_json(route(intake, current_snapshot(session), now))
    plan_dispatch(decision, intake.consent, intake.text)
    risk_before, country_before = ticket.risk_level, (ticket.routing or {}).get("location", {}).get("country")
    apply_triage(ticket, decision, stated_language=intake.language)
    if risk_before in RISK_ORDER and RISK_ORDER.index(risk_before) > RISK_ORDER.index(ticket.risk_level):
        ticket.risk_level = risk_before
    record_event(session, ticket, "retriaged", SYSTEM, reason=triage_summary(decision))
    existing = session.scalars(select(Referral).where(Referral.ticket_id == ticket.id).order_by(Referral.id)).all()
    country = decision["location"]["country"]
    if country and country_before and country != country_before:
        for referral in existing:
            agency = session.get(Agency, referral.agency_id)
            moved_away = agency is not None and agency.country == country_before and not agency.regional_focal_point
            if not moved_away or referral.role == "origin_country":
                continue
            why = f"the reporter placed the incident in {country}, not {country_before}"
            if referral.dispatch in (DispatchState.PROPOSED, DispatchState.HELD):
                dispatch.drop(session, referral, SYSTEM, why)
            elif referral.status == ReferralStatus.REFERRED:
                advance(
                    session,
                    referral,
                    Event("withdraw", "operator", {"reason": f"incident country is {country}"}),
                    SYSTEM,
                    now,
                    reason=why,
                )
    referred = {
        r.agency_id for r in existing if r.status not in ReferralStatus.ENDED and r.dispatch != DispatchState.DROPPED
    }
    opened: list[Referral] = []
    for choice in decision["referrals"]:
        if choice["agency_id"] in referred:
            continue
        opened.append(
            open_referral(
                session,
                ticket,
                choice["agency_id"],
                plan=choice,
                role=choice["role"],
                now=now,
                reason=choice["reasons"][0] if choice["reasons"] else choice["role"],
            )
        )
    if any(r.dispatch == DispatchState.DISPATCHED for r in opened):
        move_ticket(session, ticket, TicketStatus.REFERRED, SYSTEM, reason=system_reason("retriaged"), strict=False)
    return opened
