"""Gunicorn settings read from the project root: each worker builds its routing snapshot at boot."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """The first caller must not wait seconds for the directory snapshot and gazetteer to build."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("SURFACE") != "public":
        return
    from directory.snapshot import current_snapshot

    with app.app_context(), app.extensions["database"].session() as session:
        current_snapshot(session)
