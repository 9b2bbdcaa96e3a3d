"""Deadline jobs: the check scheduled at each deadline, and the sweep that re-finds what a lost job missed."""

from __future__ import annotations

from datetime import timedelta

from hotline.db import utcnow
from hotline.jobs.queue import enqueue
from hotline.jobs.runtime import job_app
from hotline.referrals.escalation import apply_due_deadline, sweep
from hotline.referrals.models import Referral

# A check that the scheduler ran a moment early looks again at the deadline rather than leaving
# the referral to the next sweep; anything further off already has its own check scheduled.
EARLY_BY_AT_MOST = timedelta(minutes=1)


def check_deadline(referral_id: int) -> str:
    """At a referral's deadline: act if it is still due; a no-op when the referral has moved on."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        now = utcnow()
        done = apply_due_deadline(session, referral_id, now)
        referral = session.get(Referral, referral_id)
        due = referral.deadline_at if referral is not None and not referral.ended else None
        if done == "not due" and due is not None and due - now <= EARLY_BY_AT_MOST:
            enqueue("hotline.jobs.deadlines.check_deadline", referral_id, at=due + timedelta(milliseconds=200))
            return "early; checked again at the deadline"
        return done


def sla_sweep() -> dict[str, int]:
    """Every referral past its deadline, whether or not its check job ever ran."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return sweep(session, utcnow())
