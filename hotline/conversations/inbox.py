"""The inbox: written conversations (SMS, WhatsApp, web chat) whose reporter waits for a person.

A conversation waits when the reporter has written since an operator last wrote back; the ones most
at risk come first, then the longest waiting. Who sees which is the one access policy's
(`hotline.access.may_see_chat`): the operator's languages and countries.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.access import may_see_chat
from hotline.accounts import StaffUser
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.conversations.service import State
from hotline.tickets.models import Ticket, TicketMessage

INBOX_CHANNELS = ("sms", "whatsapp", "chat")
RISK_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class Waiting:
    conversation: Conversation
    ticket: Ticket
    unread: int  # messages from the reporter since an operator last wrote
    since: datetime  # the reporter's first message not yet answered
    earlier_contacts: int  # other tickets from the same number (by its keyed hash)


def waiting(session: Session, user: StaffUser, languages: Collection[str]) -> list[Waiting]:
    """The conversations waiting for a person that this user may take, most urgent first."""
    rows = session.execute(
        select(Conversation, Ticket)
        .join(Ticket, Ticket.id == Conversation.ticket_id)
        .where(
            Conversation.channel.in_(INBOX_CHANNELS),
            Conversation.state.in_((State.OPEN, State.WAITING, State.WITH_OPERATOR)),
        )
    ).all()
    found = []
    for conversation, ticket in rows:
        if not may_see_chat(user, conversation.language, ticket.incident_country, languages):
            continue
        answered = session.scalar(
            select(func.max(TicketMessage.created_at)).where(
                TicketMessage.ticket_id == ticket.id,
                TicketMessage.direction == "out",
                TicketMessage.author.like("staff:%"),
            )
        )
        inbound = select(ConversationTurn.at).where(
            ConversationTurn.conversation_id == conversation.id, ConversationTurn.direction == "in"
        )
        if answered is not None:
            inbound = inbound.where(ConversationTurn.at > answered)
        unanswered = list(session.scalars(inbound.order_by(ConversationTurn.at)))
        if not unanswered and conversation.state != State.WAITING:
            continue
        earlier: int | None = 0
        if ticket.caller_hash:
            earlier = session.scalar(
                select(func.count(Ticket.id)).where(Ticket.caller_hash == ticket.caller_hash, Ticket.id != ticket.id)
            )
        since = unanswered[0] if unanswered else conversation.updated_at
        found.append(Waiting(conversation, ticket, len(unanswered), since, int(earlier or 0)))
    return sorted(found, key=lambda w: (RISK_ORDER.get(w.ticket.risk_level, 9), w.since))


def inbox_counts(user: StaffUser, session: Session | None = None) -> dict[str, int]:
    """What the navigation shows beside "Inbox": conversations waiting for this user, and the
    reporters' messages in them nobody has answered yet (the request's session unless given)."""
    from hotline.conversations.prompts import LANGUAGES
    from hotline.db import db_session

    session = session or db_session()

    rows = waiting(session, user, list(getattr(user, "languages", None) or LANGUAGES))
    return {"waiting": len(rows), "unread": sum(row.unread for row in rows)}
