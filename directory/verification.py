"""Keeping the directory true: which records are stale or never verified, verifying one, and the sheet.

A record is *current* when a person checked it against its source (or the agency itself) less than
a year ago, *stale* when that check is older, and *unverified* when nobody has checked it since it
was loaded. Verifying is a DirectoryChange like any edit (who, when, before, after). A name-only
record (no source, no contact) is routed to once someone has verified it.

The verification sheet is a CSV of every agency and service, for partners to check offline: they
correct names, acronyms, hours and languages, and write `yes` in `verified` for what they checked.
Applying it changes only what differs, each change recorded through directory/editing.py; the whole
sheet is checked first, and nothing is written when any row is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.base import utcnow
from directory.editing import UnknownRecord, hours_text, parse_hours, record_change, update_agency, update_service
from directory.load import DirectoryError
from directory.models import Agency, AgencyService, DirectoryChange

STALE_AFTER = timedelta(days=365)
UNVERIFIED, STALE, CURRENT = "unverified", "stale", "current"
SHEET_COLUMNS = (
    "record",
    "country",
    "kind",
    "name_es",
    "name_en",
    "acronym",
    "hours",
    "languages",
    "source",
    "status",
    "last_verified_at",
    "last_verified_by",
    "verified",
)
# What a partner may correct on the sheet; the other columns are there to read.
AGENCY_COLUMNS = ("name_es", "name_en", "acronym")
SERVICE_COLUMNS = ("name_es", "name_en", "hours", "languages")
YES = frozenset({"yes", "y", "si", "sí", "oui", "sim", "wi", "x", "1", "true"})


def verification_status(agency: Agency, now: datetime) -> str:
    """`unverified`, `stale` (checked more than a year ago) or `current`."""
    if agency.last_verified_at is None:
        return UNVERIFIED
    return STALE if now - agency.last_verified_at > STALE_AFTER else CURRENT


@dataclass(frozen=True)
class ToVerify:
    agency: Agency
    status: str


def records_to_verify(session: Session, now: datetime) -> list[tuple[str | None, list[ToVerify]]]:
    """The stale and unverified agencies, country by country (regional bodies last), never-verified first."""
    by_country: dict[str | None, list[ToVerify]] = {}
    for agency in session.scalars(select(Agency).order_by(Agency.country, Agency.name)):
        status = verification_status(agency, now)
        if status != CURRENT:
            by_country.setdefault(agency.country, []).append(ToVerify(agency, status))
    for entries in by_country.values():
        entries.sort(key=lambda e: (e.status != UNVERIFIED, e.agency.last_verified_at or now, e.agency.name))
    return sorted(by_country.items(), key=lambda item: (item[0] is None, item[0] or ""))


def mark_verified(
    session: Session, agency_id: str, actor: str, reason: str = "", commit: bool = True
) -> DirectoryChange:
    """Record that `actor` checked the agency's record today."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise UnknownRecord(agency_id)
    before = {"last_verified_at": _iso(agency.last_verified_at), "last_verified_by": agency.last_verified_by}
    agency.last_verified_at = utcnow()
    agency.last_verified_by = actor
    after = {"last_verified_at": _iso(agency.last_verified_at), "last_verified_by": actor}
    return record_change(
        session, actor, agency_id, f"verification {agency_id}", before, after, reason or "verified", commit=commit
    )


