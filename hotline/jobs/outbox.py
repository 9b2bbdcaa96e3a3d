"""Outbox jobs: deliver one message when woken, and the sweep that delivers what a lost wake-up left."""

from __future__ import annotations

from datetime import timedelta

# The agency notice registers what its delivery settles on the referral.
import hotline.referrals.notices  # noqa: F401
from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.outbox import deliver, gateway, sweep_outbox


def deliver_message(message_id: int) -> str:
    """Hand one outbox row to the gateway; a no-op when it is already delivered or claimed."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return deliver(session, message_id, gateway(), utcnow()).outcome


def outbox_sweep() -> dict[str, int]:
    """Every message still undelivered: after Redis, a worker or the provider comes back."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        lease = timedelta(seconds=app.config["SETTINGS"].outbox_lease_seconds)
        return sweep_outbox(session, gateway(), utcnow(), lease=lease)
