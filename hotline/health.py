"""Health probes on both surfaces: `/healthz` (the process answers) and `/readyz` (it can do its work).

Ready means the database answers, it has every migration this code expects, and Redis answers. A
failed check names the part and the kind of fault only, never an error text (it may hold a URL with
a password in it).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.migrations import at_head

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks = {"database": _database(), "migrations": "not checked", "redis": _redis()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _database() -> str:
    try:
        with current_app.extensions["database"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as fault:
        return f"failed: {type(fault).__name__}"
    return "ok"


def _migrations() -> str:
    try:
        with current_app.extensions["database"].engine.connect() as connection:
            return "ok" if at_head(connection) else "behind: run `flask --app wsgi init-db`"
    except (SQLAlchemyError, OSError) as fault:
        return f"failed: {type(fault).__name__}"


def _redis() -> str:
    probe: Redis = current_app.extensions["redis_probe"]
    try:
        probe.ping()
    except (RedisError, OSError) as fault:
        return f"failed: {type(fault).__name__}"
    return "ok"
