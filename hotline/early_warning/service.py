"""Reading a ticket's words for details, matching them across tickets, and raising a warning.

A ticket's own words (the reporter's messages, the place they named, their typed answers) are read
for details (`entities.extract`); each is stored as an HMAC of its kind and key under the hotline's
hashing key, so the database holds no venue, number or name outside the ticket's own text, and two
reports that name the same detail give the same digest. When THRESHOLD tickets created within WINDOW
of each other share a digest, one open warning links them (a later ticket joins it), and the
response unit of the incident country is sent a notice through the outbox: the tickets' references
and a link, never the detail. Nothing here logs or returns text.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from directory.models import Agency, ReferralContact
from hotline.early_warning.entities import extract
from hotline.early_warning.models import DetailScan, EarlyWarning, EarlyWarningTicket, TicketDetail
from hotline.outbox import queue_message
from hotline.tickets.models import Ticket, TicketMessage, TicketSubmission

THRESHOLD = 3
WINDOW = timedelta(days=30)
# Which agency of a country is its response unit, in order of preference.
RESPONSE_KINDS = ("response_team", "coordinating_body")
EARLY_WARNING_NOTICE = "early_warning"


def digest(kind: str, key: str, secret: bytes) -> str:
    return hmac.new(secret, f"early-warning:{kind}:{key}".encode(), hashlib.sha256).hexdigest()


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def ticket_words(session: Session, ticket: Ticket) -> list[str]:
    """The reporter's own words on a ticket: messages in, the place named, typed answers."""
    words = [
        message.body
        for message in session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "in")
        )
    ]
    if ticket.incident_place:
        words.append(ticket.incident_place)
    for answers, location in session.execute(
        select(TicketSubmission.answers, TicketSubmission.location).where(TicketSubmission.ticket_id == ticket.id)
    ):
        words.extend(_strings(answers or {}))
        words.extend(_strings(location or {}))
    return words


def scan_ticket(session: Session, ticket_id: int, secret: bytes, now: datetime) -> dict[str, int]:
    """Store a ticket's details as digests and raise or extend warnings. Counts only; does not commit."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return {"details": 0, "warnings": 0}
    found = set()
    for text in ticket_words(session, ticket):
        found |= extract(text, ticket.incident_country)
    known: set[tuple[str, str]] = set(
        session.execute(select(TicketDetail.kind, TicketDetail.digest).where(TicketDetail.ticket_id == ticket.id))
    )
    added = 0
    for entity in sorted(found, key=lambda e: (e.kind, e.key)):
        mark = (entity.kind, digest(entity.kind, entity.key, secret))
        if mark not in known:
            session.add(
                TicketDetail(ticket_id=ticket.id, kind=mark[0], digest=mark[1], ticket_created_at=ticket.created_at)
            )
            known.add(mark)
            added += 1
    session.flush()
    scan = session.get(DetailScan, ticket.id)
    if scan is None:
        session.add(DetailScan(ticket_id=ticket.id, scanned_at=now))
    else:
        scan.scanned_at = now
    raised = sum(_match(session, ticket, kind, mark, now) for kind, mark in sorted(known))
    return {"details": added, "warnings": raised}


def _match(session: Session, ticket: Ticket, kind: str, mark: str, now: datetime) -> int:
    """Link the tickets near this one that share the detail; 1 if a warning was raised or grew."""
    near = session.scalars(
        select(TicketDetail.ticket_id)
        .where(
            TicketDetail.kind == kind,
            TicketDetail.digest == mark,
            TicketDetail.ticket_created_at >= ticket.created_at - WINDOW,
            TicketDetail.ticket_created_at <= ticket.created_at + WINDOW,
        )
        .distinct()
    ).all()
    if len(near) < THRESHOLD:
        return 0
    warning = session.scalar(
        select(EarlyWarning).where(
            EarlyWarning.kind == kind, EarlyWarning.digest == mark, EarlyWarning.status == "open"
        )
    )
    linked: set[int] = set()
    if warning is None:
        warning = EarlyWarning(kind=kind, digest=mark, country=ticket.incident_country, created_at=now, updated_at=now)
        session.add(warning)
        session.flush()
    else:
        linked = set(
            session.scalars(select(EarlyWarningTicket.ticket_id).where(EarlyWarningTicket.warning_id == warning.id))
        )
    new = [ticket_id for ticket_id in near if ticket_id not in linked]
    if not new:
        return 0
    for ticket_id in new:
        session.add(EarlyWarningTicket(warning_id=warning.id, ticket_id=ticket_id))
    warning.updated_at = now
    session.flush()
    _notify(session, warning)
    return 1


def _notify(session: Session, warning: EarlyWarning) -> None:
    """The response unit of the warning's country is told: references and a link, never the detail."""
    if warning.country is None:
        return
    unit = None
    for kind in RESPONSE_KINDS:
        unit = session.scalar(
            select(Agency).where(Agency.country == warning.country, Agency.kind == kind).order_by(Agency.id)
        )
        if unit is not None:
            break
    if unit is None:
        return
    contact = session.scalar(
        select(ReferralContact)
        .where(
            ReferralContact.agency_id == unit.id, ReferralContact.active.is_(True), ReferralContact.email.is_not(None)
        )
        .order_by(ReferralContact.position)
    )
    if contact is None or contact.email is None:
        return
    references = linked_references(session, warning.id)
    config = current_app.config
    with force_locale(config["AGENCY_LOCALE"]):
        subject = _("Early warning: %(count)s reports share a detail", count=len(references))
        body = _(
            "Early warning %(id)s: %(count)s reports within %(days)s days name the same %(kind)s. Tickets: "
            "%(references)s. The hotline's supervisors have the details: %(link)s",
            id=warning.id,
            count=len(references),
            days=WINDOW.days,
            kind=kind_label(warning.kind),
            references=", ".join(references),
            link=f"{config['STAFF_BASE_URL']}/early-warning",
        )
    queue_message(
        session,
        kind=EARLY_WARNING_NOTICE,
        channel="email",
        to=contact.email,
        subject=subject,
        body=body,
        contact_id=contact.id,
    )


