"""Twilio SMS: reporters texting the intake conversation, agencies acknowledging by text (`ACK HT-…`),
and delivery-status callbacks.

Every request must be signed by Twilio. Replies are TwiML. The number and the text never reach a
log line; the caller's geography fields are never read.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_signature import twilio_signed
from directory.models import ReferralContact
from hotline.conversations import service as conversation
from hotline.db import db_session, utcnow
from hotline.privacy import InvalidPhone, normalise_phone, reference_from_code
from hotline.referrals.models import Referral
from hotline.referrals.notices import provider_failed
from hotline.referrals.service import acknowledge
from hotline.tickets.models import Ticket

blueprint = Blueprint("twilio_sms", __name__, url_prefix="/twilio")

ACK_WORDS = ("ACK", "ACEPTO", "ACEPTAR", "RECIBIDO", "ACCEPT")
ACK_MESSAGE = re.compile(r"^\s*(?P<word>[A-Za-z]+)\s+(?P<code>(?:HT)?[-\s]?[0-9A-Za-z]{4}[-\s]?[0-9A-Za-z]{4})\s*$")
FAILED_STATUSES = ("failed", "undelivered")


def twiml(*texts: str | None) -> Response:
    reply = MessagingResponse()
    for text in texts:
        if text:
            reply.message(text)
    return Response(str(reply), mimetype="text/xml")


@blueprint.post("/sms")
@twilio_signed
def inbound_sms() -> Response:
    # An agency is known by what it says, never by its number alone: an insider who registers a
    # reporter's number as a contact must not swallow that reporter's texts. Only an acknowledgement
    # from a registered contact takes the agency path; every other text is a reporter's.
    match = ACK_MESSAGE.match(request.form.get("Body", ""))
    if match is not None and match.group("word").upper() in ACK_WORDS:
        sender = _agency_contact(request.form.get("From", ""))
        if sender is not None:
            with force_locale(current_app.config["AGENCY_LOCALE"]):
                return twiml(_acknowledge_by_sms(sender, match.group("code")))
    # Only the number (for its country, hash and encrypted copy) is read; FromCity, FromState,
    # FromZip and the rest of Twilio's geography stay unread at the door.
    caller = conversation.Caller.from_raw(request.form.get("From"))
    texts = conversation.sms_received(
        db_session(),
        current_app.config["SETTINGS"],
        caller,
        request.form.get("Body", ""),
        request.form.get("MessageSid", "")[:64],
    )
    return twiml(*texts)


def _acknowledge_by_sms(contact: ReferralContact, code: str) -> str:
    reference = reference_from_code(code)
    if reference is None:
        return _("Please write ACK and the reference, for example ACK HT-7K3P-Q9XD.")
    session = db_session()
    referral = session.scalar(
        select(Referral)
        .join(Ticket, Ticket.id == Referral.ticket_id)
        .where(Ticket.reference == reference, Referral.agency_id == contact.agency_id)
        .order_by(Referral.id)
    )
    if referral is None:
        return _("No referral %(reference)s for your agency.", reference=reference)
    _referral, changed = acknowledge(session, referral.id, f"sms-contact:{contact.id}", via="SMS")
    if changed:
        return _("Referral %(reference)s acknowledged. Thank you.", reference=reference)
    return _("Referral %(reference)s was already acknowledged.", reference=reference)


def _agency_contact(raw_number: str) -> ReferralContact | None:
    """The referral contact registered with this number, if any: only they may acknowledge by SMS."""
    try:
        number = normalise_phone(raw_number)
    except InvalidPhone:
        return None
    return db_session().scalar(
        select(ReferralContact).where(ReferralContact.sms == number, ReferralContact.active.is_(True))
    )


@blueprint.post("/status")
@twilio_signed
def delivery_status() -> Response:
    """A failed delivery is marked, and the referral's next contact is tried."""
    status = request.form.get("MessageStatus", "")
    if status in FAILED_STATUSES:
        provider_failed(db_session(), request.form.get("MessageSid", ""), status, utcnow())
    return Response(status=204)
