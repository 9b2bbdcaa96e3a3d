"""The directory as an Open Referral HSDS 3.x JSON datapackage, out and back in.

Shape: `{"profile": PROFILE, "resources": {"organization": [...], "service": [...], ...},
"x_hotline": {"schema": ..., "countries": [...]}}`. Records use HSDS 3 field names where HSDS has
the field; what HSDS has no place for (agency kind, names per language, provenance, referral
channels, acknowledgement deadlines, yes/no/unknown features...) sits under each record's
`x_hotline` key, so an HSDS reader ignores it and our importer reads it back.

Where both carry a value, the importer reads HSDS fields that hold it whole (ids, links between
records, acronym, language codes, hours, contact name and email) and `x_hotline` for the rest
(names in every language rather than HSDS's single `name`).

Output is deterministic so that export, import, export gives the same bytes: organizations in id
order, every child in its parent's order (which is its position, read back from list order), ids
of children derived from their parent and position, and `dumps` writes keys sorted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.editing import check_holidays, contact_entry, normalise_contact
from directory.load import SCHEMA, DirectoryError, check_document, check_phone, display_name, load_document
from directory.models import Agency, ReferralContact
from directory.snapshot import document_from_tables
from routing.snapshot import WEEKDAYS

PROFILE = "https://openreferral.org/imports/hsds/"
HSDS_VERSION = "3.1"
EXTENSION = "x_hotline"
RESOURCES = ("organization", "service", "service_area", "language", "phone", "schedule", "contact", "url")
# HSDS phone types; ours that HSDS lacks (WhatsApp) go out as "text" and come back from x_hotline.
PHONE_TYPES_OUT = {"voice": "voice", "sms": "text", "whatsapp": "text", "fax": "fax"}
PHONE_TYPES_IN = {"voice": "voice", "cell": "voice", "text": "sms", "fax": "fax"}
ALWAYS_OPEN = "24/7"


def export_datapackage(session: Session) -> dict[str, Any]:
    """Every country, agency, service, phone and referral contact as an HSDS 3 datapackage."""
    document = document_from_tables(session)
    contacts = _contacts_by_agency(session)
    resources: dict[str, list[dict[str, Any]]] = {name: [] for name in RESOURCES}
    for org in document["organizations"]:
        _export_organization(org, contacts.get(org["id"], []), resources)
    return {
        "profile": PROFILE,
        "version": HSDS_VERSION,
        "resources": resources,
        EXTENSION: {"schema": SCHEMA, "countries": document["countries"]},
    }


def dumps(datapackage: dict[str, Any]) -> str:
    """The datapackage as text: UTF-8 as written (names keep their accents), keys sorted, 2-space indent."""
    return json.dumps(datapackage, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def import_datapackage(
    session: Session,
    data: dict[str, Any],
    actor: str,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> int:
    """Check the whole datapackage, then write it; return how many organizations.

    A wrong record raises DirectoryError naming its id and field before anything is written.
    Organizations in the package replace their stored selves, referral contacts included; agencies
    the package does not list are left as they are.
    """
    document, contacts = document_from_datapackage(data)
    load_document(session, document, actor, progress)
    for agency_id, ladder in contacts.items():
        agency = session.get(Agency, agency_id)
        assert agency is not None  # load_document has just written it
        if [contact_entry(contact) for contact in agency.contacts] != ladder:
            agency.contacts = [ReferralContact(position=i, **contact) for i, contact in enumerate(ladder)]
    return len(document["organizations"])


def document_from_datapackage(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The `hotline-directory/1` document and the referral contacts per agency, all checked."""
    _require(isinstance(data, dict), "datapackage", "profile", "not a JSON object")
    _require(data.get("profile") == PROFILE, "datapackage", "profile", f"must be {PROFILE}")
    resources = data.get("resources")
    _require(isinstance(resources, dict), "datapackage", "resources", "must be an object of resource lists")
    tables = {name: _records(resources, name) for name in RESOURCES}
    extension = data.get(EXTENSION) or {}
    organizations = {org["id"]: _organization(org) for org in tables["organization"]}
    services: dict[str, dict[str, Any]] = {}
    owners: dict[str, str] = {}
    for record in tables["service"]:
        org = _parent(organizations, record, "organization_id")
        service = services[record["id"]] = _service(record)
        owners[record["id"]] = org["id"]
        org["services"].append(service)
    for record in tables["service_area"]:
        _parent(services, record, "service_id")["areas"].append(_area(record))
    for record in tables["language"]:
        _require(isinstance(record.get("code"), str), record["id"], "code", "an ISO 639-1 language code")
        _parent(services, record, "service_id")["languages"].append(record["code"])
    for record in tables["schedule"]:
        _add_schedule(_parent(services, record, "service_id"), record)
    contacts: dict[str, list[dict[str, Any]]] = {org_id: [] for org_id in organizations}
    contact_sms: dict[str, str] = {}
    for record in tables["phone"]:
        if record.get("contact_id") is not None:
            _require(isinstance(record.get("number"), str), record["id"], "number", "missing")
            contact_sms[record["contact_id"]] = record["number"]
            continue
        phone = _phone(record)
        check_phone(phone, record["id"])
        if record.get("service_id") is not None:
            service = _parent(services, record, "service_id")
            _require(
                record.get("organization_id") in (None, owners[record["service_id"]]),
                record["id"],
                "organization_id",
                "is not the organization of its service",
            )
            service["phones"].append(phone)
        else:
            _parent(organizations, record, "organization_id")["phones"].append(phone)
    for record in tables["url"]:
        org = _parent(organizations, record, "organization_id")
        _require(isinstance(record.get("url"), str) and bool(record["url"]), record["id"], "url", "missing")
        org["urls"].append({"url": record["url"], "provenance": _extension(record).get("provenance") or {}})
    known_contacts = set()
    for record in tables["contact"]:
        _parent(organizations, record, "organization_id")
        entry = {
            "name": record.get("name"),
            "email": record.get("email"),
            "sms": contact_sms.get(record["id"]),
            "active": _extension(record).get("active", True),
        }
        contacts[record["organization_id"]].append(normalise_contact(entry, record["id"]))
        known_contacts.add(record["id"])
    for contact_id in contact_sms:
        _require(contact_id in known_contacts, contact_id, "contact_id", "no such contact")
    document = {
        "schema": SCHEMA,
        "countries": list(extension.get("countries") or []),
        "organizations": list(organizations.values()),
    }
    check_document(document)
    for org in document["organizations"]:
        check_holidays(org["referral"]["holidays"], org["id"])
    return document, contacts


