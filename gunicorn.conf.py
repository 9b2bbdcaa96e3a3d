"""Gunicorn settings read from the project root: the routing snapshot is built once, before workers fork.

The first caller must not wait seconds for the directory snapshot and gazetteer to build. The
master loads the app (preload) and builds the snapshot; workers inherit it when they fork. The
database connections the master used are dropped first, so no worker shares the master's socket.
Then everything start-up built is frozen out of the garbage collector's full collections.
"""

from __future__ import annotations

import os
from typing import Any

preload_app = True
# Longer than the staff console's poll (a few seconds): with gunicorn's 2 s default a client reusing
# its idle connection races the server closing it, and the poll fails with a reset.
keepalive = 5
# The access log never records a one-time acknowledge token (`/ack/<token>`) in full.
logger_class = "hotline.access_log.ScrubbingLogger"


def _warm(app: Any) -> None:
    if getattr(app, "config", {}).get("SURFACE") != "public":
        return
    from hotline.app import warm_snapshot

    warm_snapshot(app)
    app.extensions["database"].engine.dispose()


def when_ready(server: Any) -> None:
    from hotline.app import freeze_startup_objects

    _warm(server.app.wsgi())
    # Before the workers fork: what start-up built lives as long as they do (hotline/app.py).
    freeze_startup_objects()


def post_worker_init(worker: Any) -> None:
    # Without preload (a `--no-preload` run), each worker builds its own at boot instead.
    from hotline.app import freeze_startup_objects

    _warm(worker.wsgi)
    freeze_startup_objects()


def child_exit(server: Any, worker: Any) -> None:
    # A dead worker's live gauges go; its counters and histograms stay in the sum (prometheus-client).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
