"""The directory of key actors, shaped after Open Referral HSDS 3.x, with our referral extensions.

HSDS `organization` is our Agency, with its `service`s, `phone`s and `contact`s. Lists that routing
reads whole (service areas, languages, hours) are JSON columns: the snapshot is built in memory,
so no query ever filters on them. Every record carries its provenance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.base import Base, UTCDateTime, utcnow
from routing.snapshot import AGENCY_KINDS, TRI_STATE

__all__ = ["AGENCY_KINDS", "TRI_STATE"]

REFERRAL_CHANNELS = ("portal", "email", "sms", "webhook")
RISK_LEVELS = ("critical", "high", "medium", "low")
FEATURES = ("free", "anonymous", "always_open", "multilingual", "tty", "chat", "text")
PHONE_TYPES = ("voice", "sms", "whatsapp", "fax")


class Country(Base):
    """A country the directory covers: its names, clock and languages (most used first)."""

    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    time_zone: Mapped[str] = mapped_column(String(40))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    corett: Mapped[bool] = mapped_column(Boolean, default=False)
    # Acknowledgement minutes by risk level for this country's agencies, over the policy's.
    ack_minutes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class Agency(Base):
    """An institution that can receive referrals: a national body, a unit, a shelter, an NGO."""

    __tablename__ = "agency"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    acronym: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    regional_focal_point: Mapped[bool] = mapped_column(Boolean, default=False)
    emails: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    urls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Our extensions: how referrals reach the agency, its own deadlines, its holidays.
    referral_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    ack_minutes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # None: as the agency's kind says (policy and coordination bodies take no cases); else the directory's word.
    takes_cases: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # When a person last checked the record against its source or the agency itself, and who
    # (directory/verification.py); never set by a load or an import.
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_verified_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    services: Mapped[list[AgencyService]] = relationship(
        back_populates="agency", order_by="AgencyService.position", cascade="all, delete-orphan"
    )
    # Every phone of the agency, its services' included (those have a service_id).
    phones: Mapped[list[AgencyPhone]] = relationship(order_by="AgencyPhone.position", cascade="all, delete-orphan")
    contacts: Mapped[list[ReferralContact]] = relationship(
        order_by="ReferralContact.position", cascade="all, delete-orphan"
    )

    @property
    def active_contacts(self) -> list[ReferralContact]:
        """The escalation ladder's order: the first active contact is notified first."""
        return [contact for contact in self.contacts if contact.active]


class AgencyService(Base):
    """HSDS service: what an agency offers, where, in which languages, when."""

    __tablename__ = "agency_service"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # [{"country": "GT", "regions": ["GT-09"]}]; no regions means the whole country.
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interpretation: Mapped[str] = mapped_column(String(8), default="unknown")
    # None (unknown), "24/7", or [{"days": ["mo", ...], "opens": "08:00", "closes": "16:00"}],
    # read in the agency's country time zone.
    hours: Mapped[Any] = mapped_column(JSON, nullable=True)
    after_hours_referrals: Mapped[str] = mapped_column(String(8), default="unknown")
    case_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    features: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    agency: Mapped[Agency] = relationship(back_populates="services")
    phones: Mapped[list[AgencyPhone]] = relationship(order_by="AgencyPhone.position", viewonly=True)


class AgencyPhone(Base):
    """HSDS phone: E.164 where possible; short codes and toll-free numbers kept as dialled."""

    __tablename__ = "agency_phone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("agency_service.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[str | None] = mapped_column(String(20))
    dialable: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    type: Mapped[str] = mapped_column(String(12), default="voice")
    toll_free: Mapped[str] = mapped_column(String(8), default="unknown")
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    service: Mapped[AgencyService | None] = relationship()


class ReferralContact(Base):
    """A person or desk that receives an agency's referral notices, in escalation order."""

    __tablename__ = "referral_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    sms: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HotlineLine(Base):
    """One of our own hotline numbers (Twilio's `To`): the country and language it serves, which are the
    prior for a caller's location and language, and when its team answers (read in `time_zone`)."""

    __tablename__ = "hotline_line"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    time_zone: Mapped[str] = mapped_column(String(40))
    # "24/7", or [{"days": ["mo", ...], "opens": "08:00", "closes": "20:00"}] as for services.
    hours: Mapped[Any] = mapped_column(JSON)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DirectoryChange(Base):
    """One edit of the directory: who, when, which record, what it was and what it became."""

    __tablename__ = "directory_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    agency_id: Mapped[str | None] = mapped_column(String(64), index=True)
    record: Mapped[str] = mapped_column(String(120))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Set when the change needs a coordinator's eye, e.g. "reporter_number" (directory/editing.py).
    flag: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)


class DirectoryVersion(Base):
    """A single row that changes with every edit, so each process knows to rebuild its snapshot.

    The token is random, so two databases at the same edit count never share a cached snapshot.
    """

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
