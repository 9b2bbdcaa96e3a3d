"""Floods: many reports at once from one source, with the same words, or far above the usual rate.

The rules are data (`flood_rules.json`): each counts the reports of a window by a key (the keyed hash
of the source, of the normalised words, or all together) and names its threshold and why. A report
that makes a rule's count reach its threshold opens a flood (or joins the one open): it is stored as
ever, but held for review (`held_for_review`, an event with the rule's why) instead of routed, so no
agency is told; the supervisors are alerted once per flood (an outbox email, and a banner on the
staff queue). A supervisor releases a flood's tickets in bulk, or one ticket alone.

The reports that came before the threshold was reached are not lost to the flood: an agency notice
of a report from a public channel (web form, partner API, chat: anyone may file many) waits
`hold_seconds` before it may go (`notice_not_before`), and a flood that opens or grows pulls in every
report its rule counted within the window that no agency has heard of yet: the ticket is held, its
referrals are held from their agencies (hotline/referrals/dispatch.py) and its notices withheld. On
release they go out as they would have. Critical reports wait the same hold (their risk is read from
words the sender chooses) and are counted first in the alert and the banner (docs/security.md).

The counts are rows in the database, so every web worker sees the same flood; they hold keyed hashes
and ticket ids only (never an address, a number or words) and are deleted once older than the window
(and by the retention run, hotline/jobs/retention.py, when no report comes to delete them).
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
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from hotline.accounts import StaffUser
from hotline.db import Base, UTCDateTime, utcnow
from hotline.jobs.queue import enqueue_after_commit
from hotline.outbox import DELIVER_JOB, OutboxKind, OutboxMessage, OutboxStatus, queue_message
from hotline.reasons import system_reason
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.service import SYSTEM, move_ticket
from routing.grammar import read_text
from routing.intake import Intake
from routing.risk import assess_risk, default_risk_rules
from routing.text import tokens

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).with_name("flood_rules.json")
FLOOD_ALERT = "flood_alert"
KEYS = ("words", "source", "all")
# Where anyone may file many reports without a signature or an account: their agency notices wait.
PUBLIC_CHANNELS = ("web", "api", "chat")
# The states a report may be in when a flood pulls it in (later states mean a person has acted on it).
PULLABLE = (
    TicketStatus.RECEIVED,
    TicketStatus.NEEDS_TRIAGE,
    TicketStatus.TRIAGED,
    TicketStatus.REFERRED,
)
# Agency notices a flood may still withhold: not yet handed to the gateway.
UNSENT = (OutboxStatus.PENDING, OutboxStatus.RETRY)


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
    hold: timedelta = timedelta(0)


def load_rules(path: Path = RULES_FILE) -> FloodRules:
    """The rules file, checked: a wrong key or threshold fails at start-up, not during a flood."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    rules = tuple(FloodRule(**rule) for rule in data["rules"])
    for rule in rules:
        if rule.key not in KEYS or rule.threshold < 2:
            raise ValueError(f"flood rule {rule.name}: key must be one of {KEYS} and threshold at least 2")
    if len({rule.name for rule in rules}) != len(rules):
        raise ValueError("flood rule names must be unique")
    hold = timedelta(seconds=int(data.get("hold_seconds", 0)))
    window = timedelta(minutes=int(data["window_minutes"]))
    if hold < timedelta(0) or hold >= window:
        raise ValueError("hold_seconds must be at least 0 and shorter than the window")
    return FloodRules(str(data["version"]), window, rules, hold)


@cache
def flood_rules() -> FloodRules:
    return load_rules()


def notice_hold(settings: Settings) -> timedelta:
    """How long a public report's agency notices wait: the settings' figure, else the rules file's."""
    if settings.notice_hold_seconds is not None:
        return timedelta(seconds=settings.notice_hold_seconds)
    return flood_rules().hold


