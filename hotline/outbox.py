"""The outbox: every SMS and email the system sends, recorded before it leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One outbound message to an agency contact. Carries a reference and a link, never a story."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" or "email"
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # "recorded" (not sent: development and tests), "sent", or "failed".
    status: Mapped[str] = mapped_column(String(12))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Outbound(Protocol):
    """What the core needs from the outbound edge (implemented in `channels/outbound.py`)."""

    def send_sms(self, session: Session, to: str, body: str, *, referral_id: int | None = None) -> OutboxMessage: ...

    def send_email(
        self, session: Session, to: str, subject: str, body: str, *, referral_id: int | None = None
    ) -> OutboxMessage: ...


def outbound() -> Outbound:
    return current_app.extensions["outbound"]
