"""HSDS 3.1 data package: valid against the official schemas, out and back in unchanged, a partner's read.

The official schemas and the standard's example package are vendored in hsds_schema/ (see its README).
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from directory.hsds import (
    OFFICIAL_DESCRIPTOR,
    PROFILE,
    dumps,
    export_datapackage,
    hsds_id,
    read_package,
    write_csv_package,
)
from directory.hsds_import import import_datapackage
from directory.load import DirectoryError
from directory.models import Agency, AgencyPhone, AgencyService, DirectoryChange, DirectoryVersion, ReferralContact
from tests.directory.hsds_standard import EXAMPLE_PACKAGE, HERE, failing_rows, rows


def export_text(app: Flask) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        return dumps(export_datapackage(session))


def exported(app: Flask) -> dict[str, Any]:
    with app.app_context(), app.extensions["database"].session() as session:
        return export_datapackage(session)


def table(package: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(resource["data"] for resource in package["resources"] if resource["name"] == name)


def record(package: dict[str, Any], resource: str, local_id: str) -> dict[str, Any]:
    """A row by our readable id: a slug for organizations and services, slug-and-position for children."""
    wanted = hsds_id(local_id)
    return next(r for r in table(package, resource) if r["id"] == wanted)


def test_every_exported_row_validates_against_the_official_hsds_31_schemas(app: Flask) -> None:
    package = exported(app)
    counted = {name: len(table(package, name)) for name in ("organization", "service", "phone", "contact")}
    assert counted == {"organization": 100, "service": 28, "phone": counted["phone"], "contact": counted["contact"]}
    assert counted["contact"] > 0 and counted["phone"] > 23  # the demo contacts and their SMS numbers are in
    assert failing_rows(package) == {}
    assert all(uuid.UUID(row["id"]).version == 5 for _, row in rows(package))
    assert not [(name, row["id"]) for name, row in rows(package) if None in row.values()]


def test_the_validator_refuses_what_the_old_export_wrote(app: Flask) -> None:
    package = exported(app)
    pnc = record(package, "organization", "gt-pnc")
    pnc["id"], pnc["website"] = "gt-pnc", None
    assert failing_rows(package) == {
        "organization gt-pnc": ["id: 'gt-pnc' is not a 'uuid'", "website: None is not of type 'string'"]
    }


def test_ids_are_stable_uuids_and_slugs_stay_readable(app: Flask) -> None:
    package = exported(app)
    pnc = record(package, "organization", "gt-pnc")
    assert pnc["id"] == str(uuid.uuid5(uuid.UUID("6f1d3c1e-7b0a-5c57-9a52-2f4e1b8c9d10"), "gt-pnc"))
    assert pnc["x_hotline"]["id"] == "gt-pnc"
    identifier = next(r for r in table(package, "organization_identifier") if r["organization_id"] == pnc["id"])
    assert identifier["identifier"] == "gt-pnc"
    assert record(package, "service", "gt-pnc-110")["x_hotline"]["id"] == "gt-pnc-110"


def test_the_descriptor_is_the_standards_tabular_data_package(app: Flask) -> None:
    package = exported(app)
    assert package["profile"] == "tabular-data-package" == PROFILE
    assert package["x_hotline"]["hsds_version"] == "3.1"
    official = {r["name"]: r for r in json.loads(OFFICIAL_DESCRIPTOR.read_text())["resources"]}
    for resource in package["resources"]:
        fields = [field["name"] for field in resource["schema"]["fields"]]
        assert fields == [f["name"] for f in official[resource["name"]]["schema"]["fields"]] + ["x_hotline"]
        assert resource["profile"] == "tabular-data-resource"
        for row in resource["data"]:
            assert set(row) <= set(fields), (resource["name"], set(row) - set(fields))


def test_the_runtime_descriptor_is_the_vendored_official_file() -> None:
    assert OFFICIAL_DESCRIPTOR.read_bytes() == (HERE / "datapackage.json").read_bytes()


def test_export_import_export_is_byte_identical(app: Flask) -> None:
    first = export_text(app)
    with app.app_context(), app.extensions["database"].session() as session:
        report = import_datapackage(session, export_datapackage(session), actor="test")
    assert (report.organizations, report.left_out) == (100, [])
    assert export_text(app) == first


def test_the_csv_package_goes_out_and_back_in_unchanged(app: Flask, tmp_path: Path) -> None:
    first = export_text(app)
    written = write_csv_package(exported(app), tmp_path / "package")
    assert {path.name for path in written} >= {"datapackage.json", "organizations.csv", "services.csv", "phones.csv"}
    package = read_package(tmp_path / "package")
    assert failing_rows(package) == {}
    with app.app_context(), app.extensions["database"].session() as session:
        import_datapackage(session, package, actor="test")
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
    pnc = record(package, "organization", "gt-pnc")
    assert pnc["name"] == "Policía Nacional Civil"
    assert pnc["x_hotline"]["kind"] == "police" and pnc["x_hotline"]["names"]["en"] == "National Civil Police"
    line = record(package, "phone", "gt-pnc-110-phone-00")
    assert (line["service_id"], line["organization_id"], line["number"]) == (hsds_id("gt-pnc-110"), pnc["id"], "110")
    assert line["x_hotline"]["toll_free"] == "yes" and line["x_hotline"]["provenance"]["lines"] == "1784"
    assert record(package, "language", "gt-pnc-110-language-00")["code"] == "es"
    always = [s for s in table(package, "schedule") if s.get("x_hotline") == {"always_open": True}]
    assert always and all(s["byday"] == "MO,TU,WE,TH,FR,SA,SU" and s["freq"] == "WEEKLY" for s in always)
    # Demo contacts come out as HSDS contacts, their SMS numbers as phones linked to the contact.
    contact = table(package, "contact")[0]
    assert contact["email"].endswith((".example.org", "@example.org", "@example.net"))
    assert any(p.get("contact_id") == contact["id"] for p in table(package, "phone"))
    assert {c["code"] for c in package["x_hotline"]["countries"]} >= {"GT", "MX", "DO"}


def break_kind(package: dict[str, Any]) -> tuple[str, str]:
    record(package, "organization", "gt-pnc")["x_hotline"]["kind"] = "secret_police"
    return "gt-pnc", "kind"


def break_phone(package: dict[str, Any]) -> tuple[str, str]:
    line = record(package, "phone", "hn-eri-cell-phone-00")
    line["x_hotline"]["e164"] = "+5041"
    return line["id"], "phones.number"


def break_region(package: dict[str, Any]) -> tuple[str, str]:
    record(package, "service_area", "gt-pnc-110-area-00")["x_hotline"]["regions"] = ["GT-99"]
    return "gt-pnc-110", "areas"


def break_link(package: dict[str, Any]) -> tuple[str, str]:
    service = record(package, "service", "gt-pnc-110")
    service["organization_id"] = hsds_id("gt-nowhere")
    return service["id"], "organization_id"


def break_contact(package: dict[str, Any]) -> tuple[str, str]:
    table(package, "contact")[0]["email"] = "not an address"
    return table(package, "contact")[0]["id"], "email"


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


def test_a_file_that_is_not_a_data_package_is_refused(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        with pytest.raises(DirectoryError) as refused:
            import_datapackage(session, {"profile": "something else", "resources": {}}, actor="test")
    assert refused.value.field == "resources"


def test_the_standards_own_example_package_imports(app: Flask) -> None:
    package = read_package(EXAMPLE_PACKAGE)
    with app.app_context(), app.extensions["database"].session() as session:
        report = import_datapackage(session, package, actor="test", language="en")
    assert report.organizations == 1
    # What the directory has no place for is named, never silently dropped.
    assert "location: the directory has no place for this table (1)" in report.left_out
    assert "contact: a partner's contacts are never made referral contacts (1)" in report.left_out
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "example-org-d9d5e0f5")
        assert agency is not None and agency.names == {"en": "Example Organization Inc."}
        assert agency.kind == "ngo" and agency.contacts == []
        assert [url["url"] for url in agency.urls] == ["http://example.com"]
        service = session.get(AgencyService, "community-counselling-ac148810")
        assert service is not None and service.languages == ["ur"]
        assert service.hours == [{"days": ["th", "fr"], "opens": "10:00", "closes": "18:00"}]
        assert [(p.number, p.country, p.type) for p in service.phones] == [("+441234234567", "GB", "voice")]
    # Exported again, the partner's records keep the partner's ids.
    package = exported(app)
    assert record_by_uuid(package, "organization", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")["name"] == (
        "Example Organization Inc."
    )
    assert record_by_uuid(package, "service", "ac148810-d857-441c-9679-408f346de14b")["status"] == "active"
    assert failing_rows(package) == {}


def record_by_uuid(package: dict[str, Any], resource: str, record_id: str) -> dict[str, Any]:
    return next(r for r in table(package, resource) if r["id"] == record_id)
