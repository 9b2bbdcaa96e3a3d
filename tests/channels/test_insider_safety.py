"""An agency insider cannot silence a reporter: registering the reporter's number as an agency SMS
contact does not swallow their texts, and the change is flagged in the directory's history."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.models import DirectoryChange
from hotline.conversations.models import ConversationTurn
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_twilio_sms_conversation import text_in
from tests.factories import make_agency, make_user
from tests.helpers import post_form

VICTIM = "+50255504321"


def _add_contact(staff_client: FlaskClient, number: str) -> None:
    form = {
        "rows": "1",
        "order_0": "1",
        "name_0": "Night duty",
        "email_0": "night@example.org",
        "sms_0": number,
        "active_0": "yes",
        "reason": "new rota",
    }
    assert post_form(staff_client, "/agency/contacts", form).status_code == 302


def test_an_agency_contact_with_a_reporters_number_does_not_swallow_the_reporters_texts(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    assert text_in(client, "hola", sender=VICTIM)  # the reporter is known by their number's hash
    agency = make_agency(app, country="GT")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    _add_contact(staff_client, VICTIM)
    sid = "SM" + "7" * 32
    replies = text_in(client, "me tienen encerrada en una casa", sender=VICTIM, sid=sid)
    assert replies, "the reporter's text was swallowed"
    with app.app_context(), app.extensions["database"].session() as session:
        heard = session.scalars(select(ConversationTurn).where(ConversationTurn.provider_id == sid)).all()
        assert len(heard) == 1 and heard[0].direction == "in"
        change = session.scalars(select(DirectoryChange).where(DirectoryChange.agency_id == agency)).one()
        assert change.flag == "reporter_number"


def test_a_new_contact_number_never_seen_from_a_reporter_is_not_flagged(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    agency = make_agency(app, country="GT")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    _add_contact(staff_client, "+50255550199")
    with app.app_context(), app.extensions["database"].session() as session:
        change = session.scalars(select(DirectoryChange).where(DirectoryChange.agency_id == agency)).one()
        assert change.flag is None


def test_the_flag_is_shown_to_coordinators_and_the_contact_still_acknowledges_by_text(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    text_in(client, "hola", sender=VICTIM)
    agency = make_agency(app, country="GT")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    _add_contact(staff_client, VICTIM)
    staff_client.post("/logout")
    coordinator = staff_client.application.test_client()
    sign_in(coordinator, *make_user(app, role="admin", regional=True))
    page = coordinator.get(f"/directory/agencies/{agency}?lang=en").get_data(as_text=True)
    assert "an added SMS number has texted or called us as a reporter" in page
    # An acknowledgement is still read as one: the reply speaks of a referral, not the intake flow.
    replies = text_in(client, "ACK HT-0000-0000", sender=VICTIM)
    assert any("HT-0000-0000" in reply for reply in replies)
