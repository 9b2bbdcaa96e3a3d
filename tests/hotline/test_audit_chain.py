"""The audit log cannot be rewritten silently: the database refuses raw UPDATE and DELETE on ticket_event,
and `flask --app wsgi audit verify` finds a change or a removal made with the trigger out of the way."""

from __future__ import annotations

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from hotline.migrations import alembic_config, upgrade
from hotline.tickets.models import Ticket, TicketEvent
from tests.helpers import dispatch_proposals, post_report

REPORT = {"channel": "api", "text": "Trabajo forzado en una finca de café, no les pagan", "location": {"country": "HN"}}


def _filed(app: Flask, client: FlaskClient) -> list[int]:
    post_report(client, json=REPORT)
    post_report(client, json=REPORT)
    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(TicketEvent.id).order_by(TicketEvent.id)))


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _without_triggers(app: Flask, statement: str) -> None:
    """What an owner of the database could do: set the trigger aside, change the log, put it back."""
    engine = app.extensions["database"].engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE ticket_event DISABLE TRIGGER USER"))
            connection.execute(text(statement))
            connection.execute(text("ALTER TABLE ticket_event ENABLE TRIGGER USER"))
        else:
            sql = {
                name: connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}).scalar()
                for name in ("ticket_event_no_update", "ticket_event_no_delete")
            }
            for name in sql:
                connection.execute(text(f"DROP TRIGGER {name}"))
            connection.execute(text(statement))
            for definition in sql.values():
                connection.execute(text(definition))


def test_an_intact_log_verifies(app: Flask, client: FlaskClient) -> None:
    events = _filed(app, client)
    code, output = _verify(app)
    assert code == 0, output
    assert f"{len(events)} events" in output


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ticket_event SET reason = 'rewritten' WHERE id = {id}", "DELETE FROM ticket_event WHERE id = {id}"],
)
def test_the_database_refuses_a_raw_update_or_delete(app: Flask, client: FlaskClient, statement: str) -> None:
    events = _filed(app, client)
    engine = app.extensions["database"].engine
    with pytest.raises(DatabaseError), engine.begin() as connection:
        connection.execute(text(statement.format(id=events[1])))
    assert _verify(app)[0] == 0


def test_verify_reports_a_raw_update_made_past_the_trigger(app: Flask, client: FlaskClient) -> None:
    events = _filed(app, client)
    _without_triggers(app, f"UPDATE ticket_event SET reason = 'nothing happened' WHERE id = {events[1]}")
    code, output = _verify(app)
    assert code == 1
    assert f"at event {events[1]}: this event was changed" in output


def test_verify_reports_a_delete_in_the_middle_and_at_the_end(app: Flask, client: FlaskClient) -> None:
    _filed(app, client)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id)).first()
        assert ticket is not None
        ids = list(
            session.scalars(select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        )
        reference = ticket.reference
    assert len(ids) >= 3
    _without_triggers(app, f"DELETE FROM ticket_event WHERE id = {ids[1]}")
    code, output = _verify(app)
    assert code == 1 and f"BROKEN ticket {reference}" in output
    assert f"at event {ids[2]}: an event before this one was changed or removed" in output


def test_verify_reports_the_newest_event_removed(app: Flask, client: FlaskClient) -> None:
    _filed(app, client)
    with app.app_context(), app.extensions["database"].session() as session:
        last = session.scalars(select(TicketEvent).order_by(TicketEvent.id.desc())).first()
        assert last is not None
        last_id, ticket_id = last.id, last.ticket_id
    _without_triggers(app, f"DELETE FROM ticket_event WHERE id = {last_id}")
    code, output = _verify(app)
    assert code == 1 and f"(id {ticket_id}) at its end: the newest events were removed" in output


def test_events_written_before_the_chain_are_chained_by_the_migration(app: Flask, client: FlaskClient) -> None:
    _filed(app, client)
    settings = app.config["SETTINGS"]
    command.downgrade(alembic_config(settings.database_url, settings), "0011")  # just before the audit chain (0012)
    upgrade(settings.database_url, settings=settings)
    code, output = _verify(app)
    assert code == 0, output
    with app.app_context(), app.extensions["database"].session() as session:
        assert None not in set(session.scalars(select(TicketEvent.hash)))
