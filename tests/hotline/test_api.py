"""The partner API files reports, refuses bad ones by name, and never makes two tickets of one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from hotline.partners import PartnerKey, PartnerKeyEvent, revoke_key
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent
from tests.helpers import dispatch_proposals, new_partner_key, post_report

REPORT = {
    "channel": "api",
    "text": "Hay tres muchachas encerradas en una casa en Quetzaltenango, les quitaron los documentos.",
    "language": "es",
    "caller_phone": "+502 5512 3456",
    "location": {"country": "GT", "region": "GT-QZ", "place": "zona 3"},
    "answers": {"in_danger_now": False, "minor_involved": True, "documents_withheld": True},
    "reporter_role": "witness",
    "contact_ok": True,
}


def count(app: Flask, model: type) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_report_is_created_triaged_and_referred_by_the_routing_engine(app: Flask, client: FlaskClient) -> None:
    response = post_report(client, json=REPORT)
    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"].startswith("HT-") and len(body["reference"]) == 12
    assert len(body["follow_up_passphrase"]) == 19
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == body["reference"]))
        assert ticket is not None
        assert (ticket.incident_country, ticket.incident_region, ticket.caller_country) == ("GT", "GT-09", "GT")
        # Children held: critical, so the immediate responder, child protection and the prosecutor.
        assert ticket.risk_level == "critical"
        assert ticket.status == "referred"
        assert ticket.routing["location"] == {
            "country": "GT",
            "region": "GT-09",
            "source": "stated",
            "ambiguous": False,
        }
        referrals = session.scalars(select(Referral).where(Referral.ticket_id == ticket.id)).all()
        assert {(r.agency.kind, r.agency.country, r.dispatch) for r in referrals} == {
            # Critical with a stated place: the immediate responder at once, the rest for review.
            ("response_team", "GT", "dispatched"),
            ("child_protection", "GT", "proposed"),
            ("prosecutor", "GT", "proposed"),
        }
        responder = next(r for r in referrals if r.dispatch == "dispatched")
        assert responder.ack_due_at - responder.created_at == timedelta(minutes=15)
        assert all(r.deadline_at - r.created_at == timedelta(minutes=2) for r in referrals if r is not responder)  # type: ignore[operator]
        assert all(r.reason for r in referrals)
        kinds = [
            e.kind
            for e in session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
            )
        ]
        assert kinds == ["received", "triaged", "referred", "proposed", "proposed", "status_changed"]
    assert dispatch_proposals(app) == 2
    with app.app_context(), app.extensions["database"].session() as session:
        referrals = session.scalars(select(Referral)).all()
        assert all(r.dispatch == "dispatched" and r.status == "referred" for r in referrals)
        assert all(r.ack_due_at is not None for r in referrals)


def test_same_idempotency_key_twice_makes_one_ticket(app: Flask, client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "partner-42-report-0001"}
    first = post_report(client, json=REPORT, headers=headers)
    second = post_report(client, json=REPORT, headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.get_json()["reference"] == first.get_json()["reference"]
    assert "follow_up_passphrase" not in second.get_json()
    assert count(app, Ticket) == 1
    assert count(app, Referral) == 3


def test_same_idempotency_key_with_another_body_is_a_conflict(app: Flask, client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "partner-42-report-0002"}
    assert post_report(client, json=REPORT, headers=headers).status_code == 201
    other = dict(REPORT, text="Otro caso distinto")
    response = post_report(client, json=other, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["field"] == "Idempotency-Key"
    assert count(app, Ticket) == 1


def test_an_unknown_location_goes_to_the_regional_focal_point(app: Flask, client: FlaskClient) -> None:
    response = post_report(client, json={"channel": "api", "text": "No sé dónde están"})
    assert response.status_code == 201
    with app.app_context(), app.extensions["database"].session() as session:
        referrals = session.scalars(select(Referral)).all()
        assert [(r.agency_id, r.role) for r in referrals] == [("reg-corett-ts", "regional")]
        assert referrals[0].agency.regional_focal_point


def bad(client: FlaskClient, body: object, language: str = "en") -> dict[str, str]:
    response = post_report(client, json=body, headers={"Accept-Language": language})
    assert response.status_code == 400, response.get_data(as_text=True)
    return response.get_json()


def test_bad_input_names_the_field_in_the_request_language(app: Flask, client: FlaskClient) -> None:
    assert bad(client, dict(REPORT, colour="blue"))["field"] == "colour"
    assert bad(client, dict(REPORT, location={"country": "XX"}))["field"] == "location.country"
    assert bad(client, dict(REPORT, location={"country": "GT", "region": "HN-AT"}))["field"] == "location.region"
    assert bad(client, dict(REPORT, caller_phone="12"))["field"] == "caller_phone"
    assert bad(client, dict(REPORT, text="x" * 20_001))["field"] == "text"
    assert bad(client, dict(REPORT, answers={"in_danger_now": "maybe"}))["field"] == "answers.in_danger_now"
    assert bad(client, dict(REPORT, answers={"favourite_food": True}))["field"] == "answers.favourite_food"
    assert bad(client, dict(REPORT, answers={"victim_nationality": "ZZ"}))["field"] == "answers.victim_nationality"
    assert bad(client, dict(REPORT, channel="pigeon"))["field"] == "channel"
    assert bad(client, dict(REPORT, reporter_role="boss"))["field"] == "reporter_role"
    assert bad(client, [1, 2, 3])["field"] == ""
    english = bad(client, dict(REPORT, caller_phone="12"), "en")["message"]
    spanish = bad(client, dict(REPORT, caller_phone="12"), "es")["message"]
    assert "phone number is not valid" in english
    assert "número de teléfono no es válido" in spanish
    assert count(app, Ticket) == 0


def test_text_at_the_limit_is_accepted(app: Flask, client: FlaskClient) -> None:
    response = post_report(client, json=dict(REPORT, text="x" * 20_000))
    assert response.status_code == 201


def test_not_json_and_too_large_get_clear_errors_not_500(app: Flask, client: FlaskClient) -> None:
    response = post_report(client, data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"
    response = post_report(client, data="x" * 300_000, content_type="application/json")
    assert response.status_code == 413 and "message" in response.get_json()


def test_without_a_valid_key_nothing_is_filed_and_the_refusal_is_in_the_request_language(
    app: Flask, client: FlaskClient
) -> None:
    missing = client.post("/api/v1/reports", json=REPORT, headers={"Accept-Language": "es"})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.get_json()["error"] == "missing_key" and missing.get_json()["field"] == "Authorization"
    assert "clave" in missing.get_json()["message"]
    key = new_partner_key(app)
    public_id = key.split("_")[1]
    for wrong in (f"hp_{public_id}_not-the-secret", "hp_000000000000_whatever", "hp_", key[:-1]):
        answer = client.post("/api/v1/reports", json=REPORT, headers={"Authorization": f"Bearer {wrong}"})
        assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_key", wrong
    basic = client.post("/api/v1/reports", json=REPORT, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401 and basic.get_json()["error"] == "missing_key"
    assert count(app, Ticket) == 0


def test_a_revoked_key_is_refused_at_once_and_its_history_says_who_and_why(app: Flask, client: FlaskClient) -> None:
    key = new_partner_key(app, "Refugio Esperanza")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/reports", json=REPORT, headers=headers).status_code == 201
    with app.app_context(), app.extensions["database"].session() as session:
        revoke_key(session, key.split("_")[1], "staff:7", "the partner's laptop was stolen")
    refused = client.post("/api/v1/reports", json=REPORT, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_key"
    assert count(app, Ticket) == 1
    with app.app_context(), app.extensions["database"].session() as session:
        stored = session.scalar(select(PartnerKey).where(PartnerKey.partner == "Refugio Esperanza"))
        assert stored is not None and stored.revoked_by == "staff:7" and stored.last_used_at is not None
        # Only a hash of the secret is kept.
        assert key.split("_", 2)[2] not in (stored.secret_sha256, stored.public_id)
        events = session.scalars(
            select(PartnerKeyEvent).where(PartnerKeyEvent.key_id == stored.id).order_by(PartnerKeyEvent.id)
        )
        assert [(e.kind, e.actor, e.reason) for e in events] == [
            ("created", "cli", None),
            ("revoked", "staff:7", "the partner's laptop was stolen"),
        ]


def test_a_key_without_the_scope_gets_403(app: Flask, client: FlaskClient) -> None:
    key = new_partner_key(app)
    with app.app_context(), app.extensions["database"].session() as session:
        # As a key made for a later scope (reading the directory, say) would be.
        session.execute(update(PartnerKey).values(scopes=["directory:read"]))
    answer = client.post("/api/v1/reports", json=REPORT, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 403 and answer.get_json()["error"] == "insufficient_scope"
    assert count(app, Ticket) == 0


def test_two_partners_with_the_same_idempotency_key_file_two_reports(app: Flask, client: FlaskClient) -> None:
    references = set()
    for partner in ("Partner A", "Partner B"):
        headers = {"Authorization": f"Bearer {new_partner_key(app, partner)}", "Idempotency-Key": "report-0001"}
        answer = client.post("/api/v1/reports", json=REPORT, headers=headers)
        assert answer.status_code == 201
        references.add(answer.get_json()["reference"])
    assert len(references) == 2 and count(app, Ticket) == 2


def test_no_key_reaches_a_log_line(app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    key = new_partner_key(app)
    wrong = key[:-4] + "abcd"
    with caplog.at_level(logging.DEBUG):
        post_report(client, json=REPORT, headers={"Authorization": f"Bearer {key}"})
        client.post("/api/v1/reports", json=REPORT, headers={"Authorization": f"Bearer {wrong}"})
        client.post("/api/v1/reports", data="{not json", headers={"Authorization": f"Bearer {key}"})
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    secrets = (key.split("_", 2)[2], wrong.split("_", 2)[2])
    assert not [r.getMessage() for r in caplog.records if any(s in r.getMessage() for s in secrets)]
