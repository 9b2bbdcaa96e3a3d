"""The partner API described as OpenAPI 3.1, served at `GET /api/v1/openapi.json`.

The report's schema is built from the same vocabularies the intake parser checks against (channels,
roles, answer and consent keys, lengths, country codes); tests/channels/test_openapi.py proves the
parser and this schema agree on every field, and a schemathesis run holds the endpoint to it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry

from hotline.partners import SCOPES
from hotline.tickets.intake import LANGUAGE_TAG, MAX_PLACE_LENGTH
from routing.intake import BOOLEAN_ANSWERS, CHANNELS, CONSENT_KEYS, COUNTRY_ANSWERS, MAX_TEXT_LENGTH, REPORTER_ROLES

REFERENCE_PATTERN = "^HT-[0-9A-Z]{4}-[0-9A-Z]{4}$"
IDEMPOTENCY_PATTERN = "^[A-Za-z0-9_.:-]{8,128}$"

DESCRIPTION = """\
Partners (NGOs, shelters, other hotlines) file reports of trafficking in persons and smuggling of
migrants into the hotline's triage and referral.

**Keys.** Every request to `/api/v1/reports` carries a partner key: `Authorization: Bearer hp_…`.
An administrator of the hotline makes one for you (staff pages, *API keys*, or
`flask --app wsgi partners create`); it is shown once. Without a valid key the answer is 401; a key
without the scope `reports:create` gets 403. Keep the key secret: anyone holding it files reports in
your name. Ask for it to be revoked the moment it may have leaked.

**Status.** An accepted report always answers `"status": "received"`. What happens next (routing,
an operator's triage, any review) is the hotline's work and is not reported through this API.

**Retries.** Send an `Idempotency-Key` header: the same key with the same body answers 200 with the
same reference and makes no second report; with another body, 409. Keys are per partner.

**Languages.** Error messages follow `Accept-Language` (es, en, fr, pt, ht).

**Limits.** 120 reports a minute and 2,000 an hour per key; requests without a valid key, 20 a minute
per address. A 429 says when to retry (`Retry-After`) and lists the hotline's numbers.
"""


def country_codes() -> list[str]:
    return sorted(country.alpha_2 for country in pycountry.countries)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, also allowing null (the parser treats null as absent)."""
    kind = schema["type"]
    shown = dict(schema, type=[kind, "null"])
    if "enum" in shown:
        shown["enum"] = [*shown["enum"], None]
    return shown


def report_schema() -> dict[str, Any]:
    """The Intake JSON a partner sends, as the parser (hotline/tickets/intake.py) checks it."""
    countries = country_codes()
    country = {"type": "string", "enum": countries, "description": "ISO 3166-1 alpha-2 code"}
    yes_no_unknown = {"type": ["boolean", "null"], "description": "true, false, or null when not known"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["channel"],
        "description": "A report. It needs words in `text` or at least one answer that is not null.",
        "properties": {
            "channel": {
                "type": "string",
                "enum": list(CHANNELS),
                "description": "How the report reached you; a partner system sends `api`.",
            },
            "text": _nullable(
                {
                    "type": "string",
                    "maxLength": MAX_TEXT_LENGTH,
                    "description": "What is happening, in the reporter's words (any language).",
                }
            ),
            "language": _nullable(
                {
                    "type": "string",
                    "pattern": LANGUAGE_TAG.pattern,
                    "description": "The reporter's language as a BCP 47 tag such as `es` or `pt-BR`.",
                }
            ),
            "caller_phone": _nullable(
                {
                    "type": "string",
                    "maxLength": 40,
                    "description": "The reporter's number with its country code (`+502 5512 3456`), or national "
                    "with `location.country`. Only if the reporter agreed to be called back.",
                }
            ),
            "location": _nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "Where it is happening; every part optional.",
                    "properties": {
                        "country": _nullable(country),
                        "region": _nullable(
                            {
                                "type": "string",
                                "maxLength": MAX_PLACE_LENGTH,
                                "description": "An ISO 3166-2 code (`GT-QZ`) or a region's name.",
                            }
                        ),
                        "place": _nullable(
                            {"type": "string", "maxLength": MAX_PLACE_LENGTH, "description": "A town, a street."}
                        ),
                    },
                }
            ),
            "answers": _nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "Triage answers: true, false or null (not known).",
                    "properties": {
                        **{key: dict(yes_no_unknown) for key in BOOLEAN_ANSWERS},
                        **{key: _nullable(country) for key in COUNTRY_ANSWERS},
                    },
                }
            ),
            "reporter_role": _nullable({"type": "string", "enum": list(REPORTER_ROLES)}),
            "contact_ok": _nullable({"type": "boolean", "description": "The reporter may be contacted back."}),
            "consent": _nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "What the reporter agreed to (true), refused (false) or was not asked (null).",
                    "properties": {key: dict(yes_no_unknown) for key in CONSENT_KEYS},
                }
            ),
        },
        "examples": [
            {
                "channel": "api",
                "text": "Hay tres muchachas encerradas en una casa, les quitaron los documentos.",
                "language": "es",
                "location": {"country": "GT", "region": "GT-QZ", "place": "zona 3"},
                "answers": {"in_danger_now": False, "minor_involved": True, "documents_withheld": True},
                "reporter_role": "witness",
                "contact_ok": False,
            }
        ],
    }


