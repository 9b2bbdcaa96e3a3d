"""The softphone's access token and the operator's stated availability, through the staff pages."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import create_app
from hotline.accounts import StaffUser
from hotline.calls.models import OperatorPresence, PresenceEvent
from hotline.settings import Settings
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user

VENDOR = Path(__file__).resolve().parents[2] / "admin" / "softphone_static" / "vendor"
API_SECRET = "softphone-test-secret-0123456789abcdef"


@pytest.fixture
def phone_app(settings: Settings) -> Iterator[Flask]:
    configured = settings.with_changes(
        twilio_account_sid="AC" + "1" * 32,
        twilio_api_key_sid="SK" + "2" * 32,
        twilio_api_key_secret=API_SECRET,
        twilio_twiml_app_sid="AP" + "3" * 32,
    )
    staff = create_app(configured, surface="staff")
    yield staff
    staff.extensions["database"].engine.dispose()


def csrf_of(client: FlaskClient) -> str:
    match = re.search(r'data-csrf="([^"]+)"', client.get("/calls/").get_data(as_text=True))
    assert match
    return match.group(1)


def test_an_operator_gets_a_short_lived_token_naming_them_for_our_twiml_app(phone_app: Flask) -> None:
    client = phone_app.test_client()
    email, password = make_user(phone_app, role="operator", countries=("GT",))
    sign_in(client, email, password)
    response = client.post("/calls/token", headers={"X-CSRFToken": csrf_of(client), "Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    claims = jwt.decode(body["token"], API_SECRET, algorithms=["HS256"])
    with phone_app.app_context(), phone_app.extensions["database"].session() as session:
        user_id = session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    assert claims["iss"] == "SK" + "2" * 32 and claims["sub"] == "AC" + "1" * 32
    assert claims["grants"]["identity"] == f"staff-{user_id}" == body["identity"]
    assert claims["grants"]["voice"]["outgoing"]["application_sid"] == "AP" + "3" * 32
    assert claims["grants"]["voice"].get("incoming", {}).get("allow") in (None, False)
    assert claims["exp"] - claims["nbf" if "nbf" in claims else "iat"] <= 600
    assert email not in body["token"] and "Test operator" not in json.dumps(claims)


def test_the_token_is_refused_to_agencies_and_to_anyone_not_signed_in(phone_app: Flask) -> None:
    anonymous = phone_app.test_client()
    login_page = anonymous.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    assert match
    response = anonymous.post("/calls/token", headers={"X-CSRFToken": match.group(1)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    agency = phone_app.test_client()
    sign_in(agency, *make_user(phone_app, role="agency", agency_id="gt-eri"))
    assert agency.get("/calls/").status_code == 403
    page = agency.get("/tickets")  # any page of theirs, for a CSRF token
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    token = match.group(1) if match else ""
    response = agency.post("/calls/token", headers={"X-CSRFToken": token})
    assert response.status_code in (400, 403) and "token" not in (response.get_json(silent=True) or {})


def test_without_twilio_keys_the_softphone_says_it_is_not_set_up(staff_app: Flask) -> None:
    client = staff_app.test_client()
    sign_in(client, *make_user(staff_app, role="operator", regional=True))
    page = client.get("/calls/").get_data(as_text=True)
    assert 'data-configured="no"' in page
    response = client.post("/calls/token", headers={"X-CSRFToken": csrf_of(client)})
    assert response.status_code == 503 and response.get_json()["error"] == "not_configured"


def test_availability_is_what_the_operator_says_and_every_change_is_an_event(phone_app: Flask) -> None:
    client = phone_app.test_client()
    email, password = make_user(phone_app, role="operator", countries=("GT",))
    sign_in(client, email, password)
    assert 'data-status="away"' in client.get("/calls/").get_data(as_text=True)  # the open page is not "free"
    token = csrf_of(client)
    assert client.post("/calls/presence", data={"status": "available", "csrf_token": token}).status_code == 302
    assert client.post("/calls/presence", data={"status": "available", "csrf_token": token}).status_code == 302
    assert client.post("/calls/presence", data={"status": "busy", "csrf_token": token}).status_code == 400
    assert client.post("/calls/presence", data={"status": "away", "csrf_token": token}).status_code == 302
    with phone_app.app_context(), phone_app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        assert session.get(OperatorPresence, user.id).status == "away"  # type: ignore[union-attr]
        events = session.scalars(select(PresenceEvent).where(PresenceEvent.user_id == user.id)).all()
        assert [(e.from_status, e.to_status, e.actor) for e in events] == [
            ("away", "available", user.actor),
            ("available", "away", user.actor),
        ]


def test_the_page_loads_the_vendored_sdk_with_its_checksum(phone_app: Flask) -> None:
    manifest = json.loads((VENDOR / "twilio-voice.json").read_text())
    data = (VENDOR / manifest["file"]).read_bytes()
    assert manifest["integrity"] == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    client = phone_app.test_client()
    sign_in(client, *make_user(phone_app, role="supervisor", regional=True))
    response = client.get("/calls/")
    page = response.get_data(as_text=True)
    assert f'src="/calls/static/vendor/{manifest["file"]}" integrity="{manifest["integrity"]}"' in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    assert client.get(f"/calls/static/vendor/{manifest['file']}").data == data
