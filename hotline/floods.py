"""Floods: many reports at once from one source, with the same words, or far above the usual rate.

The rules are data (`flood_rules.json`): each counts the reports of a window by a key (the keyed hash
of the source, of the normalised words, or all together) and names its threshold and why. A report
that makes a rule's count reach its threshold opens a flood (or joins the one open): it is stored as
ever, but held for review (`held_for_review`, an event with the rule's why) instead of routed, so no
agency is told; the supervisors are alerted once per flood (an outbox email, and a banner on the
staff queue). A supervisor releases a flood's tickets in bulk, and they are routed as any other.

The counts are rows in the database, so every web worker sees the same flood; they hold keyed hashes
only (never an address, a number or words) and are deleted once older than the window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.accounts import StaffUser
from hotline.db import Base, UTCDateTime, utcnow
from hotline.outbox import queue_message
from hotline.reasons import system_reason
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, move_ticket
from routing.intake import Intake

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).with_name("flood_rules.json")
FLOOD_ALERT = "flood_alert"
KEYS = ("words", "source", "all")


@dataclass(frozen=True)
class FloodRule:
    name: str
    key: str
    threshold: int
    why: str
    min_words: int = 1
    baseline_days: int = 0
    baseline_factor: int = 0


@dataclass(frozen=True)
class FloodRules:
    version: str
    window: timedelta
    rules: tuple[FloodRule, ...]


def load_rules(path: Path = RULES_FILE) -> FloodRules:
    """The rules file, checked: a wrong key or threshold fails at start-up, not during a flood."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    rules = tuple(FloodRule(**rule) for rule in data["rules"])
    for rule in rules:
        if rule.key not in KEYS or rule.threshold < 2:
            raise ValueError(f"flood rule {rule.name}: key must be one of {KEYS} and threshold at least 2")
    if len({rule.name for rule in rules}) != len(rules):
        raise ValueError("flood rule names must be unique")
    return FloodRules(str(data["version"]), timedelta(minutes=int(data["window_minutes"])), rules)


@cache
def flood_rules() -> FloodRules:
    return load_rules()