def _export_organization(
    org: dict[str, Any], ladder: list[ReferralContact], resources: dict[str, list[dict[str, Any]]]
) -> None:
    org_id = org["id"]
    emails = org["emails"]
    resources["organization"].append(
        {
            "id": org_id,
            "name": display_name(org["name"]),
            "alternate_name": org["acronym"],
            "description": "",
            "email": emails[0]["address"] if emails else None,
            "website": org["urls"][0]["url"] if org["urls"] else None,
            EXTENSION: {
                "country": org["country"],
                "kind": org["kind"],
                "names": org["name"],
                "regional_focal_point": org["regional_focal_point"],
                "emails": emails,
                "referral": org["referral"],
                "provenance": org["provenance"],
            },
        }
    )
    for i, url in enumerate(org["urls"]):
        resources["url"].append(
            {
                "id": f"{org_id}-url-{i:02d}",
                "organization_id": org_id,
                "service_id": None,
                "url": url["url"],
                EXTENSION: {"provenance": url.get("provenance") or {}},
            }
        )
    for i, phone in enumerate(org["phones"]):
        resources["phone"].append(_phone_record(f"{org_id}-phone-{i:02d}", org_id, None, phone))
    for service in org["services"]:
        _export_service(org_id, service, resources)
    for i, contact in enumerate(ladder):
        contact_id = f"{org_id}-contact-{i:02d}"
        resources["contact"].append(
            {
                "id": contact_id,
                "organization_id": org_id,
                "name": contact.name,
                "email": contact.email,
                EXTENSION: {"active": contact.active},
            }
        )
        if contact.sms:
            resources["phone"].append(
                {
                    "id": f"{contact_id}-sms",
                    "organization_id": org_id,
                    "service_id": None,
                    "contact_id": contact_id,
                    "number": contact.sms,
                    "type": "text",
                }
            )


