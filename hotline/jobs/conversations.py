"""Conversation timers: the check at each question's deadline, and the sweep that re-finds lost ones."""

from __future__ import annotations

from hotline.conversations.service import quiet_conversations, went_quiet
from hotline.db import utcnow
from hotline.jobs.runtime import job_app


def conversation_timeout(conversation_id: int) -> str:
    """At a question's deadline: move on if the reporter has not answered; a no-op if they have."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        return went_quiet(session, app.config["SETTINGS"], conversation_id, utcnow())


def conversation_sweep() -> dict[str, int]:
    """Every conversation whose question waited too long, whatever happened to its scheduled check."""
    app = job_app()
    counts = {"quiet": 0, "moved": 0}
    with app.app_context(), app.extensions["database"].session() as session:
        now = utcnow()
        for conversation_id in quiet_conversations(session, now):
            counts["quiet"] += 1
            counts["moved"] += went_quiet(session, app.config["SETTINGS"], conversation_id, now) != "not due"
    return counts
