"""Small hand-made directory documents in the hotline-directory/1 shape, for tests that must not
depend on the real directory's contents."""

from __future__ import annotations

from typing import Any

WEEKDAYS = ["mo", "tu", "we", "th", "fr"]

COUNTRIES = {
    "BZ": ("America/Belize", ["en", "es"]),
    "CR": ("America/Costa_Rica", ["es"]),
    "SV": ("America/El_Salvador", ["es"]),
    "GT": ("America/Guatemala", ["es"]),
    "HN": ("America/Tegucigalpa", ["es"]),
    "MX": ("America/Mexico_City", ["es"]),
    "NI": ("America/Managua", ["es"]),
    "PA": ("America/Panama", ["es"]),
    "DO": ("America/Santo_Domingo", ["es"]),
    "HT": ("America/Port-au-Prince", ["fr", "ht"]),
    "US": ("America/New_York", ["en", "es"]),
}


def make_service(
    service_id: str,
    country: str,
    *,
    regions: list[str] | None = None,
    languages: list[str] | None = None,
    interpretation: str = "no",
    hours: Any = "24/7",
    after_hours: str = "no",
    case_types: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": service_id,
        "name": {"en": service_id},
        "areas": [{"country": country, "regions": regions or []}],
        "languages": languages if languages is not None else list(COUNTRIES[country][1]),
        "interpretation": interpretation,
        "hours": hours,
        "after_hours_referrals": after_hours,
        "case_types": case_types or ["trafficking", "smuggling"],
        "groups": [],
        "features": {},
        "phones": [],
        "provenance": {"source": "test"},
    }


def make_agency(
    agency_id: str,
    country: str | None,
    kind: str,
    *,
    services: list[dict[str, Any]] | None = None,
    focal_point: bool = False,
    referral: dict[str, Any] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": agency_id,
        "country": country,
        "kind": kind,
        "name": {"en": f"{agency_id} (test)", "es": f"{agency_id} (prueba)"},
        "acronym": None,
        "regional_focal_point": focal_point,
        "phones": [],
        "emails": [],
        "urls": [],
        "services": services
        if services is not None
        else ([make_service(f"{agency_id}-svc", country)] if country else []),
        "provenance": {"source": "test"},
    }
    if referral:
        entry["referral"] = referral
    return entry


def make_directory(organizations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A directory of the nine CORETT countries (plus HT, US) with one agency of each main kind."""
    if organizations is None:
        organizations = [
            make_agency(
                "corett-secretariat",
                None,
                "regional_body",
                focal_point=True,
                services=[make_service("corett-triage", "SV", languages=["es", "en"], interpretation="yes")],
            )
        ]
        for code in ("BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA", "DO"):
            lower = code.lower()
            organizations += [
                make_agency(
                    f"{lower}-coordination",
                    code,
                    "coordinating_body",
                    services=[
                        make_service(
                            f"{lower}-coordination-svc",
                            code,
                            hours=[{"days": WEEKDAYS, "opens": "08:00", "closes": "16:00"}],
                            after_hours="yes",
                        )
                    ],
                ),
                make_agency(f"{lower}-response", code, "response_team"),
                make_agency(f"{lower}-police", code, "police"),
                make_agency(
                    f"{lower}-prosecutor",
                    code,
                    "prosecutor",
                    services=[
                        make_service(
                            f"{lower}-prosecutor-svc",
                            code,
                            hours=[{"days": WEEKDAYS, "opens": "08:00", "closes": "16:00"}],
                            after_hours="yes",
                        )
                    ],
                ),
                make_agency(f"{lower}-children", code, "child_protection"),
                make_agency(f"{lower}-migration", code, "migration"),
                make_agency(
                    f"{lower}-hotline",
                    code,
                    "hotline",
                    services=[make_service(f"{lower}-hotline-svc", code, interpretation="yes")],
                ),
            ]
    return {
        "schema": "hotline-directory/1",
        "sources": {"test": "hand-made"},
        "countries": [
            {
                "code": code,
                "name": {"en": code, "es": code},
                "time_zone": zone,
                "languages": langs,
                "corett": code not in ("HT", "US"),
            }
            for code, (zone, langs) in COUNTRIES.items()
        ],
        "organizations": organizations,
    }
