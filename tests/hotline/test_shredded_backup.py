"""Crypto-shredding holds for backups: a dump taken before retention erased a narrative, restored beside
the current key store, holds ciphertext nothing can open, and every statistic it held."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from hotline import keystore
from hotline.accounts import StaffUser
from hotline.app import create_app
from hotline.db import utcnow
from hotline.jobs.retention import apply_retention
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage
from hotline.tickets.operations import close_ticket
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import post_report, run_jobs
from tests.pg import PostgresCluster

REPO = Path(__file__).resolve().parents[2]
BACKUP = [sys.executable, str(REPO / "scripts" / "backup.py")]
STORY = "Me tienen encerrada en un bar de Tapachula y me quitaron el pasaporte"
REPORT = {"channel": "api", "text": STORY, "location": {"country": "MX"}, "answers": {"minor_involved": True}}


def _coded(url: str) -> tuple[list[tuple[object, ...]], int]:
    """What statistics read: each ticket's coded fields, and how many events there are."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        tickets = connection.execute(
            select(
                Ticket.reference, Ticket.status, Ticket.incident_country, Ticket.risk_level, Ticket.case_type
            ).order_by(Ticket.id)
        ).all()
        events = connection.execute(select(func.count()).select_from(TicketEvent)).scalar_one()
    engine.dispose()
    return [tuple(row) for row in tickets], events


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_backup_from_before_the_erasure_cannot_read_the_narrative_but_keeps_the_statistics(
    postgres: PostgresCluster, tmp_path: Path, settings: Settings
) -> None:
    public = create_app(settings, surface="public")
    staff = create_app(settings, surface="staff")
    answer = post_report(public.test_client(), json=REPORT)
    assert answer.status_code == 201
    reference = answer.get_json()["reference"]
    run_jobs(public)
    email, password = make_user(public, role="supervisor", regional=True)
    with public.app_context(), public.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        close_ticket(session, ticket, "referred", "passed on", user)
        ticket_id = ticket.id
        # The key as it was: proof below that the old backup's rows are the real ciphertext.
        old_key = public.extensions["database"].keystore.keys({ticket_id}, keystore.NARRATIVE)[ticket_id]

    archive = tmp_path / "before-erasure.dump"
    subprocess.run([*BACKUP, "--database-url", settings.database_url, "dump", str(archive)], check=True)
    coded_at_backup = _coded(settings.database_url)

    with public.app_context(), public.extensions["database"].session() as session:
        erased = apply_retention(session, utcnow() + timedelta(days=800))  # a frozen moment past every period
    assert erased["narrative"] >= 1

    name = f"restored_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        postgres.url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    restored_url = postgres.url(name)
    subprocess.run([*BACKUP, "--database-url", restored_url, "restore", str(archive)], check=True)

    # Beside the current key store (the same instance folder), as a restore after a disaster would be.
    restored = create_app(settings.with_changes(database_url=restored_url), surface="staff")
    with restored.app_context(), restored.extensions["database"].session() as session:
        messages = session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all()
        assert messages and all(message.body_sealed not in ("", keystore.CLEARED) for message in messages)
        assert STORY in [old_key.decrypt(message.body_sealed.encode()).decode() for message in messages]
        assert {message.body for message in messages} == {keystore.ERASED}
    client = restored.test_client()
    sign_in(client, email, password)
    page = client.get(f"/tickets/{reference}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    # The retention wording in the reader's language (no retention event is in the old backup to say it).
    assert "Tapachula" not in shown
    assert "Borrado según la política de conservación" in shown or "Erased under the retention policy" in shown
    assert _coded(restored_url) == coded_at_backup
    for app in (public, staff, restored):
        app.extensions["database"].engine.dispose()
