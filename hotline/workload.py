"""What waits for a staff member, counted for the navigation: one query per count, scoped by hotline.access."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.access import visible_chats, visible_referrals, visible_tickets
from hotline.accounts import StaffUser
from hotline.conversations.inbox import INBOX_CHANNELS
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.conversations.service import State
from hotline.referrals.models import Referral, ReferralStatus
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage, TicketStatus
from hotline.tickets.operations import ASSIGN_KINDS

# A ticket waits in the queue until someone claims it or is assigned it, unless it needs no one.
SETTLED = (TicketStatus.CLOSED, TicketStatus.LOGGED)
AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)
ABOUT_TO_BREACH = timedelta(minutes=30)


@dataclass(frozen=True)
class Workload:
    queue: int = 0  # open tickets nobody has claimed or been assigned
    inbox: int = 0  # written conversations whose reporter waits for an answer
    chats: int = 0  # live chats waiting for an operator to join
    deadlines: int = 0  # referrals breached or about to breach their acknowledgement deadline
    referrals: int = 0  # an agency's referrals waiting for its acknowledgement


def workload(session: Session, user: StaffUser, languages: Collection[str], now: datetime) -> Workload:
    """The counts the navigation shows this user; an agency user gets only its referrals."""
    if user.role == "agency":
        return Workload(referrals=_awaiting_ack(session, user))
    taken = select(TicketEvent.id).where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind.in_(ASSIGN_KINDS))
    queue = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.status.not_in(SETTLED), ~taken.correlate(Ticket).exists(), visible_tickets(user)
        )
    )
    deadlines = 0
    if user.role in ("supervisor", "admin"):
        deadlines = (
            session.scalar(
                select(func.count(Referral.id)).where(
                    Referral.status.in_(AWAITING_ACK),
                    or_(Referral.status == ReferralStatus.ESCALATED, Referral.ack_due_at <= now + ABOUT_TO_BREACH),
                    visible_referrals(user),
                )
            )
            or 0
        )
    return Workload(
        queue=queue or 0,
        inbox=_inbox(session, user, languages),
        chats=_chats_waiting(session, user, languages),
        deadlines=deadlines,
    )


def _inbox(session: Session, user: StaffUser, languages: Collection[str]) -> int:
    """As hotline.conversations.inbox.waiting counts them: waiting for a person, or written to since a
    member of staff last answered."""
    last_in = (
        select(func.max(ConversationTurn.at))
        .where(ConversationTurn.conversation_id == Conversation.id, ConversationTurn.direction == "in")
        .correlate(Conversation)
        .scalar_subquery()
    )
    last_answer = (
        select(func.max(TicketMessage.created_at))
        .where(
            TicketMessage.ticket_id == Ticket.id,
            TicketMessage.direction == "out",
            TicketMessage.author.like("staff:%"),
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    unanswered = last_in.is_not(None) & (last_answer.is_(None) | (last_in > last_answer))
    count = session.scalar(
        select(func.count(Conversation.id))
        .join(Ticket, Ticket.id == Conversation.ticket_id)
        .where(
            Conversation.channel.in_(INBOX_CHANNELS),
            Conversation.state.in_((State.OPEN, State.WAITING, State.WITH_OPERATOR)),
            or_(Conversation.state == State.WAITING, unanswered),
            visible_chats(user, languages, Ticket.incident_country),
        )
    )
    return count or 0


def _chats_waiting(session: Session, user: StaffUser, languages: Collection[str]) -> int:
    count = session.scalar(
        select(func.count(Conversation.id))
        .outerjoin(Ticket, Ticket.id == Conversation.ticket_id)
        .where(
            Conversation.channel == "chat",
            Conversation.state == State.WAITING,
            visible_chats(user, languages, Ticket.incident_country),
        )
    )
    return count or 0


def _awaiting_ack(session: Session, user: StaffUser) -> int:
    count = session.scalar(
        select(func.count(Referral.id)).where(Referral.status.in_(AWAITING_ACK), visible_referrals(user))
    )
    return count or 0
