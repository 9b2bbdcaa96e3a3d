"""The read-only HSDS API: the standard's paths, pages and compiled shapes, and nothing private."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.hsds import export_datapackage, hsds_id
from directory.load import DEMO_CONTACTS_FILE, read_json
from directory.models import ReferralContact
from tests.directory.hsds_standard import compiled_validator, openapi, page_validator

LISTS = {
    "/hsds/organizations": "organization_list",
    "/hsds/services": "service_list",
    "/hsds/service_at_locations": "service_at_location_list",
}


def every_page(client: FlaskClient, path: str, per_page: int = 7) -> list[dict[str, Any]]:
    pages, number = [], 1
    while True:
        response = client.get(f"{path}?page={number}&per_page={per_page}")
        assert response.status_code == 200
        pages.append(response.json)
        if response.json["last_page"]:
            return pages
        number += 1


def every_body(client: FlaskClient) -> list[Any]:
    bodies: list[Any] = [client.get("/hsds/").json]
    for path in LISTS:
        bodies.extend(every_page(client, path))
    services = [item for page in every_page(client, "/hsds/services") for item in page["contents"]]
    bodies.extend(client.get(f"/hsds/services/{service['id']}").json for service in services)
    return bodies


def test_the_api_answers_the_standards_paths(client: FlaskClient) -> None:
    paths = openapi()["paths"]
    for path in ("/organizations", "/services", "/services/{id}", "/service_at_locations"):
        assert "get" in paths[path]
    assert client.get("/hsds/").json["version"] == "3.1"


@pytest.mark.parametrize("path", sorted(LISTS))
def test_every_page_validates_against_the_page_and_compiled_list_shapes(client: FlaskClient, path: str) -> None:
    pages = every_page(client, path)
    assert len(pages) > 1
    for page in pages:
        assert list(page_validator().iter_errors(page)) == []
        for item in page["contents"]:
            assert [e.message for e in compiled_validator(LISTS[path]).iter_errors(item)] == []
    items = [item for page in pages for item in page["contents"]]
    assert pages[0]["total_items"] == len(items) == len({item["id"] for item in items})
    assert (pages[0]["first_page"], pages[-1]["last_page"], pages[0]["total_pages"]) == (True, True, len(pages))


def test_every_service_validates_against_the_compiled_service_shape(client: FlaskClient) -> None:
    services = [item for page in every_page(client, "/hsds/services", 50) for item in page["contents"]]
    assert len(services) == 28
    for summary in services:
        response = client.get(f"/hsds/services/{summary['id']}")
        assert response.status_code == 200
        assert [e.message for e in compiled_validator("service").iter_errors(response.json)] == []


def test_the_public_parts_are_there(client: FlaskClient) -> None:
    service = client.get(f"/hsds/services/{hsds_id('gt-pnc-110')}").json
    assert service["organization"]["name"] == "Policía Nacional Civil"
    assert [phone["number"] for phone in service["phones"]] == ["110"]
    assert service["service_areas"][0]["name"] == "Guatemala"
    assert [language["code"] for language in service["languages"]] == ["es"]
    always = [s for page in every_page(client, "/hsds/services", 50) for s in page["contents"]]
    schedules = [client.get(f"/hsds/services/{s['id']}").json["schedules"] for s in always]
    assert any(schedule and schedule[0]["byday"] == "MO,TU,WE,TH,FR,SA,SU" for schedule in schedules)


def test_ids_are_those_of_the_export(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        package = export_datapackage(session)
    exported = {r["name"]: {row["id"] for row in r["data"]} for r in package["resources"]}
    services = {item["id"] for page in every_page(client, "/hsds/services", 50) for item in page["contents"]}
    organizations = {item["id"] for page in every_page(client, "/hsds/organizations", 50) for item in page["contents"]}
    assert services == exported["service"] and organizations == exported["organization"]


def test_no_referral_contact_is_ever_exposed(app: Flask, client: FlaskClient) -> None:
    secrets = set()
    for agency_id, entry in read_json(DEMO_CONTACTS_FILE).items():
        if not agency_id.startswith("_"):
            for contact in entry["contacts"]:
                secrets.update(value for value in (contact.get("email"), contact.get("sms")) if value)
    with app.app_context(), app.extensions["database"].session() as session:
        stored = session.scalars(select(ReferralContact)).all()
        assert stored
        secrets.update(value for contact in stored for value in (contact.email, contact.sms) if value)
    assert len(secrets) > 20
    text = "\n".join(str(body) for body in every_body(client))
    digits = re.sub(r"\D", "", text)
    leaked = [s for s in secrets if s in text or (s.startswith("+") and s[1:] in digits)]
    assert leaked == []
    # No email at all (referral contacts and agency desks alike), no referral channels or deadlines.
    assert "@" not in text and "ack_minutes" not in text and "channels" not in text


def test_bad_paging_is_a_clear_400_and_an_unknown_service_a_404(client: FlaskClient) -> None:
    for query in ("page=0", "per_page=-1", "page=two"):
        response = client.get(f"/hsds/services?{query}", headers={"Accept-Language": "es"})
        assert response.status_code == 400
        assert response.json == {"error": "page y per_page deben ser números enteros desde 1."}
    assert client.get(f"/hsds/services/{hsds_id('gt-nowhere')}").status_code == 404
    assert client.get("/hsds/services?page=99").json["empty"] is True


def test_services_of_one_organization(client: FlaskClient) -> None:
    page = client.get(f"/hsds/services?organization_id={hsds_id('gt-pnc')}").json
    assert [item["name"] for item in page["contents"]] and all(
        item["organization_id"] == hsds_id("gt-pnc") for item in page["contents"]
    )
