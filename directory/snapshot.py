"""From the directory tables to the frozen snapshot that `routing/` reads, rebuilt when the directory changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.gazetteer import build_gazetteer
from directory.models import Agency, AgencyService, Country, DirectoryVersion
from routing.snapshot import Place, Snapshot, snapshot_from_document


def document_from_tables(session: Session) -> dict[str, Any]:
    """The directory as a `hotline-directory/1` document, with our referral extension filled in."""
    countries = session.scalars(select(Country).order_by(Country.code)).all()
    agencies = session.scalars(
        select(Agency)
        .options(selectinload(Agency.services).selectinload(AgencyService.phones), selectinload(Agency.phones))
        .order_by(Agency.id)
    ).all()
    return {
        "schema": "hotline-directory/1",
        "countries": [
            {"code": c.code, "name": c.names, "time_zone": c.time_zone, "languages": c.languages, "corett": c.corett}
            for c in countries
        ],
        "organizations": [_with_verification(organization_entry(agency), agency) for agency in agencies],
    }


def _with_verification(entry: dict[str, Any], agency: Agency) -> dict[str, Any]:
    # Routing needs only to know that a person verified the record (a name-only listing becomes routable).
    if agency.last_verified_at is not None:
        entry["last_verified_at"] = agency.last_verified_at.isoformat()
    return entry


def organization_entry(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "country": agency.country,
        "kind": agency.kind,
        "name": agency.names,
        "acronym": agency.acronym,
        "regional_focal_point": agency.regional_focal_point,
        "phones": [phone_entry(p) for p in agency.phones if p.service_id is None],
        "emails": agency.emails,
        "urls": agency.urls,
        "services": [service_entry(s) for s in agency.services],
        "referral": {
            "channels": agency.referral_channels,
            "ack_minutes": agency.ack_minutes,
            "holidays": agency.holidays,
            "takes_cases": agency.takes_cases,
        },
        "provenance": agency.provenance,
    }


def service_entry(service: AgencyService) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": service.names,
        "description": service.description,
        "areas": service.areas,
        "languages": service.languages,
        "interpretation": service.interpretation,
        "hours": service.hours,
        "after_hours_referrals": service.after_hours_referrals,
        "case_types": service.case_types,
        "groups": service.groups,
        "features": service.features,
        "phones": [phone_entry(p) for p in service.phones],
        "provenance": service.provenance,
    }


def phone_entry(phone: Any) -> dict[str, Any]:
    return {
        "number": phone.number,
        "dialable": phone.dialable,
        "country": phone.country,
        "type": phone.type,
        "toll_free": phone.toll_free,
        "description": phone.description,
        "provenance": phone.provenance,
    }


def directory_version(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(DirectoryVersion.number, DirectoryVersion.token).where(DirectoryVersion.id == 1)
    ).first()
    return (row[0], row[1]) if row else (0, "empty")


class SnapshotCache:
    """Snapshots per process, rebuilt when the directory version moves on.

    Keyed by the version's random token; a few are kept so that a process that talks to more than
    one database (the tests do) does not rebuild at every switch.
    """

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[tuple[int, str], Snapshot] = OrderedDict()
        self._gazetteers: dict[tuple[str, ...], Mapping[str, tuple[Place, ...]]] = {}

    def get(self, session: Session) -> Snapshot:
        version = directory_version(session)
        with self._lock:
            snapshot = self._snapshots.get(version)
            if snapshot is None:
                snapshot = self._snapshots[version] = self._build(session, version)
                while len(self._snapshots) > self.KEEP:
                    self._snapshots.popitem(last=False)
            self._snapshots.move_to_end(version)
            return snapshot

    def _build(self, session: Session, version: tuple[int, str]) -> Snapshot:
        document = document_from_tables(session)
        codes = tuple(sorted(c["code"] for c in document["countries"]))
        gazetteer = self._gazetteers.get(codes)
        if gazetteer is None:
            gazetteer = self._gazetteers[codes] = build_gazetteer(codes)
        return snapshot_from_document(document, gazetteer, f"directory-{version[0]}-{version[1][:8]}")


_cache = SnapshotCache()


def current_snapshot(session: Session) -> Snapshot:
    """The snapshot of the directory as it is now (cached until the next change)."""
    return _cache.get(session)
