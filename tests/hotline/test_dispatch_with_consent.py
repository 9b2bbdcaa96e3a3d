"""Dispatch with a person in the loop (issue 13): proposals wait for an operator or their review
deadline, consent decides who is told, children and danger override with a recorded ground, and a
stated fear of return never lets the origin country know."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.db import utcnow
from hotline.outbox import OutboxMessage
from hotline.referrals.escalation import sweep
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent, TicketStatus
from routing.dispatch import CHILD_GROUND, dispatch_policy
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import dispatch_proposals, post_form, post_report

MEDIUM = {"channel": "api", "text": "me pagan menos de lo prometido en una maquila", "location": {"country": "GT"}}
# The origin country is reached through its consular service; the directory has the Dominican one.
DOMINICAN = "Soy dominicana y me tienen trabajando sin pago en una casa, no me dejan salir"


def referrals(app: Flask, reference: str) -> list[Referral]:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        found = list(session.scalars(select(Referral).where(Referral.ticket_id == ticket.id).order_by(Referral.id)))
        for referral in found:
            _ = referral.agency
        session.expunge_all()
        return found


def notices(app: Flask) -> list[OutboxMessage]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(OutboxMessage)))


def referrals_ticket_risk(app: Flask, reference: str) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(Ticket.risk_level).where(Ticket.reference == reference)) or ""


def file(client: FlaskClient, body: dict[str, Any]) -> str:
    response = post_report(client, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def test_a_medium_report_is_proposed_and_nothing_leaves_until_an_operator_confirms(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file(client, MEDIUM)
    proposed = referrals(app, reference)
    assert proposed and {r.dispatch for r in proposed} == {"proposed"} and notices(app) == []
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    summary = staff_client.get(f"/api/v1/tickets/{reference}").get_json()
    assert {r["state"] for r in summary["referrals"]} == {"proposed"}
    assert not any(r["notice_queued"] for r in summary["referrals"])
    page = f"/tickets/{reference}"
    assert "confirm-proposal" in staff_client.get(page).get_data(as_text=True)
    first, *rest = proposed
    done = post_form(staff_client, page, {"decision": "confirm"}, f"{page}/referrals/{first.id}/dispatch")
    assert done.status_code == 302
    summary = staff_client.get(f"/api/v1/tickets/{reference}").get_json()
    states = {r["id"]: (r["state"], r["notice_queued"]) for r in summary["referrals"]}
    assert states[first.id] == ("referred", True)
    assert all(states[r.id] == ("proposed", False) for r in rest)
    if rest:
        action = f"{page}/referrals/{rest[0].id}/dispatch"
        refused = post_form(staff_client, page, {"decision": "drop", "reason": ""}, action)
        assert refused.status_code == 400
        dropped = post_form(staff_client, page, {"decision": "drop", "reason": "wrong agency"}, action)
        assert dropped.status_code == 302
        assert staff_client.get(f"/api/v1/tickets/{reference}").get_json()["referrals"][1]["state"] == "dropped"


def test_an_unreviewed_proposal_goes_at_its_review_deadline_and_supervisors_are_told(
    app: Flask, client: FlaskClient
) -> None:
    reference = file(client, MEDIUM)
    proposed = referrals(app, reference)
    due = max(r.deadline_at for r in proposed)  # type: ignore[type-var]
    risk = referrals_ticket_risk(app, reference)
    assert due - min(r.created_at for r in proposed) == timedelta(minutes=dispatch_policy().review_minutes[risk])
    with app.app_context(), app.extensions["database"].session() as session:
        assert sweep(session, utcnow())["acted"] == 0  # not yet
        assert sweep(session, due + timedelta(seconds=1))["acted"] == len(proposed)
    after = referrals(app, reference)
    assert {(r.dispatch, r.status) for r in after} == {("dispatched", "referred")}
    assert len(notices(app)) >= len(after)
    with app.app_context(), app.extensions["database"].session() as session:
        alerts = session.scalars(select(TicketEvent).where(TicketEvent.kind == "review_overdue")).all()
        assert len(alerts) == len(after)
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.status == TicketStatus.REFERRED


def test_a_critical_confident_report_alerts_the_responder_at_once_and_proposes_the_rest(
    app: Flask, client: FlaskClient
) -> None:
    body = {**MEDIUM, "text": "la tienen encerrada y armados", "answers": {"in_danger_now": True}}
    reference = file(client, body)
    found = referrals(app, reference)
    sent = [r for r in found if r.dispatch == "dispatched"]
    assert [r.agency.kind for r in sent] == ["response_team"]
    assert {m.referral_id for m in notices(app)} == {sent[0].id}
    assert all(r.dispatch == "proposed" for r in found if r not in sent)


def test_the_origin_country_is_told_only_with_consent_or_for_a_child(app: Flask, client: FlaskClient) -> None:
    adult = {"channel": "api", "text": DOMINICAN, "location": {"country": "GT"}}
    without = referrals(app, file(client, adult))
    origin = [r for r in without if r.role == "origin_country"]
    assert [(r.agency.country, r.dispatch, r.held_reason) for r in origin] == [("DO", "held", "consent_not_given")]

    agreed = referrals(app, file(client, {**adult, "consent": {"share_origin": True}}))
    assert [(r.agency.country, r.dispatch) for r in agreed if r.role == "origin_country"] == [("DO", "proposed")]

    child = {**adult, "text": "Mi vecina de 15 años es dominicana y la tienen trabajando sin pago, no la dejan salir"}
    for_child = referrals(app, file(client, child))
    origin = {r.agency.kind: r for r in for_child if r.role == "origin_country"}
    sent = origin["child_protection"]
    assert (sent.agency.country, sent.override_ground) == ("DO", CHILD_GROUND)
    assert (origin["consulate"].dispatch, origin["consulate"].held_reason) == ("held", "consent_not_given")


def test_a_fear_of_return_blocks_the_origin_country_even_with_consent(app: Flask, client: FlaskClient) -> None:
    body = {
        "channel": "api",
        "text": DOMINICAN + ". No quiero volver, tengo miedo.",
        "location": {"country": "GT"},
        "consent": {"share_origin": True},
    }
    found = referrals(app, file(client, body))
    [origin] = [r for r in found if r.role == "origin_country"]
    assert (origin.dispatch, origin.held_reason) == ("held", "fear_of_return")


def test_refused_authorities_hold_everything_but_the_minimum(app: Flask, client: FlaskClient) -> None:
    body = {**MEDIUM, "consent": {"share_authorities": False}}
    found = referrals(app, file(client, body))
    assert found and {(r.dispatch, r.held_reason) for r in found} == {("held", "consent_refused")}


def test_the_agency_portal_says_what_was_shared_and_on_what_ground(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    child = {
        "channel": "api",
        "text": "Mi vecina de 15 años es hondureña y la tienen trabajando sin pago, no la dejan salir",
        "location": {"country": "GT"},
    }
    reference = file(client, child)
    dispatch_proposals(app)
    [sent] = [r for r in referrals(app, reference) if r.role == "origin_country"]
    sign_in(staff_client, *make_user(app, role="agency", agency_id=sent.agency_id))
    page = staff_client.get(f"/referrals/{sent.id}?lang=es").get_data(as_text=True)
    assert "Solo los hechos" in page and "interés superior del niño" in page
