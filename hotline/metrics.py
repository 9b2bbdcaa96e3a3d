"""Prometheus metrics: what the processes count as they work, and what the database says at each scrape.

Counters and histograms are kept by the process that sees the event (a web worker times a request,
an RQ job times a delivery). Under gunicorn and RQ there are many such processes: with
`PROMETHEUS_MULTIPROC_DIR` set, each writes its samples to a file there (prometheus-client's
multiprocess mode) and `/metrics` adds them up. An RQ worker forks a fresh "work horse" per job; the
horses of one worker write under the worker's name, not their own pid, so the folder holds one file
per worker instead of one per job (a worker runs one horse at a time, so two never write at once).
Names carry the host name, so containers sharing the folder never write to one file.
That is safe only while no sample exists before the fork: every metric here has labels, so none is
created at import. Gauges of state (outbox backlog, referrals awaiting acknowledgement, queue depth)
are read from the database and Redis at each scrape, so every process and host agrees on them.

No label carries a phone number, a name, a narrative or a reference: only channels, endpoints,
states and timer names, all from closed lists.
"""

from __future__ import annotations

import hmac
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.db import utcnow

_process_name: str | None = None


def _process_identifier() -> str:
    # The host name too: containers of one compose project may share the folder, and each numbers
    # its processes from 1.
    return _process_name or f"{socket.gethostname()}-{os.getpid()}"


def name_process(name: str) -> None:
    """Write this process's samples, and those of every child it forks, under `name` (see above)."""
    global _process_name
    _process_name = name


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