class FloodSignal(Base):
    """One report counted by one rule: the rule, the keyed hash of what it counts by, and when."""

    __tablename__ = "flood_signal"
    __table_args__ = (Index("ix_flood_signal_rule_digest_at", "rule", "digest", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Flood(Base):
    """A flood one rule recognised: its tickets are held until a supervisor releases them."""

    __tablename__ = "flood"
    # Two workers that see the same flood begin at once make one row (and one alert), not two.
    __table_args__ = (UniqueConstraint("rule", "digest", "opened_bucket", name="uq_flood_rule_digest_bucket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    opened_bucket: Mapped[int] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    released_by: Mapped[str | None] = mapped_column(String(80))


class FloodHold(Base):
    """A ticket a flood holds for review."""

    __tablename__ = "flood_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flood_id: Mapped[int] = mapped_column(ForeignKey("flood.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)


def normalised_words(text: str) -> list[str]:
    """The words as the near-duplicate rule compares them: case, accents, digits and punctuation aside."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.findall(r"[^\W\d_]+", plain)


def _digest(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _keys(rule: FloodRule, intake: Intake, origin: str | None, secret: bytes) -> str | None:
    """What this rule counts the report by (a keyed hash), or None when it does not apply to it."""
    if rule.key == "all":
        return "all"
    if rule.key == "source":
        return _digest(secret, "source", origin) if origin else None
    words = normalised_words(intake.text)
    return _digest(secret, "words", " ".join(words)) if len(words) >= rule.min_words else None


def check(
    session: Session, settings: Settings, ticket: Ticket, intake: Intake, origin: str | None, now: datetime
) -> Flood | None:
    """Count a new report by every rule; the flood it belongs to, if any (it is then to be held).

    Does not commit. `origin` says where the report came from ("addr:…", "api-key:…", "caller:…").
    """
    rules = flood_rules()
    # Raised with the rate limits, so a test suite that files many alike reports is not one flood.
    scale = max(1, int(settings.rate_limit_scale))
    since = now - rules.window
    session.execute(delete(FloodSignal).where(FloodSignal.at < since))
    found: Flood | None = None
    for rule in rules.rules:
        digest = _keys(rule, intake, origin, settings.phone_hash_key)
        if digest is None:
            continue
        session.add(FloodSignal(rule=rule.name, digest=digest, at=now))
        session.flush()
        count = (
            session.scalar(
                select(func.count()).where(
                    FloodSignal.rule == rule.name, FloodSignal.digest == digest, FloodSignal.at >= since
                )
            )
            or 0
        )
        if found is None and count >= _threshold(session, rule, rules.window, now) * scale:
            found = _open_flood(session, rule, digest, rules.window, now)
    return found


def _threshold(session: Session, rule: FloodRule, window: timedelta, now: datetime) -> int:
    """The rule's threshold, raised to `baseline_factor` times the usual count of a window when set."""
    if not rule.baseline_days or not rule.baseline_factor:
        return rule.threshold
    start = now - timedelta(days=rule.baseline_days)
    earlier = (
        session.scalar(select(func.count()).where(Ticket.created_at >= start, Ticket.created_at < now - window)) or 0
    )
    windows = max(1, (timedelta(days=rule.baseline_days) - window) // window)
    return max(rule.threshold, rule.baseline_factor * -(-earlier // windows))


def _open_flood(session: Session, rule: FloodRule, digest: str, window: timedelta, now: datetime) -> Flood:
    """The flood open for this rule and key, or a new one (and its one alert)."""
    open_since = now - window
    flood = session.scalar(
        select(Flood)
        .where(
            Flood.rule == rule.name,
            Flood.digest == digest,
            Flood.released_at.is_(None),
            Flood.last_seen_at >= open_since,
        )
        .order_by(Flood.id.desc())
        .limit(1)
    )
    if flood is None:
        bucket = int(now.timestamp() // window.total_seconds())
        flood = Flood(
            rule=rule.name, digest=digest, opened_bucket=bucket, why=rule.why[:300], started_at=now, last_seen_at=now
        )
        try:
            with session.begin_nested():
                session.add(flood)
        except IntegrityError:
            # Another worker opened it a moment ago: join theirs (they send the alert).
            flood = session.scalars(
                select(Flood).where(Flood.rule == rule.name, Flood.digest == digest, Flood.opened_bucket == bucket)
            ).one()
        else:
            _alert_supervisors(session, flood)
    flood.last_seen_at = now
    return flood


def hold(session: Session, ticket: Ticket, flood: Flood) -> None:
    """Hold a new ticket for review as part of a flood: stored, not routed, nobody told. Does not commit."""
    session.add(FloodHold(flood_id=flood.id, ticket_id=ticket.id))
    move_ticket(
        session,
        ticket,
        TicketStatus.HELD_FOR_REVIEW,
        SYSTEM,
        kind="flood_hold",
        reason=system_reason("flood_hold", flood=flood.id, rule=flood.rule, why=flood.why),
    )


def _alert_supervisors(session: Session, flood: Flood) -> None:
    """Every active supervisor gets one email per flood: its number, its rule and a link, nothing else."""
    flood.alerted_at = utcnow()
    config = current_app.config
    supervisors = session.scalars(
        select(StaffUser).where(StaffUser.role == "supervisor", StaffUser.active.is_(True)).order_by(StaffUser.id)
    ).all()
    with force_locale(config["AGENCY_LOCALE"]):
        subject = _("Possible flood of reports: held for review")
        body = _(
            "Flood %(id)s: %(why)s. The reports are stored and held for review; no agency has been told. "
            "Review and release them from the queue: %(link)s",
            id=flood.id,
            why=flood.why,
            link=f"{config['STAFF_BASE_URL']}/tickets",
        )
    for supervisor in supervisors:
        queue_message(session, kind=FLOOD_ALERT, channel="email", to=supervisor.email, subject=subject, body=body)


# The shipped rules' reasons as staff read them, in their language; a rule added to the file without
# one here shows the file's own words.
RULE_LABELS = {
    "same_words": _l("The same words in many reports within a few minutes."),
    "same_source": _l("Many reports within a few minutes from one source (an address, a partner key or a phone)."),
    "overall_rate": _l("Far more reports than usual within a few minutes."),
}


@dataclass(frozen=True)
class FloodSummary:
    id: int
    rule: str
    why: str
    started_at: datetime
    held: int

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule]) if self.rule in RULE_LABELS else self.why


def open_floods(session: Session) -> list[FloodSummary]:
    """Floods not yet released that still hold tickets, newest first: what the staff queue's banner shows."""
    held = (
        select(FloodHold.flood_id, func.count().label("held"))
        .join(Ticket, Ticket.id == FloodHold.ticket_id)
        .where(Ticket.status == TicketStatus.HELD_FOR_REVIEW)
        .group_by(FloodHold.flood_id)
        .subquery()
    )
    rows = session.execute(
        select(Flood.id, Flood.rule, Flood.why, Flood.started_at, held.c.held)
        .join(held, held.c.flood_id == Flood.id)
        .where(Flood.released_at.is_(None))
        .order_by(Flood.id.desc())
    ).all()
    return [FloodSummary(row.id, row.rule, row.why, row.started_at, int(row.held)) for row in rows]


def release(session: Session, flood_id: int, actor: str) -> int | None:
    """A supervisor lets a flood's tickets through: each is moved back (an event) and routed as any
    other. Commits; how many were released, or None when there is no such flood."""
    from hotline.reports import route_or_hold

    flood = session.get(Flood, flood_id)
    if flood is None:
        return None
    flood.released_at, flood.released_by = utcnow(), actor
    session.commit()
    tickets = session.scalars(
        select(Ticket)
        .join(FloodHold, FloodHold.ticket_id == Ticket.id)
        .where(FloodHold.flood_id == flood_id, Ticket.status == TicketStatus.HELD_FOR_REVIEW)
        .order_by(Ticket.id)
    ).all()
    released = 0
    for ticket in tickets:
        if move_ticket(
            session,
            ticket,
            TicketStatus.RECEIVED,
            actor,
            kind="flood_released",
            reason=system_reason("flood_released", flood=flood_id),
        ):
            session.commit()
            route_or_hold(session, ticket)
            released += 1
    return released
