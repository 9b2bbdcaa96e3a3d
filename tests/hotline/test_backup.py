"""The restore drill: back up a working database, restore it into a fresh cluster, and find every row."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from hotline.app import create_app
from hotline.privacy import decrypt_phone
from hotline.settings import Settings
from hotline.tickets.models import Ticket
from tests.helpers import post_report, run_jobs
from tests.pg import PostgresCluster

REPO = Path(__file__).resolve().parents[2]
BACKUP = [sys.executable, str(REPO / "scripts" / "backup.py")]
REPORTS = [
    {"channel": "api", "text": "trabajan sin pago en una finca", "location": {"country": "PA"}},
    {
        "channel": "api",
        "text": "una niña encerrada en un bar",
        "caller_phone": "+505 8812 3456",
        "answers": {"minor_involved": True},
        "location": {"country": "NI"},
    },
    {"channel": "web", "text": "nos quitaron los pasaportes", "location": {"country": "GT", "region": "GT-09"}},
]


@pytest.fixture
def fresh_cluster() -> Iterator[PostgresCluster]:
    root = Path(tempfile.mkdtemp(prefix="hlrs-"))
    root.chmod(0o755)
    cluster = PostgresCluster(root)
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


def fingerprint(url: str) -> dict[str, list[object]]:
    done = subprocess.run([*BACKUP, "--database-url", url, "fingerprint"], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_backup_restored_into_a_fresh_cluster_has_every_row_and_serves(
    fresh_cluster: PostgresCluster, tmp_path: Path, settings: Settings
) -> None:
    public = create_app(settings, surface="public")
    client = public.test_client()
    references = []
    for report in REPORTS:
        answer = post_report(client, json=report)
        assert answer.status_code == 201
        references.append(answer.get_json()["reference"])
    run_jobs(public)
    before = fingerprint(settings.database_url)
    assert before["ticket"][0] == len(REPORTS) and before["ticket_event"][0] > len(REPORTS)
    assert before["outbox_message"][0] > 0 and before["referral"][0] > 0

    archive = tmp_path / "hotline.dump"
    subprocess.run([*BACKUP, "--database-url", settings.database_url, "dump", str(archive)], check=True)
    assert archive.stat().st_mode & 0o077 == 0
    # Work done after the backup is what a restore loses; it must not leak into the archive.
    assert post_report(client, json=REPORTS[0]).status_code == 201

    admin = create_engine(
        fresh_cluster.url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE hotline"))
    admin.dispose()
    restored_url = fresh_cluster.url("hotline")
    subprocess.run([*BACKUP, "--database-url", restored_url, "restore", str(archive)], check=True)

    assert fingerprint(restored_url) == before
    restored = create_app(settings.with_changes(database_url=restored_url), surface="staff")
    ready = restored.test_client().get("/readyz")
    assert ready.get_json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
    with restored.app_context(), restored.extensions["database"].session() as session:
        tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [ticket.reference for ticket in tickets] == references
        numbers = [ticket.caller_phone_encrypted for ticket in tickets if ticket.caller_phone_encrypted]
        assert [decrypt_phone(token, settings.phone_encryption_key) for token in numbers] == ["+50588123456"]
    restored.extensions["database"].engine.dispose()


def test_restore_refuses_a_target_that_is_not_postgresql(tmp_path: Path) -> None:
    done = subprocess.run(
        [*BACKUP, "--database-url", f"sqlite:///{tmp_path}/x.sqlite3", "restore", str(tmp_path / "none.dump")],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert done.returncode != 0 and "PostgreSQL" in done.stderr
