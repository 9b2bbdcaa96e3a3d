"""The people in a case: a case can concern one person or seventy, each counted in the statistics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow

SEXES = ("female", "male", "other", "unknown")
# The age bands of the regional reports (minors apart, as SDG 16.2.2 asks).
AGE_BANDS = ("0-11", "12-17", "18-29", "30-49", "50+", "unknown")
WISHES = ("return", "stay", "resettle", "undecided", "unknown")
# Forms of exploitation, after the regional strategy's taxonomy.
EXPLOITATION_FORMS = (
    "sexual",
    "labour",
    "domestic_servitude",
    "forced_begging",
    "forced_criminality",
    "forced_marriage",
    "organ_removal",
    "illegal_adoption",
    "other",
    "unknown",
)


class CasePerson(Base):
    """One person concerned by a ticket (a victim or possible victim), described without a name."""

    __tablename__ = "case_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    age_band: Mapped[str] = mapped_column(String(8), default="unknown")
    nationality: Mapped[str | None] = mapped_column(String(2))
    # "minor", "migrant", "indigenous", ... as in routing's vulnerability groups.
    vulnerability: Mapped[str | None] = mapped_column(String(200))
    exploitation: Mapped[str] = mapped_column(String(24), default="unknown")
    wish: Mapped[str] = mapped_column(String(12), default="unknown")
    # Set by the agency's act of identification, never by the hotline.
    identified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
