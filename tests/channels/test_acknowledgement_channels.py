"""Agencies acknowledge by one-time link or by SMS from a registered number; failed SMS try the next contact."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.db import utcnow
from hotline.outbox import OutboxMessage
from hotline.referrals.models import AckLink, Referral
from hotline.tickets.models import TicketEvent
from tests.helpers import dispatch_proposals, post_form, post_report, run_jobs, twilio_post

REPORT = {"channel": "api", "text": "Trabajo forzado en una finca de café, no les pagan", "location": {"country": "HN"}}


def notified(app: Flask, client: FlaskClient) -> tuple[str, Referral, OutboxMessage]:
    reference = post_report(client, json=REPORT).get_json()["reference"]
    dispatch_proposals(app)
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).first()
        assert message is not None
        referral = session.get(Referral, message.referral_id)
        session.expunge_all()
    return reference, referral, message  # type: ignore[return-value]


def ack_path(app: Flask, message: OutboxMessage) -> str:
    """The acknowledge link in the notice as it left (the stored body holds no token)."""
    [sent] = [r for r in app.extensions["outbound"].recorded if r.outbox_id == message.id]
    match = re.search(r"http://hotline\.test(/ack/[A-Za-z0-9_-]+)", sent.body)
    assert match, sent.body
    return match.group(1)


def test_the_notification_carries_a_one_time_link_that_acknowledges_without_signing_in(
    app: Flask, client: FlaskClient
) -> None:
    reference, referral, message = notified(app, client)
    path = ack_path(app, message)
    page = client.get(path).get_data(as_text=True)
    assert reference in page and "Trabajo forzado" not in page  # the minimum, never the story
    response = post_form(client, path, {})
    assert response.status_code == 200 and 'id="ack-done"' in response.get_data(as_text=True)
    assert client.get(path).status_code == 404  # single use
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledged = session.get(Referral, referral.id)
        assert acknowledged is not None and acknowledged.status == "acknowledged"
        assert acknowledged.acknowledged_by == "link"


def test_an_expired_link_is_refused(app: Flask, client: FlaskClient) -> None:
    _reference, _referral, message = notified(app, client)
    with app.app_context(), app.extensions["database"].session() as session:
        for link in session.scalars(select(AckLink)):
            link.expires_at = utcnow() - timedelta(minutes=1)
    assert client.get(ack_path(app, message)).status_code == 404


def test_ack_by_sms_from_the_registered_number(app: Flask, client: FlaskClient) -> None:
    reference, referral, message = notified(app, client)
    code = reference.removeprefix("HT-").lower().replace("-", " ")
    params = {"From": message.to_address, "Body": f"acepto {code}", "MessageSid": "SM" + "1" * 32}
    response = twilio_post(client, "/twilio/sms", params)
    assert response.status_code == 200
    assert f"{reference}" in response.get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledged = session.get(Referral, referral.id)
        assert acknowledged is not None and acknowledged.status == "acknowledged"
        assert acknowledged.acknowledged_by is not None and acknowledged.acknowledged_by.startswith("sms-contact:")


def test_ack_by_sms_is_refused_unsigned_and_ignored_from_an_unknown_number(app: Flask, client: FlaskClient) -> None:
    reference, referral, message = notified(app, client)
    params = {"From": message.to_address, "Body": f"ACK {reference}", "MessageSid": "SM" + "2" * 32}
    assert twilio_post(client, "/twilio/sms", params, sign=False).status_code == 403
    forged = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403
    stranger = dict(params, From="+50499998888")
    assert twilio_post(client, "/twilio/sms", stranger).status_code == 200
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral.id).status == "referred"  # type: ignore[union-attr]


def test_a_failed_delivery_is_marked_and_the_next_contact_is_tried(app: Flask, client: FlaskClient) -> None:
    _reference, referral, message = notified(app, client)
    with app.app_context(), app.extensions["database"].session() as session:
        session.get(OutboxMessage, message.id).provider_id = "SM" + "3" * 32  # type: ignore[union-attr]
    params = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "undelivered"}
    assert twilio_post(client, "/twilio/status", params).status_code == 204
    assert twilio_post(client, "/twilio/status", params).status_code == 204  # a retried callback
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(OutboxMessage, message.id).status == "failed"  # type: ignore[union-attr]
        failures = session.scalars(select(TicketEvent).where(TicketEvent.kind == "delivery_failed")).all()
        assert len(failures) == 1 and "trying contact 2" in (failures[0].reason or "")
        second = session.get(Referral, referral.id).agency.active_contacts[1]  # type: ignore[union-attr]
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == second.sms)).first()


ACK_VARIANTS = [
    "ack {lower}",
    "ACK {upper}.",
    "Recibido, {upper}",
    "  Ack   {spaced} !! gracias",
    "Recibido el caso {upper}, vamos en camino",
]


@pytest.mark.parametrize("variant", ACK_VARIANTS)
def test_ordinary_ways_of_writing_an_sms_ack_are_understood(app: Flask, client: FlaskClient, variant: str) -> None:
    reference, referral, message = notified(app, client)
    body = variant.format(
        lower=reference.lower(), upper=reference, spaced=reference.lower().replace("-", " ").replace("ht ", "ht")
    )
    params = {"From": message.to_address, "Body": body, "MessageSid": "SM" + "4" * 32}
    response = twilio_post(client, "/twilio/sms", params)
    assert f"{reference}" in response.get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral.id).status == "acknowledged"  # type: ignore[union-attr]


def test_a_text_from_an_agency_number_that_acknowledges_nothing_is_read_as_a_report(
    app: Flask, client: FlaskClient
) -> None:
    # Insider safety (issue 17) wins over a helpful hint: a number is no proof of who writes, so only
    # an acknowledgement takes the agency path; anything else starts the reporter's conversation.
    _reference, referral, message = notified(app, client)
    params = {"From": message.to_address, "Body": "ya vamos", "MessageSid": "SM" + "5" * 32}
    reply = twilio_post(client, "/twilio/sms", params).get_data(as_text=True)
    assert "Para español, marque 1" in reply and "ACEPTO HT-" not in reply
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral.id).status == "referred"  # type: ignore[union-attr]


def test_a_number_registered_for_two_agencies_acknowledges_each(app: Flask, client: FlaskClient) -> None:
    from hotline.accounts import StaffUser
    from hotline.tickets.models import Ticket
    from hotline.tickets.operations import refer_to
    from tests.factories import make_agency, make_user

    reference, first, message = notified(app, client)
    second_agency = make_agency(app, country="HN", contacts=(("other@example.org", message.to_address),))
    email, _password = make_user(app, role="admin", regional=True)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        admin = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        second = refer_to(session, ticket, second_agency, "also shelters adults", admin).id
    run_jobs(app)
    for sid in ("6", "7"):
        params = {"From": message.to_address, "Body": f"ACK {reference}", "MessageSid": "SM" + sid * 32}
        assert twilio_post(client, "/twilio/sms", params).status_code == 200
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, first.id).status == "acknowledged"  # type: ignore[union-attr]
        assert session.get(Referral, second).status == "acknowledged"  # type: ignore[union-attr]


def test_the_notice_and_the_ack_page_give_the_risk_in_the_agencys_language(app: Flask, client: FlaskClient) -> None:
    _reference, referral, message = notified(app, client)
    words = {"critical": "crítico", "high": "alto", "medium": "medio", "low": "bajo"}
    with app.app_context(), app.extensions["database"].session() as session:
        level = session.get(Referral, referral.id).ticket.risk_level  # type: ignore[union-attr]
    assert f"riesgo: {words[level]}" in message.body, message.body
    page = client.get(f"{ack_path(app, message)}?lang=es").get_data(as_text=True)
    assert f">{words[level].capitalize()}</span>" in page
    assert f">{level}</span>" not in page
