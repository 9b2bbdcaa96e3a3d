"""The partner API's OpenAPI document: served publicly, agreeing with the intake parser on every field
(required, types, enums, lengths), and describing every answer the endpoint really gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import update
from werkzeug.test import TestResponse

from channels.openapi import country_codes, openapi_document, report_schema
from hotline.partners import PartnerKey
from hotline.tickets.intake import LOCATION_KEYS, MAX_PLACE_LENGTH, TOP_LEVEL_KEYS, IntakeError, parse_intake
from routing.intake import ANSWER_KEYS, CHANNELS, CONSENT_KEYS, MAX_TEXT_LENGTH, REPORTER_ROLES
from tests.helpers import REPORTS, new_partner_key, post_report

BASE = {"channel": "api", "text": "Trabajan sin pago en una finca de café."}
# One JSON value of each type.
SAMPLES: dict[str, Any] = {
    "string": "x",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "object": {},
    "array": [],
}


def fields(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field of the report as (dotted path, its schema), nested objects and their fields too."""
    for name, sub in schema.get("properties", {}).items():
        yield prefix + name, sub
        yield from fields(sub, f"{prefix}{name}.")


def body_with(path: str, value: Any) -> dict[str, Any]:
    body: dict[str, Any] = dict(BASE)
    *parents, leaf = path.split(".")
    where = body
    for parent in parents:
        where = where.setdefault(parent, {})
    where[leaf] = value
    return body


def refused_field(body: Any) -> str:
    with pytest.raises(IntakeError) as refused:
        parse_intake(body)
    return refused.value.field


def allowed_types(schema: dict[str, Any]) -> set[str]:
    kinds = schema["type"]
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    return kinds | ({"integer"} if "number" in kinds else set())


def test_the_schema_names_exactly_the_fields_the_parser_knows_and_requires_what_it_requires() -> None:
    schema = report_schema()
    assert set(schema["properties"]) == set(TOP_LEVEL_KEYS)
    nested = {"location": LOCATION_KEYS, "answers": ANSWER_KEYS, "consent": CONSENT_KEYS}
    for name, keys in nested.items():
        assert set(schema["properties"][name]["properties"]) == set(keys), name
    assert schema["required"] == ["channel"]
    assert refused_field({"text": "algo pasa"}) == "channel"
    parse_intake({"channel": "api", "text": "algo pasa"})
    # additionalProperties: false, at every level, as the parser refuses an unknown field by name.
    for prefix in ("", "location.", "answers.", "consent."):
        level = schema if not prefix else schema["properties"][prefix[:-1]]
        assert level["additionalProperties"] is False
        assert refused_field(body_with(prefix + "colour", True)) == prefix + "colour"


def test_the_parser_refuses_every_type_the_schema_does_not_allow_naming_the_field() -> None:
    checked = 0
    for path, schema in fields(report_schema()):
        for kind, value in SAMPLES.items():
            if kind in allowed_types(schema):
                continue
            assert refused_field(body_with(path, value)) == path, (path, kind)
            checked += 1
    assert checked > 100


def test_every_enum_is_the_parsers_vocabulary() -> None:
    properties = report_schema()["properties"]
    assert properties["channel"]["enum"] == list(CHANNELS)
    assert properties["reporter_role"]["enum"] == [*REPORTER_ROLES, None]
    countries = [*country_codes(), None]
    assert properties["location"]["properties"]["country"]["enum"] == countries
    assert properties["answers"]["properties"]["victim_nationality"]["enum"] == countries
    for path, schema in fields(report_schema()):
        for value in schema.get("enum", []):
            parse_intake(body_with(path, value))
        if "enum" in schema:
            assert refused_field(body_with(path, "ZZ")) == path


@pytest.mark.parametrize(
    ("path", "limit"),
    [("text", MAX_TEXT_LENGTH), ("location.place", MAX_PLACE_LENGTH), ("location.region", MAX_PLACE_LENGTH)],
)
def test_lengths_agree(path: str, limit: int) -> None:
    schema = dict(fields(report_schema()))[path]
    assert schema["maxLength"] == limit
    parse_intake(body_with(path, "a" * limit))
    assert refused_field(body_with(path, "a" * (limit + 1))) == path


def test_the_example_is_a_report_by_both() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    for example in schema["examples"]:
        Draft202012Validator(schema).validate(example)
        parse_intake(example)


def _inline(value: Any, document: dict[str, Any]) -> Any:
    """The schema with every local $ref replaced by what it points at."""
    if isinstance(value, dict):
        if "$ref" in value:
            target: Any = document
            for part in value["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target, document)
        return {key: _inline(item, document) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline(item, document) for item in value]
    return value


def conforms(response: TestResponse) -> None:
    """The response's status is documented and its body matches the documented schema."""
    document = openapi_document()
    answers = document["paths"]["/api/v1/reports"]["post"]["responses"]
    assert str(response.status_code) in answers, response.status_code
    schema = _inline(answers[str(response.status_code)]["content"]["application/json"]["schema"], document)
    Draft202012Validator(schema).validate(response.get_json())


def test_the_document_is_served_publicly_and_every_answer_matches_it(app: Flask, client: FlaskClient) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json() == openapi_document()
    assert served.get_json()["openapi"].startswith("3.")
    replay = {"Idempotency-Key": "openapi-0001"}
    answers = {
        201: post_report(client, json=BASE, headers=replay),
        200: post_report(client, json=BASE, headers=replay),
        409: post_report(client, json={**BASE, "text": "otra cosa"}, headers=replay),
        400: post_report(client, json={**BASE, "channel": "pigeon"}),
        413: post_report(client, data="x" * 300_000, content_type="application/json"),
        401: client.post(REPORTS, json=BASE),
    }
    other = new_partner_key(app, "Other")
    with app.app_context(), app.extensions["database"].session() as session:
        session.execute(update(PartnerKey).where(PartnerKey.partner == "Other").values(scopes=["directory:read"]))
    answers[403] = client.post(REPORTS, json=BASE, headers={"Authorization": f"Bearer {other}"})
    for status, response in answers.items():
        assert response.status_code == status, (status, response.get_data(as_text=True))
        conforms(response)
