"""Editing the directory record by record: the only writer besides a whole-document load.

Each function checks the edited record with the same rules as a document load, applies it, and in
the same transaction writes a DirectoryChange (who, when, which record, before, after, why) and
bumps the directory version so every process rebuilds its routing snapshot. A refused edit raises
DirectoryError naming the record and field, and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.load import DirectoryError, bump_version, check_organization, check_service, display_name
from directory.models import Agency, AgencyService, Country, DirectoryChange, ReferralContact
from directory.snapshot import organization_entry, service_entry
from routing.snapshot import WEEKDAYS

# The agency fields an edit may change, and where each sits in a `hotline-directory/1` organization.
AGENCY_FIELDS = {
    "names": ("name",),
    "acronym": ("acronym",),
    "kind": ("kind",),
    "regional_focal_point": ("regional_focal_point",),
    "referral_channels": ("referral", "channels"),
    "ack_minutes": ("referral", "ack_minutes"),
    "holidays": ("referral", "holidays"),
}
SERVICE_FIELDS = {
    "names": "name",
    "description": "description",
    "areas": "areas",
    "languages": "languages",
    "hours": "hours",
    "after_hours_referrals": "after_hours_referrals",
    "interpretation": "interpretation",
    "features": "features",
    "case_types": "case_types",
    "groups": "groups",
}
CONTACT_FIELDS = ("name", "email", "sms", "active")
# Deliberately loose: the address is typed by an admin and confirmed by the first notice it gets.
# A contact change that adds a number seen as a reporter's: an insider may be trying to read or
# silence that reporter.
REPORTER_NUMBER = "reporter_number"
HOURS_LINE = re.compile(r"^(?P<days>[a-z,\s-]+?)\s+(?P<opens>\d\d:\d\d)\s*-\s*(?P<closes>\d\d:\d\d)$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UnknownRecord(LookupError):
    """The agency or service to edit is not in the directory."""


def update_agency(
    session: Session, agency_id: str, changes: dict[str, Any], actor: str, reason: str = "", commit: bool = True
) -> DirectoryChange | None:
    """Change an agency's own fields; return the recorded change, or None when nothing differed."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise UnknownRecord(agency_id)
    entry = organization_entry(agency)
    for field, value in changes.items():
        if field not in AGENCY_FIELDS:
            raise DirectoryError(agency_id, field, "cannot be edited here")
        *parents, key = AGENCY_FIELDS[field]
        target = entry
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = value
    entry["services"] = []  # their own rules are not what this edit changes
    check_organization(entry, _country_codes(session))
    check_holidays(entry["referral"].get("holidays") or [], agency_id)
    if entry.get("acronym") is not None:
        entry["acronym"] = str(entry["acronym"]).strip() or None
    before = {field: getattr(agency, field) for field in changes}
    after = {field: _read(entry, AGENCY_FIELDS[field]) for field in changes}
    changed = [field for field in changes if before[field] != after[field]]
    if not changed:
        return None
    for field in changed:
        setattr(agency, field, after[field])
    if "names" in changed:
        agency.name = display_name(agency.names)
    return record_change(
        session,
        actor,
        agency_id,
        f"agency {agency_id}",
        {f: before[f] for f in changed},
        {f: after[f] for f in changed},
        reason,
        commit=commit,
    )


def update_service(
    session: Session, service_id: str, changes: dict[str, Any], actor: str, reason: str = "", commit: bool = True
) -> DirectoryChange | None:
    """Change a service's languages, areas, hours, features and the like; None when nothing differed."""
    service = session.get(AgencyService, service_id)
    if service is None:
        raise UnknownRecord(service_id)
    entry = service_entry(service)
    for field, value in changes.items():
        if field not in SERVICE_FIELDS:
            raise DirectoryError(f"{service.agency_id}/{service_id}", field, "cannot be edited here")
        entry[SERVICE_FIELDS[field]] = value
    check_service(entry, service.agency_id)
    before = {field: getattr(service, field) for field in changes}
    after = {field: entry[SERVICE_FIELDS[field]] for field in changes}
    changed = [field for field in changes if before[field] != after[field]]
    if not changed:
        return None
    for field in changed:
        setattr(service, field, after[field])
    return record_change(
        session,
        actor,
        service.agency_id,
        f"service {service_id}",
        {f: before[f] for f in changed},
        {f: after[f] for f in changed},
        reason,
        commit=commit,
    )


