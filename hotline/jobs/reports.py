"""The routing sweep: every report that was stored but not routed (a fault, a crash) is routed later."""

from __future__ import annotations

from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.reports import retry_routing


def routing_sweep() -> dict[str, int]:
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return retry_routing(session, utcnow())
