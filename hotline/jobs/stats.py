"""The statistics rollups on the job path: past months built, stale ones rebuilt (hotline.stats.rollup)."""

from __future__ import annotations

from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.stats.rollup import refresh


def stats_refresh() -> dict[str, int]:
    """Build the rollups of past months not built yet, and rebuild the stale ones. Counts only."""
    app = job_app()
    with app.app_context():
        return refresh(app.extensions["database"].session, utcnow())
