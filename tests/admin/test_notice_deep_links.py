"""Every notice composed for an agency links to its referral, and the link lands there after sign-in."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.models import Agency
from hotline.db import utcnow
from hotline.outbox import OutboxKind, OutboxMessage
from hotline.referrals.models import Referral
from hotline.referrals.notices import queue_agency_notice
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_acknowledgement_channels import notified
from tests.factories import make_user
from tests.helpers import run_jobs


def test_every_agency_notice_by_every_channel_and_contact_opens_its_referral_after_sign_in(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    reference, referral, _message = notified(app, client)
    # The same notice goes again by email as well as SMS to every contact, as an escalation to the
    # next contact and a retry after a failed delivery send it.
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, referral.agency_id)
        assert agency is not None
        agency.referral_channels = ["sms", "email"]
        for position, contact in enumerate(agency.active_contacts):
            contact.email = contact.email or f"desk{position}@agency.example"
        again = session.get(Referral, referral.id)
        assert again is not None
        for contact in agency.active_contacts:
            queue_agency_notice(session, again, contact, utcnow(), why="escalation rung 1")
        session.commit()
        notices = select(OutboxMessage.id, OutboxMessage.referral_id).where(
            OutboxMessage.kind == OutboxKind.AGENCY_NOTICE
        )
        referral_of = {row.id: row.referral_id for row in session.execute(notices)}
        agency_of = {row.id: row.agency_id for row in session.execute(select(Referral.id, Referral.agency_id))}
    run_jobs(app)
    sent = [r for r in app.extensions["outbound"].recorded if r.outbox_id in referral_of]
    assert {r.channel for r in sent} == {"sms", "email"}, sent
    assert {referral_of[r.outbox_id] for r in sent} >= {referral.id}
    staff_base = staff_app.config["STAFF_BASE_URL"]
    for notice in sent:
        links = re.findall(re.escape(staff_base) + r"(/[^\s]*)", notice.body)
        assert links == [f"/referrals/{referral_of[notice.outbox_id]}"], (notice.channel, links)
    for referral_id in {referral_of[r.outbox_id] for r in sent}:
        staff_client = staff_app.test_client()
        asked = staff_client.get(f"/referrals/{referral_id}")
        assert asked.status_code == 302 and "next=" in asked.headers["Location"]
        officer = make_user(app, role="agency", agency_id=agency_of[referral_id])
        landed = sign_in(staff_client, *officer, login_page=asked.headers["Location"])
        assert landed == f"/referrals/{referral_id}"
        page = staff_client.get(landed)
        assert page.status_code == 200 and reference in page.get_data(as_text=True)
