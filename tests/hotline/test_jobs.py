"""Creating a referral queues a notification on the real Redis; the worker sends a reference and a link only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.db import utcnow
from hotline.jobs.notify import notify_agency
from hotline.outbox import OutboxMessage
from hotline.referrals.flowchart import open_referral
from hotline.referrals.models import Referral
from hotline.tickets.models import TicketEvent
from tests.factories import make_agency
from tests.helpers import run_jobs

STORY = "Mi prima Rosa Pérez está encerrada en un bar de Chinandega, llámenme al +505 8812 3456"


def test_agency_is_notified_by_sms_and_email_with_reference_and_link_only(app: Flask, client: FlaskClient) -> None:
    agency = make_agency(app, country="NI", kind="ngo", contacts=(("duty.ni@example.org", "+12025550102"),))
    body = {"channel": "api", "text": STORY, "caller_phone": "+505 8812 3456", "location": {"country": "NI"}}
    reference = client.post("/api/v1/reports", json=body).get_json()["reference"]
    with app.app_context(), app.extensions["database"].session() as session:
        # The made-up NGO is not a routing target; give it a referral of its own to watch.
        ticket_referrals = session.scalars(select(Referral)).all()
        assert ticket_referrals and all(r.agency_id != agency for r in ticket_referrals)
        queued = len(ticket_referrals)
        ours = open_referral(
            session, ticket_referrals[0].ticket, agency, role="additional", reason="test", now=utcnow()
        )
        ours_id = ours.id
    assert run_jobs(app) == queued + 1
    with app.app_context(), app.extensions["database"].session() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.referral_id == ours_id).order_by(OutboxMessage.id)
        ).all()
        assert [(m.channel, m.to_address, m.status) for m in messages] == [
            ("sms", "+12025550102", "recorded"),
            ("email", "duty.ni@example.org", "recorded"),
        ]
        everything = session.scalars(select(OutboxMessage)).all()
        assert {m.referral_id for m in everything} >= {r.id for r in ticket_referrals}
        for message in everything:
            assert reference in message.body
            assert f"http://hotline.test/staff/referrals/{message.referral_id}" in message.body
            for secret in ("Rosa", "Chinandega", "8812", "encerrada"):
                assert secret not in message.body and secret not in (message.subject or "")
        assert all(r.notified_at is not None for r in session.scalars(select(Referral)))
        assert session.scalar(select(TicketEvent).where(TicketEvent.kind == "agency_notified")) is not None


def test_a_repeated_notification_job_sends_nothing_more(app: Flask, client: FlaskClient) -> None:
    client.post("/api/v1/reports", json={"channel": "api", "text": "x", "location": {"country": "PA"}})
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id = session.scalar(select(Referral.id))
        sent = len(session.scalars(select(OutboxMessage)).all())
    assert sent > 0
    assert notify_agency(referral_id) == "nothing to do"
    with app.app_context(), app.extensions["database"].session() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == sent
