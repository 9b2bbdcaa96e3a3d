"""Conversations on the phone, by SMS and in the web chat: where each run of the intake flow stands.

A conversation is keyed by what the provider gives us (a CallSid, a chat token, or for SMS the
keyed hash of the sender — never the number itself). Its turns make webhooks idempotent (one row
per MessageSid) and hold the web chat's transcript.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline import keystore
from hotline.db import Base, UTCDateTime, utcnow

CONVERSATION_CHANNELS = ("voice", "sms", "chat", "whatsapp")


class Conversation(Base):
    """One caller, texter or chatter going through the intake flow, then talking to a person."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    # Unique while it identifies a live conversation: the CallSid, the chat token, or for SMS the
    # sender's hash (renamed to "<hash>:<id>" on closing, so the next text starts afresh).
    provider_key: Mapped[str] = mapped_column(String(200), unique=True)
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_country: Mapped[str | None] = mapped_column(String(2))
    run: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the host keeps beside the run: the voice sub-menu for "where", the chosen country, the
    # recording, the turn counter that tells a retried webhook from a new answer.
    host: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # "flow" while the questions run, "waiting" for a person, "with_operator", "closed".
    state: Mapped[str] = mapped_column(String(16), default="flow", index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the caller began waiting for a person, and when an operator took the conversation: the
    # hotline's time to answer (statistics), and its abandoned contacts (waited, closed, never taken).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    turns: Mapped[list[ConversationTurn]] = relationship(order_by="ConversationTurn.id", cascade="all")


class ConversationTurn(Base):
    """One message in or out. For SMS and voice the body stays empty: the words go to the ticket."""

    __tablename__ = "conversation_turn"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    # The provider's id of an inbound message (MessageSid): a retried webhook finds its turn here.
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    author: Mapped[str] = mapped_column(String(64))  # "caller", "flow" or "staff:<id>"
    # The words, sealed under the conversation's transcript data key (hotline/keystore.py); read `body`.
    body_sealed: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # The words in clear ("" for none; keystore.ERASED once retention destroyed the transcript key).
    body = keystore.SealedText(keystore.TRANSCRIPT, owner="conversation_id")


keystore.seal_on_flush(ConversationTurn)
