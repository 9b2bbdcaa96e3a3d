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

from channels.limits import replies_allowed
from channels.twilio_signature import twilio_signed
from directory.models import ReferralContact
from hotline.conversations import service as conversation
from hotline.db import db_session, utcnow
from hotline.hygiene import whole_number
from hotline.privacy import InvalidPhone, normalise_phone, reference_from_code
from hotline.referrals.models import Referral
from hotline.referrals.notices import provider_failed
from hotline.referrals.service import acknowledge
from hotline.tickets.models import Ticket

blueprint = Blueprint("twilio_sms", __name__, url_prefix="/twilio")

# Words that acknowledge, as routing.text.tokens reads them (lower case, accents dropped).
ACK_WORDS = frozenset(
    {"ack", "acepto", "aceptar", "aceptado", "recibido", "recibida", "accept", "accepted", "received",
     "recu", "recue", "accepte", "recebido", "aceito", "resevwa", "confirmo", "confirmado"}
)  # fmt: skip
# A reference anywhere in a text: "HT-7K3P-Q9XD", "ht 7k3p q9xd", "7K3PQ9XD".
REFERENCE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?P<code>(?P<prefix>HT[-\s]*)?[0-9A-Za-z]{4}[-\s]?[0-9A-Za-z]{4})(?![0-9A-Za-z])", re.IGNORECASE
)
FAILED_STATUSES = ("failed", "undelivered")
# Twilio sends at most ten media per message.
MAX_MEDIA = 10


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
    # reporter's number as a contact must not swallow that reporter's texts. Only a text that names a
    # reference with an acknowledging word, from a registered contact, takes the agency path.
    body = request.form.get("Body", "")
    senders = _agency_contacts(request.form.get("From", "")) if acknowledgement_codes(body) else []
    if senders:
        with force_locale(current_app.config["AGENCY_LOCALE"]):
            return twiml(_acknowledge_by_sms(senders, body))
    # Only the number (for its country, hash and encrypted copy) is read; FromCity, FromState,
    # FromZip and the rest of Twilio's geography stay unread at the door.
    sender = request.form.get("From", "")
    caller = conversation.Caller.from_raw(sender)
    texts = conversation.sms_received(
        db_session(),
        current_app.config["SETTINGS"],
        caller,
        request.form.get("Body", ""),
        request.form.get("MessageSid", "")[:64],
        media=inbound_media(),
        # Twilio's WhatsApp sender posts to the same webhook, with `whatsapp:` addresses.
        channel="whatsapp" if sender.lower().startswith("whatsapp:") else "sms",
    )
    # Counted after the text is stored: a burst costs the sender our replies, never their words.
    if not replies_allowed():
        return twiml()
    return twiml(*texts)


def inbound_media() -> tuple[tuple[str, str], ...]:
    """The photos and files of an MMS or WhatsApp message: Twilio's URLs and content types, bounded."""
    count = min(request.form.get("NumMedia", 0, type=whole_number), MAX_MEDIA)
    media = []
    for index in range(count):
        url = request.form.get(f"MediaUrl{index}", "")
        if url.startswith("https://") and len(url) <= 500:
            media.append((url, request.form.get(f"MediaContentType{index}", "")[:100]))
    return tuple(media)


def acknowledgement_codes(body: str) -> list[str]:
    """The references an agency's text names, however written ("ack ht-ee5n-6hm5", "Recibido, HT-…."):
    first those written with HT, then bare eight-character codes; empty unless an acknowledging word is there."""
    from routing.text import tokens

    if not ACK_WORDS & set(tokens(body)):
        return []
    found: list[str] = []
    for match in sorted(REFERENCE_IN_TEXT.finditer(body), key=lambda m: m.group("prefix") is None):
        reference = reference_from_code(match.group("code"))
        if reference is not None and reference not in found:
            found.append(reference)
    return found


def _acknowledge_by_sms(contacts: list[ReferralContact], body: str) -> str:
    """Acknowledge the referral the text names, for any agency this number is registered with."""
    references = acknowledgement_codes(body)
    if not references:
        return _("Please write ACK and the reference, for example ACK HT-7K3P-Q9XD.")
    session = db_session()
    by_agency = {contact.agency_id: contact for contact in contacts}
    referrals = session.scalars(
        select(Referral)
        .join(Ticket, Ticket.id == Referral.ticket_id)
        .where(Ticket.reference.in_(references), Referral.agency_id.in_(by_agency))
        .order_by(Referral.id)
    ).all()
    if not referrals:
        return _("No referral %(reference)s for your agency.", reference=references[0])
    reference = session.get(Ticket, referrals[0].ticket_id).reference  # type: ignore[union-attr]
    # One text acknowledges the first referral of that ticket still waiting, whichever agency has it.
    for referral in referrals:
        contact = by_agency[referral.agency_id]
        _referral, changed = acknowledge(session, referral.id, f"sms-contact:{contact.id}", via="SMS")
        if changed:
            return _("Referral %(reference)s acknowledged. Thank you.", reference=reference)
    return _("Referral %(reference)s was already acknowledged.", reference=reference)


def _agency_contacts(raw_number: str) -> list[ReferralContact]:
    """The referral contacts registered with this number (one per agency it serves): only they may
    acknowledge by SMS, and their texts are never read as reports."""
    try:
        number = normalise_phone(raw_number)
    except InvalidPhone:
        return []
    return list(
        db_session().scalars(
            select(ReferralContact)
            .where(ReferralContact.sms == number, ReferralContact.active.is_(True))
            .order_by(ReferralContact.id)
        )
    )


@blueprint.post("/status")
@twilio_signed
def delivery_status() -> Response:
    """A failed delivery is marked, and the referral's next contact is tried."""
    status = request.form.get("MessageStatus", "")
    if status in FAILED_STATUSES:
        provider_failed(db_session(), request.form.get("MessageSid", ""), status, utcnow())
    return Response(status=204)
