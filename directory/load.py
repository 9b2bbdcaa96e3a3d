"""Loading a directory document (the bundled real region, or an edited copy) into the tables.

The whole document is checked before anything is written, so a bad record is refused with its id
and field named and nothing half-loads. Loading is idempotent: the same document twice changes
nothing the second time.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import phonenumbers
import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.base import utcnow
from directory.models import (
    AGENCY_KINDS,
    FEATURES,
    PHONE_TYPES,
    REFERRAL_CHANNELS,
    RISK_LEVELS,
    TRI_STATE,
    Agency,
    AgencyPhone,
    AgencyService,
    Country,
    DirectoryChange,
    DirectoryVersion,
    HotlineLine,
    ReferralContact,
)
from directory.timezones import COUNTRY_TIME_ZONES
from routing.snapshot import WEEKDAYS

DATA = Path(__file__).resolve().parent / "data"
REGION_FILE = DATA / "region.json"
DEMO_CONTACTS_FILE = DATA / "demo_contacts.json"
LINES_FILE = DATA / "lines.json"
SCHEMA = "hotline-directory/1"
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class DirectoryError(ValueError):
    """A record of a directory document is wrong; says which record and which field."""

    def __init__(self, record: str, field: str, message: str) -> None:
        super().__init__(f"{record}: {field}: {message}")
        self.record, self.field, self.message = record, field, message


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def display_name(names: dict[str, str], prefer: str = "es") -> str:
    return names.get(prefer) or names.get("en") or next(iter(names.values()))


def check_document(document: dict[str, Any]) -> None:
    """Raise DirectoryError on the first wrong record of a directory document."""
    if document.get("schema") != SCHEMA:
        raise DirectoryError("document", "schema", f"must be {SCHEMA}")
    codes = set()
    for country in document.get("countries", ()):
        code = country.get("code")
        _require(_is_country(code), f"country {code}", "code", "not an ISO 3166-1 alpha-2 code")
        _require(bool(country.get("time_zone")), f"country {code}", "time_zone", "missing")
        for language in country.get("languages", ()):
            _require(_is_language(language), f"country {code}", "languages", f"{language} is not ISO 639-1")
        codes.add(code)
    seen: set[str] = set()
    for org in document.get("organizations", ()):
        check_organization(org, codes)
        _require(org["id"] not in seen, org["id"], "id", "appears twice")
        seen.add(org["id"])
        for service in org.get("services", ()):
            _require(service.get("id") not in seen, service.get("id", "?"), "id", "appears twice")
            seen.add(service["id"])


def check_organization(org: dict[str, Any], countries: set[str]) -> None:
    record = str(org.get("id", "?"))
    _require(isinstance(org.get("id"), str) and bool(ID.match(org["id"])), record, "id", "lowercase letters, digits, -")
    _require(org.get("kind") in AGENCY_KINDS, record, "kind", f"unknown kind {org.get('kind')!r}")
    country = org.get("country")
    _require(country is None or country in countries, record, "country", f"{country} is not in the countries list")
    names = org.get("name")
    _require(isinstance(names, dict) and bool(names), record, "name", "needs at least one language")
    assert isinstance(names, dict)
    for language in names:
        _require(_is_language(language), record, "name", f"{language} is not ISO 639-1")
    for phone in org.get("phones", ()):
        check_phone(phone, record)
    referral = org.get("referral") or {}
    for channel in referral.get("channels", ()):
        _require(channel in REFERRAL_CHANNELS, record, "referral.channels", f"unknown channel {channel!r}")
    for level, minutes in (referral.get("ack_minutes") or {}).items():
        _require(level in RISK_LEVELS, record, "referral.ack_minutes", f"unknown risk level {level!r}")
        _require(isinstance(minutes, int) and minutes > 0, record, "referral.ack_minutes", "minutes must be > 0")
    takes_cases = referral.get("takes_cases")
    _require(takes_cases is None or isinstance(takes_cases, bool), record, "referral.takes_cases", "true or false")
    for service in org.get("services", ()):
        check_service(service, record)


def check_service(service: dict[str, Any], organization: str) -> None:
    record = f"{organization}/{service.get('id', '?')}"
    _require(isinstance(service.get("id"), str) and bool(ID.match(service["id"])), record, "id", "bad id")
    for area in service.get("areas", ()):
        _require(_is_country(area.get("country")), record, "areas", f"{area.get('country')} is not a country")
        for region in area.get("regions", ()):
            valid = pycountry.subdivisions.get(code=region) is not None and region.startswith(area["country"] + "-")
            _require(valid, record, "areas", f"{region} is not a region of {area['country']}")
    for language in service.get("languages", ()):
        _require(_is_language(language), record, "languages", f"{language} is not ISO 639-1")
    for field in ("interpretation", "after_hours_referrals"):
        _require(service.get(field, "unknown") in TRI_STATE, record, field, "must be yes, no or unknown")
    for feature, value in (service.get("features") or {}).items():
        _require(feature in FEATURES, record, "features", f"unknown feature {feature!r}")
        _require(value in TRI_STATE, record, f"features.{feature}", "must be yes, no or unknown")
    hours = service.get("hours")
    if hours not in (None, "24/7"):
        _require(isinstance(hours, list), record, "hours", 'null, "24/7" or a list of periods')
        assert isinstance(hours, list)
        for period in hours:
            _require(all(day in WEEKDAYS for day in period.get("days", ())), record, "hours", "days are mo..su")
            for end in ("opens", "closes"):
                _require(bool(CLOCK.match(str(period.get(end, "")))), record, f"hours.{end}", "a time such as 08:00")
    for phone in service.get("phones", ()):
        check_phone(phone, record)


def check_phone(phone: dict[str, Any], record: str) -> None:
    _require(phone.get("type", "voice") in PHONE_TYPES, record, "phones.type", f"unknown type {phone.get('type')!r}")
    _require(_is_country(phone.get("country")), record, "phones.country", "needs the country it is dialled in")
    _require(bool(phone.get("dialable")), record, "phones.dialable", "missing")
    number = phone.get("number")
    if number is not None:
        try:
            parsed = phonenumbers.parse(number)
        except phonenumbers.NumberParseException:
            parsed = None
        valid = parsed is not None and phonenumbers.is_valid_number(parsed)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if parsed else None
        formatted = valid and e164 == number
        _require(bool(formatted), record, "phones.number", f"{number} is not a valid E.164 number")


def load_document(
    session: Session,
    document: dict[str, Any],
    actor: str,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> int:
    """Check, then write every country and organization of the document; return how many organizations."""
    check_document(document)
    for entry in document.get("countries", ()):
        country = session.get(Country, entry["code"]) or Country(code=entry["code"])
        country.names = dict(entry.get("name") or {})
        country.time_zone = COUNTRY_TIME_ZONES.get(entry["code"], entry["time_zone"])
        country.languages = list(entry.get("languages") or [])
        country.corett = bool(entry.get("corett"))
        session.add(country)
    organizations = document.get("organizations", [])
    existing = {agency.id: agency for agency in session.scalars(select(Agency))}
    for org in progress(organizations):
        agency = existing.get(org["id"]) or Agency(id=org["id"])
        _fill_agency(agency, org)
        session.add(agency)
    session.add(
        DirectoryChange(
            actor=actor, record="directory", summary=f"loaded {len(organizations)} organizations", after=None
        )
    )
    bump_version(session)
    return len(organizations)


def apply_demo_contacts(session: Session, contacts: dict[str, Any]) -> int:
    """Give agencies the fictional referral contacts of the demo fixture; return how many agencies."""
    count = 0
    for agency_id, entry in contacts.items():
        agency = None if agency_id.startswith("_") else session.get(Agency, agency_id)
        if agency is None:
            continue
        agency.referral_channels = list(entry.get("referral_channels") or ["portal"])
        agency.contacts = [
            ReferralContact(position=i, name=c.get("name", "Duty desk"), email=c.get("email"), sms=c.get("sms"))
            for i, c in enumerate(entry.get("contacts", ()))
        ]
        count += 1
    bump_version(session)
    return count


def load_lines(session: Session, document: dict[str, Any]) -> int:
    """Create or update our hotline lines from their file (numbers as Twilio sends `To`); return how many."""
    count = 0
    for entry in document.get("lines", ()):
        record = f"line {entry.get('number')!r}"
        number = str(entry.get("number") or "")
        _require(bool(re.fullmatch(r"\+[1-9]\d{6,14}", number)), record, "number", "an E.164 number")
        _require(entry.get("country") in COUNTRY_TIME_ZONES, record, "country", "a directory country")
        hours = entry.get("hours")
        _require(hours == "24/7" or isinstance(hours, list), record, "hours", '"24/7" or a list of periods')
        line = session.get(HotlineLine, number) or HotlineLine(number=number)
        line.country, line.language = entry["country"], str(entry.get("language") or "es")
        line.time_zone = entry.get("time_zone") or COUNTRY_TIME_ZONES[entry["country"]]
        line.hours, line.demo = hours, bool(entry.get("demo", False))
        line.provenance = dict(entry.get("provenance") or {})
        session.add(line)
        count += 1
    return count


def bump_version(session: Session) -> None:
    """Mark the directory changed, so every process rebuilds its routing snapshot."""
    row = session.get(DirectoryVersion, 1)
    if row is None:
        row = DirectoryVersion(id=1, number=0)
        session.add(row)
    row.number += 1
    row.token = uuid.uuid4().hex
    row.changed_at = utcnow()


def _fill_agency(agency: Agency, org: dict[str, Any]) -> None:
    referral = org.get("referral") or {}
    agency.names = dict(org["name"])
    agency.name = display_name(agency.names)
    agency.acronym = org.get("acronym")
    agency.country = org.get("country")
    agency.kind = org["kind"]
    agency.regional_focal_point = bool(org.get("regional_focal_point"))
    agency.emails = list(org.get("emails") or [])
    agency.urls = list(org.get("urls") or [])
    agency.provenance = dict(org.get("provenance") or {})
    # Each referral field is replaced only when the document states it, so marking a body
    # (takes_cases) does not wipe the contacts' channels set up by hand or by the demo fixture.
    if "channels" in referral:
        agency.referral_channels = list(referral["channels"] or [])
    if "ack_minutes" in referral:
        agency.ack_minutes = dict(referral["ack_minutes"] or {})
    if "holidays" in referral:
        agency.holidays = list(referral["holidays"] or [])
    agency.takes_cases = referral.get("takes_cases")
    agency.services = [_service(agency.id, i, s) for i, s in enumerate(org.get("services") or ())]
    phones = [_phone(agency.id, None, p) for p in org.get("phones") or ()]
    for service, service_entry in zip(agency.services, org.get("services") or (), strict=True):
        phones += [_phone(agency.id, service, p) for p in service_entry.get("phones") or ()]
    for position, phone in enumerate(phones):
        phone.position = position
    agency.phones = phones


def _service(agency_id: str, position: int, entry: dict[str, Any]) -> AgencyService:
    return AgencyService(
        id=entry["id"],
        agency_id=agency_id,
        position=position,
        names=dict(entry.get("name") or {}),
        description=dict(entry.get("description") or {}),
        areas=[{"country": a["country"], "regions": list(a.get("regions") or [])} for a in entry.get("areas") or ()],
        languages=list(entry.get("languages") or []),
        interpretation=entry.get("interpretation", "unknown"),
        hours=entry.get("hours"),
        after_hours_referrals=entry.get("after_hours_referrals", "unknown"),
        case_types=list(entry.get("case_types") or []),
        groups=list(entry.get("groups") or []),
        features=dict(entry.get("features") or {}),
        provenance=dict(entry.get("provenance") or {}),
    )


def _phone(agency_id: str, service: AgencyService | None, entry: dict[str, Any]) -> AgencyPhone:
    return AgencyPhone(
        agency_id=agency_id,
        service=service,
        number=entry.get("number"),
        dialable=entry["dialable"],
        country=entry["country"],
        type=entry.get("type", "voice"),
        toll_free=entry.get("toll_free", "unknown"),
        description=dict(entry.get("description") or {}),
        provenance=dict(entry.get("provenance") or {}),
    )


def _require(condition: bool, record: str, field: str, message: str) -> None:
    if not condition:
        raise DirectoryError(record, field, message)


def _is_country(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _is_language(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None
