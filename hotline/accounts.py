"""Staff accounts: roles, argon2 password hashes, a second factor (TOTP), lock-out, and their audit log."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Agency
from directory.timezones import COUNTRY_TIME_ZONES
from hotline.db import Base, EncryptedText, UTCDateTime, utcnow

ROLES = ("operator", "supervisor", "agency", "admin")
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
TOTP_ISSUER = "Hotline staff"
TOTP_STEP_SECONDS = 30

_hasher = PasswordHasher()
# Follow-up passphrases are 80 random bits, not chosen by people: nothing to slow a guesser down
# for, and a light profile keeps a ticket's creation from spending ~100 ms of CPU on the hash.
_random_secret_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def hash_random_secret(secret: str) -> str:
    """A hash for a long random secret (a passphrase we generated); `verify_secret` checks it."""
    return _random_secret_hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agency.id"))
    # Countries an operator or supervisor covers; regional staff see every country.
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    regional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Languages the person can take contacts in (ISO 639-1), for assigning and filtering the queue.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The IANA zone the person reads times in; unset means their first country's, else their agency's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The second factor: a base32 TOTP secret, set at enrolment on first sign-in and stored
    # encrypted; the last time step accepted, so a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sign-out ends every session signed in before this moment (admin/views.py `_load_user`).
    sessions_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_secret(password)

    def check_password(self, password: str) -> bool:
        return verify_secret(self.password_hash, password)

    def covers_country(self, country: str | None) -> bool:
        return self.regional or (country is not None and country in self.countries)

    def is_locked(self, now: datetime) -> bool:
        """Whether a lock-out from some source is running: shown to administrators, never used to refuse."""
        return self.locked_until is not None and self.locked_until > now


class SignInLock(Base):
    """Failed sign-ins of one account from one source (a keyed hash of the address), and its lock.

    Per account and source: guessing from one place locks that place out, and a colleague (or the
    account's owner) signing in from elsewhere is not held back by it.
    """

    __tablename__ = "sign_in_lock"
    __table_args__ = (UniqueConstraint("user_id", "source", name="uq_sign_in_lock_user_id_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the source last failed: the retention run deletes the row a day after (hotline/jobs/retention.py).
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def sign_in_source(address: str | None, key: bytes) -> str:
    """The keyed hash a sign-in's source is known by: the address itself is never stored."""
    return hmac.new(key, b"sign-in-source:" + (address or "unknown").encode(), hashlib.sha256).hexdigest()


def _lock(session: Session, user: StaffUser, source: str) -> SignInLock | None:
    return session.scalar(select(SignInLock).where(SignInLock.user_id == user.id, SignInLock.source == source))


def locked_from(session: Session, user: StaffUser, source: str, now: datetime) -> bool:
    """Whether this account is locked out for sign-ins from this source."""
    lock = _lock(session, user, source)
    return lock is not None and lock.locked_until is not None and lock.locked_until > now


def _succeeded_from(session: Session, user: StaffUser, source: str) -> None:
    lock = _lock(session, user, source)
    if lock is not None:
        lock.failures = 0


class StaffEvent(Base):
    """One security or administration event on a staff account: who, when, what, why. Never changed."""

    __tablename__ = "staff_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))


class AccountError(ValueError):
    """A refused account change; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def record_staff_event(session: Session, user: StaffUser, kind: str, actor: str, reason: str | None = None) -> None:
    session.add(StaffEvent(user_id=user.id, at=utcnow(), actor=actor, kind=kind, reason=reason))


@dataclass(frozen=True)
class PasswordCheck:
    user: StaffUser | None
    locked: bool


def check_sign_in(session: Session, email: str, password: str, source: str) -> PasswordCheck:
    """The first factor. A wrong password counts towards the lock-out of this account from this
    source (`sign_in_source`); commits.

    An account locked from this source is refused from it even with the right password, so guessing
    cannot continue; from anywhere else it signs in as usual.
    """
    now = utcnow()
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        hash_secret(password)  # the same time as a wrong password, so accounts cannot be probed
        return PasswordCheck(None, locked=False)
    if not user.active:
        hash_secret(password)
        return PasswordCheck(None, locked=False)
    if locked_from(session, user, source, now):
        hash_secret(password)
        return PasswordCheck(None, locked=True)
    if not user.check_password(password):
        locked = register_failure(session, user, "wrong password", source)
        return PasswordCheck(None, locked=locked)
    return PasswordCheck(user, locked=False)


def register_failure(session: Session, user: StaffUser, what: str, source: str) -> bool:
    """Count a failed sign-in from this source; the fifth in a row locks the account out from this
    source for 15 minutes. Commits; True when locked."""
    now = utcnow()
    lock = _lock(session, user, source)
    if lock is None:
        lock = SignInLock(user_id=user.id, source=source, failures=0)
        session.add(lock)
    lock.failures = (lock.failures or 0) + 1
    lock.last_failed_at = now
    record_staff_event(session, user, "sign_in_failed", "system", what)
    locked = lock.failures >= MAX_FAILURES
    if locked:
        lock.locked_until = now + LOCK_FOR
        lock.failures = 0
        # Shown on the accounts page; the lock itself holds only for the source that earned it.
        user.locked_until = lock.locked_until
        record_staff_event(
            session,
            user,
            "locked",
            "system",
            f"{MAX_FAILURES} failed sign-ins from one source; locked from it until {lock.locked_until:%H:%M} UTC",
        )
    session.commit()
    return locked


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str, after_step: int | None, now: datetime) -> int | None:
    """The time step (one either side of now, for clock drift) whose code this is, unless already used."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if (after_step is None or step > after_step) and pyotp.utils.strings_equal(
            totp.at(step * TOTP_STEP_SECONDS), code
        ):
            return step
    return None


