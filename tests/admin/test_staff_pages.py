"""Staff pages: operators see tickets of their countries; agencies see and acknowledge only their own."""

from __future__ import annotations

import re
import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.accounts import StaffUser
from hotline.referrals.models import Referral
from hotline.tickets.models import TicketEvent
from tests.factories import make_agency, make_user
from tests.helpers import dispatch_proposals, post_form, post_report


def sign_in(client: FlaskClient, email: str, password: str, login_page: str = "/login") -> str:
    """Both factors, as a person would: the password, then a code (enrolling the secret shown the first time).

    Returns where the signed-in person is sent."""
    response = post_form(client, login_page, {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    step = response.headers["Location"]
    app = client.application
    if step.endswith("/login/enrol"):
        page = client.get("/login/enrol").get_data(as_text=True)
        match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
        assert match, "the enrolment page shows the secret as text"
        secret, last_step = match.group(1), None
        action = "/login/enrol"
    else:
        assert step.endswith("/login/code"), step
        with app.app_context(), app.extensions["database"].session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == email))
            assert user is not None and user.totp_secret is not None
            secret, last_step = user.totp_secret, user.totp_last_step
        action = "/login/code"
    response = post_form(client, action, {"code": totp_code(secret, last_step)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def totp_code(secret: str, last_step: int | None = None) -> str:
    """The current code, or the next one when the current one was used already (codes are single-use)."""
    step = int(time.time()) // 30
    if last_step is not None and last_step >= step:
        step = last_step + 1
    return pyotp.TOTP(secret).at(step * 30)


def file_report(client: FlaskClient, country: str) -> str:
    """A report whose proposed referrals an operator has confirmed, so its agencies have them."""
    body = {"channel": "api", "text": f"report in {country}", "location": {"country": country}}
    reference = post_report(client, json=body).get_json()["reference"]
    dispatch_proposals(client.application)
    return reference


def test_wrong_password_is_refused(app: Flask, staff_client: FlaskClient) -> None:
    email, _password = make_user(app)
    response = post_form(staff_client, "/login", {"email": email, "password": "nope"})
    assert response.status_code == 401
    assert staff_client.get("/tickets").status_code == 302


def test_operator_sees_only_tickets_of_their_countries(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    guatemala = file_report(client, "GT")
    honduras = file_report(client, "HN")
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = staff_client.get("/tickets").get_data(as_text=True)
    assert guatemala in page and honduras not in page
    assert staff_client.get(f"/tickets/{guatemala}").status_code == 200
    assert staff_client.get(f"/tickets/{honduras}").status_code == 404


def test_regional_operator_sees_every_country(app: Flask, client: FlaskClient, staff_client: FlaskClient) -> None:
    references = [file_report(client, "GT"), file_report(client, "HN")]
    sign_in(staff_client, *make_user(app, regional=True))
    page = staff_client.get("/tickets").get_data(as_text=True)
    assert all(reference in page for reference in references)


def test_agency_acknowledges_its_referral_once_and_the_event_is_recorded(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id, agency = session.execute(select(Referral.id, Referral.agency_id)).first()  # type: ignore[misc]
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    assert reference in staff_client.get("/referrals").get_data(as_text=True)
    page = f"/referrals/{referral_id}"
    first = post_form(staff_client, page, {}, action=f"{page}/acknowledge")
    second = post_form(staff_client, page, {}, action=f"{page}/acknowledge")
    assert first.status_code == second.status_code == 302
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None and referral.status == "acknowledged"
        assert referral.ticket.status == "acknowledged"
        assert referral.acknowledged_by is not None and referral.acknowledged_by.startswith("staff:")
        acks = session.scalars(select(TicketEvent).where(TicketEvent.kind == "acknowledge")).all()
        assert len(acks) == 1 and acks[0].actor.startswith("staff:") and acks[0].reason == "via portal"


def test_agency_cannot_see_or_acknowledge_another_agencys_referral(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    other = make_agency(app, country="HN")
    file_report(client, "GT")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=other))
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id = session.scalar(select(Referral.id))
    assert staff_client.get(f"/referrals/{referral_id}").status_code == 404
    token_page = staff_client.get("/referrals").get_data(as_text=True)
    assert "HT-" not in token_page
    response = post_form(staff_client, "/referrals", {}, action=f"/referrals/{referral_id}/acknowledge")
    assert response.status_code == 404
    assert staff_client.get("/tickets").status_code == 403
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral_id).status == "referred"  # type: ignore[union-attr]