def kind_label(kind: str) -> str:
    return {
        "venue": _("place or venue"),
        "address": _("address"),
        "phone": _("phone number"),
        "plate": _("vehicle plate"),
        "person": _("person's name"),
    }.get(kind, kind)


def linked_references(session: Session, warning_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Ticket.reference)
            .join(EarlyWarningTicket, EarlyWarningTicket.ticket_id == Ticket.id)
            .where(EarlyWarningTicket.warning_id == warning_id)
            .order_by(Ticket.created_at)
        )
    )


def tickets_to_scan(session: Session, now: datetime, horizon: timedelta = timedelta(days=60)) -> list[int]:
    """Tickets of the last `horizon` never read for details, or with a message in since they were."""
    since = now - horizon
    newer_message = exists().where(
        TicketMessage.ticket_id == Ticket.id,
        TicketMessage.direction == "in",
        TicketMessage.created_at > DetailScan.scanned_at,
    )
    query = (
        select(Ticket.id)
        .outerjoin(DetailScan, DetailScan.ticket_id == Ticket.id)
        .where(Ticket.created_at >= since, or_(DetailScan.ticket_id.is_(None), and_(newer_message)))
        .order_by(Ticket.id)
    )
    return list(session.scalars(query))


def warnings_for(session: Session, visible: Any) -> list[dict[str, Any]]:
    """Open and seen warnings, newest first, each with the references of the tickets `visible` allows."""
    result = []
    for warning in session.scalars(select(EarlyWarning).order_by(EarlyWarning.updated_at.desc()).limit(200)):
        rows = session.execute(
            select(Ticket.reference, Ticket.incident_country, Ticket.created_at)
            .join(EarlyWarningTicket, EarlyWarningTicket.ticket_id == Ticket.id)
            .where(EarlyWarningTicket.warning_id == warning.id)
            .order_by(Ticket.created_at)
        ).all()
        shown = [row for row in rows if visible(row.incident_country)]
        if shown:
            result.append({"warning": warning, "tickets": shown, "total": len(rows)})
    return result


def linked_by_details(session: Session, ticket_id: int) -> list[tuple[str, str, str | None]]:
    """(kind, reference, incident country) of the other tickets a warning links to this one."""
    mine = select(EarlyWarningTicket.warning_id).where(EarlyWarningTicket.ticket_id == ticket_id)
    rows = session.execute(
        select(EarlyWarning.kind, Ticket.reference, Ticket.incident_country)
        .join(EarlyWarningTicket, EarlyWarningTicket.warning_id == EarlyWarning.id)
        .join(Ticket, Ticket.id == EarlyWarningTicket.ticket_id)
        .where(EarlyWarning.id.in_(mine), Ticket.id != ticket_id)
        .order_by(Ticket.reference)
    ).all()
    return [(kind, reference, country) for kind, reference, country in rows]


def mark_seen(session: Session, warning_id: int, actor: str) -> bool:
    """A supervisor has looked at a warning: it stops collecting tickets (a new one opens if more come)."""
    warning = session.get(EarlyWarning, warning_id)
    if warning is None or warning.status != "open":
        return False
    warning.status, warning.seen_by = "seen", actor
    return True
