"""Partners' API keys, as an administrator manages them: made on the staff page (shown once), used by
the partner, revoked with a reason (refused at once), every change in the history; from the command
line the same. Nobody but an administrator reaches the page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.partners import PartnerKey
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import REPORTS, csrf_token, post_form

REPORT = {"channel": "api", "text": "Trabajan sin pago en una finca de café.", "location": {"country": "GT"}}
SHOWN_KEY = re.compile(r'id="new-key" value="(hp_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"')


def _row(page: str, public_id: str) -> str:
    found = re.search(rf'<tr id="key-{public_id}".*?</tr>', page, re.DOTALL)
    assert found, f"no row for key {public_id}"
    return found.group(0)


def _make_key_on_the_page(staff_client: FlaskClient, partner: str) -> str:
    made = post_form(
        staff_client,
        "/partner-keys",
        {"partner": partner, "scopes": "reports:create", "reason": "convenio firmado"},
    )
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    found = SHOWN_KEY.search(made.get_data(as_text=True))
    assert found, "the new key is shown on the page"
    return found.group(1)


def test_an_admin_makes_a_key_the_partner_uses_it_and_a_revocation_stops_it(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    sign_in(staff_client, *make_user(app, role="admin", regional=True))
    staff_client.get("/profile?lang=en")
    key = _make_key_on_the_page(staff_client, "Refugio Esperanza")
    public_id = key.split("_")[1]
    # Shown once: the list names the key by its public id and never shows the secret again.
    listing = staff_client.get("/partner-keys").get_data(as_text=True)
    assert "Refugio Esperanza" in _row(listing, public_id) and key not in listing
    assert "never" in _row(listing, public_id)  # not used yet

    headers = {"Authorization": f"Bearer {key}"}
    assert client.post(REPORTS, json=REPORT, headers=headers).status_code == 201
    assert "never" not in _row(staff_client.get("/partner-keys").get_data(as_text=True), public_id)

    token = csrf_token(staff_client, "/partner-keys")
    without_reason = staff_client.post(f"/partner-keys/{public_id}/revoke", data={"csrf_token": token, "reason": " "})
    assert without_reason.status_code == 400
    assert client.post(REPORTS, json=REPORT, headers=headers).status_code == 201
    revoked = staff_client.post(
        f"/partner-keys/{public_id}/revoke", data={"csrf_token": token, "reason": "se filtró en un correo"}
    )
    assert revoked.status_code == 302
    refused = client.post(REPORTS, json=REPORT, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_key"

    history = staff_client.get("/partner-keys").get_data(as_text=True)
    events = history.split('id="partner-key-events"')[1]
    assert "Key created" in events and "Key revoked" in events
    assert "convenio firmado" in events and "se filtró en un correo" in events
    assert "Test admin (Administrator)" in events
    with app.app_context(), app.extensions["database"].session() as session:
        stored = session.scalar(select(PartnerKey).where(PartnerKey.public_id == public_id))
        assert stored is not None and stored.revoked_at is not None and stored.revoked_by is not None
        assert key.split("_", 2)[2] not in stored.secret_sha256


def test_a_key_needs_a_partner_and_a_known_scope(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin", regional=True))
    unknown = post_form(staff_client, "/partner-keys?lang=en", {"partner": "Refugio", "scopes": "tickets:delete"})
    assert unknown.status_code == 400 and "Unknown scope" in unknown.get_data(as_text=True)
    unnamed = post_form(staff_client, "/partner-keys?lang=es", {"partner": " ", "scopes": "reports:create"})
    assert unnamed.status_code == 400 and "Indique el socio" in unnamed.get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(PartnerKey)).all() == []


@pytest.mark.parametrize("role", ["operator", "supervisor", "agency"])
def test_only_an_admin_reaches_the_keys(app: Flask, staff_client: FlaskClient, role: str) -> None:
    agency = "gt-svet" if role == "agency" else None
    sign_in(staff_client, *make_user(app, role=role, regional=role != "agency", agency_id=agency))
    assert staff_client.get("/partner-keys").status_code == 403
    form = {"partner": "x", "scopes": "reports:create", "csrf_token": csrf_token(staff_client, "/profile")}
    assert staff_client.post("/partner-keys", data=form).status_code == 403
    form["reason"] = "x"
    assert staff_client.post("/partner-keys/000000000000/revoke", data=form).status_code == 403
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(PartnerKey)).all() == []


def test_the_command_line_makes_lists_and_revokes_keys(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["partners", "create", "Casa del Migrante"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    public_id = key.split("_")[1]
    assert client.post(REPORTS, json=REPORT, headers={"Authorization": f"Bearer {key}"}).status_code == 201

    listed = runner.invoke(args=["partners", "list"])
    assert public_id in listed.output and "Casa del Migrante" in listed.output and "reports:create" in listed.output
    assert key.split("_", 2)[2] not in listed.output

    assert runner.invoke(args=["partners", "revoke", public_id]).exit_code != 0  # --why is required
    revoked = runner.invoke(args=["partners", "revoke", public_id, "--why", "convenio terminado"])
    assert revoked.exit_code == 0, revoked.output
    assert client.post(REPORTS, json=REPORT, headers={"Authorization": f"Bearer {key}"}).status_code == 401
    again = runner.invoke(args=["partners", "revoke", public_id, "--why", "otra vez"])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert runner.invoke(args=["partners", "revoke", "000000000000", "--why", "x"]).exit_code != 0
