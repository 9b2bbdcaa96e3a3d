"""The directory as an Open Referral HSDS 3.1 Tabular Data Package: out as JSON or CSV, read back from either.

The package is the standard's own: a `tabular-data-package` descriptor whose resources are the
HSDS tables (organization, organization_identifier, service, service_area, language, phone,
schedule, contact, url) with the official field definitions (directory/data/hsds_datapackage.json,
the file Open Referral publishes). In the JSON form each resource carries its rows inline (`data`);
in the CSV form each is a CSV file beside `datapackage.json`.

Every row is valid against the official HSDS table schema: ids are UUIDs, derived with uuid5 from a
fixed namespace and our readable local id (an organization's or service's slug, a child's
slug-and-position), so an id never changes from one export to the next. Our slug is also the
organization's `organization_identifier` (a local identifier), and `x_hotline.id` of organizations
and services. Absent values are left out, never written as null. What HSDS has no field for (agency
kind, names per language, provenance, referral channels and deadlines, yes/no/unknown features...)
sits under each row's `x_hotline` key, which HSDS readers ignore and our importer reads back.

Output is deterministic (rows in slug order, children in their parent's order, keys sorted), so
export, import, export gives the same bytes.
"""

from __future__ import annotations

import copy
import csv
import json
import uuid
from collections import defaultdict
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.load import DATA, SCHEMA, DirectoryError, display_name
from directory.models import ReferralContact
from directory.snapshot import document_from_tables
from routing.snapshot import WEEKDAYS

PROFILE = "tabular-data-package"
HSDS_VERSION = "3.1"
PACKAGE_NAME = "hotline-directory"
EXTENSION = "x_hotline"
# The namespace of every HSDS id we make. Changing it would change every id partners hold: never do.
NAMESPACE = uuid.UUID("6f1d3c1e-7b0a-5c57-9a52-2f4e1b8c9d10")
# organization_identifier.identifier_type of our slug (a local identifier: no org-id.guide scheme).
LOCAL_IDENTIFIER = "x_hotline directory id"
OFFICIAL_DESCRIPTOR = DATA / "hsds_datapackage.json"
RESOURCES = (
    "organization",
    "organization_identifier",
    "service",
    "service_area",
    "language",
    "phone",
    "schedule",
    "contact",
    "url",
)
# HSDS phone types; ours that HSDS lacks (WhatsApp) go out as "text" and come back from x_hotline.
PHONE_TYPES_OUT = {"voice": "voice", "sms": "text", "whatsapp": "text", "fax": "fax"}
INTERPRETATION = {"yes": "Interpretation is available.", "no": "No interpretation."}
ALWAYS_OPEN = "24/7"
EXTENSION_FIELD = {
    "name": EXTENSION,
    "type": "object",
    "title": "Hotline directory extension",
    "description": "What HSDS has no field for; documented in docs/directory.md. HSDS readers may ignore it.",
}


def hsds_id(local_id: str) -> str:
    """The stable HSDS UUID of one of our records, from its readable local id."""
    return str(uuid.uuid5(NAMESPACE, local_id))


def export_datapackage(session: Session) -> dict[str, Any]:
    """Every country, agency, service, phone and referral contact as an HSDS 3.1 data package (rows inline)."""
    document = document_from_tables(session)
    zones = {country["code"]: country["time_zone"] for country in document["countries"]}
    contacts = _contacts_by_agency(session)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in RESOURCES}
    for org in document["organizations"]:
        _export_organization(org, contacts.get(org["id"], []), zones, tables)
    return {
        "profile": PROFILE,
        "name": PACKAGE_NAME,
        "title": "Directory of key actors against human trafficking and migrant smuggling",
        "resources": [{**resource_descriptor(name), "data": tables[name]} for name in RESOURCES],
        EXTENSION: {"hsds_version": HSDS_VERSION, "schema": SCHEMA, "countries": document["countries"]},
    }


