"""The only module that talks to Twilio's REST API and to SMTP: the outbox's gateway.

In "record" mode (development and tests) nothing leaves the system: the hand-off is only the
outbox row's own mark, in the dispatcher's transaction, and the body as it would have left is kept in
this process's memory (`recorded`, the last few hundred) for tests to read. In "live" mode the message
goes to Twilio or SMTP and the row keeps the provider's id. Either way the body is completed at the
hand-off (`composed_body`: an acknowledge token is made then), so the stored body never holds a secret.
"""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from hotline.calls.control import CallControlRefused
from hotline.db import utcnow
from hotline.outbox import HandOffRefused, OutboxKind, OutboxMessage, composed_body
from hotline.privacy import caller_hash, decrypt_phone
from hotline.settings import Settings
from hotline.tickets.models import Ticket

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """A message as it would have left, in record mode (the recipient is not kept)."""

    outbox_id: int
    channel: str
    subject: str | None
    body: str
    content_sid: str | None = None


@dataclass(frozen=True)
class RecordedCall:
    """A request about a live call as it would have gone to Twilio's REST API, in record mode.

    `to` is an agency's or interpreter's published number; a caller's number is never kept: a
    call-back is recorded with the caller's keyed hash instead."""

    action: str
    target: str
    to: str | None = None
    params: tuple[tuple[str, str], ...] = ()


class OutboundGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.live = settings.outbound_mode == "live"
        self.replay_safe = not self.live
        self.recorded: deque[Recorded] = deque(maxlen=500)
        self.calls: deque[RecordedCall] = deque(maxlen=500)

    def hand_off(self, session: Session, message: OutboxMessage) -> str:
        to = self._recipient(session, message)
        body = composed_body(session, message)
        if not self.live:
            self.recorded.append(Recorded(message.id, message.channel, message.subject, body, message.content_sid))
            return f"REC{message.id}"
        if message.channel in ("sms", "whatsapp"):
            return self._send_sms(message, to, body)
        return self._send_email(message, to, body)

    def _recipient(self, session: Session, message: OutboxMessage) -> str:
        """Where the message goes: the stored address, or for a reporter the number decrypted now."""
        if message.kind != OutboxKind.REPORTER_REPLY:
            return message.to_address
        ticket = session.get(Ticket, message.ticket_id) if message.ticket_id else None
        if ticket is None or ticket.caller_phone_encrypted is None or ticket.caller_phone_expires_at is None:
            raise HandOffRefused("number_erased", permanent=True)
        if ticket.caller_phone_expires_at <= utcnow():
            raise HandOffRefused("callback_window_closed", permanent=True)
        number = decrypt_phone(ticket.caller_phone_encrypted, self.settings.phone_encryption_key)
        if number is None:
            raise HandOffRefused("number_unreadable", permanent=True)
        return number

    def download(self, url: str) -> bytes | None:
        """An MMS or WhatsApp file at Twilio, fetched with the account's credentials (only from
        Twilio's own hosts: the URL came in a webhook). Record mode fetches nothing."""
        if not self.live:
            return None
        host = urlsplit(url).hostname or ""
        if urlsplit(url).scheme != "https" or not (host == "api.twilio.com" or host.endswith(".twiliocdn.com")):
            raise HandOffRefused("not_a_twilio_url", permanent=True)
        try:
            response = self.http().get(
                url, auth=(self.settings.twilio_account_sid, self.settings.twilio_auth_token), timeout=20
            )
        except requests.RequestException as exc:
            raise HandOffRefused(type(exc).__name__) from None
        if response.status_code != 200:
            raise HandOffRefused(f"http_{response.status_code}")
        return response.content

    def http(self) -> requests.Session:
        return requests.Session()

    def twilio(self) -> Client:
        return Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token)

    # Live calls (hotline.calls.control.CallControl): the only REST requests about calls.

    def _url(self, path: str) -> str:
        return f"{self.settings.public_base_url}{path}"

    def _from(self, line: str | None) -> str:
        return line or self.settings.twilio_from_number

    def _twilio_call(self, action: str, request: Callable[[Client], str]) -> str:
        try:
            return request(self.twilio())
        except TwilioException as exc:
            log.warning("call request %s not accepted by Twilio: %s", action, type(exc).__name__)
            raise CallControlRefused(type(exc).__name__) from None

    def redirect(self, call_sid: str, path: str) -> None:
        if not self.live:
            self.calls.append(RecordedCall("redirect", call_sid, params=(("url", path),)))
            return
        self._twilio_call(
            "redirect", lambda c: str(c.calls(call_sid).update(url=self._url(path), method="POST").sid)
        )

    def add_participant(self, conference: str, to: str, from_line: str | None, label: str, status_path: str) -> str:
        if not self.live:
            self.calls.append(
                RecordedCall("add_participant", conference, to, (("from", self._from(from_line)), ("label", label)))
            )
            return f"CAREC{len(self.calls):029d}"
        return self._twilio_call(
            "add_participant",
            lambda c: str(
                c.conferences(conference)
                .participants.create(
                    from_=self._from(from_line),
                    to=to,
                    label=label,
                    early_media=True,
                    end_conference_on_exit=False,
                    status_callback=self._url(status_path),
                    status_callback_event=["answered", "completed"],
                )
                .call_sid
            ),
        )

    def hold(self, conference_sid: str, call_sid: str, on: bool, hold_path: str) -> None:
        if not self.live:
            self.calls.append(RecordedCall("hold" if on else "resume", call_sid, params=(("hold_url", hold_path),)))
            return
        self._twilio_call(
            "hold",
            lambda c: str(
                c.conferences(conference_sid)
                .participants(call_sid)
                .update(hold=on, hold_url=self._url(hold_path), hold_method="POST")
                .call_sid
            ),
        )

    def end_conference(self, conference_sid: str) -> None:
        if not self.live:
            self.calls.append(RecordedCall("end_conference", conference_sid))
            return
        self._twilio_call("end_conference", lambda c: str(c.conferences(conference_sid).update(status="completed").sid))

    def ring_back(self, number: str, from_line: str | None, path: str, status_path: str) -> str:
        if not self.live:
            hashed = caller_hash(number, self.settings.phone_hash_key)
            self.calls.append(RecordedCall("ring_back", path, f"caller:{hashed}", (("from", self._from(from_line)),)))
            return f"CAREC{len(self.calls):029d}"
        return self._twilio_call(
            "ring_back",
            lambda c: str(
                c.calls.create(
                    to=number,
                    from_=self._from(from_line),
                    url=self._url(path),
                    method="POST",
                    status_callback=self._url(status_path),
                    status_callback_event=["completed"],
                ).sid
            ),
        )

    def _send_sms(self, message: OutboxMessage, to: str, body: str) -> str:
        """An SMS, or a WhatsApp message: the same Messages API with `whatsapp:` addresses."""
        sender = self.settings.twilio_from_number
        if message.channel == "whatsapp":
            to, sender = f"whatsapp:{to}", f"whatsapp:{self.settings.twilio_whatsapp_from or sender}"
        # Outside WhatsApp's 24-hour window only an approved template goes, named by its ContentSid.
        content = {"content_sid": message.content_sid} if message.content_sid else {"body": body}
        try:
            sent = self.twilio().messages.create(
                to=to,
                from_=sender,
                status_callback=f"{self.settings.public_base_url}/twilio/status",
                **content,
            )
        except TwilioException as exc:
            log.warning("SMS %s not accepted by Twilio: %s", message.id, type(exc).__name__)
            raise HandOffRefused(type(exc).__name__) from None
        return str(sent.sid)

    def _send_email(self, message: OutboxMessage, to: str, body: str) -> str:
        url = urlsplit(self.settings.smtp_url)
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.settings.mail_from, to, message.subject or ""
        email["Message-ID"] = f"<outbox-{message.id}@{url.hostname or 'hotline'}>"
        email.set_content(body)
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        try:
            with smtp_class(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25)) as smtp:
                if url.scheme == "smtp+starttls":
                    smtp.starttls()
                if url.username:
                    smtp.login(url.username, url.password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("email %s not accepted by SMTP: %s", message.id, type(exc).__name__)
            raise HandOffRefused(type(exc).__name__) from None
        return email["Message-ID"]
