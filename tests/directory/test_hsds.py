"""HSDS datapackage: the real directory goes out and back in unchanged; a bad record is refused whole."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from directory.hsds import PROFILE, dumps, export_datapackage, import_datapackage
from directory.load import DirectoryError
from directory.models import Agency, AgencyPhone, DirectoryChange, DirectoryVersion, ReferralContact


def export_text(app: Flask) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        return dumps(export_datapackage(session))


def exported(app: Flask) -> dict[str, Any]:
    with app.app_context(), app.extensions["database"].session() as session:
        return export_datapackage(session)


def record(package: dict[str, Any], resource: str, record_id: str) -> dict[str, Any]:
    return next(r for r in package["resources"][resource] if r["id"] == record_id)


def test_export_import_export_is_byte_identical(app: Flask) -> None:
    first = export_text(app)
    with app.app_context(), app.extensions["database"].session() as session:
        count = import_datapackage(session, export_datapackage(session), actor="test")
    assert count == 97
    assert export_text(app) == first


def test_import_into_an_empty_directory_rebuilds_it(app: Flask) -> None:
    package = exported(app)
    with app.app_context(), app.extensions["database"].session() as session:
        for model in (ReferralContact, AgencyPhone):
            session.query(model).delete()
        for agency in session.scalars(select(Agency)):
            session.delete(agency)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 0
        import_datapackage(session, package, actor="test")
    assert exported(app) == package


def test_datapackage_follows_hsds_names_with_our_extension(app: Flask) -> None:
    package = exported(app)
    assert package["profile"] == PROFILE
    assert set(package["resources"]) >= {"organization", "service", "service_area", "language", "phone", "schedule"}
    pnc = record(package, "organization", "gt-pnc")
    assert pnc["name"] == "Policía Nacional Civil"
    assert pnc["x_hotline"]["kind"] == "police" and pnc["x_hotline"]["names"]["en"] == "National Civil Police"
    line = record(package, "phone", "gt-pnc-110-phone-00")
    assert (line["service_id"], line["organization_id"], line["number"]) == ("gt-pnc-110", "gt-pnc", "110")
    assert line["x_hotline"]["toll_free"] == "yes" and line["x_hotline"]["provenance"]["lines"] == "1784"
    assert record(package, "language", "gt-pnc-110-language-00")["code"] == "es"
    always = [s for s in package["resources"]["schedule"] if s["x_hotline"] == {"always_open": True}]
    assert always and all(s["byday"] == "MO,TU,WE,TH,FR,SA,SU" and s["freq"] == "WEEKLY" for s in always)
    # Demo contacts come out as HSDS contacts, their SMS numbers as phones linked to the contact.
    contact = package["resources"]["contact"][0]
    assert contact["email"].endswith((".example.org", "@example.org", "@example.net"))
    assert any(p.get("contact_id") == contact["id"] for p in package["resources"]["phone"])
    assert {c["code"] for c in package["x_hotline"]["countries"]} >= {"GT", "MX", "DO"}


def break_kind(package: dict[str, Any]) -> tuple[str, str]:
    record(package, "organization", "gt-pnc")["x_hotline"]["kind"] = "secret_police"
    return "gt-pnc", "kind"


def break_phone(package: dict[str, Any]) -> tuple[str, str]:
    line = record(package, "phone", "hn-eri-cell-phone-00")
    line["x_hotline"]["e164"] = "+5041"
    return "hn-eri-cell-phone-00", "phones.number"


def break_region(package: dict[str, Any]) -> tuple[str, str]:
    record(package, "service_area", "gt-pnc-110-area-00")["x_hotline"]["regions"] = ["GT-99"]
    return "gt-pnc-110", "areas"


def break_link(package: dict[str, Any]) -> tuple[str, str]:
    record(package, "service", "gt-pnc-110")["organization_id"] = "gt-nowhere"
    return "gt-pnc-110", "organization_id"


def break_contact(package: dict[str, Any]) -> tuple[str, str]:
    package["resources"]["contact"][0]["email"] = "not an address"
    return package["resources"]["contact"][0]["id"], "email"


@pytest.mark.parametrize("damage", [break_kind, break_phone, break_region, break_link, break_contact])
def test_a_bad_record_is_refused_by_id_and_field_and_nothing_is_written(app: Flask, damage: Any) -> None:
    package = exported(app)
    # A good edit earlier in the package must not land either: nothing half-loads.
    record(package, "organization", "bz-dpp")["x_hotline"]["names"] = {"en": "Renamed before the bad record"}
    bad = copy.deepcopy(package)
    record_id, field = damage(bad)
    with app.app_context(), app.extensions["database"].session() as session:
        version = session.get(DirectoryVersion, 1).number  # type: ignore[union-attr]
        changes = session.scalar(select(func.count()).select_from(DirectoryChange))
    with pytest.raises(DirectoryError) as refused:
        with app.app_context(), app.extensions["database"].session() as session:
            import_datapackage(session, bad, actor="test")
    assert record_id in refused.value.record and refused.value.field == field
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(DirectoryVersion, 1).number == version  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(DirectoryChange)) == changes
        assert session.get(Agency, "bz-dpp").names != {"en": "Renamed before the bad record"}  # type: ignore[union-attr]
        assert session.get(Agency, "gt-pnc").kind == "police"  # type: ignore[union-attr]


def test_a_package_without_our_profile_is_refused(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        with pytest.raises(DirectoryError) as refused:
            import_datapackage(session, {"profile": "something else", "resources": {}}, actor="test")
    assert refused.value.field == "profile"