def dumps(datapackage: dict[str, Any]) -> str:
    """The package as text: UTF-8 as written (names keep their accents), keys sorted, 2-space indent."""
    return json.dumps(datapackage, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@cache
def _official_resources() -> dict[str, dict[str, Any]]:
    descriptor = json.loads(OFFICIAL_DESCRIPTOR.read_text(encoding="utf-8"))
    return {resource["name"]: resource for resource in descriptor["resources"]}


def resource_descriptor(name: str) -> dict[str, Any]:
    """The standard's descriptor of one table, with our extension field and only links to tables we write."""
    official = copy.deepcopy(_official_resources()[name])
    schema = official["schema"]
    schema["fields"].append(dict(EXTENSION_FIELD))
    links = [key for key in schema.get("foreignKeys", ()) if key["reference"]["resource"] in RESOURCES]
    if links:
        schema["foreignKeys"] = links
    else:
        schema.pop("foreignKeys", None)
    return {"name": name, "profile": "tabular-data-resource", "schema": schema}


def write_csv_package(datapackage: dict[str, Any], directory: Path) -> list[Path]:
    """The package as the standard's CSV serialization: `datapackage.json` and one CSV per table."""
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = {key: value for key, value in datapackage.items() if key != "resources"}
    descriptor["resources"] = []
    written = []
    for resource in datapackage["resources"]:
        path = _official_resources()[resource["name"]]["path"]
        fields = [field["name"] for field in resource["schema"]["fields"]]
        with (directory / path).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for row in resource["data"]:
                writer.writerow({key: _csv_value(value) for key, value in row.items()})
        entry = {key: value for key, value in resource.items() if key != "data"}
        descriptor["resources"].append({**entry, "path": path, "format": "csv", "mediatype": "text/csv"})
        written.append(directory / path)
    (directory / "datapackage.json").write_text(dumps(descriptor), encoding="utf-8")
    return [directory / "datapackage.json", *written]


def read_package(path: Path) -> dict[str, Any]:
    """A data package from a JSON file with rows inline, or a `datapackage.json` (or its folder) with CSV files.

    Raises DirectoryError naming the file when it cannot be read; the rows are checked on import.
    """
    if path.is_dir():
        path = path / "datapackage.json"
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DirectoryError(str(path), "file", f"cannot be read: {error.__class__.__name__}") from None
    except json.JSONDecodeError as error:
        raise DirectoryError(path.name, "file", f"is not JSON: line {error.lineno}: {error.msg}") from None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise DirectoryError(path.name, "resources", "not a data package: needs a list of resources")
    for resource in package["resources"]:
        if isinstance(resource, dict) and "data" not in resource and isinstance(resource.get("path"), str):
            resource["data"] = _read_csv(path.parent, resource["path"], _numeric_fields(resource))
    return package


def _numeric_fields(resource: dict[str, Any]) -> set[str]:
    schema = resource.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    return {f["name"] for f in fields or () if isinstance(f, dict) and f.get("type") in ("number", "integer")}


def _read_csv(folder: Path, name: str, numeric: set[str]) -> list[dict[str, Any]]:
    target = (folder / name).resolve()
    if folder.resolve() not in target.parents:
        raise DirectoryError(name, "path", "must be a file beside datapackage.json")
    try:
        with target.open(encoding="utf-8-sig", newline="") as source:
            rows = list(csv.DictReader(source))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DirectoryError(name, "path", f"cannot be read: {error.__class__.__name__}") from None
    result = []
    for line, row in enumerate(rows, start=2):
        record = {key: value for key, value in row.items() if key and value not in (None, "")}
        for key in numeric & set(record):
            try:
                number = float(record[key])
            except ValueError:
                raise DirectoryError(f"{name} line {line}", key, "is not a number") from None
            record[key] = int(number) if number.is_integer() else number
        if isinstance(record.get(EXTENSION), str):
            try:
                record[EXTENSION] = json.loads(record[EXTENSION])
            except json.JSONDecodeError:
                raise DirectoryError(f"{name} line {line}", EXTENSION, "is not JSON") from None
        result.append(record)
    return result


def _csv_value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _export_organization(
    org: dict[str, Any],
    ladder: list[ReferralContact],
    zones: dict[str, str],
    tables: dict[str, list[dict[str, Any]]],
) -> None:
    slug = org["id"]
    org_uuid = record_uuid(slug, org["provenance"])
    emails = org["emails"]
    row: dict[str, Any] = {"id": org_uuid, "name": display_name(org["name"]), "description": describe_organization(org)}
    if org["acronym"]:
        row["alternate_name"] = org["acronym"]
    if emails:
        row["email"] = emails[0]["address"]
    if org["urls"]:
        row["website"] = org["urls"][0]["url"]
    row[EXTENSION] = {
        "id": slug,
        "country": org["country"],
        "kind": org["kind"],
        "names": org["name"],
        "regional_focal_point": org["regional_focal_point"],
        "emails": emails,
        "referral": org["referral"],
        "provenance": org["provenance"],
    }
    tables["organization"].append(row)
    tables["organization_identifier"].append(
        {
            "id": hsds_id(f"{slug}-identifier"),
            "organization_id": org_uuid,
            "identifier_type": LOCAL_IDENTIFIER,
            "identifier": slug,
        }
    )
    for i, url in enumerate(org["urls"]):
        tables["url"].append(
            {
                "id": hsds_id(f"{slug}-url-{i:02d}"),
                "organization_id": org_uuid,
                "url": url["url"],
                EXTENSION: {"provenance": url.get("provenance") or {}},
            }
        )
    for i, phone in enumerate(org["phones"]):
        tables["phone"].append(_phone_row(hsds_id(f"{slug}-phone-{i:02d}"), org_uuid, None, phone))
    offset = fixed_utc_offset(zones.get(org["country"] or "", "UTC"))
    for service in org["services"]:
        _export_service(org_uuid, service, offset, tables)
    for i, contact in enumerate(ladder):
        contact_uuid = hsds_id(f"{slug}-contact-{i:02d}")
        contact_row: dict[str, Any] = {"id": contact_uuid, "organization_id": org_uuid, "name": contact.name}
        if contact.email:
            contact_row["email"] = contact.email
        contact_row[EXTENSION] = {"active": contact.active}
        tables["contact"].append(contact_row)
        if contact.sms:
            tables["phone"].append(
                {
                    "id": hsds_id(f"{slug}-contact-{i:02d}-sms"),
                    "organization_id": org_uuid,
                    "contact_id": contact_uuid,
                    "number": contact.sms,
                    "type": "text",
                }
            )


def _export_service(
    org_uuid: str, service: dict[str, Any], offset: float | None, tables: dict[str, list[dict[str, Any]]]
) -> None:
    slug = service["id"]
    service_uuid = record_uuid(slug, service["provenance"])
    row: dict[str, Any] = {
        "id": service_uuid,
        "organization_id": org_uuid,
        "name": display_name(service["name"]) if service["name"] else slug,
        "status": "active",
    }
    if service["description"]:
        row["description"] = display_name(service["description"])
    if service["interpretation"] in INTERPRETATION:
        row["interpretation_services"] = INTERPRETATION[service["interpretation"]]
    row[EXTENSION] = {
        "id": slug,
        "names": service["name"],
        "descriptions": service["description"],
        "interpretation": service["interpretation"],
        "after_hours_referrals": service["after_hours_referrals"],
        "case_types": service["case_types"],
        "groups": service["groups"],
        "features": service["features"],
        "provenance": service["provenance"],
    }
    tables["service"].append(row)
    for i, area in enumerate(service["areas"]):
        tables["service_area"].append(
            {
                "id": hsds_id(f"{slug}-area-{i:02d}"),
                "service_id": service_uuid,
                "name": area_name(area),
                EXTENSION: {"country": area["country"], "regions": area["regions"]},
            }
        )
    for i, code in enumerate(service["languages"]):
        language = pycountry.languages.get(alpha_2=code)
        tables["language"].append(
            {
                "id": hsds_id(f"{slug}-language-{i:02d}"),
                "service_id": service_uuid,
                "code": code,
                "name": language.name if language is not None else code,
            }
        )
    for i, schedule in enumerate(schedules(service["hours"], offset)):
        tables["schedule"].append({"id": hsds_id(f"{slug}-schedule-{i:02d}"), "service_id": service_uuid, **schedule})
    for i, phone in enumerate(service["phones"]):
        tables["phone"].append(_phone_row(hsds_id(f"{slug}-phone-{i:02d}"), org_uuid, service_uuid, phone))


def area_name(area: dict[str, Any]) -> str:
    """A service area in words: its regions' names, or its country's."""
    if area["regions"]:
        names = []
        for code in area["regions"]:
            region = pycountry.subdivisions.get(code=code)
            names.append(region.name if region is not None else code)
        return ", ".join(names)
    country = pycountry.countries.get(alpha_2=area["country"])
    return country.name if country is not None else area["country"]


def schedules(hours: Any, offset: float | None) -> list[dict[str, Any]]:
    """HSDS weekly schedules; unknown hours have none, and 24/7 is HSDS's all-week 00:00-23:59.

    Times are the agency's local clock; `timezone` gives its UTC offset when the zone keeps one all
    year (a zone with daylight saving time has no single offset, so it is left out).
    """
    if hours is None:
        return []
    clock = {} if offset is None else {"timezone": offset}
    if hours == ALWAYS_OPEN:
        return [
            {
                "freq": "WEEKLY",
                "byday": ",".join(day.upper() for day in WEEKDAYS),
                "opens_at": "00:00",
                "closes_at": "23:59",
                "description": "24/7",
                **clock,
                EXTENSION: {"always_open": True},
            }
        ]
    result = []
    for period in hours:
        schedule = {
            "freq": "WEEKLY",
            "byday": ",".join(day.upper() for day in period["days"]),
            "opens_at": period["opens"],
            # HSDS times stop at 23:59; ours may close at 24:00 (midnight at the end of the day).
            "closes_at": "23:59" if period["closes"] == "24:00" else period["closes"],
            **clock,
        }
        if period["closes"] == "24:00":
            schedule[EXTENSION] = {"closes": "24:00"}
        result.append(schedule)
    return result


def describe_organization(org: dict[str, Any]) -> str:
    # HSDS requires a description; ours say what kind of body it is and where (kind and country, in English).
    country = pycountry.countries.get(alpha_2=org["country"]) if org["country"] else None
    where = country.name if country is not None else "regional"
    return f"{org['kind'].replace('_', ' ').capitalize()}, {where}."


def fixed_utc_offset(zone_name: str) -> float | None:
    zone = ZoneInfo(zone_name)
    january, july = (datetime(2025, month, 1, tzinfo=zone).utcoffset() for month in (1, 7))
    if january != july or january is None:
        return None
    hours = january.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


def _phone_row(phone_uuid: str, org_uuid: str, service_uuid: str | None, phone: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": phone_uuid, "organization_id": org_uuid}
    if service_uuid is not None:
        row["service_id"] = service_uuid
    row["number"] = phone["number"] or phone["dialable"]
    row["type"] = PHONE_TYPES_OUT.get(phone["type"], "voice")
    if phone["description"]:
        row["description"] = display_name(phone["description"])
    row[EXTENSION] = {
        "e164": phone["number"],
        "dialable": phone["dialable"],
        "country": phone["country"],
        "type": phone["type"],
        "toll_free": phone["toll_free"],
        "descriptions": phone["description"],
        "provenance": phone["provenance"],
    }
    return row


def record_uuid(slug: str, provenance: dict[str, Any]) -> str:
    # A record imported from a partner keeps the partner's id, so both registries name it the same.
    return str(provenance.get("hsds_id") or hsds_id(slug))


def _contacts_by_agency(session: Session) -> dict[str, list[ReferralContact]]:
    found: dict[str, list[ReferralContact]] = defaultdict(list)
    query = select(ReferralContact).order_by(ReferralContact.agency_id, ReferralContact.position, ReferralContact.id)
    for contact in session.scalars(query):
        found[contact.agency_id].append(contact)
    return found
