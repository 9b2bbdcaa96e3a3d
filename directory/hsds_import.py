"""Any HSDS 3 data package into the directory: ours back whole, a partner's as far as our model reaches.

A row that carries our `x_hotline` extension is read back exactly (our own export round-trips). A
partner's row is mapped from its HSDS fields: organizations, services with their languages, weekly
hours and phones with a dialable international number, websites and emails. What the directory
has no place for (locations, addresses, taxonomies, programs, costs, free-text areas, fields such as
`tax_status`...) is left out, and the report says what and how much. A partner's contacts are never
imported: our contacts are the people we notify of referrals, and only our own packages name them.

The whole package is checked before anything is written; a wrong record raises DirectoryError with
its id and field.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
import pycountry
from sqlalchemy.orm import Session

from directory.editing import check_holidays, contact_entry, normalise_contact
from directory.hsds import ALWAYS_OPEN, EXTENSION, LOCAL_IDENTIFIER, RESOURCES
from directory.load import SCHEMA, DirectoryError, check_document, check_phone, load_document
from directory.models import Agency, ReferralContact
from directory.timezones import COUNTRY_TIME_ZONES
from routing.snapshot import WEEKDAYS

# HSDS phone types (RFC 6350) we can dial; video, pager and textphone we cannot.
PHONE_TYPES_IN = {"voice": "voice", "cell": "voice", "text": "sms", "fax": "fax"}
PARTNER_KIND = "ngo"
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)")
# The HSDS fields each table's mapping reads; any other field a package carries is reported as left out.
READS = {
    "organization": {"id", "name", "alternate_name", "description", "email", "website", EXTENSION},
    "organization_identifier": {"id", "organization_id", "identifier_type", "identifier", "identifier_scheme"},
    "service": {"id", "organization_id", "name", "description", "status", "interpretation_services", EXTENSION},
    "service_area": {"id", "service_id", "name", EXTENSION},
    "language": {"id", "service_id", "code", "name"},
    "phone": {"id", "organization_id", "service_id", "contact_id", "number", "type", "description", EXTENSION},
    "schedule": {"id", "service_id", "freq", "byday", "opens_at", "closes_at", "description", "timezone", EXTENSION},
    "contact": {"id", "organization_id", "name", "email", EXTENSION},
    "url": {"id", "organization_id", "service_id", "url", EXTENSION},
}


@dataclass
class ImportReport:
    """How many organizations were written, and what of the package was left out and why."""

    organizations: int = 0
    left_out: list[str] = field(default_factory=list)


@dataclass
class _Mapping:
    language: str
    left_out: Counter[str] = field(default_factory=Counter)
    unread_fields: dict[str, set[str]] = field(default_factory=dict)

    skipped_services: set[str] = field(default_factory=set)

    def skip(self, reason: str) -> None:
        self.left_out[reason] += 1


def import_datapackage(
    session: Session,
    data: dict[str, Any],
    actor: str,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
    language: str = "es",
) -> ImportReport:
    """Check the whole package, then write it; say how many organizations and what was left out.

    `language` is the language of a partner's names and descriptions (ours name theirs in x_hotline).
    Organizations in the package replace their stored selves, referral contacts included; agencies
    the package does not list are left as they are.
    """
    document, contacts, report = document_from_datapackage(data, language)
    load_document(session, document, actor, progress)
    for agency_id, ladder in contacts.items():
        agency = session.get(Agency, agency_id)
        assert agency is not None  # load_document has just written it
        if [contact_entry(contact) for contact in agency.contacts] != ladder:
            agency.contacts = [ReferralContact(position=i, **contact) for i, contact in enumerate(ladder)]
    return report


def document_from_datapackage(
    data: dict[str, Any], language: str = "es"
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], ImportReport]:
    """The `hotline-directory/1` document, the referral contacts per agency and the report, all checked."""
    _require(isinstance(data, dict), "datapackage", "resources", "not a JSON object")
    _require(pycountry.languages.get(alpha_2=language) is not None, "import", "language", "not ISO 639-1")
    resources = data.get("resources")
    _require(isinstance(resources, list), "datapackage", "resources", "not a data package: needs a list of resources")
    assert isinstance(resources, list)
    mapping = _Mapping(language)
    tables = _tables(resources, mapping)
    extension = data.get(EXTENSION) or {}
    identifiers = {
        row.get("organization_id"): row["identifier"]
        for row in tables["organization_identifier"]
        if row.get("identifier_type") == LOCAL_IDENTIFIER and isinstance(row.get("identifier"), str)
    }
    organizations: dict[str, dict[str, Any]] = {}
    for row in tables["organization"]:
        organizations[row["id"]] = _organization(row, identifiers.get(row["id"]), mapping)
    services: dict[str, dict[str, Any]] = {}
    owners: dict[str, str] = {}
    for row in tables["service"]:
        org = _parent(organizations, row, "organization_id")
        if row.get("status", "active") != "active" and EXTENSION not in row:
            mapping.skip(f"service: not active ({row.get('status')}), not imported")
            mapping.skipped_services.add(row["id"])
            continue
        services[row["id"]] = _service(row, org["id"], mapping)
        owners[row["id"]] = row["organization_id"]
        org["services"].append(services[row["id"]])
    for row in tables["service_area"]:
        area = _area(row)
        if area is None:
            mapping.skip("service_area: no country and regions we can read (free-text areas are not mapped)")
        elif _linked(services, row, "service_id", mapping):
            services[row["service_id"]]["areas"].append(area)
    for row in tables["language"]:
        code = row.get("code")
        if not (isinstance(code, str) and pycountry.languages.get(alpha_2=code) is not None):
            mapping.skip("language: not an ISO 639-1 code")
        elif _linked(services, row, "service_id", mapping):
            services[row["service_id"]]["languages"].append(code)
    for row in tables["schedule"]:
        if _linked(services, row, "service_id", mapping):
            _add_schedule(services[row["service_id"]], row, mapping)
    ours = {row["id"] for row in tables["contact"] if EXTENSION in row}
    contacts: dict[str, list[dict[str, Any]]] = {org["id"]: [] for org in organizations.values() if org["ours"]}
    contact_sms: dict[str, str] = {}
    for row in tables["phone"]:
        _add_phone(row, organizations, services, owners, ours, contact_sms, mapping)
    for row in tables["url"]:
        if row.get("organization_id") is None:
            mapping.skip("url: of a service, not imported")
            continue
        org = _parent(organizations, row, "organization_id")
        _require(isinstance(row.get("url"), str) and bool(row["url"]), row["id"], "url", "missing")
        if not org["from_urls"]:
            org["urls"], org["from_urls"] = [], True  # url rows, when there are any, list every website
        org["urls"].append({"url": row["url"], "provenance": _extension(row).get("provenance") or {}})
    for row in tables["contact"]:
        if row["id"] not in ours:
            mapping.skip("contact: a partner's contacts are never made referral contacts")
            continue
        org = _parent(organizations, row, "organization_id")
        entry = {
            "name": row.get("name"),
            "email": row.get("email"),
            "sms": contact_sms.get(row["id"]),
            "active": _extension(row).get("active", True),
        }
        contacts[org["id"]].append(normalise_contact(entry, row["id"]))
    for org in organizations.values():
        del org["ours"], org["from_urls"]
    document = {
        "schema": SCHEMA,
        "countries": list(extension.get("countries") or []),
        "organizations": list(organizations.values()),
    }
    _check_countries(document, mapping)
    check_document(document)
    for org in document["organizations"]:
        check_holidays(org["referral"]["holidays"], org["id"])
    fields = [
        f"{table}: fields with no place in the directory: {', '.join(sorted(unread))}"
        for table, unread in sorted(mapping.unread_fields.items())
        if unread
    ]
    reasons = [f"{reason} ({count})" for reason, count in sorted(mapping.left_out.items())]
    report = ImportReport(organizations=len(organizations), left_out=reasons + fields)
    return document, contacts, report


def _tables(resources: list[Any], mapping: _Mapping) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in RESOURCES}
    for resource in resources:
        _require(isinstance(resource, dict), "datapackage", "resources", "each resource must be an object")
        name = resource.get("name")
        rows = resource.get("data") or []
        _require(isinstance(rows, list), str(name), "data", "must be a list of rows")
        if name not in tables:
            if rows:
                mapping.skip(f"{name}: the directory has no place for this table")
            continue
        seen: set[str] = set()
        for i, row in enumerate(rows):
            record_id = row.get("id") if isinstance(row, dict) else None
            _require(isinstance(record_id, str) and bool(record_id), f"{name}[{i}]", "id", "missing")
            _require(record_id not in seen, str(record_id), "id", f"appears twice in {name}")
            seen.add(str(record_id))
            mapping.unread_fields.setdefault(name, set()).update(set(row) - READS[name])
            tables[name].append(row)
    return tables


def _organization(row: dict[str, Any], identifier: str | None, mapping: _Mapping) -> dict[str, Any]:
    extension = _extension(row)
    ours = bool(extension)
    name = row.get("name")
    _require(ours or (isinstance(name, str) and bool(name)), row["id"], "name", "missing")
    slug = extension.get("id") or identifier or _slug(row.get("alternate_name") or name, row["id"])
    if not ours:
        mapping.skip(f"organization: kind not given, set to {PARTNER_KIND} (review it before routing relies on it)")
    email = row.get("email")
    website = row.get("website")
    return {
        "id": slug,
        "country": extension.get("country"),
        "kind": extension.get("kind", PARTNER_KIND),
        "name": extension.get("names") or {mapping.language: name},
        "acronym": row.get("alternate_name"),
        "regional_focal_point": bool(extension.get("regional_focal_point")),
        "phones": [],
        "emails": list(extension["emails"]) if "emails" in extension else ([{"address": email}] if email else []),
        "urls": [{"url": website, "provenance": {}}] if website and not ours else [],
        "services": [],
        "referral": {"channels": [], "ack_minutes": {}, "holidays": [], **(extension.get("referral") or {})},
        "provenance": extension.get("provenance") or {"source": "HSDS import", "hsds_id": row["id"]},
        "ours": ours,
        "from_urls": False,
    }


def _service(row: dict[str, Any], org_slug: str, mapping: _Mapping) -> dict[str, Any]:
    extension = _extension(row)
    name, description = row.get("name"), row.get("description")
    names = extension.get("names") or ({mapping.language: name} if name else {})
    descriptions = extension.get("descriptions") or ({mapping.language: description} if description else {})
    if not extension and row.get("interpretation_services"):
        mapping.skip("service.interpretation_services: free text, kept as unknown")
    return {
        "id": extension.get("id") or _slug(name or org_slug, row["id"]),
        "name": names,
        "description": descriptions,
        "areas": [],
        "languages": [],
        "interpretation": extension.get("interpretation", "unknown"),
        "hours": None,
        "after_hours_referrals": extension.get("after_hours_referrals", "unknown"),
        "case_types": list(extension.get("case_types") or []),
        "groups": list(extension.get("groups") or []),
        "features": dict(extension.get("features") or {}),
        "phones": [],
        "provenance": extension.get("provenance") or {"source": "HSDS import", "hsds_id": row["id"]},
    }


def _area(row: dict[str, Any]) -> dict[str, Any] | None:
    extension = _extension(row)
    country = extension.get("country")
    if not extension:
        return None
    _require(isinstance(country, str), row["id"], f"{EXTENSION}.country", "missing")
    regions = extension.get("regions") or []
    _require(isinstance(regions, list), row["id"], f"{EXTENSION}.regions", "must be a list of region codes")
    return {"country": country, "regions": list(regions)}


def _add_schedule(service: dict[str, Any], row: dict[str, Any], mapping: _Mapping) -> None:
    extension = _extension(row)
    if extension.get("always_open"):
        service["hours"] = ALWAYS_OPEN
        return
    byday = row.get("byday")
    days = [day.strip().lower() for day in byday.split(",")] if isinstance(byday, str) else []
    opens, closes = _clock(row.get("opens_at")), extension.get("closes") or _clock(row.get("closes_at"))
    readable = row.get("freq") == "WEEKLY" and days and all(day in WEEKDAYS for day in days) and opens and closes
    if extension:
        _require(bool(readable), row["id"], "byday", "a WEEKLY schedule with days such as MO,TU and HH:MM times")
    elif not readable:
        mapping.skip("schedule: not a weekly schedule with days and opening times")
        return
    _require(service["hours"] != ALWAYS_OPEN, row["id"], "service_id", "service is already open 24/7")
    service["hours"] = [*(service["hours"] or []), {"days": days, "opens": opens, "closes": closes}]


def _add_phone(
    row: dict[str, Any],
    organizations: dict[str, dict[str, Any]],
    services: dict[str, dict[str, Any]],
    owners: dict[str, str],
    our_contacts: set[str],
    contact_sms: dict[str, str],
    mapping: _Mapping,
) -> None:
    if row.get("contact_id") in our_contacts:
        _require(isinstance(row.get("number"), str), row["id"], "number", "missing")
        contact_sms[row["contact_id"]] = row["number"]
        return
    if row.get("contact_id") is not None and EXTENSION not in row and row.get("service_id") is None:
        mapping.skip("phone: of a partner's contact only, not imported")
        return
    _require(row.get("contact_id") is None or EXTENSION not in row, row["id"], "contact_id", "no such contact")
    phone = _phone(row, mapping)
    if phone is None:
        return
    check_phone(phone, row["id"])
    if row.get("service_id") is not None:
        if not _linked(services, row, "service_id", mapping):
            return
        _require(
            row.get("organization_id") in (None, owners[row["service_id"]]),
            row["id"],
            "organization_id",
            "is not the organization of its service",
        )
        services[row["service_id"]]["phones"].append(phone)
    elif row.get("organization_id") is not None:
        _parent(organizations, row, "organization_id")["phones"].append(phone)
    else:
        mapping.skip("phone: of a location, not imported")


def _phone(row: dict[str, Any], mapping: _Mapping) -> dict[str, Any] | None:
    extension = _extension(row)
    number = row.get("number")
    _require(isinstance(number, str) and bool(number), row["id"], "number", "missing")
    assert isinstance(number, str)
    if extension:
        return {
            "number": extension.get("e164"),
            "dialable": extension.get("dialable", number),
            "country": extension.get("country"),
            "type": extension.get("type", "voice"),
            "toll_free": extension.get("toll_free", "unknown"),
            "description": extension.get("descriptions") or {},
            "provenance": extension.get("provenance") or {},
        }
    kind = PHONE_TYPES_IN.get(str(row.get("type", "voice")))
    dialled = number.strip().strip("\"'")
    try:
        parsed = phonenumbers.parse(dialled)
    except phonenumbers.NumberParseException:
        parsed = None
    if kind is None or parsed is None or not phonenumbers.is_valid_number(parsed):
        mapping.skip("phone: not a valid international number of a type we dial")
        return None
    description = row.get("description")
    return {
        "number": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        "dialable": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        "country": phonenumbers.region_code_for_number(parsed),
        "type": kind,
        "toll_free": "unknown",
        "description": {mapping.language: description} if description else {},
        "provenance": {"source": "HSDS import", "hsds_id": row["id"]},
    }


def _check_countries(document: dict[str, Any], mapping: _Mapping) -> None:
    """A partner package lists no countries: add those its phones and areas need, with their clocks."""
    known = {country["code"] for country in document["countries"]}
    needed: set[str] = set()
    for org in document["organizations"]:
        needed.update(phone["country"] for phone in org["phones"])
        for service in org["services"]:
            needed.update(phone["country"] for phone in service["phones"])
            needed.update(area["country"] for area in service["areas"])
    for code in sorted(needed - known - {None}):
        zone = COUNTRY_TIME_ZONES.get(code)
        if zone is None:
            mapping.skip(f"country {code}: no time zone in the directory, hours read as UTC")
            zone = "UTC"
        country = pycountry.countries.get(alpha_2=code)
        names = {"en": country.name} if country is not None else {}
        document["countries"].append({"code": code, "name": names, "time_zone": zone, "languages": [], "corett": False})


def _clock(value: Any) -> str | None:
    match = CLOCK.match(value) if isinstance(value, str) else None
    return f"{match.group(1)}:{match.group(2)}" if match else None


def _slug(text: str | None, record_id: str) -> str:
    """A readable id for a partner's record: its name in ASCII, then the start of its UUID for uniqueness."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")
    tail = re.sub(r"[^a-z0-9]", "", record_id.lower())[:8] or "record"
    return f"{words}-{tail}" if words else f"hsds-{tail}"


def _linked(parents: dict[str, dict[str, Any]], row: dict[str, Any], field: str, mapping: _Mapping) -> bool:
    """True when the row's parent was imported; a row of a left-out service is left out with it."""
    if row.get(field) in parents:
        return True
    _require(row.get(field) in mapping.skipped_services, row["id"], field, f"no such record {row.get(field)!r}")
    mapping.skip("row of a service not imported, left out with it")
    return False


def _parent(parents: dict[str, dict[str, Any]], row: dict[str, Any], field: str) -> dict[str, Any]:
    parent = parents.get(row.get(field))  # type: ignore[arg-type]
    _require(parent is not None, row["id"], field, f"no such record {row.get(field)!r}")
    return parent  # type: ignore[return-value]


def _extension(row: dict[str, Any]) -> dict[str, Any]:
    extension = row.get(EXTENSION) or {}
    _require(isinstance(extension, dict), row.get("id", "?"), EXTENSION, "must be an object")
    return extension


def _require(condition: bool, record: str, field: str, message: str) -> None:
    if not condition:
        raise DirectoryError(record, field, message)
