"""Whether a number has reached us as a reporter's, known from the keyed hashes alone (no number is kept)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from hotline.conversations.models import Conversation
from hotline.privacy import InvalidPhone, caller_hash, normalise_phone
from hotline.settings import Settings
from hotline.tickets.models import Ticket


def seen_as_reporter(session: Session, settings: Settings) -> Callable[[str], bool]:
    """A check for directory edits: has this number texted, called or been given as a reporter's?"""

    def check(raw: str) -> bool:
        try:
            digest = caller_hash(normalise_phone(raw), settings.phone_hash_key)
        except InvalidPhone:
            return False
        return bool(
            session.scalar(
                select(
                    or_(
                        exists().where(Ticket.caller_hash == digest),
                        exists().where(Conversation.caller_hash == digest),
                    )
                )
            )
        )

    return check
