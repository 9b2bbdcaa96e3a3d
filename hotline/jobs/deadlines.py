"""Deadline jobs: the check scheduled at each deadline, and the sweep that re-finds what a lost job missed."""

from __future__ import annotations

from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.referrals.escalation import apply_due_deadline, sweep


def check_deadline(referral_id: int) -> str:
    """At a referral's deadline: act if it is still due; a no-op when the referral has moved on."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return apply_due_deadline(session, referral_id, utcnow())


def sla_sweep() -> dict[str, int]:
    """Every referral past its deadline, whether or not its check job ever ran."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return sweep(session, utcnow())
