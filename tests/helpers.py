"""Helpers for tests: run queued jobs, post forms with their CSRF token, wait for a condition."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline.jobs.queue import job_queue, redis_connection
from hotline.jobs.runtime import set_job_app
from hotline.tickets.models import TicketMessage


def run_jobs(app: Flask) -> int:
    """Run every queued job in this process with a real RQ worker on the real Redis; return the count."""
    set_job_app(app)
    with app.app_context():
        queue = job_queue()
        count = queue.count
        SimpleWorker([queue], connection=redis_connection()).work(burst=True)
    return count


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str) -> str:
    response = client.get(page)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client: FlaskClient, page: str, data: dict[str, str], action: str | None = None) -> TestResponse:
    """Submit a form as a browser would: fetch the page for its CSRF token, then post."""
    token = csrf_token(client, page)
    return client.post(action or page, data={**data, "csrf_token": token})


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def twilio_post(client: FlaskClient, path: str, params: dict[str, str], *, sign: bool = True) -> TestResponse:
    """Post a webhook as Twilio does, signed with the Twilio library's own validator logic."""
    settings = client.application.config["SETTINGS"]
    headers = {}
    if sign:
        validator = RequestValidator(settings.twilio_auth_token)
        headers["X-Twilio-Signature"] = validator.compute_signature(f"{settings.public_base_url}{path}", params)
    return client.post(path, data=params, headers=headers)


def dispatch_proposals(app: Flask, who: str = "staff:1") -> int:
    """An operator confirms every proposed referral, as the console's Confirm does; return how many."""
    from sqlalchemy import select

    from hotline.db import utcnow
    from hotline.referrals.dispatch import confirm
    from hotline.referrals.models import DispatchState, Referral

    with app.app_context(), app.extensions["database"].session() as session:
        proposed = session.scalars(
            select(Referral).where(Referral.dispatch == DispatchState.PROPOSED).order_by(Referral.id)
        ).all()
        for referral in proposed:
            confirm(session, referral, who, utcnow(), reason="confirmed in the test")
        return len(proposed)


REPORTS = "/api/v1/reports"


def new_partner_key(app: Flask, partner: str = "Test partner", scopes: tuple[str, ...] = ("reports:create",)) -> str:
    """A new partner key in the app's database, made as an administrator would; the whole key."""
    from hotline.partners import create_key

    with app.app_context(), app.extensions["database"].session() as session:
        return create_key(session, partner, scopes, "cli").presented


def api_headers(app: Flask, **headers: str) -> dict[str, str]:
    """`Authorization: Bearer` with this app's test partner key (made on first use), and `headers`."""
    key = app.extensions.get("test_partner_key")
    if key is None:
        key = app.extensions["test_partner_key"] = new_partner_key(app)
    return {"Authorization": f"Bearer {key}", **headers}


def post_report(
    client: FlaskClient, json: object = None, headers: dict[str, str] | None = None, **kwargs: object
) -> TestResponse:
    """POST /api/v1/reports as the test partner (its key added to `headers`)."""
    sent = api_headers(client.application, **(headers or {}))
    return client.post(REPORTS, json=json, headers=sent, **kwargs)  # type: ignore[arg-type]


def message_bodies(session: Session, *criteria: ColumnElement[bool]) -> list[str]:
    """The words of the ticket messages that match, in clear: `TicketMessage.body` is sealed in its column."""
    query = select(TicketMessage).where(*criteria).order_by(TicketMessage.id)
    return [message.body for message in session.scalars(query)]
