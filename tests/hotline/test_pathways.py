"""Pathways (issue 16): a prosecutor's referral runs the criminal-justice track beside the victim's
assistance, child protection for a child runs the children's special measures, and the steps of each
are the flowchart's, one event each."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.referrals.lifecycle import CHILD, CROSS_BORDER, JUSTICE, NATIONAL, ORIGIN, flow_for
from hotline.referrals.models import Referral
from hotline.referrals.service import acknowledge, agency_act
from hotline.tickets.models import TicketEvent
from tests.helpers import dispatch_proposals
from tests.hotline.test_dispatch_with_consent import file, referrals

FORCED_LABOUR = {
    "channel": "api",
    "text": "Me tienen trabajando sin pago en una finca y me quitaron mis documentos",
    "location": {"country": "GT"},
}
CHILD_CASE = {
    "channel": "api",
    "text": "Mi vecina de 15 años es hondureña y la tienen trabajando sin pago, no la dejan salir",
    "location": {"country": "GT"},
}


def test_flow_choice_by_kind_and_role() -> None:
    assert flow_for("prosecutor", "additional", cross_border=False, minor=False) == JUSTICE
    assert flow_for("prosecutor", "fallback", cross_border=True, minor=True) == JUSTICE
    assert flow_for("child_protection", "additional", cross_border=False, minor=True) == CHILD
    assert flow_for("child_protection", "additional", cross_border=False, minor=False) == NATIONAL
    assert flow_for("response_team", "primary", cross_border=True, minor=False) == CROSS_BORDER
    assert flow_for("consulate", "origin_country", cross_border=True, minor=False) == ORIGIN
    assert flow_for("child_protection", "origin_country", cross_border=True, minor=True) == ORIGIN


def test_the_prosecutor_runs_the_justice_track_beside_assistance(app: Flask, client: FlaskClient) -> None:
    reference = file(client, FORCED_LABOUR)
    found = referrals(app, reference)
    by_kind = {r.agency.kind: r for r in found}
    prosecutor, responder = by_kind["prosecutor"], by_kind["response_team"]
    assert (prosecutor.flow_id, prosecutor.flow_version) == (JUSTICE, 1)
    assert responder.flow_id == NATIONAL
    # Linked to the victim's own referral: the justice steps run beside assistance, not instead of it.
    assert prosecutor.linked_to_id == responder.id

    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledge(session, prosecutor.id, "agency:test", via="portal")
        steps = [
            ("accept", {}),
            ("register_complaint", {"victim_participation": "undecided"}),
            ("open_investigation", {}),
            ("record_participation", {"victim_participation": "yes"}),
            ("charge", {}),
            ("record_verdict", {"verdict": "conviction"}),
            ("order_reparation", {"reparation": "compensation per victim"}),
            ("close", {"outcome": "reparation_paid"}),
        ]
        for event, payload in steps:
            assert agency_act(session, prosecutor.id, event, "agency:test", payload).changed, event
        session.commit()
        moved = session.get(Referral, prosecutor.id)
        assert moved is not None and (moved.status, moved.outcome) == ("closed", "reparation_paid")
        assert moved.run["data"]["victim_participation"] == "yes"
        events = session.scalars(
            select(TicketEvent).where(TicketEvent.referral_id == prosecutor.id).order_by(TicketEvent.id)
        ).all()
        path = [(e.from_state, e.to_state) for e in events if e.kind in {name for name, _ in steps}]
        assert path == [
            ("acknowledged", "accepted"),
            ("accepted", "complaint_registered"),
            ("complaint_registered", "investigation"),
            ("investigation", "investigation"),
            ("investigation", "prosecution"),
            ("prosecution", "verdict"),
            ("verdict", "reparation"),
            ("reparation", "closed"),
        ]
        # The victim's assistance referral is untouched by the prosecutor's steps.
        assisting = session.get(Referral, responder.id)
        assert assisting is not None and assisting.status == "referred"


def test_a_childs_case_runs_the_child_pathway(app: Flask, client: FlaskClient) -> None:
    found = referrals(app, file(client, CHILD_CASE))
    [protection] = [r for r in found if r.agency.kind == "child_protection" and r.agency.country == "GT"]
    assert protection.flow_id == CHILD
    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledge(session, protection.id, "agency:test", via="portal")
        for event, payload in [
            ("accept", {}),
            ("identify", {}),
            ("appoint_guardian", {"guardian": "Procuraduría de la Niñez"}),
            ("start_family_tracing", {}),
            ("determine_best_interests", {"best_interests": "local_protection"}),
        ]:
            assert agency_act(session, protection.id, event, "agency:test", payload).changed, event
        session.commit()
        moved = session.get(Referral, protection.id)
        assert moved is not None and moved.status == "local_protection"
        assert moved.run["data"]["best_interests"] == "local_protection"


def test_the_origin_country_runs_its_side_once_the_person_agrees(app: Flask, client: FlaskClient) -> None:
    body = {
        "channel": "api",
        "text": "Soy dominicana y me tienen trabajando sin pago en una casa, no me dejan salir",
        "location": {"country": "GT"},
        "consent": {"share_origin": True},
    }
    found = referrals(app, file(client, body))
    [consular] = [r for r in found if r.role == "origin_country"]
    assert (consular.agency.kind, consular.agency.country, consular.flow_id) == ("consulate", "DO", ORIGIN)
    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledge(session, consular.id, "agency:test", via="portal")
        for event, payload in [
            ("accept", {}),
            ("start_validation", {}),
            ("record_validation", {"validation": "confirmed"}),
            ("record_return", {"returned_on": "2026-06-01"}),
            ("start_reintegration", {}),
            ("close", {"outcome": "reintegrated"}),
        ]:
            assert agency_act(session, consular.id, event, "agency:test", payload).changed, event
        session.commit()
        moved = session.get(Referral, consular.id)
        assert moved is not None and (moved.status, moved.outcome) == ("closed", "reintegrated")
