"""schemathesis against the partner API, in process (WSGI), from the document the app serves.

Generated reports (valid by the schema, and deliberately invalid ones) are sent with a real partner
key; every answer must not be a server error, must have a documented status code and content type,
and must match that status's documented body. Deterministic (`derandomize`) and bounded."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import api_headers

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Enough to reach every field and several refusals; the run stays well under half a minute.
EXAMPLES = 60

# The document and the endpoint do not depend on the database; SQLite is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_partner_api_holds_to_its_openapi_document(app: Flask, mode: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = api_headers(app)
    operation = schema["/api/v1/reports"]["POST"]

    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def holds(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    holds()
