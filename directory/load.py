"""Loading the bundled directory of key actors into the agency table (idempotent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory.models import Agency

DATA = Path(__file__).resolve().parent / "data"
REGION_FILE = DATA / "region.json"
DEMO_CONTACTS_FILE = DATA / "demo_contacts.json"


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def display_name(names: dict[str, str], prefer: str = "es") -> str:
    return names.get(prefer) or names.get("en") or next(iter(names.values()))


def load_region(session: Session, document: dict[str, Any]) -> int:
    """Insert or update every organization of a directory document; return how many."""
    count = 0
    for org in document["organizations"]:
        agency = session.get(Agency, org["id"]) or Agency(id=org["id"])
        agency.name = display_name(org["name"])
        agency.country = org["country"]
        agency.kind = org["kind"]
        agency.regional_focal_point = bool(org.get("regional_focal_point"))
        session.add(agency)
        count += 1
    session.flush()
    return count


def apply_demo_contacts(session: Session, contacts: dict[str, Any]) -> int:
    """Give agencies the fictional duty contacts of the demo fixture; return how many."""
    count = 0
    for agency_id, entry in contacts.items():
        if agency_id.startswith("_"):
            continue
        agency = session.get(Agency, agency_id)
        if agency is None or not entry.get("contacts"):
            continue
        first = entry["contacts"][0]
        agency.notify_email = first.get("email")
        agency.notify_sms = first.get("sms")
        count += 1
    return count
