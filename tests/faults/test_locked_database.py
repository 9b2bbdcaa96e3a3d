"""A locked database: the reporter is told to send again, in their language, and nothing half-made stays;
once the lock is gone the same report goes through and is routed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline.app import create_app
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketStatus
from tests.helpers import api_headers, csrf_token, post_report

REPORT = {"channel": "api", "text": "la tienen encerrada en una casa", "location": {"country": "HN"}}


@contextmanager
def locked(url: str) -> Iterator[None]:
    """Another process holds the write lock (as a long migration or a stuck writer would)."""
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# A whole-database write lock is SQLite's; on PostgreSQL writers wait on rows (the racing tests).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def impatient(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings.with_changes(sqlite_busy_seconds=0.5), surface="public")
    yield app
    app.extensions["database"].engine.dispose()


def tickets(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_the_api_answers_503_with_a_retry_and_the_same_key_goes_through_after(impatient: Flask) -> None:
    client = impatient.test_client()
    url = impatient.config["SETTINGS"].database_url
    headers = {"Idempotency-Key": "locked-db-0001", "Accept-Language": "es"}
    api_headers(impatient)  # the partner's key exists before the lock
    with locked(url):
        busy = post_report(client, json=REPORT, headers=headers)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "30"
    assert busy.get_json()["message"].startswith("No pudimos guardar su reporte")
    assert tickets(impatient) == 0
    done = post_report(client, json=REPORT, headers=headers)
    # Stored and routed now: proposals for review, or the responder alerted at once.
    assert done.status_code == 201 and done.get_json()["status"] == "received"
    with impatient.app_context(), impatient.extensions["database"].session() as session:
        status = session.scalar(select(Ticket.status).where(Ticket.reference == done.get_json()["reference"]))
    assert status in (TicketStatus.TRIAGED, TicketStatus.REFERRED)


def test_the_form_comes_back_with_every_word_and_a_message_in_the_reporters_language(impatient: Flask) -> None:
    client = impatient.test_client()
    url = impatient.config["SETTINGS"].database_url
    token = csrf_token(client, "/report?lang=fr")
    words = "Ils gardent ma soeur enfermée dans une maison à Tegucigalpa"
    with locked(url):
        page = client.post("/report", data={"text": words, "csrf_token": token, "country": "HN"})
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert words in html and "Nous n&#39;avons pas pu enregistrer" in html
    assert tickets(impatient) == 0
