"""The operator console's actions on a ticket: claim, assign, overrule, note, refer, link, merge, close.

Each function is the only writer of what it changes and records the ticket event in the same
transaction (it commits). The routing decision stored on the ticket is never changed: an overrule
changes the working value and is recorded beside the decision, so both stay readable.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, load_only

from directory.models import Agency
from hotline.access import may_see_ticket, visible_tickets
from hotline.accounts import StaffUser
from hotline.db import utcnow
from hotline.outbox import OutboxMessage
from hotline.privacy import reference_from_code
from hotline.reasons import system_reason
from hotline.referrals import dispatch
from hotline.referrals.lifecycle import NATIONAL, IllegalTransition, advance, open_referral, reschedule
from hotline.referrals.models import DispatchState, Referral, ReferralStatus
from hotline.tickets import triage_check
from hotline.tickets.models import Ticket, TicketEvent, TicketStatus
from hotline.tickets.people import AGE_BANDS, EXPLOITATION_FORMS, SEXES, WISHES, CasePerson
from hotline.tickets.service import move_ticket, record_event
from routing.flow_engine import Event

RISK_LEVELS = ("critical", "high", "medium", "low")
CASE_TYPES = ("trafficking", "smuggling", "both", "unclear")
OVERRULABLE = ("country", "language", "risk", "case_type")
# "information_only": the contact asked for information and was given it (counted in the hotline's workload).
CLOSE_OUTCOMES = (
    "assisted",
    "referred",
    "information_only",
    "not_applicable",
    "duplicate",
    "unreachable",
    "no_competent_agency",
)
STAFF_ROLES = ("operator", "supervisor", "admin")
ASSIGN_KINDS = ("claimed", "assigned")
NOTE_LENGTH = 500

__all__ = [
    "ConsoleError",
    "IllegalTransition",
    "QueueFilters",
    "add_note",
    "agency_identify",
    "assign",
    "assignees",
    "claim",
    "close_ticket",
    "earlier_contacts",
    "link_contacts",
    "linked_contacts",
    "overrule",
    "provide_info",
    "queue",
    "queue_after",
    "refer_to",
    "save_person",
    "withdraw_referral",
]


class ConsoleError(ValueError):
    """A refused console action; `field` names the form field at fault, `message` says why."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class QueueFilters:
    country: str | None = None
    language: str | None = None
    channel: str | None = None
    # None: every ticket not closed; "all": every ticket; else that status.
    status: str | None = None


# What a row of the operator's queue shows (admin/templates/staff/tickets.html).
QUEUE_COLUMNS = (
    Ticket.reference,
    Ticket.risk_level,
    Ticket.created_at,
    Ticket.channel,
    Ticket.incident_country,
    Ticket.language,
    Ticket.status,
    # The "check triage" badge reads the stored decision's doubts (hotline/tickets/triage_check.py).
    Ticket.routing,
)


def queue(
    session: Session, user: StaffUser, filters: QueueFilters, limit: int = 200
) -> list[tuple[Ticket, datetime | None]]:
    """The tickets this user may see, most at risk first, then the nearest referral deadline, then oldest.

    Each ticket comes with its nearest open deadline (None when no referral waits on one). Only the
    columns a queue row shows are read (the routing decision for its "check triage" badge; not the
    consent JSON), and the queue shows up to `limit` of them.
    """
    deadline = (
        select(Referral.ticket_id, func.min(Referral.deadline_at).label("due"))
        .where(Referral.deadline_at.is_not(None))
        .group_by(Referral.ticket_id)
        .subquery()
    )
    risk_rank = case(
        {level: rank for rank, level in enumerate(RISK_LEVELS)}, value=Ticket.risk_level, else_=len(RISK_LEVELS)
    )
    query = (
        select(Ticket, deadline.c.due)
        .options(load_only(*QUEUE_COLUMNS))
        .outerjoin(deadline, deadline.c.ticket_id == Ticket.id)
        .where(visible_tickets(user))
        .order_by(risk_rank, deadline.c.due.is_(None), deadline.c.due, Ticket.created_at)
        .limit(limit)
    )
    rows = session.execute(_filtered(query, filters)).all()
    return [(cast(Ticket, ticket), cast("datetime | None", due)) for ticket, due in rows]


def queue_after(
    session: Session, user: StaffUser, after_id: int, filters: QueueFilters, limit: int = 50
) -> list[Ticket]:
    """Contacts that arrived after the ticket with `after_id`, newest last: what the console's poll adds."""
    query = _filtered(select(Ticket).where(Ticket.id > after_id, visible_tickets(user)), filters)
    return list(session.scalars(query.order_by(Ticket.id).limit(limit)))