def notice_not_before(ticket: Ticket, now: datetime) -> datetime | None:
    """When an agency notice about this ticket may first go, or None for at once.

    A report from a public channel waits the hold counted from its arrival, so a flood recognised
    within it can still withhold its notices; notices written after it (an escalation, an operator's
    later confirmation) go at once, and so do those of a report a supervisor released from a flood.
    Twilio-signed calls and texts are not held: each costs the sender a phone line, and the source
    rule counts them by caller.
    """
    if ticket.channel not in PUBLIC_CHANNELS:
        return None
    due = ticket.created_at + notice_hold(current_app.config["SETTINGS"])
    if due <= now:
        return None
    session = object_session(ticket)
    if session is not None and session.scalar(select(FloodHold.id).where(FloodHold.ticket_id == ticket.id)):
        # Released from a flood: a supervisor has looked at it, there is nothing left to wait for.
        return None
    return due


class FloodSignal(Base):
    """One report counted by one rule: the rule, the keyed hash of what it counts by, and when."""

    __tablename__ = "flood_signal"
    __table_args__ = (Index("ix_flood_signal_rule_digest_at", "rule", "digest", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The report counted, so a flood can pull in those that came before its threshold. No foreign
    # key: the row lives minutes, and must never hold a ticket's erasure back.
    ticket_id: Mapped[int | None] = mapped_column(Integer)


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
        session.add(FloodSignal(rule=rule.name, digest=digest, at=now, ticket_id=ticket.id))
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
            found, opened = _open_flood(session, rule, digest, rules.window, now)
            if not ticket.routing:
                # Held before routing reads it: a first reading, so a critical report leads the held queue.
                ticket.risk_level = assess_risk(
                    tokens(intake.text), intake.answers, default_risk_rules(), read_text(intake.text)
                ).level
            pulled = _pull_in(session, found, since, ticket)
            if opened:
                critical = sum(held.risk_level == "critical" for held in [ticket, *pulled])
                _alert_supervisors(session, found, critical)
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


def _open_flood(session: Session, rule: FloodRule, digest: str, window: timedelta, now: datetime) -> tuple[Flood, bool]:
    """The flood open for this rule and key, or a new one; True when this call opened it (and alerts)."""
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
    opened = False
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
            opened = True
    flood.last_seen_at = now
    return flood, opened


def _pull_in(session: Session, flood: Flood, since: datetime, current: Ticket) -> list[Ticket]:
    """Hold the reports this flood's rule counted within the window, before or beside the current one,
    that no agency has heard of yet; return them. Run each time a report opens or joins the flood, so
    a report counted by another worker a moment ago is pulled in by the next. Does not commit."""
    already = select(FloodHold.ticket_id)
    earlier = session.scalars(
        select(FloodSignal.ticket_id)
        .where(
            FloodSignal.rule == flood.rule,
            FloodSignal.digest == flood.digest,
            FloodSignal.at >= since,
            FloodSignal.ticket_id.is_not(None),
            FloodSignal.ticket_id != current.id,
            FloodSignal.ticket_id.not_in(already),
        )
        .distinct()
    ).all()
    pulled = []
    for ticket_id in sorted(found for found in earlier if found is not None):
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None and _hold_earlier(session, ticket, flood):
            pulled.append(ticket)
    return pulled


def _hold_earlier(session: Session, ticket: Ticket, flood: Flood) -> bool:
    """Hold a report that came before its flood was recognised, unless an agency may already have
    heard of it (a notice handed off, or a person acted on it). Does not commit."""
    from hotline.referrals.dispatch import hold_for_flood
    from hotline.referrals.models import DispatchState, Referral

    if ticket.status not in PULLABLE:
        return False
    handed_off = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.kind == OutboxKind.AGENCY_NOTICE,
            OutboxMessage.status.not_in(UNSENT),
        )
    )
    if handed_off:
        return False
    reason = system_reason("flood_hold", flood=flood.id, rule=flood.rule, why=flood.why)
    if not move_ticket(session, ticket, TicketStatus.HELD_FOR_REVIEW, SYSTEM, kind="flood_hold", reason=reason):
        return False
    session.add(FloodHold(flood_id=flood.id, ticket_id=ticket.id))
    referrals = session.scalars(
        select(Referral)
        .where(
            Referral.ticket_id == ticket.id,
            Referral.dispatch.in_((DispatchState.DISPATCHED, DispatchState.PROPOSED)),
        )
        .order_by(Referral.id)
    ).all()
    for referral in referrals:
        if not referral.ended:
            hold_for_flood(session, referral, reason)
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.kind == OutboxKind.AGENCY_NOTICE,
            OutboxMessage.status.in_(UNSENT),
        )
        .values(status=OutboxStatus.WITHHELD)
        .execution_options(synchronize_session=False)
    )
    return True


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


