"""The public part of the directory in the shapes of the HSDS 3.1 API: organizations, services, service_at_locations.

Public means what a person could read on the help page: names, descriptions, the services' own
lines (the numbers people call or text), hours, areas and languages. Never the referral contacts,
their SMS numbers or emails, the agencies' own desk numbers and emails, nor how referrals reach an
agency: those stay private, and nothing here reads the tables that hold them.

Ids are the HSDS UUIDs of the export (directory.hsds), so a partner can match the two.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds import (
    EXTENSION,
    HSDS_VERSION,
    area_name,
    describe_organization,
    fixed_utc_offset,
    hsds_id,
    record_uuid,
    schedules,
)
from directory.load import display_name
from directory.snapshot import document_from_tables

OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.1-dev/schema/openapi.json"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/overview.html"
PER_PAGE = 50
MAX_PER_PAGE = 200
# The lines a person can reach from any handset, as on the help page; fax is not a way to ask for help.
PUBLIC_PHONE_TYPES = {"voice": "voice", "sms": "text", "whatsapp": "text"}


class PageError(ValueError):
    """A paging parameter is not a positive whole number."""


def about() -> dict[str, Any]:
    """The answer to `GET /`: which HSDS version this API speaks and where its definition is."""
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


def organizations_page(session: Session, page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
    """A page of organizations, one-to-one fields only (compiled `organization_list`)."""
    return _page([entry["organization"] for entry in _public(session)["organizations"]], page, per_page)


def services_page(
    session: Session, page: int = 1, per_page: int = PER_PAGE, organization_id: str | None = None
) -> dict[str, Any]:
    """A page of services with their organization (compiled `service_list`), optionally of one organization."""
    services = [
        _service_summary(service)
        for service in _public(session)["services"]
        if organization_id is None or service["organization_id"] == organization_id
    ]
    return _page(services, page, per_page)


def service(session: Session, service_id: str) -> dict[str, Any] | None:
    """One fully nested service (compiled `service`), or None when there is no such public service."""
    return next((s for s in _public(session)["services"] if s["id"] == service_id), None)


def service_at_locations_page(session: Session, page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
    """A page of service_at_locations (compiled `service_at_location_list`).

    Our services are reached by phone, not at an address, so each sits at one virtual location.
    """
    entries = []
    for full in _public(session)["services"]:
        slug = full[EXTENSION]["id"]
        location = {"id": hsds_id(f"{slug}-virtual-location"), "location_type": "virtual", "name": "By phone"}
        entries.append(
            {
                "id": hsds_id(f"{slug}-at-location"),
                "service_id": full["id"],
                "location_id": location["id"],
                "location": location,
                "service": _service_summary(full),
            }
        )
    return _page(entries, page, per_page)


def paging(page: str | None, per_page: str | None) -> tuple[int, int]:
    """The `page` and `per_page` query parameters as numbers; PageError when either is not a positive integer."""
    try:
        number = int(page) if page else 1
        size = int(per_page) if per_page else PER_PAGE
    except ValueError:
        raise PageError("page and per_page must be whole numbers") from None
    if number < 1 or size < 1:
        raise PageError("page and per_page start at 1")
    return number, min(size, MAX_PER_PAGE)


def _page(items: list[dict[str, Any]], page: int, per_page: int) -> dict[str, Any]:
    total_pages = max(1, math.ceil(len(items) / per_page))
    contents = items[(page - 1) * per_page : page * per_page]
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _public(session: Session) -> dict[str, list[dict[str, Any]]]:
    document = document_from_tables(session)
    zones = {country["code"]: country["time_zone"] for country in document["countries"]}
    organizations: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    for org in document["organizations"]:
        summary: dict[str, Any] = {
            "id": record_uuid(org["id"], org["provenance"]),
            "name": display_name(org["name"]),
            "description": describe_organization(org),
        }
        if org["acronym"]:
            summary["alternate_name"] = org["acronym"]
        if org["urls"]:
            summary["website"] = org["urls"][0]["url"]
        organizations.append({"organization": summary})
        offset = fixed_utc_offset(zones.get(org["country"] or "", "UTC"))
        services.extend(_service_full(summary, entry, offset) for entry in org["services"])
    return {"organizations": organizations, "services": services}


def _service_full(organization: dict[str, Any], entry: dict[str, Any], offset: float | None) -> dict[str, Any]:
    slug = entry["id"]
    service_uuid = record_uuid(slug, entry["provenance"])
    full: dict[str, Any] = {
        "id": service_uuid,
        "organization_id": organization["id"],
        "name": display_name(entry["name"]) if entry["name"] else slug,
        "status": "active",
    }
    if entry["description"]:
        full["description"] = display_name(entry["description"])
    full["organization"] = organization
    full["phones"] = [
        _phone(hsds_id(f"{slug}-phone-{i:02d}"), service_uuid, phone)
        for i, phone in enumerate(entry["phones"])
        if phone["type"] in PUBLIC_PHONE_TYPES
    ]
    full["schedules"] = [
        {"id": hsds_id(f"{slug}-schedule-{i:02d}"), "service_id": service_uuid, **schedule}
        for i, schedule in enumerate(schedules(entry["hours"], offset))
    ]
    for schedule in full["schedules"]:
        schedule.pop(EXTENSION, None)
    full["service_areas"] = [
        {"id": hsds_id(f"{slug}-area-{i:02d}"), "service_id": service_uuid, "name": area_name(area)}
        for i, area in enumerate(entry["areas"])
    ]
    full["languages"] = [
        {"id": hsds_id(f"{slug}-language-{i:02d}"), "service_id": service_uuid, "code": code}
        for i, code in enumerate(entry["languages"])
    ]
    full[EXTENSION] = {"id": slug}
    return full


def _service_summary(full: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "organization_id", "name", "description", "status", "organization")
    return {key: full[key] for key in keys if key in full}


def _phone(phone_uuid: str, service_uuid: str, phone: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": phone_uuid,
        "service_id": service_uuid,
        "number": phone["number"] or phone["dialable"],
        "type": PUBLIC_PHONE_TYPES[phone["type"]],
    }
    if phone["description"]:
        row["description"] = display_name(phone["description"])
    return row