def verification_sheet(session: Session, now: datetime) -> str:
    """The verification sheet as CSV text: one row per agency, then one per service of it."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SHEET_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for agency in _agencies(session):
        verified_at = agency.last_verified_at
        common = {
            "country": agency.country or "",
            "kind": agency.kind,
            "status": verification_status(agency, now),
            "last_verified_at": verified_at.date().isoformat() if verified_at else "",
            "last_verified_by": agency.last_verified_by or "",
            "verified": "",
        }
        writer.writerow(
            {
                **common,
                "record": agency.id,
                "name_es": agency.names.get("es", ""),
                "name_en": agency.names.get("en", ""),
                "acronym": agency.acronym or "",
                "hours": "",
                "languages": "",
                "source": _cite(agency.provenance),
            }
        )
        for service in agency.services:
            writer.writerow(
                {
                    **common,
                    "record": f"{agency.id}/{service.id}",
                    "name_es": service.names.get("es", ""),
                    "name_en": service.names.get("en", ""),
                    "acronym": "",
                    "hours": hours_text(service.hours).replace("\n", "; "),
                    "languages": ", ".join(service.languages),
                    "source": _cite(service.provenance),
                }
            )
    return buffer.getvalue()


@dataclass
class SheetReport:
    changes: list[DirectoryChange] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)


def apply_verification_sheet(session: Session, text: str, actor: str) -> SheetReport:
    """Apply a filled-in sheet: only the fields that differ change; rows marked `verified` are verified.

    Raises DirectoryError naming the row and column of the first refused value, having written nothing.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"record", "verified"} - set(reader.fieldnames or ())
    if missing:
        raise DirectoryError("sheet", sorted(missing)[0], "column missing; export a fresh sheet")
    report = SheetReport()
    try:
        for number, row in enumerate(reader, start=2):
            _apply_row(session, number, row, actor, report)
    except (DirectoryError, UnknownRecord):
        session.rollback()
        raise
    session.commit()
    return report


def _apply_row(session: Session, number: int, row: dict[str, Any], actor: str, report: SheetReport) -> None:
    cells = {key: (value or "").strip() for key, value in row.items() if key is not None}
    record = cells.get("record", "")
    where = f"row {number} ({record or 'no record'})"
    reason = "verification sheet"
    agency_id, _slash, service_id = record.partition("/")
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise DirectoryError(where, "record", "is not in the directory")
    if service_id:
        service = session.get(AgencyService, service_id)
        if service is None or service.agency_id != agency_id:
            raise DirectoryError(where, "record", "is not a service of that agency")
        changes = _service_changes(where, service, cells)
        if changes:
            change = update_service(session, service_id, changes, actor, reason, commit=False)
            if change is not None:
                report.changes.append(change)
    else:
        agency_changes = _agency_changes(agency, cells)
        if agency_changes:
            try:
                change = update_agency(session, agency_id, agency_changes, actor, reason, commit=False)
            except DirectoryError as error:
                raise DirectoryError(where, error.field, error.message) from None
            if change is not None:
                report.changes.append(change)
    if cells.get("verified", "").lower() in YES and agency_id not in report.verified:
        report.changes.append(mark_verified(session, agency_id, actor, reason, commit=False))
        report.verified.append(agency_id)


def _agency_changes(agency: Agency, cells: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    names = _names(agency.names, cells)
    if names != agency.names:
        changes["names"] = names
    if "acronym" in cells and (cells["acronym"] or None) != agency.acronym:
        changes["acronym"] = cells["acronym"] or None
    return changes


def _service_changes(where: str, service: AgencyService, cells: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    names = _names(service.names, cells)
    if names != service.names:
        changes["names"] = names
    if "hours" in cells:
        hours = parse_hours(where, cells["hours"].replace(";", "\n"))
        if hours != service.hours:
            changes["hours"] = hours
    if "languages" in cells:
        languages = [code.strip() for code in cells["languages"].split(",") if code.strip()]
        if languages != service.languages:
            changes["languages"] = languages
    return changes


def _names(current: dict[str, str], cells: dict[str, str]) -> dict[str, str]:
    names = dict(current)
    for language in ("es", "en"):
        column = f"name_{language}"
        if column not in cells:
            continue
        if cells[column]:
            names[language] = cells[column]
        else:
            names.pop(language, None)
    return names


def _agencies(session: Session) -> Iterable[Agency]:
    return session.scalars(
        select(Agency).options(selectinload(Agency.services)).order_by(Agency.country, Agency.id)
    ).all()


def _cite(provenance: dict[str, Any]) -> str:
    source = provenance.get("source")
    if not source:
        return ""
    lines = provenance.get("lines")
    return f"{source} L{lines}" if lines else str(source)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
