"""Media jobs: fetch a photo or file a reporter sent by MMS or WhatsApp, sealed under its ticket's media key."""

from __future__ import annotations

from hotline import keystore
from hotline.db import utcnow
from hotline.jobs.runtime import job_app
from hotline.outbox import HandOffRefused, gateway
from hotline.reasons import system_reason
from hotline.tickets.models import TicketRecording
from hotline.tickets.service import SYSTEM, record_event

# Twilio keeps MMS media for a limited time; a larger file than this is left at the provider.
MAX_MEDIA_BYTES = 5 * 1024 * 1024


def fetch_media(recording_id: int) -> str:
    """Download one sent file with the provider's credentials and keep it encrypted; a no-op once
    fetched (the job may run twice, and the sweep may find it again). The job carries the row's id only."""
    app = job_app()
    with app.app_context(), app.extensions["database"].session() as session:
        recording = session.get(TicketRecording, recording_id)
        if recording is None or recording.content_type is None or recording.fetched_at is not None:
            return "nothing to do"
        try:
            data = gateway().download(recording.url)
        except HandOffRefused as refused:
            return f"not fetched: {refused}"
        if data is None or len(data) > MAX_MEDIA_BYTES:
            return "not fetched"
        recording.content_encrypted = keystore.seal_bytes(session, recording.ticket_id, keystore.MEDIA, data)
        recording.fetched_at = utcnow()
        ticket = recording.ticket_id
        from hotline.tickets.models import Ticket

        found = session.get(Ticket, ticket)
        if found is not None:
            record_event(session, found, "media_fetched", SYSTEM, reason=system_reason("media_fetched", size=len(data)))
        session.commit()
        return "fetched"