def enrol_totp(session: Session, user: StaffUser, secret: str, code: str, source: str) -> bool:
    """Keep `secret` as the user's second factor once they prove they hold it with a code. Commits."""
    if locked_from(session, user, source, utcnow()):
        return False
    step = _matching_step(secret, code, None, utcnow())
    if step is None:
        register_failure(session, user, "wrong code at enrolment", source)
        return False
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = secret, utcnow(), step
    _succeeded_from(session, user, source)
    record_staff_event(session, user, "second_factor_enrolled", user.actor)
    record_staff_event(session, user, "signed_in", user.actor)
    session.commit()
    return True


def check_totp(session: Session, user: StaffUser, code: str, source: str) -> bool:
    """The second factor: a current code not used before. Failures count towards the lock-out from
    this source. Commits."""
    if user.totp_secret is None or locked_from(session, user, source, utcnow()):
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step, utcnow())
    if step is None:
        register_failure(session, user, "wrong code", source)
        return False
    user.totp_last_step = step
    _succeeded_from(session, user, source)
    record_staff_event(session, user, "signed_in", user.actor)
    session.commit()
    return True


# The fields an administrator may set on an account, and how each is read from a form.
EDITABLE = ("name", "role", "countries", "regional", "agency_id", "languages", "time_zone", "active")


def create_user(session: Session, fields: dict[str, Any], password: str, actor: str) -> StaffUser:
    """A new staff account; it enrols its second factor at first sign-in. Commits."""
    email = str(fields.get("email", "")).strip().lower()
    if "@" not in email:
        raise AccountError("email", _l("an email address is needed"))
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError("email", _l("an account with this email exists"))
    if len(password) < 12:
        raise AccountError("password", _l("at least 12 characters"))
    user = StaffUser(email=email, name="", role="operator", countries=[], languages=[], regional=False, active=True)
    _apply(user, fields)
    user.set_password(password)
    session.add(user)
    session.flush()
    record_staff_event(session, user, "created", actor, f"role {user.role}")
    session.commit()
    return user