def _export_service(org_id: str, service: dict[str, Any], resources: dict[str, list[dict[str, Any]]]) -> None:
    service_id = service["id"]
    features = service["features"]
    resources["service"].append(
        {
            "id": service_id,
            "organization_id": org_id,
            "name": display_name(service["name"]) if service["name"] else "",
            "description": display_name(service["description"]) if service["description"] else "",
            "status": "active",
            "interpretation_services": service["interpretation"],
            EXTENSION: {
                "names": service["name"],
                "descriptions": service["description"],
                "interpretation": service["interpretation"],
                "after_hours_referrals": service["after_hours_referrals"],
                "case_types": service["case_types"],
                "groups": service["groups"],
                "features": features,
                "provenance": service["provenance"],
            },
        }
    )
    for i, area in enumerate(service["areas"]):
        resources["service_area"].append(
            {
                "id": f"{service_id}-area-{i:02d}",
                "service_id": service_id,
                "name": ", ".join(area["regions"]) if area["regions"] else area["country"],
                EXTENSION: {"country": area["country"], "regions": area["regions"]},
            }
        )
    for i, code in enumerate(service["languages"]):
        language = pycountry.languages.get(alpha_2=code)
        resources["language"].append(
            {
                "id": f"{service_id}-language-{i:02d}",
                "service_id": service_id,
                "code": code,
                "name": language.name if language is not None else code,
            }
        )
    for i, schedule in enumerate(_schedules(service["hours"])):
        resources["schedule"].append({"id": f"{service_id}-schedule-{i:02d}", "service_id": service_id, **schedule})
    for i, phone in enumerate(service["phones"]):
        resources["phone"].append(_phone_record(f"{service_id}-phone-{i:02d}", org_id, service_id, phone))


def _schedules(hours: Any) -> list[dict[str, Any]]:
    """HSDS weekly schedules; unknown hours have none, and 24/7 is HSDS's all-week 00:00-23:59."""
    if hours is None:
        return []
    if hours == ALWAYS_OPEN:
        return [
            {
                "freq": "WEEKLY",
                "byday": ",".join(day.upper() for day in WEEKDAYS),
                "opens_at": "00:00",
                "closes_at": "23:59",
                "description": "24/7",
                EXTENSION: {"always_open": True},
            }
        ]
    schedules = []
    for period in hours:
        schedule = {
            "freq": "WEEKLY",
            "byday": ",".join(day.upper() for day in period["days"]),
            "opens_at": period["opens"],
            # HSDS times stop at 23:59; ours may close at 24:00 (midnight at the end of the day).
            "closes_at": "23:59" if period["closes"] == "24:00" else period["closes"],
        }
        if period["closes"] == "24:00":
            schedule[EXTENSION] = {"closes": "24:00"}
        schedules.append(schedule)
    return schedules


def _phone_record(phone_id: str, org_id: str, service_id: str | None, phone: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": phone_id,
        "organization_id": org_id,
        "service_id": service_id,
        "number": phone["number"] or phone["dialable"],
        "type": PHONE_TYPES_OUT.get(phone["type"], "voice"),
        "description": display_name(phone["description"]) if phone["description"] else "",
        EXTENSION: {
            "e164": phone["number"],
            "dialable": phone["dialable"],
            "country": phone["country"],
            "type": phone["type"],
            "toll_free": phone["toll_free"],
            "descriptions": phone["description"],
            "provenance": phone["provenance"],
        },
    }


def _contacts_by_agency(session: Session) -> dict[str, list[ReferralContact]]:
    found: dict[str, list[ReferralContact]] = defaultdict(list)
    query = select(ReferralContact).order_by(ReferralContact.agency_id, ReferralContact.position, ReferralContact.id)
    for contact in session.scalars(query):
        found[contact.agency_id].append(contact)
    return found


def _records(resources: dict[str, Any], name: str) -> list[dict[str, Any]]:
    records = resources.get(name) or []
    _require(isinstance(records, list), name, "resources", "must be a list of records")
    seen: set[str] = set()
    for i, record in enumerate(records):
        record_id = record.get("id") if isinstance(record, dict) else None
        _require(isinstance(record_id, str) and bool(record_id), f"{name}[{i}]", "id", "missing")
        _require(record_id not in seen, str(record_id), "id", f"appears twice in {name}")
        seen.add(str(record_id))
    return records


