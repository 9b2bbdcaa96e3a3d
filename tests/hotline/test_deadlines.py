"""Deadlines with a frozen clock: escalation exactly once whatever happened to the jobs, and the ladder."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.db import utcnow
from hotline.jobs.deadlines import check_deadline
from hotline.jobs.queue import job_queue, redis_connection
from hotline.jobs.runtime import set_job_app
from hotline.outbox import OutboxMessage
from hotline.referrals.escalation import apply_due_deadline, sweep
from hotline.referrals.models import Referral
from hotline.referrals.service import acknowledge, create_ack_link, decline, redeem_ack_link
from hotline.tickets.models import TicketEvent
from tests.helpers import post_report, run_jobs

# Children held in Guatemala: critical, so 15-minute deadlines round the clock.
CRITICAL_GT = {
    "channel": "api",
    "text": "Tienen a dos niñas encerradas en una casa",
    "location": {"country": "GT"},
    "answers": {"in_danger_now": True},
}


def file(client: FlaskClient, body: dict = CRITICAL_GT) -> str:  # type: ignore[type-arg]
    response = post_report(client, json=body)
    assert response.status_code == 201
    return response.get_json()["reference"]


def referral_of(app: Flask, kind: str) -> tuple[int, datetime]:
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.scalars(select(Referral).order_by(Referral.id)).all()
        chosen = next(r for r in referral if r.agency.kind == kind)
        assert chosen.deadline_at is not None
        return chosen.id, chosen.deadline_at


def events(app: Flask, referral_id: int, kind: str) -> list[TicketEvent]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(
            session.scalars(
                select(TicketEvent)
                .where(TicketEvent.referral_id == referral_id, TicketEvent.kind == kind)
                .order_by(TicketEvent.id)
            )
        )


def state(app: Flask, referral_id: int) -> Referral:
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        session.expunge(referral)
        return referral


def test_a_new_referral_has_its_acknowledgement_deadline_and_a_scheduled_check(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, due = referral_of(app, "response_team")
    referral = state(app, referral_id)
    assert referral.status == "referred" and referral.deadline_timer == "ack_deadline"
    assert due - referral.created_at == timedelta(minutes=15)
    assert referral.flow_id == "referral_national" and referral.flow_version == 1
    assert referral.path_nodes == ["received", "triaged", "referred"]
    with app.app_context():
        scheduled = job_queue().scheduled_job_registry.get_job_ids()
    assert len(scheduled) >= 3  # one check per referral, at its deadline


def test_with_its_worker_gone_the_sweep_escalates_exactly_once(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, due = referral_of(app, "response_team")
    with app.app_context(), app.extensions["database"].session() as session:
        assert apply_due_deadline(session, referral_id, due - timedelta(seconds=1)) == "not due"
        first = sweep(session, due + timedelta(seconds=1))
        second = sweep(session, due + timedelta(seconds=2))
    assert first["acted"] >= 1 and second["acted"] == 0
    assert state(app, referral_id).status == "escalated"
    assert len(events(app, referral_id, "ack_deadline")) == 1
    # The job scheduled for that deadline finally runs: the referral has moved on, nothing happens.
    set_job_app(app)
    assert check_deadline(referral_id) in ("not due", "already moved")
    assert len(events(app, referral_id, "ack_deadline")) == 1


def test_with_redis_flushed_the_sweep_still_escalates(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, due = referral_of(app, "response_team")
    with app.app_context():
        redis_connection().flushdb()
        assert job_queue().scheduled_job_registry.get_job_ids() == []
    with app.app_context(), app.extensions["database"].session() as session:
        assert sweep(session, due + timedelta(minutes=1))["acted"] >= 1
    assert state(app, referral_id).status == "escalated"


def test_the_ladder_next_contact_alternate_agency_coordinating_body_focal_point_then_expiry(
    app: Flask, client: FlaskClient
) -> None:
    file(client)
    referral_id, due = referral_of(app, "response_team")
    now = due
    reached = []
    for _rung in range(6):
        now += timedelta(minutes=1)
        with app.app_context(), app.extensions["database"].session() as session:
            apply_due_deadline(session, referral_id, now)
        current = state(app, referral_id)
        reached.append((current.status, current.escalation_level))
        if len(reached) == 1:
            run_jobs(app)  # the next contact's notice, while the referral still waits
        if current.deadline_at is None:
            break
        now = current.deadline_at
    assert reached[0] == ("escalated", 1)
    assert reached[-1][0] == "expired"
    rungs = [e.reason for e in events(app, referral_id, "escalation")]
    assert rungs[0].startswith("rung 1: ") and "next referral contact" in rungs[0]
    assert any(r.startswith("rung 3: referred to gt-") for r in rungs)
    assert rungs[-1].startswith("rung 4: referred to reg-corett-ts")
    with app.app_context(), app.extensions["database"].session() as session:
        brought_in = session.scalars(select(Referral).where(Referral.escalated_from_id == referral_id)).all()
        assert {r.agency.kind for r in brought_in} >= {"coordinating_body", "regional_body"}
        assert all(r.role == "escalation" and r.status == "referred" for r in brought_in)
    with app.app_context(), app.extensions["database"].session() as session:
        second_contact = session.get(Referral, referral_id).agency.active_contacts[1]  # type: ignore[union-attr]
        to_second = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address.in_([second_contact.sms, second_contact.email]))
        ).all()
        assert to_second, "the next contact was told"


def test_an_escalation_agency_acknowledging_stands_the_silent_one_down(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, due = referral_of(app, "response_team")
    now = due + timedelta(minutes=1)
    with app.app_context(), app.extensions["database"].session() as session:
        apply_due_deadline(session, referral_id, now)  # rung 1
        now = state(app, referral_id).deadline_at + timedelta(minutes=1)  # type: ignore[operator]
        apply_due_deadline(session, referral_id, now)  # rung 2 or 3: another agency brought in
        helper = session.scalar(select(Referral).where(Referral.escalated_from_id == referral_id))
        assert helper is not None
        _referral, changed = acknowledge(session, helper.id, "staff:99", via="portal")
        assert changed
    assert state(app, referral_id).status == "withdrawn"


def test_acknowledging_twice_or_by_link_and_sms_at_once_records_one(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, _due = referral_of(app, "response_team")
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        token = create_ack_link(session, referral, referral.created_at)  # type: ignore[arg-type]
    results: list[object] = []

    def by_link() -> None:
        with app.app_context(), app.extensions["database"].session() as session:
            results.append(redeem_ack_link(session, token))

    def by_sms() -> None:
        with app.app_context(), app.extensions["database"].session() as session:
            results.append(acknowledge(session, referral_id, "sms-contact:1", via="SMS")[1])

    threads = [threading.Thread(target=by_link), threading.Thread(target=by_sms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), app.extensions["database"].session() as session:
        assert acknowledge(session, referral_id, "staff:1", via="portal")[1] is False
    assert state(app, referral_id).status == "acknowledged"
    assert len(events(app, referral_id, "acknowledge")) == 1


def test_a_decline_needs_a_reason_and_goes_to_the_next_candidate(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, _due = referral_of(app, "response_team")
    before = state(app, referral_id).agency_id
    with app.app_context(), app.extensions["database"].session() as session:
        moved = decline(session, referral_id, "staff:7", "Not our jurisdiction: it is in another department")
        assert moved.changed
    after = state(app, referral_id)
    assert after.status == "referred" and after.agency_id != before
    assert [e.reason for e in events(app, referral_id, "decline")] == [
        "Not our jurisdiction: it is in another department"
    ]
    assert "re-routed" in (events(app, referral_id, "refer")[-1].reason or "")


def test_a_check_that_runs_early_looks_again_at_the_deadline(app: Flask, client: FlaskClient) -> None:
    file(client)
    referral_id, _due = referral_of(app, "response_team")
    with app.app_context(), app.extensions["database"].session() as session:
        session.get(Referral, referral_id).deadline_at = utcnow() + timedelta(seconds=20)  # type: ignore[union-attr]
    set_job_app(app)
    with app.app_context():
        before = len(job_queue().scheduled_job_registry.get_job_ids())
    assert check_deadline(referral_id).startswith("early")
    with app.app_context():
        assert len(job_queue().scheduled_job_registry.get_job_ids()) == before + 1
    assert state(app, referral_id).status == "referred"