def set_referral_contacts(
    session: Session,
    agency_id: str,
    contacts: list[dict[str, Any]],
    actor: str,
    reason: str = "",
    seen_as_reporter: Callable[[str], bool] | None = None,
) -> DirectoryChange | None:
    """Replace an agency's escalation ladder (first active contact is notified first); None if unchanged.

    `seen_as_reporter` (given by the core, which knows the reporters' number hashes) tells whether an
    added SMS number has texted or called as a reporter; such a change is flagged for coordinators."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise UnknownRecord(agency_id)
    wanted = [normalise_contact(contact, f"{agency_id}/contacts[{i}]") for i, contact in enumerate(contacts)]
    before = [contact_entry(contact) for contact in agency.contacts]
    if wanted == before:
        return None
    agency.contacts = [ReferralContact(position=i, **contact) for i, contact in enumerate(wanted)]
    added = {c["sms"] for c in wanted if c["sms"]} - {c["sms"] for c in before if c["sms"]}
    flag = None
    if seen_as_reporter is not None and any(seen_as_reporter(number) for number in sorted(added)):
        flag = REPORTER_NUMBER
        reason = (reason.strip() + "; " if reason.strip() else "") + "an added SMS number has been a reporter's"
    return record_change(session, actor, agency_id, f"contacts {agency_id}", before, wanted, reason, flag)


def contact_entry(contact: ReferralContact) -> dict[str, Any]:
    return {"name": contact.name, "email": contact.email, "sms": contact.sms, "active": contact.active}


def normalise_contact(contact: dict[str, Any], record: str) -> dict[str, Any]:
    """A referral contact with its fields checked: a name, and an email or an SMS number to reach it."""
    unknown = set(contact) - set(CONTACT_FIELDS)
    if unknown:
        raise DirectoryError(record, sorted(unknown)[0], "not a contact field")
    name = str(contact.get("name") or "").strip()
    email = str(contact.get("email") or "").strip() or None
    sms = str(contact.get("sms") or "").strip() or None
    if not name or len(name) > 120:
        raise DirectoryError(record, "name", "needs a name of at most 120 characters")
    if email is not None and (len(email) > 254 or not EMAIL.match(email)):
        raise DirectoryError(record, "email", "is not an email address")
    if sms is not None and not _is_e164(sms):
        raise DirectoryError(record, "sms", "must be a valid E.164 number such as +50212345678")
    if email is None and sms is None:
        raise DirectoryError(record, "email", "needs an email or an SMS number")
    active = contact.get("active", True)
    if not isinstance(active, bool):
        raise DirectoryError(record, "active", "must be true or false")
    return {"name": name, "email": email, "sms": sms, "active": active}


def check_holidays(holidays: list[Any], record: str) -> None:
    """Holidays are ISO dates (2025-12-25): the routing snapshot reads them as dates."""
    for holiday in holidays:
        try:
            date.fromisoformat(str(holiday))
        except ValueError:
            raise DirectoryError(record, "referral.holidays", f"{holiday!r} is not a date such as 2025-12-25") from None
        if not isinstance(holiday, str) or len(holiday) != 10:
            raise DirectoryError(record, "referral.holidays", f"{holiday!r} is not a date such as 2025-12-25")


def record_change(
    session: Session,
    actor: str,
    agency_id: str,
    record: str,
    before: Any,
    after: Any,
    reason: str,
    flag: str | None = None,
    commit: bool = True,
) -> DirectoryChange:
    """Write the change (who, when, which record, before, after, why) and mark the directory changed.

    `commit=False` leaves the transaction to the caller, who applies several edits all or none."""
    fields = ", ".join(sorted(after)) if isinstance(after, dict) else "escalation list"
    summary = f"{record}: {fields}" + (f" ({reason.strip()})" if reason.strip() else "")
    change = DirectoryChange(
        actor=actor, agency_id=agency_id, record=record, before=before, after=after, summary=summary, flag=flag
    )
    session.add(change)
    bump_version(session)
    if commit:
        session.commit()
    else:
        session.flush()
    return change


def _read(entry: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        entry = entry[key]
    return entry


def _country_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Country.code)))


def _is_e164(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    )


def parse_hours(record: str, text: str) -> Any:
    """Blank is unknown, `24/7` is always open, else lines such as `mo-fr 08:00-16:00` or `sa,su 09:00-13:00`."""
    text = text.strip()
    if not text:
        return None
    if text == "24/7":
        return "24/7"
    periods = []
    for line in text.lower().splitlines():
        if not line.strip():
            continue
        match = HOURS_LINE.match(line.strip())
        if match is None:
            raise DirectoryError(record, "hours", f"{line.strip()!r} is not like 'mo-fr 08:00-16:00'")
        periods.append({"days": _days(record, match["days"]), "opens": match["opens"], "closes": match["closes"]})
    return periods


def hours_text(hours: Any) -> str:
    """The hours as the staff form and the verification sheet write them (blank when unknown)."""
    if hours is None or hours == "24/7":
        return hours or ""
    return "\n".join(f"{','.join(p['days'])} {p['opens']}-{p['closes']}" for p in hours)


def _days(record: str, text: str) -> list[str]:
    days: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        first, _dash, last = token.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise DirectoryError(record, "hours", f"{token!r}: days are {', '.join(WEEKDAYS)}")
        span = WEEKDAYS[WEEKDAYS.index(first) : WEEKDAYS.index(last) + 1] if last else (first,)
        if not span:
            raise DirectoryError(record, "hours", f"{token!r}: a range runs from the earlier day to the later")
        days += [day for day in span if day not in days]
    return days