def update_user(session: Session, user_id: int, fields: dict[str, Any], actor: str, reason: str = "") -> list[str]:
    """Change an account's role, countries, agency, languages or activity; returns what changed. Commits."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise LookupError(user_id)
    before = {name: getattr(user, name) for name in EDITABLE}
    _apply(user, {**before, **fields})
    changed = [name for name in EDITABLE if getattr(user, name) != before[name]]
    if changed:
        summary = "; ".join(f"{name} {before[name]!r} -> {getattr(user, name)!r}" for name in changed)
        record_staff_event(session, user, "changed", actor, f"{summary}. {reason}".strip()[:500])
        session.commit()
    return changed


def set_own_time_zone(session: Session, user_id: int, zone: str, actor: str) -> bool:
    """A staff member chooses the zone they read times in ("" for their country's); audited like an
    administrator's change. Returns whether it changed. Commits."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise LookupError(user_id)
    before, after = user.time_zone, _time_zone(zone)
    if after == before:
        return False
    user.time_zone = after
    record_staff_event(session, user, "changed", actor, f"time_zone {before!r} -> {after!r}")
    session.commit()
    return True


def reset_second_factor(session: Session, user_id: int, actor: str, reason: str) -> None:
    """Forget the user's TOTP secret and lift a lock; they enrol again at next sign-in. Commits."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise LookupError(user_id)
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    user.locked_until, user.failed_logins = None, 0
    session.execute(delete(SignInLock).where(SignInLock.user_id == user.id))
    record_staff_event(session, user, "second_factor_reset", actor, reason[:500] or None)
    session.commit()


def _apply(user: StaffUser, fields: dict[str, Any]) -> None:
    role = fields.get("role", user.role)
    if role not in ROLES:
        raise AccountError("role", _l("unknown role"))
    name = str(fields.get("name", user.name)).strip()
    if not name:
        raise AccountError("name", _l("a name is needed"))
    agency_id = fields.get("agency_id") or None
    if role == "agency" and agency_id is None:
        raise AccountError("agency_id", _l("an agency user needs an agency"))
    countries = sorted(
        {str(c).strip().upper() for c in fields.get("countries", user.countries) or [] if str(c).strip()}
    )
    if any(len(c) != 2 or not c.isalpha() for c in countries):
        raise AccountError("countries", _l("two-letter country codes"))
    languages = [str(c).strip().lower() for c in fields.get("languages", user.languages) or [] if str(c).strip()]
    if any(len(c) not in (2, 3) or not c.isalpha() for c in languages):
        raise AccountError("languages", _l("two- or three-letter language codes"))
    user.name, user.role, user.countries, user.languages = name, role, countries, list(dict.fromkeys(languages))
    user.time_zone = _time_zone(fields.get("time_zone", user.time_zone))
    user.agency_id = agency_id if role == "agency" else None
    user.regional = bool(fields.get("regional", user.regional)) and role != "agency"
    user.active = bool(fields.get("active", user.active))


def _time_zone(value: object) -> str | None:
    """A chosen IANA zone, checked against the zone database; empty means "my country's"."""
    zone = str(value or "").strip()
    if not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError("time_zone", _l("an IANA time zone such as America/Guatemala")) from None
    return zone


def staff_time_zone(session: Session, user: StaffUser) -> str:
    """The zone a staff member reads times in: the one they chose, else their first country's, else
    their agency's country's, else UTC."""
    if getattr(user, "time_zone", None):
        return str(user.time_zone)
    for country in getattr(user, "countries", None) or []:
        if country in COUNTRY_TIME_ZONES:
            return COUNTRY_TIME_ZONES[country]
    agency_id = getattr(user, "agency_id", None)
    if agency_id:
        country = session.scalar(select(Agency.country).where(Agency.id == agency_id))
        if country in COUNTRY_TIME_ZONES:
            return COUNTRY_TIME_ZONES[country]
    return "UTC"
