"""The RQ courier: queues on the app's Redis. Jobs take ids only, never a number or a story."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from redis import Redis
from rq import Queue

log = logging.getLogger(__name__)

QUEUE_NAME = "hotline"


def init_app(app: Flask, redis_url: str) -> None:
    app.extensions["redis"] = Redis.from_url(redis_url)


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def job_queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection())


def enqueue(function: str, *ids: int) -> None:
    """Queue `function(*ids)`. A lost job is not a lost case: the sweep re-finds what it missed."""
    if not all(isinstance(value, int) for value in ids):
        raise TypeError("jobs take database ids only")
    try:
        job_queue().enqueue(function, *ids, job_timeout=60, result_ttl=3600, failure_ttl=7 * 24 * 3600)
    except OSError:
        log.exception("could not queue %s for ids %s; the sweep will pick it up", function, ids)
