"""The official HSDS 3.1 schemas (vendored in hsds_schema/) as jsonschema validators, for the tests."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent / "hsds_schema"
SCHEMAS = HERE / "schema"
EXAMPLE_PACKAGE = HERE / "examples" / "csv" / "datapackage.json"


def _read(path: Path) -> dict[str, Any]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return json.loads(raw)


@cache
def _registry() -> Registry:
    # The table schemas refer to each other by file name ("phone.json"); resolve those to the vendored files.
    resources = [
        (path.name, Resource.from_contents(_read(path), default_specification=DRAFT202012))
        for path in SCHEMAS.glob("*.json")
        if path.name != "openapi.json"
    ]
    return Registry().with_resources(resources)


@cache
def table_validator(table: str) -> Draft202012Validator:
    """A validator for one row of an HSDS table (organization, service, phone...), formats checked."""
    return Draft202012Validator(
        _read(SCHEMAS / f"{table}.json"), registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def compiled_validator(name: str) -> Draft202012Validator:
    """A validator for a compiled shape (service, service_list, organization_list, service_at_location_list)."""
    path = SCHEMAS / "compiled" / f"{name}.json"
    schema = _read(path if path.exists() else path.with_suffix(".json.gz"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def openapi() -> dict[str, Any]:
    return _read(SCHEMAS / "openapi.json")


def page_validator() -> Draft202012Validator:
    """The API's `Page` (total_items, total_pages, page_number, size, first_page, last_page, empty)."""
    return Draft202012Validator(openapi()["components"]["schemas"]["Page"])


def rows(package: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (table, row) of a datapackage, inline data; the old dict-of-lists shape too, to measure it."""
    resources = package["resources"]
    if isinstance(resources, dict):
        return [(table, row) for table, records in resources.items() for row in records]
    return [(resource["name"], row) for resource in resources for row in resource.get("data", ())]


def failing_rows(package: dict[str, Any]) -> dict[str, list[str]]:
    """{"table id": [error, ...]} for every row that the official table schema refuses."""
    failures: dict[str, list[str]] = {}
    for table, row in rows(package):
        errors = [
            f"{'/'.join(map(str, error.absolute_path)) or '(row)'}: {error.message}"
            for error in table_validator(table).iter_errors(row)
        ]
        if errors:
            failures[f"{table} {row.get('id')}"] = errors
    return failures