def _error(description: str, codes: list[str], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Error"},
            {"properties": {"error": {"type": "string", "enum": codes}}},
        ]
    }
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before sending again.", "schema": {"type": "string"}}}


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once: it depends on code only)."""
    received = {
        "type": "string",
        "enum": ["received"],
        "description": "Always `received`: what happens next is not reported here.",
    }
    reference = {"type": "string", "pattern": REFERENCE_PATTERN, "description": "The ticket's reference."}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hotline partner API", "version": "1", "description": DESCRIPTION},
        "paths": {
            "/api/v1/reports": {
                "post": {
                    "operationId": "createReport",
                    "summary": "File a report",
                    "security": [{"partnerKey": ["reports:create"]}],
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Your id for this report, so a retry makes no second report.",
                            "schema": {"type": "string", "pattern": IDEMPOTENCY_PATTERN},
                        },
                        {
                            "name": "Accept-Language",
                            "in": "header",
                            "required": False,
                            "description": "The language of error messages.",
                            "schema": {"type": "string", "enum": ["es", "en", "fr", "pt", "ht"]},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "Received. The passphrase lets the reporter add to the report "
                            "later (with the reference, on the hotline's follow-up page); it is shown only now.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["reference", "status", "follow_up_passphrase"],
                                        "properties": {
                                            "reference": reference,
                                            "status": received,
                                            "follow_up_passphrase": {
                                                "type": "string",
                                                "pattern": "^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$",
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "200": {
                            "description": "The same Idempotency-Key and body again: the first answer's "
                            "reference, no new report (and no passphrase).",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["reference", "status"],
                                        "properties": {"reference": reference, "status": received},
                                    }
                                }
                            },
                        },
                        "400": _error(
                            "The body is not JSON, not a report, or a field is wrong (`field` names it).",
                            ["invalid_json", "invalid_intake", "invalid_header", "json_too_deep", "bad_request"],
                        ),
                        "401": _error(
                            "No key, or a key that is unknown or revoked.",
                            ["missing_key", "invalid_key"],
                            {"WWW-Authenticate": {"schema": {"type": "string"}}},
                        ),
                        "403": _error("The key does not have the scope `reports:create`.", ["insufficient_scope"]),
                        "409": _error(
                            "This Idempotency-Key was already used with another body.", ["idempotency_conflict"]
                        ),
                        "413": _error("The body is larger than 256 KiB.", ["request_entity_too_large"]),
                        "429": {
                            "description": "Too many requests: wait (`Retry-After`) and send it again.",
                            "headers": RETRY_AFTER,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RateLimited"}}},
                        },
                        "503": _error("The report could not be stored just now: send it again.", ["busy"], RETRY_AFTER),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenAPI",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "partnerKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A partner key, `hp_<id>_<secret>`, made by the hotline's administrators. "
                    f"Scopes: {', '.join(SCOPES)}.",
                }
            },
            "schemas": {
                "Report": report_schema(),
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "description": "A code that does not change with the language."},
                        "field": {"type": "string", "description": "The field or header at fault; empty for the body."},
                        "message": {"type": "string", "description": "What is wrong, in the requested language."},
                    },
                },
                "RateLimited": {
                    "type": "object",
                    "required": ["error", "message", "hotline_numbers"],
                    "properties": {
                        "error": {"type": "string", "enum": ["rate_limited"]},
                        "message": {"type": "string"},
                        "hotline_numbers": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["country", "number", "type"],
                                "properties": {
                                    "country": {"type": "string"},
                                    "number": {"type": "string"},
                                    "type": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
