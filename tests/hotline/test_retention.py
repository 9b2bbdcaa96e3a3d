"""Retention as data: at a frozen moment past each period, what the policy names is erased, each ticket
touched gets one recorded event, and statistics read the same before and after."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.accounts import SignInLock, StaffUser, register_failure, sign_in_source
from hotline.db import utcnow
from hotline.floods import Flood, FloodSignal
from hotline.jobs.retention import ERASED, apply_retention, load_policy
from hotline.outbox import OutboxMessage
from hotline.stats import Filters, case_types, funnel, volumes
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage
from hotline.tickets.operations import close_ticket
from tests.factories import make_user
from tests.helpers import dispatch_proposals, message_bodies, post_report, run_jobs

STORY = "Trabajo forzado en una finca de café, no les pagan"
REPORT = {"channel": "api", "text": STORY, "location": {"country": "HN"}, "caller_phone": "+50499887766"}


def _statistics(app: Flask) -> tuple[object, ...]:
    with app.app_context(), app.extensions["database"].session() as session:
        everything = Filters()
        return funnel(session, everything), volumes(session, everything), case_types(session, everything)


def _close_first(app: Flask) -> int:
    email, _password = make_user(app, role="supervisor", regional=True)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id)).first()
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert ticket is not None and user is not None
        close_ticket(session, ticket, "referred", "passed on", user)
        return ticket.id


def test_the_retention_run_erases_what_is_due_and_leaves_statistics_intact(app: Flask, client: FlaskClient) -> None:
    post_report(client, json=REPORT)
    post_report(client, json=REPORT)
    dispatch_proposals(app)
    run_jobs(app)
    closed = _close_first(app)
    before = _statistics(app)
    with app.app_context(), app.extensions["database"].session() as session:
        # A month on: only the sent texts are due; the narrative of a closed ticket waits two years.
        early = apply_retention(session, utcnow() + timedelta(days=31))
        # (and the flood rules' counts of the two reports, due after a day)
        assert set(early) == {"outbox_body", "flood_count"}
        assert STORY in message_bodies(session, TicketMessage.ticket_id == closed)
        late = apply_retention(session, utcnow() + timedelta(days=800))
        assert late["narrative"] >= 1 and late["caller_hash"] == 1
        bodies = {message.ticket_id: message.body for message in session.scalars(select(TicketMessage))}
        assert bodies[closed] == ERASED
        open_ticket = next(t for t in bodies if t != closed)
        assert bodies[open_ticket] == STORY  # not closed: kept
        assert session.get(Ticket, closed).caller_hash is None  # type: ignore[union-attr]
        assert session.get(Ticket, open_ticket).caller_hash is not None  # type: ignore[union-attr]
        assert all(body == ERASED for body in session.scalars(select(OutboxMessage.body)))
        recorded = session.scalars(select(TicketEvent.reason).where(TicketEvent.kind == "retention_erased")).all()
        assert any("narrative" in (reason or "") and "caller_hash" in (reason or "") for reason in recorded)
        # Nothing is erased twice, and nothing is recorded for a run with nothing due.
        assert apply_retention(session, utcnow() + timedelta(days=800)) == {}
    assert _statistics(app) == before
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_flood_counts_and_sign_in_locks_go_a_day_after_they_were_last_used(app: Flask, client: FlaskClient) -> None:
    """Both hold keyed hashes of where something came from: kept while they can matter, then deleted."""
    assert post_report(client, json=REPORT).status_code == 201
    email, _password = make_user(app, role="operator")
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        register_failure(session, user, "wrong password", sign_in_source("192.0.2.8", b"k"))
        now = utcnow()
        flood = Flood(rule="same_source", digest="d" * 64, opened_bucket=1, why="w", started_at=now, last_seen_at=now)
        session.add(flood)
        session.commit()
        signals = len(session.scalars(select(FloodSignal.id)).all())
        assert signals >= 2
        # Within the day: nothing of the kind is due.
        assert apply_retention(session, now + timedelta(hours=23)) == {}
        done = apply_retention(session, now + timedelta(days=1, minutes=1))
        assert done == {"flood_count": signals + 1, "sign_in_source": 1}
        assert session.scalars(select(FloodSignal.id)).all() == []
        assert session.scalars(select(SignInLock.id)).all() == []
        session.refresh(flood)
        assert flood.digest == f"erased:{flood.id}" and flood.why == "w"  # the flood itself stays for review
        assert apply_retention(session, now + timedelta(days=2)) == {}


def test_a_policy_without_a_kind_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"kinds": {"narrative": {"days": 10, "action": "erase"}}}')
    with pytest.raises(ValueError, match="lacks"):
        load_policy(policy)
