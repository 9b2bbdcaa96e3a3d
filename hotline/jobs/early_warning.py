"""Early warning on the job path: read new tickets' words for shared details, and raise warnings."""

from __future__ import annotations

from hotline.db import utcnow
from hotline.early_warning.service import scan_ticket, tickets_to_scan
from hotline.jobs.runtime import job_app


def early_warning_sweep() -> dict[str, int]:
    """Every recent ticket not yet read (or with a new message): one transaction each. Counts only, no text."""
    app = job_app()
    secret = app.config["SETTINGS"].phone_hash_key
    counts = {"tickets": 0, "details": 0, "warnings": 0}
    with app.app_context(), app.extensions["database"].session() as session:
        pending = tickets_to_scan(session, utcnow())
    for ticket_id in pending:
        with app.app_context(), app.extensions["database"].session() as session:
            found = scan_ticket(session, ticket_id, secret, utcnow())
            session.commit()
        counts["tickets"] += 1
        counts["details"] += found["details"]
        counts["warnings"] += found["warnings"]
    return counts
