"""Telling an agency it has a referral: the reference, a one-time link and how to reply, never the story."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from directory.models import ReferralContact
from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.outbox import outbound
from hotline.referrals.models import Referral, ReferralStatus
from hotline.referrals.service import create_ack_link
from hotline.tickets.service import SYSTEM, record_event

AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)


def notify_agency(referral_id: int) -> str:
    """Send the new-referral notice to the agency's first contact; a no-op when already sent."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        if referral is None or referral.status not in AWAITING_ACK or referral.notified_at is not None:
            return "nothing to do"
        contacts = referral.agency.active_contacts
        sent = _send(app, session, referral, contacts[0] if contacts else None)
        referral.notified_at = utcnow()
        record_event(
            session,
            referral.ticket,
            "agency_notified",
            SYSTEM,
            referral_id=referral.id,
            reason=("by " + " and ".join(sent)) if sent else "no notification contact; portal only",
        )
        return "notified"


def notify_contact(referral_id: int, contact_id: int) -> str:
    """Escalation's first rung: the agency's next contact hears of a referral nobody acknowledged."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        contact = session.get(ReferralContact, contact_id)
        if referral is None or contact is None or referral.status not in AWAITING_ACK:
            return "nothing to do"
        sent = _send(app, session, referral, contact)
        record_event(
            session,
            referral.ticket,
            "contact_notified",
            SYSTEM,
            referral_id=referral.id,
            reason=f"escalation contact {contact.position + 1} by " + (" and ".join(sent) or "nothing"),
        )
        return "notified"


def _send(app: Flask, session: Session, referral: Referral, contact: ReferralContact | None) -> list[str]:
    if contact is None:
        return []
    agency = referral.agency
    token = create_ack_link(session, referral, utcnow())
    reference = referral.ticket.reference
    with force_locale(app.config["AGENCY_LOCALE"]):
        subject = _("New referral %(reference)s", reference=reference)
        body = _(
            "New referral %(reference)s (risk: %(risk)s). Open it: %(link)s or acknowledge now: %(ack)s "
            "or reply ACK %(reference)s",
            reference=reference,
            risk=referral.ticket.risk_level,
            link=f"{app.config['STAFF_BASE_URL']}/referrals/{referral.id}",
            ack=f"{app.config['SETTINGS'].public_base_url}/ack/{token}",
        )
    sender = outbound()
    sent = []
    if contact.sms and "sms" in agency.referral_channels:
        sender.send_sms(session, contact.sms, body, referral_id=referral.id)
        sent.append("sms")
    if contact.email and "email" in agency.referral_channels:
        sender.send_email(session, contact.email, subject, body, referral_id=referral.id)
        sent.append("email")
    return sent
