"""Prometheus metrics: counted where work happens, state read at scrape, summed across RQ's forked jobs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import prometheus_client
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from hotline import metrics
from hotline.app import create_app
from hotline.outbox import OutboxMessage, OutboxStatus
from hotline.referrals.models import Referral
from hotline.settings import Settings
from tests.helpers import post_report, run_jobs

REPO = Path(__file__).resolve().parents[2]
STORY = "Mi prima Rosa Pérez está encerrada en un bar de Chinandega, llámenme al +505 8812 3456"
REPORT = {"channel": "api", "text": STORY, "caller_phone": "+505 8812 3456", "location": {"country": "NI"}}


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if metric.split("{")[0] == name and found == labels:
            return float(value)
    return 0.0


def scrape(client: FlaskClient, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def delivered(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(
            select(func.count()).where(OutboxMessage.status.in_(OutboxStatus.DELIVERED))
        ) or 0


def test_a_report_shows_in_the_counts_the_backlog_and_the_queue_until_delivered(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    before = scrape(staff_client)
    assert post_report(client, json=REPORT).status_code == 201

    during = scrape(staff_client)
    received = sample(during, "hotline_tickets_received_total", channel="api")
    assert received == sample(before, "hotline_tickets_received_total", channel="api") + 1
    with app.app_context(), app.extensions["database"].session() as session:
        referred = session.scalar(select(func.count()).select_from(Referral).where(Referral.status == "referred"))
    assert referred
    # The referrals intake opened count as moves to "referred", like every later move.
    moves = sample(during, "hotline_referral_transitions_total", to_state="referred")
    assert moves - sample(before, "hotline_referral_transitions_total", to_state="referred") == referred
    timed = sample(
        during,
        "hotline_http_request_duration_seconds_count",
        surface="public",
        endpoint="api.create_report",
        method="POST",
        status="201",
    )
    assert timed >= 1
    pending = sample(during, "hotline_outbox_undelivered", status="pending")
    assert pending >= 1
    assert sample(during, "hotline_job_queue_depth", state="queued") >= pending
    assert sample(during, "hotline_referrals_awaiting_ack", deadline="due") >= 1
    assert sample(during, "hotline_referrals_awaiting_ack", deadline="breached") == 0
    assert sample(during, "hotline_state_scrape_ok") == 1

    run_jobs(app)
    after = scrape(staff_client)
    assert sample(after, "hotline_outbox_undelivered", status="pending") == 0
    assert sample(after, "hotline_job_queue_depth", state="queued") == 0
    deliveries = sample(after, "hotline_outbox_delivery_seconds_count", channel="sms") + sample(
        after, "hotline_outbox_delivery_seconds_count", channel="email"
    )
    earlier = sample(before, "hotline_outbox_delivery_seconds_count", channel="sms") + sample(
        before, "hotline_outbox_delivery_seconds_count", channel="email"
    )
    assert deliveries - earlier == delivered(app) == pending
    # What the reporter said, their number and their name never reach a label or a value.
    for text in (during, after):
        # (The number as digits: a sample's float may contain "8812" by chance.)
        assert "Rosa" not in text and "88123456" not in text and "8812 3456" not in text and "Chinandega" not in text


def test_metrics_live_on_the_staff_surface_only(app: Flask) -> None:
    assert app.test_client().get("/metrics").status_code == 404


def test_production_serves_metrics_only_to_the_token_holder(settings: Settings) -> None:
    production = settings.with_changes(env="production", metrics_token="scrape-token-123")
    client = create_app(production, surface="staff").test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert "hotline_job_queue_depth" in scrape(client, "scrape-token-123")

    without = create_app(settings.with_changes(env="production"), surface="staff").test_client()
    assert without.get("/metrics").status_code == 404


def test_every_metric_has_labels_so_no_sample_exists_before_a_fork() -> None:
    kept = [value for value in vars(metrics).values() if isinstance(value, prometheus_client.metrics.MetricWrapperBase)]
    assert kept
    for metric in kept:
        assert metric._labelnames, f"{metric._name} has no labels"


def test_rq_work_horses_write_under_their_worker_and_the_sum_counts_every_delivery(
    app: Flask, client: FlaskClient, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    assert post_report(client, json=REPORT).status_code == 201
    assert post_report(client, json={**REPORT, "text": "otra víctima en Chinandega"}).status_code == 201
    with app.app_context(), app.extensions["database"].session() as session:
        queued = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    assert queued >= 2

    env = {
        **os.environ,
        "HOTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": str(settings.redis_url),
        "PHONE_ENCRYPTION_KEY": settings.phone_encryption_key.decode(),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "PYTHONPATH": str(REPO),
    }
    # The real forking worker: every job runs in a child process of its own.
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=REPO, env=env, check=True, capture_output=True, timeout=120,
    )
    assert delivered(app) == queued
    files = sorted(path.name for path in folder.iterdir())
    assert files and all(re.fullmatch(r"(counter|histogram)_rq-.+-\d+\.db", name) for name in files), files
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    counted = sum(
        sample.value
        for family in registry.collect()
        if family.name == "hotline_outbox_delivery_seconds"
        for sample in family.samples
        if sample.name.endswith("_count")
    )
    assert counted == queued