def _organization(record: dict[str, Any]) -> dict[str, Any]:
    extension = _extension(record)
    names = extension.get("names") or ({"es": record["name"]} if record.get("name") else {})
    return {
        "id": record["id"],
        "country": extension.get("country"),
        "kind": extension.get("kind"),
        "name": names,
        "acronym": record.get("alternate_name"),
        "regional_focal_point": bool(extension.get("regional_focal_point")),
        "phones": [],
        "emails": list(extension.get("emails") or []),
        "urls": [],
        "services": [],
        "referral": {
            "channels": [],
            "ack_minutes": {},
            "holidays": [],
            **(extension.get("referral") or {}),
        },
        "provenance": extension.get("provenance") or {},
    }


def _service(record: dict[str, Any]) -> dict[str, Any]:
    extension = _extension(record)
    return {
        "id": record["id"],
        "name": extension.get("names") or ({"es": record["name"]} if record.get("name") else {}),
        "description": extension.get("descriptions") or {},
        "areas": [],
        "languages": [],
        "interpretation": extension.get("interpretation", "unknown"),
        "hours": None,
        "after_hours_referrals": extension.get("after_hours_referrals", "unknown"),
        "case_types": list(extension.get("case_types") or []),
        "groups": list(extension.get("groups") or []),
        "features": dict(extension.get("features") or {}),
        "phones": [],
        "provenance": extension.get("provenance") or {},
    }


def _area(record: dict[str, Any]) -> dict[str, Any]:
    extension = _extension(record)
    country = extension.get("country")
    _require(isinstance(country, str), record["id"], f"{EXTENSION}.country", "missing")
    regions = extension.get("regions") or []
    _require(isinstance(regions, list), record["id"], f"{EXTENSION}.regions", "must be a list of region codes")
    return {"country": country, "regions": list(regions)}


def _add_schedule(service: dict[str, Any], record: dict[str, Any]) -> None:
    extension = _extension(record)
    if extension.get("always_open"):
        service["hours"] = ALWAYS_OPEN
        return
    _require(service["hours"] != ALWAYS_OPEN, record["id"], "service_id", "service is already open 24/7")
    _require(record.get("freq") == "WEEKLY", record["id"], "freq", "only WEEKLY schedules are read")
    byday = record.get("byday")
    _require(isinstance(byday, str) and bool(byday), record["id"], "byday", "days such as MO,TU,WE")
    days = [day.strip().lower() for day in byday.split(",")]
    _require(all(day in WEEKDAYS for day in days), record["id"], "byday", "days such as MO,TU,WE")
    closes = extension.get("closes") or record.get("closes_at")
    service["hours"] = [*(service["hours"] or []), {"days": days, "opens": record.get("opens_at"), "closes": closes}]


def _phone(record: dict[str, Any]) -> dict[str, Any]:
    extension = _extension(record)
    number = record.get("number")
    e164 = extension.get("e164", number if isinstance(number, str) and number.startswith("+") else None)
    return {
        "number": e164,
        "dialable": extension.get("dialable", number),
        "country": extension.get("country"),
        "type": extension.get("type", PHONE_TYPES_IN.get(record.get("type", "voice"), record.get("type"))),
        "toll_free": extension.get("toll_free", "unknown"),
        "description": extension.get("descriptions") or {},
        "provenance": extension.get("provenance") or {},
    }


def _parent(parents: dict[str, dict[str, Any]], record: dict[str, Any], field: str) -> dict[str, Any]:
    parent = parents.get(record.get(field))  # type: ignore[arg-type]
    _require(parent is not None, record["id"], field, f"no such record {record.get(field)!r}")
    return parent  # type: ignore[return-value]


def _extension(record: dict[str, Any]) -> dict[str, Any]:
    extension = record.get(EXTENSION) or {}
    _require(isinstance(extension, dict), record.get("id", "?"), EXTENSION, "must be an object")
    return extension


def _require(condition: bool, record: str, field: str, message: str) -> None:
    if not condition:
        raise DirectoryError(record, field, message)