def _filtered(query: Any, filters: QueueFilters) -> Any:
    if filters.country:
        query = query.where(Ticket.incident_country == filters.country)
    if filters.language:
        query = query.where(Ticket.language == filters.language)
    if filters.channel:
        query = query.where(Ticket.channel == filters.channel)
    if filters.status is None:
        query = query.where(Ticket.status != TicketStatus.CLOSED)
    elif filters.status != "all":
        query = query.where(Ticket.status == filters.status)
    return query


def assignees(session: Session, tickets: Iterable[Ticket]) -> dict[int, str]:
    """Who each ticket is assigned to ("staff:12"), read from its latest claim or assignment event."""
    ids = [ticket.id for ticket in tickets]
    if not ids:
        return {}
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.to_state)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.kind.in_(ASSIGN_KINDS))
        .order_by(TicketEvent.id)
    )
    return {ticket_id: str(who) for ticket_id, who in rows}


def claim(session: Session, ticket: Ticket, user: StaffUser) -> bool:
    """The operator takes the ticket; False when it is theirs already. Commits."""
    current = assignees(session, [ticket]).get(ticket.id)
    if current == user.actor:
        return False
    record_event(session, ticket, "claimed", user.actor, from_state=current, to_state=user.actor)
    session.commit()
    return True


def assign(session: Session, ticket: Ticket, assignee_id: int, by: StaffUser, reason: str = "") -> None:
    """A supervisor (or an operator) gives the ticket to a colleague who covers its country. Commits."""
    assignee = session.get(StaffUser, assignee_id)
    if (
        assignee is None
        or not assignee.active
        or assignee.role not in STAFF_ROLES
        or not may_see_ticket(assignee, ticket)
    ):
        raise ConsoleError("assignee", "not someone who may take this ticket")
    current = assignees(session, [ticket]).get(ticket.id)
    record_event(
        session,
        ticket,
        "assigned",
        by.actor,
        from_state=current,
        to_state=assignee.actor,
        reason=reason[:NOTE_LENGTH] or None,
    )
    session.commit()


def overrule(session: Session, ticket: Ticket, field: str, value: str, reason: str, by: StaffUser) -> None:
    """The operator corrects what triage resolved (where, language, risk or case type), with a reason. Commits.

    The event holds the old and new value and why; the explanation shown on the ticket is recomputed
    to say the new value and that it was overruled, keeping the engine's evidence beside it.
    """
    reason = reason.strip()
    if not reason:
        raise ConsoleError("reason", "a reason is required")
    value = value.strip()
    if field == "country":
        value = value.upper()
        if len(value) != 2 or not value.isalpha():
            raise ConsoleError("value", "a two-letter country code")
        before, column = ticket.incident_country, "incident_country"
    elif field == "language":
        value = value.lower()
        if not 2 <= len(value) <= 3 or not value.isalpha():
            raise ConsoleError("value", "a two- or three-letter language code")
        before, column = ticket.language, "language"
    elif field == "risk":
        if value not in RISK_LEVELS:
            raise ConsoleError("value", "one of " + ", ".join(RISK_LEVELS))
        before, column = ticket.risk_level, "risk_level"
    elif field == "case_type":
        if value not in CASE_TYPES:
            raise ConsoleError("value", "one of " + ", ".join(CASE_TYPES))
        before, column = ticket.case_type, "case_type"
    else:
        raise ConsoleError("field", "one of " + ", ".join(OVERRULABLE))
    if before == value:
        raise ConsoleError("value", "this is already the value")
    setattr(ticket, column, value)
    if field == "country":
        ticket.incident_region = None
    if ticket.routing:
        ticket.routing = _overruled(ticket.routing, field, before, value, by.actor, reason[:NOTE_LENGTH])
    record_event(
        session, ticket, f"overruled_{field}", by.actor, from_state=before, to_state=value, reason=reason[:NOTE_LENGTH]
    )
    if field == "risk":
        # Deadlines follow the risk: a case raised to critical must be answered in minutes.
        for referral in session.scalars(select(Referral).where(Referral.ticket_id == ticket.id)):
            reschedule(session, referral, by.actor, utcnow())
    session.commit()


