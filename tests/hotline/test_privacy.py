"""Caller anonymity: no raw phone number anywhere but the encrypted column, in the database or the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from hotline.db import utcnow
from hotline.jobs.retention import erase_expired_numbers
from hotline.privacy import decrypt_phone
from hotline.tickets.models import AppendOnlyError, Ticket, TicketEvent
from tests.helpers import post_form, post_report, run_jobs

# The same number as typed by reporters in three shapes, and the digits that would betray it.
PHONES = ("+502 5512 3456", "+50255123456", "5512-3456")
DIGITS = ("55123456", "5512 3456", "5512-3456")


def all_cell_values(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    with app.app_context(), app.extensions["database"].engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table == "alembic_version":
                continue
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    if value is not None:
                        found.append((table, column, value if isinstance(value, str) else repr(value)))
    return found


def test_a_full_run_leaves_no_raw_phone_number_outside_the_encrypted_column(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for phone in PHONES[:2]:
        body = {"channel": "api", "text": "Hay niñas encerradas", "caller_phone": phone, "location": {"country": "GT"}}
        assert post_report(client, json=body).status_code == 201
    form = {"text": "Trabajo forzado en una finca", "country": "GT", "caller_phone": PHONES[2], "contact_ok": "yes"}
    assert post_form(client, "/report", form).status_code == 200
    run_jobs(app)

    for table, column, value in all_cell_values(app):
        for digits in DIGITS:
            assert digits not in value, f"{table}.{column} holds the number"
    for record in caplog.records:
        for digits in DIGITS:
            assert digits not in record.getMessage()

    with app.app_context(), app.extensions["database"].session() as session:
        tickets = session.scalars(select(Ticket)).all()
        key = app.config["SETTINGS"].phone_encryption_key
        assert {decrypt_phone(t.caller_phone_encrypted, key) for t in tickets} == {"+50255123456"}
        # One keyed hash links the three contacts from the same number.
        assert len({t.caller_hash for t in tickets}) == 1


def test_numbers_are_erased_when_the_callback_window_closes_and_the_erasure_is_recorded(
    app: Flask, client: FlaskClient
) -> None:
    body = {"channel": "api", "text": "x", "caller_phone": PHONES[0]}
    reference = post_report(client, json=body).get_json()["reference"]
    with app.app_context(), app.extensions["database"].session() as session:
        assert erase_expired_numbers(session) == 0
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        ticket.caller_phone_expires_at = utcnow() - timedelta(minutes=1)
    with app.app_context(), app.extensions["database"].session() as session:
        assert erase_expired_numbers(session) == 1
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.caller_phone_encrypted is None and ticket.caller_hash is not None
        kinds = [
            e.kind
            for e in session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
            )
        ]
        assert "caller_number_erased" in kinds


def test_ticket_events_cannot_be_changed_or_deleted(app: Flask, client: FlaskClient) -> None:
    post_report(client, json={"channel": "api", "text": "x"})
    with app.app_context(), app.extensions["database"].session() as session:
        event = session.scalar(select(TicketEvent))
        assert event is not None
        event.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(AppendOnlyError):
            session.delete(session.scalar(select(TicketEvent)))
            session.flush()
        session.rollback()
