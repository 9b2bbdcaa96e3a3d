"""The RQ courier: queues on the app's Redis. Jobs take ids only, never a number or a story.

Services queue jobs with `enqueue_after_commit`: a job runs only for a change that was stored, so a
worker never looks for a row that a rolled-back transaction took away.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUE_NAME = "hotline"
PENDING = "hotline_jobs"


def init_app(app: Flask, redis_url: str) -> None:
    # Bounded waits: a Redis that hangs must not hang a reporter's request (Redis only wakes things up).
    app.extensions["redis"] = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
    app.extensions["redis_url"] = redis_url
    # For the readiness probe: one quick try, so a hung Redis makes /readyz say so instead of hang.
    app.extensions["redis_probe"] = Redis.from_url(
        redis_url, socket_timeout=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )


def worker_connection() -> Redis:
    """For the RQ worker and scheduler, whose blocking reads wait longer than a request may."""
    return Redis.from_url(current_app.extensions["redis_url"])


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def job_queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection())


def enqueue(function: str, *ids: int, at: datetime | None = None) -> None:
    """Queue `function(*ids)`, now or at `at`. A lost job is not a lost case: the sweep re-finds it."""
    if not all(isinstance(value, int) for value in ids):
        raise TypeError("jobs take database ids only")
    options = {"job_timeout": 60, "result_ttl": 3600, "failure_ttl": 7 * 24 * 3600}
    try:
        if at is None:
            job_queue().enqueue(function, *ids, **options)  # type: ignore[arg-type]
        else:
            job_queue().enqueue_at(at, function, *ids, **options)
    except (OSError, RedisError):
        log.exception("could not queue %s for ids %s; the sweep will pick it up", function, ids)


def enqueue_after_commit(session: Session, function: str, *ids: int, at: datetime | None = None) -> None:
    session.info.setdefault(PENDING, []).append((function, ids, at))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for function, ids, at in session.info.pop(PENDING, []):
        enqueue(function, *ids, at=at)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