def keep_triage(session: Session, ticket: Ticket, by: StaffUser) -> list[str]:
    """The operator checked the fields triage was unsure of and keeps them as read. Commits.

    One event per field (to: the field), so the ticket's history says who vouched for which reading;
    the decision records it, and the field is no longer triage's doubt (no badge, no notice). To
    change a field instead, overrule it."""
    fields = triage_check.fields_to_check(ticket.routing)
    if not fields:
        raise ConsoleError("triage", _l("triage has nothing left to check"))
    changed = copy.deepcopy(dict(ticket.routing or {}))
    changed["checked"] = [*changed.get("checked", ()), *({"field": field, "by": by.actor} for field in fields)]
    ticket.routing = changed
    for field in fields:
        record_event(session, ticket, "triage_kept", by.actor, to_state=field, reason=system_reason("triage_kept"))
    session.commit()
    return fields


OVERRULED_PATH = {
    "risk": ("risk", "level"),
    "case_type": ("case_type",),
    "country": ("location", "country"),
    "language": ("language", "code"),
}


def _overruled(
    decision: Mapping[str, Any], field: str, before: object, value: str, actor: str, reason: str
) -> dict[str, Any]:
    """The decision as the ticket now stands: the overruled value in place, and a record of the overrule."""
    changed = copy.deepcopy(dict(decision))
    *parents, leaf = OVERRULED_PATH[field]
    holder = changed
    for key in parents:
        holder = holder.setdefault(key, {})
    holder[leaf] = value
    if field == "risk":
        # The deadlines were rescheduled for the new risk; the engine's minutes no longer hold.
        for choice in changed.get("referrals", ()):
            choice["ack_due_minutes"] = None
    changed["overrules"] = [
        *changed.get("overrules", ()),
        {"field": field, "from": before, "to": value, "by": actor, "reason": reason},
    ]
    return changed


def add_note(session: Session, ticket: Ticket, text: str, by: StaffUser) -> None:
    """An internal note, never shown to the reporter or an agency. Commits."""
    text = text.strip()
    if not text:
        raise ConsoleError("note", "the note is empty")
    if len(text) > NOTE_LENGTH:
        raise ConsoleError("note", f"at most {NOTE_LENGTH} characters")
    record_event(session, ticket, "note", by.actor, reason=text)
    session.commit()


def refer_to(session: Session, ticket: Ticket, agency_id: str, reason: str, by: StaffUser) -> Referral:
    """The operator refers the ticket to an agency they chose from the directory. Commits."""
    reason = reason.strip()
    if not reason:
        raise ConsoleError("reason", "a reason is required")
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise ConsoleError("agency", "not in the directory")
    taken = session.scalars(
        select(Referral).where(Referral.ticket_id == ticket.id, Referral.agency_id == agency_id)
    ).all()
    if any(not referral.ended and referral.status != ReferralStatus.DECLINED for referral in taken):
        raise ConsoleError("agency", "this agency already has an open referral of this ticket")
    referral = open_referral(
        session,
        ticket,
        agency_id,
        role="operator_choice",
        now=utcnow(),
        flow_id=NATIONAL,
        reason=system_reason("staff_said", who=by.actor, reason=reason),
    )
    move_ticket(
        session,
        ticket,
        TicketStatus.REFERRED,
        by.actor,
        reason=system_reason("referred_to", agency=agency_id),
        strict=False,
    )
    session.commit()
    return referral


DISPATCH_DECISIONS = ("confirm", "hold", "drop")


def decide_proposal(
    session: Session, ticket: Ticket, referral_id: int, decision: str, reason: str, ground: str, by: StaffUser
) -> None:
    """The operator's review of a proposed or held referral: confirm (it goes to the agency now),
    hold, or drop it. Holding and dropping need a reason; a held referral goes only with the consent
    now recorded or a legal ground. Commits."""
    referral = _referral_of(session, ticket, referral_id)
    reason = reason.strip()[:NOTE_LENGTH]
    if decision not in DISPATCH_DECISIONS:
        raise ConsoleError("decision", _l("one of confirm, hold, drop"))
    if decision != "confirm" and not reason:
        raise ConsoleError("reason", _l("a reason is required"))
    try:
        if decision == "confirm":
            dispatch.confirm(session, referral, by.actor, utcnow(), reason=reason or None, ground=ground or None)
        elif decision == "hold":
            dispatch.hold(session, referral, by.actor, reason)
        else:
            dispatch.drop(session, referral, by.actor, reason)
    except dispatch.DispatchRefused as refused:
        session.rollback()
        raise ConsoleError("decision", DISPATCH_REFUSALS[refused.code]) from None
    session.commit()


