"""Creating a referral queues a notification on the real Redis; the worker sends a reference and a link only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.outbox import OutboxMessage
from hotline.referrals.models import Referral
from hotline.tickets.models import TicketEvent
from tests.factories import make_agency
from tests.helpers import run_jobs

STORY = "Mi prima Rosa Pérez está encerrada en un bar de Chinandega, llámenme al +505 8812 3456"


def test_agency_is_notified_by_sms_and_email_with_reference_and_link_only(app: Flask, client: FlaskClient) -> None:
    make_agency(app, country="NI", notify_email="duty.ni@example.org", notify_sms="+12025550102")
    body = {"channel": "api", "text": STORY, "caller_phone": "+505 8812 3456", "location": {"country": "NI"}}
    reference = client.post("/api/v1/reports", json=body).get_json()["reference"]
    assert run_jobs(app) == 1
    with app.app_context(), app.extensions["database"].session() as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.channel, m.to_address, m.status) for m in messages] == [
            ("sms", "+12025550102", "recorded"),
            ("email", "duty.ni@example.org", "recorded"),
        ]
        referral = session.scalar(select(Referral))
        assert referral is not None and referral.notified_at is not None
        for message in messages:
            assert reference in message.body
            assert f"http://hotline.test/staff/referrals/{referral.id}" in message.body
            for secret in ("Rosa", "Chinandega", "8812", "encerrada"):
                assert secret not in message.body and secret not in (message.subject or "")
        assert session.scalar(select(TicketEvent).where(TicketEvent.kind == "agency_notified")) is not None


def test_a_repeated_notification_job_sends_nothing_more(app: Flask, client: FlaskClient) -> None:
    make_agency(app, country="PA")
    client.post("/api/v1/reports", json={"channel": "api", "text": "x", "location": {"country": "PA"}})
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id = session.scalar(select(Referral.id))
    from hotline.jobs.notify import notify_agency

    assert notify_agency(referral_id) == "nothing to do"
    with app.app_context(), app.extensions["database"].session() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 2
