"""Agencies of the directory of key actors (the directory issue grows this into HSDS shape)."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.base import Base


class Agency(Base):
    """An institution that can receive referrals: a national body, a unit, a shelter, an NGO."""

    __tablename__ = "agency"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    regional_focal_point: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where notifications of new referrals go: an agency's duty desk, never a caller.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    notify_sms: Mapped[str | None] = mapped_column(String(20))
