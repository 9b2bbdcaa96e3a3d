"""Partner API keys: made and shown once, kept only as a hash, scoped, revocable, and audited.

A key reads `hp_<public id>_<secret>`. The public id names the key in lists, logs of changes and rate
limits; the secret is 256 random bits, so a plain SHA-256 of it is enough at rest (nothing to guess, so
nothing to slow down) and `hmac.compare_digest` compares it. Creating and revoking a key are events
(who, when, why) in `partner_key_event`, shown to administrators beside the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.db import Base, UTCDateTime, utcnow

log = logging.getLogger(__name__)

KEY_PREFIX = "hp"
# What a key may do. Only one today; an endpoint names the scope it needs (channels/partner_auth.py).
REPORTS_CREATE = "reports:create"
SCOPES = (REPORTS_CREATE,)
MAX_PARTNER_NAME = 120
MAX_REASON = 500
# `last_used_at` is written at most this often per key: one write a minute, not one per report.
LAST_USED_PRECISION = timedelta(minutes=1)
# The hash compared against when the public id is unknown, so an unknown key costs the same time.
_NO_SUCH_KEY = hashlib.sha256(b"no such key").hexdigest()


class PartnerKey(Base):
    """One partner's key: never the secret itself, only its SHA-256."""

    __tablename__ = "partner_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(MAX_PARTNER_NAME))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class PartnerKeyEvent(Base):
    """A key created or revoked: who, when, why. Never changed."""

    __tablename__ = "partner_key_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("partner_key.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(MAX_REASON))


class PartnerKeyError(ValueError):
    """A refused change to a key; `field` names the form field (or CLI option) at fault."""

    def __init__(self, field: str, message: LazyString) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: the row, and the whole key to hand to the partner, which is never shown again."""

    key: PartnerKey
    presented: str


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_presented(presented: str) -> tuple[str, str] | None:
    """(public id, secret) of a key as presented, or None when it does not have the shape of one."""
    prefix, _, rest = presented.partition("_")
    public_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not public_id or not secret or len(presented) > 200:
        return None
    return public_id, secret


def create_key(session: Session, partner: str, scopes: Iterable[str], actor: str, reason: str = "") -> IssuedKey:
    """Make a key for `partner` with `scopes` and record who made it and why. Commits."""
    partner = " ".join(partner.split())
    if not partner:
        raise PartnerKeyError("partner", _l("Name the partner the key is for."))
    if len(partner) > MAX_PARTNER_NAME:
        raise PartnerKeyError("partner", _l("The partner's name is too long."))
    chosen = sorted(set(scopes))
    if not chosen:
        raise PartnerKeyError("scopes", _l("Choose at least one thing the key may do."))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown:
        raise PartnerKeyError("scopes", _l("Unknown scope “%(scope)s”.", scope=unknown[0][:40]))
    public_id = secrets.token_hex(6)
    while session.scalar(select(PartnerKey.id).where(PartnerKey.public_id == public_id)) is not None:
        public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = PartnerKey(
        public_id=public_id,
        secret_sha256=_sha256(secret),
        partner=partner,
        scopes=chosen,
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(key)
    session.flush()
    _record(session, key, "created", actor, reason.strip() or None)
    session.commit()
    return IssuedKey(key=key, presented=f"{KEY_PREFIX}_{public_id}_{secret}")


def revoke_key(session: Session, public_id: str, actor: str, reason: str) -> PartnerKey:
    """Revoke a key at once, saying why. Commits. LookupError for an unknown key."""
    key = session.scalar(select(PartnerKey).where(PartnerKey.public_id == public_id.strip()))
    if key is None:
        raise LookupError(public_id)
    if not reason.strip():
        raise PartnerKeyError("reason", _l("Say why the key is revoked: it is kept in the history."))
    if key.revoked_at is not None:
        raise PartnerKeyError("public_id", _l("This key was already revoked."))
    key.revoked_at = utcnow()
    key.revoked_by = actor
    _record(session, key, "revoked", actor, reason.strip())
    session.commit()
    return key


def _record(session: Session, key: PartnerKey, kind: str, actor: str, reason: str | None) -> None:
    session.add(
        PartnerKeyEvent(key_id=key.id, at=utcnow(), actor=actor, kind=kind, reason=reason and reason[:MAX_REASON])
    )


def authenticate(session: Session, presented: str) -> PartnerKey | None:
    """The active key `presented` is, or None (malformed, unknown, wrong secret or revoked)."""
    parts = split_presented(presented)
    if parts is None:
        return None
    public_id, secret = parts
    key = session.scalar(select(PartnerKey).where(PartnerKey.public_id == public_id))
    matches = hmac.compare_digest(key.secret_sha256 if key else _NO_SUCH_KEY, _sha256(secret))
    if key is None or not matches or key.revoked_at is not None:
        return None
    return key


def mark_used(session: Session, key: PartnerKey, now: datetime | None = None) -> None:
    """Note that the key was used now, at most once a `LAST_USED_PRECISION`. Commits when it writes.

    Only a note: a database too busy to take it costs the note, never the partner's request."""
    now = now or utcnow()
    stale = now - LAST_USED_PRECISION
    if key.last_used_at is not None and key.last_used_at > stale:
        return
    key_id, public_id = key.id, key.public_id
    try:
        session.execute(
            update(PartnerKey)
            .where(PartnerKey.id == key_id, or_(PartnerKey.last_used_at.is_(None), PartnerKey.last_used_at <= stale))
            .values(last_used_at=now)
        )
        session.commit()
    except OperationalError:
        session.rollback()
        log.warning("the last use of partner key %s could not be noted: the database is busy", public_id)


def all_keys(session: Session) -> list[PartnerKey]:
    """Every key, active ones first, newest first."""
    return list(
        session.scalars(select(PartnerKey).order_by(PartnerKey.revoked_at.is_not(None), PartnerKey.created_at.desc()))
    )


def key_events(session: Session, limit: int = 100) -> list[PartnerKeyEvent]:
    """The latest creations and revocations, newest first."""
    return list(session.scalars(select(PartnerKeyEvent).order_by(PartnerKeyEvent.id.desc()).limit(limit)))
