"""MMS and WhatsApp photos are fetched by a job with the provider's credentials, kept encrypted, and
shown to staff who may see the ticket; the job carries the row's id only."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from channels.outbound import OutboundGateway
from hotline import keystore
from hotline.jobs.queue import job_queue
from hotline.privacy import decrypt_bytes
from hotline.tickets.models import TicketRecording
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_twilio_sms_conversation import stored_tickets, text_in
from tests.factories import make_user
from tests.helpers import run_jobs

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM7/Media/ME7"
JPEG = b"\xff\xd8\xff\xe0" + b"la casa del porton verde" + b"\xff\xd9"


class TwilioMediaHost:
    """Twilio's media host at the edge: answers with the file and records who asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any]] = []

    def get(self, url: str, **kwargs: Any) -> Any:
        self.asked.append((url, kwargs.get("auth")))
        return type("Response", (), {"status_code": 200, "content": JPEG})()


class LiveMediaGateway(OutboundGateway):
    def __init__(self, settings: Any, host: TwilioMediaHost) -> None:
        super().__init__(settings)
        self.live, self.host = True, host

    def http(self) -> Any:
        return self.host


def test_an_mms_photo_is_fetched_encrypted_and_shown_to_staff(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in ["hola", "1", "no", "Managua", "no", "sí", "sí", "sí", "sí", "Nos tienen en una casa."]:
        text_in(client, words)
    text_in(client, "Esta es la casa", media=[(PHOTO, "image/jpeg")])
    [ticket] = stored_tickets(app)
    with app.app_context():
        args = [job.args for job in job_queue().jobs if job.func_name == "hotline.jobs.media.fetch_media"]
    [(recording_id,)] = args  # the id only: no URL, no number, no words in the job
    host = TwilioMediaHost()
    settings = app.config["SETTINGS"]
    app.extensions["outbound"] = LiveMediaGateway(settings, host)
    run_jobs(app)
    assert host.asked == [(PHOTO, (settings.twilio_account_sid, settings.twilio_auth_token))]
    with app.app_context(), app.extensions["database"].session() as session:
        recording = session.get(TicketRecording, recording_id)
        assert recording is not None and recording.fetched_at is not None and recording.content_encrypted
        assert b"verde" not in recording.content_encrypted  # encrypted at rest
        sealed = recording.content_encrypted
        assert keystore.unseal_bytes(session, recording.ticket_id, keystore.MEDIA, sealed) == JPEG
        assert decrypt_bytes(sealed, settings.phone_encryption_key) is None  # the ticket's own key, not the shared one
    run_jobs(app)  # a repeated job changes nothing and asks the provider nothing more
    assert len(host.asked) == 1

    email, password = make_user(staff_app, role="operator", countries=("NI",))
    sign_in(staff_client, email, password)
    page = staff_client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    media_url = f"/tickets/{ticket.reference}/media/{recording_id}"
    assert f'<img src="{media_url}"' in page and PHOTO not in page
    shown = staff_client.get(media_url)
    assert shown.status_code == 200 and shown.data == JPEG and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store"

    other_email, other_password = make_user(staff_app, role="operator", countries=("PA",))
    staff_client.get("/logout")
    sign_in(staff_client, other_email, other_password)
    assert staff_client.get(media_url).status_code in (403, 404)


def test_a_media_url_off_twilio_is_never_fetched(app: Flask, client: FlaskClient) -> None:
    for words in ["hola", "1", "no", "Managua", "no", "sí", "sí", "sí", "sí", "Nos tienen en una casa."]:
        text_in(client, words)
    text_in(client, "mire", media=[("https://evil.example/steal", "image/png")])
    host = TwilioMediaHost()
    app.extensions["outbound"] = LiveMediaGateway(app.config["SETTINGS"], host)
    run_jobs(app)
    assert host.asked == []
    with app.app_context(), app.extensions["database"].session() as session:
        [recording] = session.scalars(select(TicketRecording))
        assert recording.fetched_at is None and recording.content_encrypted is None
