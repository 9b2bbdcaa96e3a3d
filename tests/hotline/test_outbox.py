"""The transactional outbox: a notice is a row written with the referral, delivered once by whoever
gets to it first (a woken worker or the sweep), and never lost when Redis is away."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app import create_app
from hotline.db import utcnow
from hotline.outbox import LEASE, MAX_ATTEMPTS, HandOffRefused, OutboxMessage, OutboxStatus, deliver, sweep_outbox
from hotline.referrals.lifecycle import open_referral
from hotline.referrals.models import Referral
from hotline.settings import Settings
from hotline.tickets.models import TicketEvent
from tests.factories import make_agency
from tests.helpers import dispatch_proposals, post_report, run_jobs

STORY = "Mi prima Rosa Pérez está encerrada en un bar de Chinandega, llámenme al +505 8812 3456"
PANAMA = {"channel": "api", "text": "trabajan sin pago", "location": {"country": "PA"}}


def rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count_events(app: Flask, kind: str) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == kind)) or 0


class Refusing:
    """A gateway whose provider is down: it refuses every hand-off."""

    replay_safe = True

    def __init__(self) -> None:
        self.calls = 0

    def hand_off(self, _session: object, _message: OutboxMessage) -> str:
        self.calls += 1
        raise HandOffRefused("ConnectionError")


class Counting:
    """The recording gateway, counting hand-offs (the edge we fake: Twilio and SMTP)."""

    def __init__(self, app: Flask, replay_safe: bool = True) -> None:
        self.inner = app.extensions["outbound"]
        self.replay_safe = replay_safe
        self.handed: list[int] = []
        self.lock = threading.Lock()

    def hand_off(self, session: object, message: OutboxMessage) -> str:
        with self.lock:
            self.handed.append(message.id)
        return self.inner.hand_off(session, message)


def test_a_referral_writes_its_notices_in_its_own_transaction_with_reference_and_link_only(
    app: Flask, client: FlaskClient
) -> None:
    agency = make_agency(app, country="NI", kind="ngo", contacts=(("duty.ni@example.org", "+12025550102"),))
    body = {"channel": "api", "text": STORY, "caller_phone": "+505 8812 3456", "location": {"country": "NI"}}
    reference = post_report(client, json=body).get_json()["reference"]
    dispatch_proposals(app)
    before = rows(app)
    assert before and all(m.status == OutboxStatus.PENDING for m in before)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Referral)).first().ticket  # type: ignore[union-attr]
        ours = open_referral(session, ticket, agency, role="additional", reason="test", now=utcnow()).id
    run_jobs(app)
    messages = rows(app)
    assert [(m.channel, m.to_address, m.status) for m in messages if m.referral_id == ours] == [
        ("sms", "+12025550102", OutboxStatus.RECORDED),
        ("email", "duty.ni@example.org", OutboxStatus.RECORDED),
    ]
    assert all(m.status == OutboxStatus.RECORDED and m.attempts == 1 for m in messages)
    for message in messages:
        assert reference in message.body
        assert f"http://hotline.test/staff/referrals/{message.referral_id}" in message.body
        for secret in ("Rosa", "Chinandega", "8812", "encerrada"):
            assert secret not in message.body and secret not in (message.subject or "")
    with app.app_context(), app.extensions["database"].session() as session:
        assert all(r.notified_at is not None for r in session.scalars(select(Referral)))
    assert count_events(app, "agency_notified") == len(messages)


def test_delivering_a_message_twice_hands_it_off_once(app: Flask, client: FlaskClient) -> None:
    post_report(client, json=PANAMA)
    dispatch_proposals(app)
    counting = Counting(app)
    first = rows(app)[0].id
    with app.app_context(), app.extensions["database"].session() as session:
        assert deliver(session, first, counting, utcnow()).outcome == "delivered"
        assert deliver(session, first, counting, utcnow()).outcome == "nothing to do"
        # The job the referral queued runs too, later: still nothing more.
    run_jobs(app)
    assert counting.handed == [first]
    assert count_events(app, "agency_notified") == len(rows(app))


def test_racing_dispatchers_hand_each_message_off_once(app: Flask, client: FlaskClient) -> None:
    post_report(client, json=PANAMA)
    dispatch_proposals(app)
    counting = Counting(app)
    ids = [m.id for m in rows(app)]
    barrier = threading.Barrier(4)

    def dispatcher() -> None:
        barrier.wait()
        with app.app_context(), app.extensions["database"].session() as session:
            for message_id in ids:
                deliver(session, message_id, counting, utcnow())

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counting.handed) == ids
    assert all(m.status == OutboxStatus.RECORDED for m in rows(app))


def test_with_redis_unreachable_reports_are_accepted_and_the_sweep_delivers_every_notice_once(
    settings: Settings,
) -> None:
    # A Redis that is not there: every wake-up after commit fails, and is only logged.
    away = create_app(
        Settings(**{**settings.__dict__, "redis_url": "unix:///nonexistent/redis.sock"}), surface="public"
    )
    client = away.test_client()
    references = [post_report(client, json=PANAMA).get_json()["reference"] for _ in range(5)]
    assert len(set(references)) == 5
    assert dispatch_proposals(away) > 0
    waiting = rows(away)
    assert waiting and {m.status for m in waiting} == {OutboxStatus.PENDING}
    counting = Counting(away)
    with away.app_context(), away.extensions["database"].session() as session:
        counts = sweep_outbox(session, counting, utcnow())
        again = sweep_outbox(session, counting, utcnow())
    assert counts["delivered"] == len(waiting) and again["due"] == 0
    assert sorted(counting.handed) == [m.id for m in waiting]
    assert count_events(away, "agency_notified") == len(waiting)
    away.extensions["database"].engine.dispose()


def test_a_refusing_provider_is_retried_with_back_off_then_given_up_with_an_event(
    app: Flask, client: FlaskClient
) -> None:
    post_report(client, json=PANAMA)
    dispatch_proposals(app)
    first = rows(app)[0].id
    refusing = Refusing()
    now = utcnow()
    with app.app_context(), app.extensions["database"].session() as session:
        assert deliver(session, first, refusing, now).outcome == "retry"
        # Not due again until its back-off has passed.
        assert deliver(session, first, refusing, now).outcome == "nothing to do"
        for attempt in range(2, MAX_ATTEMPTS + 1):
            now += timedelta(hours=1)
            outcome = deliver(session, first, refusing, now).outcome
            assert outcome == ("failed" if attempt == MAX_ATTEMPTS else "retry")
    assert refusing.calls == MAX_ATTEMPTS
    [failed] = [m for m in rows(app) if m.id == first]
    assert failed.status == OutboxStatus.FAILED and failed.error == "ConnectionError"
    assert count_events(app, "delivery_failed") == 1


@pytest.mark.parametrize("replay_safe", [True, False])
def test_a_hand_off_whose_dispatcher_died_is_resent_only_where_nothing_can_have_left(
    app: Flask, client: FlaskClient, replay_safe: bool
) -> None:
    post_report(client, json=PANAMA)
    dispatch_proposals(app)
    first = rows(app)[0].id
    claimed_at = utcnow() - LEASE - timedelta(seconds=1)
    with app.app_context(), app.extensions["database"].session() as session:
        # A dispatcher claimed the row and was killed before it marked the hand-off.
        message = session.get(OutboxMessage, first)
        message.status, message.claimed_at, message.attempts = OutboxStatus.SENDING, claimed_at, 1  # type: ignore[union-attr]
    counting = Counting(app, replay_safe=replay_safe)
    with app.app_context(), app.extensions["database"].session() as session:
        counts = sweep_outbox(session, counting, utcnow())
    [message] = [m for m in rows(app) if m.id == first]
    if replay_safe:
        assert counts["reclaimed"] == 1 and first in counting.handed
        assert message.status == OutboxStatus.RECORDED
    else:
        assert counts["uncertain"] == 1 and first not in counting.handed
        assert message.status == OutboxStatus.UNCERTAIN
