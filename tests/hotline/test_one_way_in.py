"""One way in: a stored report always leaves with its reference and is routed, now or by the sweep;
and the ticket's and referral's state machines each have one writer with the right `from_state`."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from directory.load import bump_version
from directory.models import Agency
from hotline.accounts import StaffUser
from hotline.app import create_app
from hotline.db import utcnow
from hotline.migrations import upgrade
from hotline.referrals import lifecycle
from hotline.referrals.models import Referral
from hotline.referrals.service import acknowledge, agency_act
from hotline.reports import ROUTING_GRACE, retry_routing
from hotline.settings import Settings
from hotline.tickets.intake import parse_intake
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage, TicketStatus
from hotline.tickets.operations import close_ticket
from hotline.tickets.service import receive
from routing.flow_engine import Event
from tests.conftest import prepare as prepare_directory
from tests.factories import make_user
from tests.helpers import dispatch_proposals, message_bodies, post_report

GUATEMALA = {"channel": "api", "text": "lo obligan a trabajar sin pago", "location": {"country": "GT"}}


def ticket_of(app: Flask, reference: str) -> Ticket:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        return ticket


def status_events(app: Flask, reference: str) -> list[tuple[str | None, str | None, str]]:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        events = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.referral_id.is_(None))
            .order_by(TicketEvent.id)
        )
        return [(e.from_state, e.to_state, e.kind) for e in events if e.to_state]


def test_on_an_empty_directory_the_reporter_gets_a_reference_and_a_retry_routes_it(
    tmp_path: Path, settings: Settings
) -> None:
    # A database migrated but never loaded with the directory: what `init-db` alone leaves.
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(url)
    app = create_app(Settings(**{**settings.__dict__, "database_url": url}), surface="public")
    client = app.test_client()
    headers = {"Idempotency-Key": "retry-me-0001"}
    first = post_report(client, json=GUATEMALA, headers=headers)
    assert first.status_code == 201
    reference = first.get_json()["reference"]
    # The partner is told "received" whatever happened; the ticket waits for triage.
    assert first.get_json()["status"] == "received"
    assert ticket_of(app, reference).status == TicketStatus.NEEDS_TRIAGE
    assert status_events(app, reference) == [
        (None, "received", "received"),
        ("received", "needs_triage", "routing_failed"),
    ]
    # The directory arrives; the reporter's client retries with the same key and finishes the job.
    prepare_directory(url)
    again = post_report(client, json=GUATEMALA, headers=headers)
    assert again.status_code == 200 and again.get_json()["reference"] == reference
    # Routed now: its referrals are proposed for an operator's review (issue 13).
    assert again.get_json()["status"] == "received"
    assert ticket_of(app, reference).status == TicketStatus.TRIAGED
    assert [e[:2] for e in status_events(app, reference)][-1:] == [("needs_triage", "triaged")]
    app.extensions["database"].engine.dispose()


def test_a_fault_in_routing_holds_the_ticket_visibly_and_the_sweep_routes_it_later(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        # A directory row the routing snapshot cannot read: every routing attempt raises.
        session.add(Agency(id="broken-1", name="Broken", names={}, country="GT", kind="not-a-kind"))
        bump_version(session)
    response = post_report(client, json=GUATEMALA)
    assert response.status_code == 201
    reference = response.get_json()["reference"]
    held = ticket_of(app, reference)
    assert held.status == TicketStatus.NEEDS_TRIAGE
    with app.app_context(), app.extensions["database"].session() as session:
        reason = session.scalar(select(TicketEvent.reason).where(TicketEvent.kind == "routing_failed"))
        assert reason == "routing failed (ValueError)"
        # Still broken: the sweep tries, holds it, and writes no second event.
        assert retry_routing(session, utcnow()) == {"unrouted": 1, "routed": 0}
        session.execute(delete(Agency).where(Agency.id == "broken-1"))
        bump_version(session)
    with app.app_context(), app.extensions["database"].session() as session:
        assert retry_routing(session, utcnow()) == {"unrouted": 1, "routed": 1}
        assert len(session.scalars(select(TicketEvent).where(TicketEvent.kind == "routing_failed")).all()) == 1
    assert ticket_of(app, reference).status == TicketStatus.TRIAGED


def test_a_ticket_left_received_by_a_crash_is_routed_by_the_sweep_after_a_grace(
    app: Flask, settings: Settings
) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        # Only the storing half ran, as when the process died before routing.
        received = receive(session, settings, parse_intake(GUATEMALA))
        assert received.ticket.status == TicketStatus.RECEIVED
        assert retry_routing(session, utcnow()) == {"unrouted": 0, "routed": 0}  # still its request's
        assert retry_routing(session, utcnow() + ROUTING_GRACE * 2) == {"unrouted": 1, "routed": 1}
    assert ticket_of(app, received.ticket.reference).status == TicketStatus.TRIAGED


def _referred(client: FlaskClient) -> str:
    """A report whose proposals an operator has confirmed: referred to its agencies."""
    response = post_report(client, json=GUATEMALA)
    assert response.status_code == 201
    assert dispatch_proposals(client.application) > 0
    return response.get_json()["reference"]


def _first_referral(app: Flask, reference: str) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        return session.scalars(select(Referral.id).where(Referral.ticket_id == ticket.id).order_by(Referral.id)).first()  # type: ignore[union-attr,return-value]


def test_status_events_record_where_the_ticket_came_from(app: Flask, client: FlaskClient) -> None:
    reference = _referred(client)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledge(session, _first_referral(app, reference), "staff:1", via="portal")
    assert status_events(app, reference)[-1] == ("referred", "acknowledged", "status_changed")


def test_a_closed_ticket_stays_closed_when_an_agency_starts_assistance(app: Flask, client: FlaskClient) -> None:
    reference = _referred(client)
    referral_id = _first_referral(app, reference)
    email, _password = make_user(app, regional=True)
    with app.app_context(), app.extensions["database"].session() as session:
        acknowledge(session, referral_id, "staff:1", via="portal")
        operator = session.scalar(select(StaffUser).where(StaffUser.email == email))
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        close_ticket(session, ticket, "referred", "handed over", operator)  # type: ignore[arg-type]
        for event in ("accept", "identify", "start_assistance"):
            assert agency_act(session, referral_id, event, "staff:2", {}).changed
    assert ticket_of(app, reference).status == TicketStatus.CLOSED
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral_id).status == "assistance"  # type: ignore[union-attr]


def test_a_lost_race_leaves_the_callers_other_work_in_place(app: Flask, client: FlaskClient) -> None:
    reference = _referred(client)
    referral_id = _first_referral(app, reference)
    database = app.extensions["database"]
    with app.app_context(), database.session() as session:
        stale = session.get(Referral, referral_id)
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        # Another process acknowledges first.
        with database.session() as other:
            acknowledge(other, referral_id, "link", via="one-time link")
        session.add(TicketMessage(ticket_id=ticket.id, direction="out", channel="sms", author="op", body="kept"))  # type: ignore[union-attr]
        session.flush()
        moved = lifecycle.advance(session, stale, Event("acknowledge", "agency"), "sms", utcnow())  # type: ignore[arg-type]
        assert not moved.changed
    with app.app_context(), database.session() as session:
        assert "kept" in message_bodies(session)


def test_publishing_a_new_flowchart_version_does_not_strand_running_referrals(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _referred(client)
    referral_id = _first_referral(app, reference)
    published = tmp_path / "flows"
    shutil.copytree(lifecycle.FLOWS_DIR, published)
    for path in published.glob("referral_*.json"):
        document = json.loads(path.read_text())
        document["version"] += 1
        path.write_text(json.dumps(document))
    monkeypatch.setattr(lifecycle, "FLOWS_DIR", published)
    lifecycle.flow.cache_clear()
    try:
        with app.app_context(), app.extensions["database"].session() as session:
            referral, changed = acknowledge(session, referral_id, "staff:1", via="portal")
            assert changed and referral.status == "acknowledged" and referral.flow_version == 1
            assert referral.deadline_at is not None  # the next deadline is still watched
            # New referrals start on the new version.
            ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
            newer = lifecycle.open_referral(session, ticket, referral.agency_id, role="x", reason="x", now=utcnow())  # type: ignore[arg-type]
            assert newer.flow_version == 2
    finally:
        lifecycle.flow.cache_clear()
        lifecycle._earlier.clear()


def test_the_routing_sweep_leaves_fresh_tickets_to_their_own_request(app: Flask, client: FlaskClient) -> None:
    reference = _referred(client)
    with app.app_context(), app.extensions["database"].session() as session:
        assert retry_routing(session, utcnow() + timedelta(minutes=5)) == {"unrouted": 0, "routed": 0}
    assert ticket_of(app, reference).status == TicketStatus.REFERRED