def _alert_supervisors(session: Session, flood: Flood, critical: int) -> None:
    """Every active supervisor gets one email per flood: its number, its rule, how many of its reports
    are critical (those first), and a link; nothing else."""
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
        if critical:
            body = (
                _(
                    "%(count)s of them are critical (imminent danger): review those first, they lead the queue.",
                    count=critical,
                )
                + " "
                + body
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
    critical: int = 0

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule]) if self.rule in RULE_LABELS else self.why


def open_floods(session: Session) -> list[FloodSummary]:
    """Floods not yet released that still hold tickets, newest first, with how many of their held
    reports are critical: what the staff queue's banner shows."""
    held = (
        select(
            FloodHold.flood_id,
            func.count().label("held"),
            func.count(Ticket.id).filter(Ticket.risk_level == "critical").label("critical"),
        )
        .join(Ticket, Ticket.id == FloodHold.ticket_id)
        .where(Ticket.status == TicketStatus.HELD_FOR_REVIEW)
        .group_by(FloodHold.flood_id)
        .subquery()
    )
    rows = session.execute(
        select(Flood.id, Flood.rule, Flood.why, Flood.started_at, held.c.held, held.c.critical)
        .join(held, held.c.flood_id == Flood.id)
        .where(Flood.released_at.is_(None))
        .order_by(Flood.id.desc())
    ).all()
    return [
        FloodSummary(row.id, row.rule, row.why, row.started_at, int(row.held), int(row.critical or 0)) for row in rows
    ]


def release(session: Session, flood_id: int, actor: str) -> int | None:
    """A supervisor lets a flood's tickets through: each goes on as it would have (an event for each).
    Commits; how many were released, or None when there is no such flood."""
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
    return sum(_release_ticket(session, ticket, flood_id, actor) for ticket in tickets)


def release_ticket(session: Session, ticket_id: int, actor: str) -> bool | None:
    """A supervisor lets one held report through (a critical one, say) while its flood stays held.
    Commits; False when it is not held by a flood any more, None when there is no such ticket."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    flood_id = session.scalar(select(FloodHold.flood_id).where(FloodHold.ticket_id == ticket_id))
    if flood_id is None or ticket.status != TicketStatus.HELD_FOR_REVIEW:
        return False
    return _release_ticket(session, ticket, flood_id, actor)


def _release_ticket(session: Session, ticket: Ticket, flood_id: int, actor: str) -> bool:
    """Let one held ticket go on: one held before routing is routed as any other; one pulled in after
    routing gets its referrals back (their clocks start now) and its withheld notices sent. Commits."""
    from hotline.referrals.dispatch import FLOOD_HELD, release_from_flood
    from hotline.referrals.models import DispatchState, Referral
    from hotline.reports import route_or_hold

    reason = system_reason("flood_released", flood=flood_id)
    referrals = session.scalars(
        select(Referral)
        .where(
            Referral.ticket_id == ticket.id,
            Referral.dispatch == DispatchState.HELD,
            Referral.held_reason.in_(FLOOD_HELD),
        )
        .order_by(Referral.id)
    ).all()
    if not referrals:
        if not move_ticket(session, ticket, TicketStatus.RECEIVED, actor, kind="flood_released", reason=reason):
            return False
        session.commit()
        route_or_hold(session, ticket)
        return True
    now = utcnow()
    for referral in referrals:
        release_from_flood(session, referral, actor, now, reason)
    sent = any(referral.dispatch == DispatchState.DISPATCHED for referral in referrals)
    target = TicketStatus.REFERRED if sent else TicketStatus.TRIAGED
    if not move_ticket(session, ticket, target, actor, kind="flood_released", reason=reason):
        session.rollback()
        return False
    withheld = session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.ticket_id == ticket.id, OutboxMessage.status == OutboxStatus.WITHHELD
        )
    ).all()
    if withheld:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(withheld), OutboxMessage.status == OutboxStatus.WITHHELD)
            .values(status=OutboxStatus.PENDING, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        for message_id in withheld:
            enqueue_after_commit(session, DELIVER_JOB, message_id)
    session.commit()
    return True
