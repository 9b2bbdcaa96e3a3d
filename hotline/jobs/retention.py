"""Retention: caller numbers are erased when their callback window closes, and the erasure is recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.tickets.models import Ticket
from hotline.tickets.service import SYSTEM, record_event


def expire_callback_numbers() -> int:
    """Erase every encrypted caller number past its window; return how many were erased."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return erase_expired_numbers(session)


def erase_expired_numbers(session: Session) -> int:
    now = utcnow()
    expired = session.scalars(
        select(Ticket).where(Ticket.caller_phone_encrypted.is_not(None), Ticket.caller_phone_expires_at <= now)
    ).all()
    for ticket in expired:
        ticket.caller_phone_encrypted = None
        record_event(session, ticket, "caller_number_erased", SYSTEM, reason="retention: callback window closed")
    return len(expired)
