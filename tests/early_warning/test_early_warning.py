"""Early warning: reports in different words naming the same venue are linked; the venue never leaves the
ticket's own text (no table but the ticket's, no notice, no log line, no job result holds it)."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from hotline.early_warning.entities import Entity, extract
from hotline.early_warning.models import DetailScan, EarlyWarning, EarlyWarningTicket, TicketDetail
from hotline.jobs.early_warning import early_warning_sweep
from hotline.jobs.runtime import set_job_app
from hotline.outbox import OutboxMessage
from hotline.tickets.models import Ticket, TicketMessage
from tests.stats.test_pages import signed_in

_numbers = itertools.count(1)
VENUE = "estrella"
SAME_VENUE = (
    "Me llevaron al bar La Estrella en Escuintla y no me dejan salir.",
    "Trabajo en la cantina 'La Estrella', nos quitan los papeles.",
    "My sister is held at a club called la estrella near the border.",
)


def report(app: Flask, words: str, when: datetime, country: str = "GT") -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = Ticket(
            reference=f"EW{next(_numbers):06d}",
            channel="web",
            language="es",
            incident_country=country,
            status="received",
            created_at=when,
            updated_at=when,
        )
        session.add(ticket)
        session.flush()
        session.add(TicketMessage(ticket_id=ticket.id, direction="in", channel="web", author="reporter", body=words))
        session.commit()
        return ticket.reference


def sweep(app: Flask) -> dict[str, int]:
    set_job_app(app)
    return early_warning_sweep()


def warnings(app: Flask) -> list[tuple[str, str | None, list[str]]]:
    with app.app_context(), app.extensions["database"].session() as session:
        found = []
        for warning in session.scalars(select(EarlyWarning).order_by(EarlyWarning.id)):
            refs = session.scalars(
                select(Ticket.reference)
                .join(EarlyWarningTicket, EarlyWarningTicket.ticket_id == Ticket.id)
                .where(EarlyWarningTicket.warning_id == warning.id)
                .order_by(Ticket.reference)
            ).all()
            found.append((warning.kind, warning.country, list(refs)))
        return found


def test_the_same_venue_in_different_words_is_one_key() -> None:
    keys = [{e for e in extract(words, "GT") if e.kind == "venue"} for words in SAME_VENUE]
    assert keys == [{Entity("venue", VENUE)}] * 3


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("El reclutador se llama Juan Pérez", Entity("person", "juan perez")),
        ("llamen al 5555-1234 para el trabajo", Entity("phone", "+50255551234")),
        ("el carro con placa P-123ABC", Entity("plate", "P123ABC")),
        ("nos tienen en la calle 5 zona 1", Entity("address", "calle 5 zona 1")),
        ("They work at the Blue Moon bar", Entity("venue", "blue moon")),
    ],
)
def test_other_details_are_found(words: str, expected: Entity) -> None:
    assert expected in extract(words, "GT")


def test_three_reports_naming_the_same_venue_raise_one_alert(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    refs = [report(app, words, start + timedelta(days=i)) for i, words in enumerate(SAME_VENUE)]
    report(app, "Un bar llamado El Sol en Antigua", start)
    with caplog.at_level(logging.DEBUG):
        counts = sweep(app)
    assert counts == {"tickets": 4, "details": 4, "warnings": 1}
    assert warnings(app) == [("venue", "GT", sorted(refs))]
    # Guatemala's response unit is told, with the references and no detail.
    with app.app_context(), app.extensions["database"].session() as session:
        notices = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "early_warning")).all()
    assert len(notices) == 1 and all(ref in notices[0].body for ref in refs)
    # A second sweep reads nothing again and raises nothing new.
    assert sweep(app) == {"tickets": 0, "details": 0, "warnings": 0}
    assert_venue_nowhere_but_the_tickets(app, caplog.text)


def test_two_reports_do_not_raise_an_alert_nor_three_far_apart(app: Flask) -> None:
    start = datetime.now(UTC) - timedelta(days=50)
    report(app, SAME_VENUE[0], start)
    report(app, SAME_VENUE[1], start + timedelta(days=1))
    sweep(app)
    assert warnings(app) == []
    report(app, SAME_VENUE[2], start + timedelta(days=40))
    sweep(app)
    assert warnings(app) == []


def test_a_fourth_report_joins_the_open_warning(app: Flask) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    for i, words in enumerate(SAME_VENUE):
        report(app, words, start + timedelta(days=i))
    sweep(app)
    fourth = report(app, "Otra vez el Bar La Estrella, ahora con niñas", start + timedelta(days=5))
    sweep(app)
    [(_kind, _country, refs)] = warnings(app)
    assert fourth in refs and len(refs) == 4


def assert_venue_nowhere_but_the_tickets(app: Flask, logs: str) -> None:
    assert VENUE not in logs.lower()
    own_text = {"ticket_message", "ticket", "ticket_submission"}
    with app.app_context(), app.extensions["database"].session() as session:
        for table in inspect(session.get_bind()).get_table_names():
            if table in own_text or table == "alembic_version":
                continue
            for row in session.execute(text(f"SELECT * FROM {table}")):
                assert VENUE not in " ".join(str(value) for value in row).lower(), table
        assert session.scalar(select(TicketDetail.digest).limit(1)) is not None
        assert session.scalar(select(DetailScan.ticket_id).limit(1)) is not None


def test_supervisor_page_links_tickets_the_reader_may_see(app: Flask, staff_client: FlaskClient) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    refs = [report(app, words, start + timedelta(days=i)) for i, words in enumerate(SAME_VENUE[:2])]
    honduras = report(app, SAME_VENUE[2], start + timedelta(days=2), country="HN")
    sweep(app)
    signed_in(app, staff_client, role="supervisor", countries=("GT",))
    page = staff_client.get("/early-warning/?lang=en").get_data(as_text=True)
    assert all(ref in page for ref in refs) and honduras not in page
    assert "1 in countries you do not cover" in page and VENUE not in page.lower()
    ticket = staff_client.get(f"/tickets/{refs[0]}?lang=en").get_data(as_text=True)
    assert "Linked by shared details" in ticket and refs[1] in ticket and honduras not in ticket


def test_operators_may_not_open_the_early_warning_page(app: Flask, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="operator", countries=("GT",))
    assert staff_client.get("/early-warning/").status_code == 403


