"""What early warning keeps: each ticket's details as keyed hashes, and the warnings that link tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class TicketDetail(Base):
    """One detail a ticket's reporter named (a venue, a phone number ...): its kind and a keyed hash, never the text."""

    __tablename__ = "ticket_detail"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "digest", name="uq_ticket_detail_ticket_id_kind_digest"),
        Index("ix_ticket_detail_kind_digest", "kind", "digest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))
    # The ticket's creation time, copied: matching looks for other tickets within a window of it.
    ticket_created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DetailScan(Base):
    """When a ticket's words were last read for details (a later message is read again by the sweep)."""

    __tablename__ = "detail_scan"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EarlyWarning(Base):
    """Tickets that name the same detail within the window: one open warning per detail."""

    __tablename__ = "early_warning"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    # The incident country of the ticket that crossed the threshold: whose response unit is told.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)  # "open" or "seen"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_by: Mapped[str | None] = mapped_column(String(80))


class EarlyWarningTicket(Base):
    """A ticket linked by a warning."""

    __tablename__ = "early_warning_ticket"

    warning_id: Mapped[int] = mapped_column(ForeignKey("early_warning.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True, index=True)