def ticket_summary(session: Session, ticket: Ticket) -> dict[str, Any]:
    """What tools read of a ticket: its state, consent, and each referral with its dispatch state."""
    referrals = session.scalars(select(Referral).where(Referral.ticket_id == ticket.id).order_by(Referral.id)).all()
    ids = [referral.id for referral in referrals]
    queued = set(session.scalars(select(OutboxMessage.referral_id).where(OutboxMessage.referral_id.in_(ids))))
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "risk": ticket.risk_level,
        "case_type": ticket.case_type,
        "incident_country": ticket.incident_country,
        "consent": dict(ticket.consent or {}),
        "referrals": [
            {
                "id": referral.id,
                "agency_id": referral.agency_id,
                "role": referral.role,
                "state": referral.status if referral.dispatch == DispatchState.DISPATCHED else referral.dispatch,
                "dispatch": referral.dispatch,
                "needs_consent": referral.needs_consent,
                "held_reason": referral.held_reason,
                "override": referral.override_ground,
                "review_due_at": referral.deadline_at.isoformat()
                if referral.dispatch == DispatchState.PROPOSED and referral.deadline_at
                else None,
                "notice_queued": referral.id in queued,
            }
            for referral in referrals
        ],
    }


DISPATCH_REFUSALS = {
    "already_decided": _l("this referral has been decided already"),
    "consent_missing": _l("the person has not agreed to this; record their consent or a legal ground first"),
    "fear_of_return": _l("the person fears going back: their country of origin is never told"),
    "flood_hold": _l("the report is held in a possible flood: a supervisor releases it"),
}


def withdraw_referral(session: Session, ticket: Ticket, referral_id: int, reason: str, by: StaffUser) -> None:
    """The hotline takes a referral back (flowchart `withdraw`), with a reason. Commits."""
    referral = _referral_of(session, ticket, referral_id)
    reason = reason.strip()
    if not reason:
        raise ConsoleError("reason", "a reason is required")
    advance(session, referral, Event("withdraw", "operator", {"reason": reason}), by.actor, utcnow(), reason=reason)
    session.commit()


def provide_info(session: Session, ticket: Ticket, referral_id: int, answer: str, by: StaffUser) -> None:
    """Answer the agency's question (flowchart `provide_info`). Commits."""
    referral = _referral_of(session, ticket, referral_id)
    answer = answer.strip()
    if not answer:
        raise ConsoleError("answer", "the answer is empty")
    advance(
        session,
        referral,
        Event("provide_info", "operator", {"answer": answer}),
        by.actor,
        utcnow(),
        reason=answer[:NOTE_LENGTH],
    )
    session.commit()


def earlier_contacts(session: Session, ticket: Ticket) -> list[Ticket]:
    """Other tickets from the same number (by its keyed hash), oldest first."""
    if ticket.caller_hash is None:
        return []
    query = (
        select(Ticket)
        .where(Ticket.caller_hash == ticket.caller_hash, Ticket.id != ticket.id)
        .order_by(Ticket.created_at)
    )
    return list(session.scalars(query))


def linked_contacts(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    """(kind, reference) of every ticket linked to or merged with this one, as its events say."""
    rows = session.execute(
        select(TicketEvent.kind, TicketEvent.to_state)
        .where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(("linked_contact", "merged_into", "merged_from"))
        )
        .order_by(TicketEvent.id)
    )
    return [(kind, str(reference)) for kind, reference in rows]


def link_contacts(
    session: Session, ticket: Ticket, other_reference: str, by: StaffUser, *, merge: bool, reason: str = ""
) -> Ticket:
    """Link two contacts of one case, or merge `other` into `ticket`. Events on both; nothing is deleted.

    A merged duplicate is closed with the outcome `duplicate` and points at the ticket it joined.
    Commits; returns the other ticket.
    """
    canonical = reference_from_code(other_reference)
    other = session.scalar(select(Ticket).where(Ticket.reference == canonical)) if canonical else None
    if other is None or other.id == ticket.id or not may_see_ticket(by, other):
        raise ConsoleError("other", "no such other ticket")
    note = reason.strip()[:NOTE_LENGTH] or None
    if not merge:
        record_event(session, ticket, "linked_contact", by.actor, to_state=other.reference, reason=note)
        record_event(session, other, "linked_contact", by.actor, to_state=ticket.reference, reason=note)
        session.commit()
        return other
    if other.status == TicketStatus.CLOSED:
        raise ConsoleError("other", "that ticket is closed already")
    record_event(session, ticket, "merged_from", by.actor, to_state=other.reference, reason=note)
    record_event(session, other, "merged_into", by.actor, to_state=ticket.reference, reason=note)
    _close(session, other, by, f"duplicate: merged into {ticket.reference}")
    session.commit()
    return other


