"""Telling an agency it has a new referral: the reference and a link, never the story."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.outbox import outbound
from hotline.referrals.models import Referral, ReferralStatus
from hotline.tickets.service import SYSTEM, record_event


def notify_agency(referral_id: int) -> str:
    """Send the new-referral notice to the agency's duty contacts; a no-op when already sent."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        if referral is None or referral.status != ReferralStatus.SENT or referral.notified_at is not None:
            return "nothing to do"
        agency = referral.agency
        link = f"{app.config['STAFF_BASE_URL']}/referrals/{referral.id}"
        with force_locale(app.config["AGENCY_LOCALE"]):
            subject = _("New referral %(reference)s", reference=referral.ticket.reference)
            body = _(
                "New referral %(reference)s (risk: %(risk)s). Please open it and acknowledge: %(link)s",
                reference=referral.ticket.reference,
                risk=referral.ticket.risk_level,
                link=link,
            )
        sender = outbound()
        sent = []
        contacts = agency.active_contacts
        # The first contact of the escalation ladder; the deadline check moves on to the next.
        contact = contacts[0] if contacts else None
        if contact is not None and contact.sms and "sms" in agency.referral_channels:
            sender.send_sms(session, contact.sms, body, referral_id=referral.id)
            sent.append("sms")
        if contact is not None and contact.email and "email" in agency.referral_channels:
            sender.send_email(session, contact.email, subject, body, referral_id=referral.id)
            sent.append("email")
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
