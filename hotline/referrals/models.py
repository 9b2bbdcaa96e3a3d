"""A referral: one ticket handed to one agency, with its deadline to acknowledge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Agency
from hotline.db import Base, UTCDateTime, utcnow
from hotline.tickets.models import Ticket


class ReferralStatus:
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="primary")
    status: Mapped[str] = mapped_column(String(16), default=ReferralStatus.SENT, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))

    ticket: Mapped[Ticket] = relationship()
    agency: Mapped[Agency] = relationship()
