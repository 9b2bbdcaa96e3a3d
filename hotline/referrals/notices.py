"""Telling an agency it has a referral: the reference, a one-time link and how to reply, never the story.

Notices are outbox rows written in the transaction that opens, re-routes or escalates the referral
(`hotline.outbox`); the dispatcher delivers them and `_settled` records the outcome on the referral.
A notice of a report from a public channel waits the flood hold first (`hotline.floods.notice_not_before`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import ReferralContact
from hotline.db import utcnow
from hotline.floods import notice_not_before
from hotline.labels import label
from hotline.outbox import OutboxKind, OutboxMessage, OutboxStatus, on_compose, on_settled, queue_message
from hotline.reasons import system_reason
from hotline.referrals.models import AckLink, Referral, ReferralStatus
from hotline.tickets.service import SYSTEM, record_event

AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)
# Where the acknowledge token goes in a stored notice: the token is made when the notice is handed
# off and never stored in the body, so the outbox (and its backups) cannot acknowledge anything.
ACK_TOKEN_SLOT = "[token-made-when-sent]"
ACK_LINK_LIFETIME = timedelta(days=3)


def queue_agency_notice(
    session: Session, referral: Referral, contact: ReferralContact | None, now: datetime, *, why: str
) -> list[str]:
    """Write the notice to one of the agency's contacts, by each channel the agency takes; return them.

    `why` is recorded when there is nothing to send (no contact, no channel): the referral then lives
    in the agency portal only, and its deadline still escalates.
    """
    agency = referral.agency
    channels = []
    if contact is not None and contact.sms and "sms" in agency.referral_channels:
        channels.append(("sms", contact.sms))
    if contact is not None and contact.email and "email" in agency.referral_channels:
        channels.append(("email", contact.email))
    if not channels:
        record_event(
            session,
            referral.ticket,
            "agency_notified",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason("no_notification_contact", why=why),
        )
        return []
    reference = referral.ticket.reference
    config = current_app.config
    # A report from a public channel waits the flood hold before an agency hears of it (hotline/floods.py).
    not_before = notice_not_before(referral.ticket, now)
    with force_locale(config["AGENCY_LOCALE"]):
        subject = _("New referral %(reference)s", reference=reference)
        body = _(
            "New referral %(reference)s (risk: %(risk)s). Open it: %(link)s or acknowledge now: %(ack)s "
            "or reply ACK %(reference)s",
            reference=reference,
            risk=label(referral.ticket.risk_level, "risk").lower(),
            link=f"{config['STAFF_BASE_URL']}/referrals/{referral.id}",
            ack=f"{config['SETTINGS'].public_base_url}/ack/{ACK_TOKEN_SLOT}",
        )
    for channel, address in channels:
        queue_message(
            session,
            kind=OutboxKind.AGENCY_NOTICE,
            channel=channel,
            to=address,
            subject=subject if channel == "email" else None,
            body=body,
            referral_id=referral.id,
            ticket_id=referral.ticket_id,
            contact_id=contact.id if contact is not None else None,
            not_before=not_before,
        )
    return [channel for channel, _address in channels]


@on_compose(OutboxKind.AGENCY_NOTICE)
def _with_ack_token(session: Session, message: OutboxMessage) -> str:
    """The notice as it leaves: a fresh one-time token in its acknowledge link (only its hash is kept)."""
    referral = session.get(Referral, message.referral_id) if message.referral_id else None
    if referral is None or ACK_TOKEN_SLOT not in message.body:
        return message.body
    return message.body.replace(ACK_TOKEN_SLOT, create_ack_link(session, referral, utcnow()))


@on_settled(OutboxKind.AGENCY_NOTICE)
def _settled(session: Session, message: OutboxMessage, delivered: bool) -> None:
    referral = session.get(Referral, message.referral_id) if message.referral_id else None
    if referral is None:
        return
    contact = session.get(ReferralContact, message.contact_id) if message.contact_id else None
    if delivered:
        if referral.notified_at is None:
            referral.notified_at = message.sent_at
        record_event(
            session,
            referral.ticket,
            "agency_notified",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason("notified", position=contact.position + 1, channel=message.channel)
            if contact is not None
            else system_reason("notified_only", channel=message.channel),
        )
    else:
        error = message.error or "no reason given"
        record_event(
            session,
            referral.ticket,
            "delivery_failed",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason(
                "not_delivered",
                position=contact.position + 1,
                channel=message.channel,
                outbox=message.status,
                error=error,
            )
            if contact is not None
            else system_reason("not_delivered_only", channel=message.channel, outbox=message.status, error=error),
        )


def provider_failed(session: Session, provider_id: str, status: str, now: datetime) -> None:
    """The provider could not deliver a message it had taken: mark it, and tell the agency's next
    contact. Idempotent: a repeated callback changes nothing. Commits."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id))
    if message is None or message.status == OutboxStatus.FAILED:
        return
    message.status, message.error = OutboxStatus.FAILED, f"provider: {status}"[:80]
    referral = session.get(Referral, message.referral_id) if message.referral_id else None
    if referral is not None and message.kind == OutboxKind.AGENCY_NOTICE:
        contacts = referral.agency.active_contacts
        ids = [contact.id for contact in contacts]
        following = ids.index(message.contact_id) + 1 if message.contact_id in ids else 0
        going_on = following < len(contacts) and referral.status in AWAITING_ACK
        record_event(
            session,
            referral.ticket,
            "delivery_failed",
            SYSTEM,
            referral_id=referral.id,
            reason=system_reason(
                "provider_failed_next", upper=message.channel.upper(), outbox=status, position=following + 1
            )
            if going_on
            else system_reason("provider_failed_last", upper=message.channel.upper(), outbox=status),
        )
        if going_on:
            queue_agency_notice(session, referral, contacts[following], now, why="delivery failed")
    session.commit()


def create_ack_link(session: Session, referral: Referral, now: datetime) -> str:
    """A one-time token for the notification's acknowledge link; only its hash is stored."""
    token = secrets.token_urlsafe(24)
    session.add(AckLink(referral_id=referral.id, token_hash=_hash(token), expires_at=now + ACK_LINK_LIFETIME))
    return token


def find_ack_link(session: Session, token: str) -> AckLink | None:
    """The link for this token if it may still be used, else None (unknown, used or expired alike)."""
    link = session.scalar(select(AckLink).where(AckLink.token_hash == _hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