REQUEST_SECONDS = Histogram(
    "hotline_http_request_duration_seconds",
    "Time to answer a request, by surface, endpoint, method and status.",
    ["surface", "endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
TICKETS_RECEIVED = Counter("hotline_tickets_received_total", "New tickets stored, by channel.", ["channel"])
REFERRAL_MOVES = Counter(
    "hotline_referral_transitions_total",
    "Referral flowchart moves, by the state reached (acknowledged, escalated, ...).",
    ["to_state"],
)
DELIVERY_SECONDS = Histogram(
    "hotline_outbox_delivery_seconds",
    "From a notice's outbox row being written to its hand-off to the provider, by channel.",
    ["channel"],
    buckets=LAG_BUCKETS,
)
ESCALATION_LAG_SECONDS = Histogram(
    "hotline_deadline_lag_seconds",
    "From a referral's deadline passing to the system acting on it, by timer.",
    ["timer"],
    buckets=LAG_BUCKETS,
)


PENDING = "hotline_metrics"


def after_commit(session: Session, record: Callable[[], None]) -> None:
    """Count something only once the change it counts is stored."""
    session.info.setdefault(PENDING, []).append(record)


@event.listens_for(Session, "after_commit")
def _record_pending(session: Session) -> None:
    for record in session.info.pop(PENDING, []):
        record()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


def ticket_received(channel: str) -> None:
    TICKETS_RECEIVED.labels(channel=channel).inc()


def referral_moved(to_state: str) -> None:
    REFERRAL_MOVES.labels(to_state=to_state).inc()


def notice_delivered(channel: str, written_at: datetime, handed_off_at: datetime) -> None:
    DELIVERY_SECONDS.labels(channel=channel).observe(max(0.0, (handed_off_at - written_at).total_seconds()))


def deadline_acted_on(timer: str, deadline_at: datetime, acted_at: datetime) -> None:
    ESCALATION_LAG_SECONDS.labels(timer=timer).observe(max(0.0, (acted_at - deadline_at).total_seconds()))


class StateCollector(Collector):
    """Gauges read at scrape time from the database and Redis: the same answer from every process."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from hotline.jobs.queue import job_queue
        from hotline.outbox import OutboxMessage, OutboxStatus
        from hotline.referrals.models import Referral, ReferralStatus
        from hotline.tickets.models import Ticket, TicketStatus

        now = utcnow()
        up = GaugeMetricFamily("hotline_state_scrape_ok", "1 when the database and Redis answered this scrape.")
        ok = 1.0
        try:
            with self.app.extensions["database"].session() as session:
                backlog = dict(
                    session.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.status.not_in(OutboxStatus.DELIVERED))
                        .group_by(OutboxMessage.status)
                    ).all()
                )
                oldest = session.scalar(
                    select(func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.status.in_((*OutboxStatus.CLAIMABLE, OutboxStatus.SENDING))
                    )
                )
                awaiting = select(func.count()).where(Referral.status == ReferralStatus.REFERRED)
                on_time = session.scalar(awaiting.where(Referral.ack_due_at > now)) or 0
                breached = session.scalar(awaiting.where(Referral.ack_due_at <= now)) or 0
                overdue = session.scalar(
                    select(func.count()).where(
                        Referral.deadline_at <= now, Referral.status.not_in(ReferralStatus.ENDED)
                    )
                )
                triage = session.scalar(select(func.count()).where(Ticket.status == TicketStatus.NEEDS_TRIAGE))
        except (SQLAlchemyError, OSError):
            ok = 0.0
        else:
            outbox = GaugeMetricFamily(
                "hotline_outbox_undelivered", "Outbox rows not yet delivered, by status.", labels=["status"]
            )
            for status in (
                *OutboxStatus.CLAIMABLE,
                OutboxStatus.SENDING,
                OutboxStatus.UNCERTAIN,
                OutboxStatus.FAILED,
                OutboxStatus.WITHHELD,
            ):
                outbox.add_metric([status], backlog.get(status, 0))
            yield outbox
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            yield GaugeMetricFamily(
                "hotline_outbox_oldest_undelivered_seconds", "Age of the oldest notice still to hand off.", value=age
            )
            ack = GaugeMetricFamily(
                "hotline_referrals_awaiting_ack",
                "Referrals sent and not yet acknowledged: within their deadline, or past it.",
                labels=["deadline"],
            )
            ack.add_metric(["due"], on_time)
            ack.add_metric(["breached"], breached)
            yield ack
            yield GaugeMetricFamily(
                "hotline_referral_deadlines_unhandled",
                "Referral deadlines passed and not yet acted on (above 0 for long: no worker or scheduler).",
                value=overdue or 0,
            )
            yield GaugeMetricFamily(
                "hotline_tickets_needing_triage",
                "Tickets routing could not place, waiting for an operator.",
                value=triage or 0,
            )
        try:
            with self.app.app_context():
                queue = job_queue()
                depth = GaugeMetricFamily("hotline_job_queue_depth", "RQ jobs, by where they wait.", labels=["state"])
                depth.add_metric(["queued"], queue.count)
                depth.add_metric(["scheduled"], ScheduledJobRegistry(queue=queue).count)
                depth.add_metric(["started"], StartedJobRegistry(queue=queue).count)
                depth.add_metric(["failed"], FailedJobRegistry(queue=queue).count)
                yield depth
        except (RedisError, OSError):
            ok = 0.0
        up.add_metric([], ok)
        yield up


class _ThisProcess(Collector):
    """This process's own samples, when there is no multiprocess folder (development, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(app: Flask) -> bytes:
    """Every metric, in Prometheus's text format."""
    registry = CollectorRegistry()
    folder = app.config["SETTINGS"].metrics_dir
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector(app))
    return generate_latest(registry)


def init_app(app: Flask) -> None:
    """Time every request; on the staff surface, serve `/metrics` to a scraper holding the token."""
    surface = app.config["SURFACE"]

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            REQUEST_SECONDS.labels(
                surface=surface,
                endpoint=request.endpoint or "unmatched",
                method=request.method,
                status=str(response.status_code),
            ).observe(time.perf_counter() - started)
        return response

    if surface == "staff":
        app.add_url_rule("/metrics", "metrics", _metrics)


def _metrics() -> Response:
    settings = current_app.config["SETTINGS"]
    token = settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(403)
    elif settings.is_production:
        # Without a token, production does not serve metrics at all.
        abort(404)
    return Response(exposition(current_app), mimetype=CONTENT_TYPE_LATEST)
