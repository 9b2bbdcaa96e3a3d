"""The only module that talks to Twilio's REST API and to SMTP. Every message is recorded first.

In "record" mode (development and tests) messages stay in the outbox table; in "live" mode they
are also sent, and the row says whether the provider took them.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from hotline.outbox import OutboxMessage
from hotline.settings import Settings

log = logging.getLogger(__name__)


class OutboundGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.live = settings.outbound_mode == "live"

    def send_sms(self, session: Session, to: str, body: str, *, referral_id: int | None = None) -> OutboxMessage:
        message = self._record(session, "sms", to, None, body, referral_id)
        if self.live:
            self._send_sms(message, to, body)
        return message

    def _send_sms(self, message: OutboxMessage, to: str, body: str) -> None:
        try:
            client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token)
            sent = client.messages.create(
                to=to,
                from_=self.settings.twilio_from_number,
                body=body,
                status_callback=f"{self.settings.public_base_url}/twilio/status",
            )
            message.status, message.provider_id = "sent", sent.sid
        except TwilioException as exc:
            message.status = "failed"
            log.warning("SMS %s not accepted by Twilio: %s", message.id, type(exc).__name__)

    def send_to_caller(self, session: Session, to: str, body: str, *, label: str) -> OutboxMessage:
        """A reply to a reporter: the outbox keeps a label, never the number, which only Twilio gets."""
        message = self._record(session, "sms", label, None, body, None)
        if self.live:
            self._send_sms(message, to, body)
        return message

    def send_email(
        self, session: Session, to: str, subject: str, body: str, *, referral_id: int | None = None
    ) -> OutboxMessage:
        message = self._record(session, "email", to, subject, body, referral_id)
        if self.live:
            try:
                self._smtp_send(to, subject, body)
                message.status = "sent"
            except (OSError, smtplib.SMTPException) as exc:
                message.status = "failed"
                log.warning("email %s not accepted by SMTP: %s", message.id, type(exc).__name__)
        return message

    def _record(
        self, session: Session, channel: str, to: str, subject: str | None, body: str, referral_id: int | None
    ) -> OutboxMessage:
        message = OutboxMessage(
            channel=channel, to_address=to, subject=subject, body=body, status="recorded", referral_id=referral_id
        )
        session.add(message)
        session.flush()
        return message

    def _smtp_send(self, to: str, subject: str, body: str) -> None:
        url = urlsplit(self.settings.smtp_url)
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.settings.mail_from, to, subject
        email.set_content(body)
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25)) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(url.username, url.password or "")
            smtp.send_message(email)