def close_ticket(session: Session, ticket: Ticket, outcome: str, reason: str, by: StaffUser) -> None:
    """Close the hotline's work on the ticket with an outcome. Agencies' open referrals run on. Commits."""
    if outcome not in CLOSE_OUTCOMES:
        raise ConsoleError("outcome", "one of " + ", ".join(CLOSE_OUTCOMES))
    if ticket.status == TicketStatus.CLOSED:
        raise ConsoleError("outcome", "the ticket is closed already")
    reason = reason.strip()
    if not reason:
        raise ConsoleError("reason", "a reason is required")
    _close(session, ticket, by, f"{outcome}: {reason}"[:NOTE_LENGTH])
    session.commit()


def _close(session: Session, ticket: Ticket, by: StaffUser, reason: str) -> None:
    """The one way a ticket closes: the event first, then the status. Does not commit."""
    move_ticket(session, ticket, TicketStatus.CLOSED, by.actor, kind="closed", reason=reason)


PERSON_CHOICES: Mapping[str, tuple[str, ...]] = {
    "sex": SEXES,
    "age_band": AGE_BANDS,
    "exploitation": EXPLOITATION_FORMS,
    "wish": WISHES,
}


def save_person(
    session: Session, ticket: Ticket, fields: Mapping[str, str], by: StaffUser, person_id: int | None = None
) -> CasePerson:
    """Add a person to the case, or change one. `identified` is not the hotline's to set. Commits."""
    if person_id is None:
        person = CasePerson(ticket_id=ticket.id)
        session.add(person)
        before: dict[str, Any] = {}
    else:
        found = session.get(CasePerson, person_id)
        if found is None or found.ticket_id != ticket.id:
            raise ConsoleError("person", "no such person in this case")
        person = found
        before = {name: getattr(person, name) for name in (*PERSON_CHOICES, "nationality", "vulnerability")}
    for name, allowed in PERSON_CHOICES.items():
        value = fields.get(name) or "unknown"
        if value not in allowed:
            raise ConsoleError(name, "one of " + ", ".join(allowed))
        setattr(person, name, value)
    nationality = (fields.get("nationality") or "").strip().upper() or None
    if nationality is not None and (len(nationality) != 2 or not nationality.isalpha()):
        raise ConsoleError("nationality", "a two-letter country code")
    person.nationality = nationality
    person.vulnerability = (fields.get("vulnerability") or "").strip()[:200] or None
    session.flush()
    after = {name: getattr(person, name) for name in (*PERSON_CHOICES, "nationality", "vulnerability")}
    changed = ", ".join(f"{k}={v}" for k, v in after.items() if before.get(k, "unset") != v)
    if person_id is not None and not changed:
        session.rollback()
        return person
    record_event(
        session,
        ticket,
        "person_added" if person_id is None else "person_changed",
        by.actor,
        to_state=f"person {person.id}",
        reason=changed[:NOTE_LENGTH],
    )
    session.commit()
    return person


def agency_identify(session: Session, referral: Referral, who: str, person_ids: Iterable[int]) -> None:
    """The agency identifies the victim(s) (flowchart `identify`): the only way `identified` is set. Commits.

    With no person chosen, every person of the case is marked identified.
    """
    moved = advance(session, referral, Event("identify", "agency", {}), who, utcnow(), reason=None)
    if not moved.changed:
        return
    chosen = set(person_ids)
    people = session.scalars(select(CasePerson).where(CasePerson.ticket_id == referral.ticket_id)).all()
    marked = [person for person in people if not chosen or person.id in chosen]
    for person in marked:
        person.identified = True
    if marked:
        record_event(
            session,
            referral.ticket,
            "people_identified",
            who,
            referral_id=referral.id,
            reason=", ".join(system_reason("person", person=person.id) for person in marked),
        )
    session.commit()


def agencies_for_referral(session: Session, country: str | None) -> list[Agency]:
    """Agencies an operator may choose: those of the ticket's country first, then regional ones."""
    query = (
        select(Agency).where(or_(Agency.country == country, Agency.country.is_(None))) if country else select(Agency)
    )
    return list(session.scalars(query.order_by(Agency.country.is_(None), Agency.name)))


def _referral_of(session: Session, ticket: Ticket, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.ticket_id != ticket.id:
        raise ConsoleError("referral", "no such referral of this ticket")
    return referral
