"""Partner API: `POST /api/v1/reports` takes the Intake JSON from a partner holding a key and answers 201
with the reference; `GET /api/v1/openapi.json` describes it (channels/openapi.py).

The answer's `status` is always "received", whatever happens next: routing, an operator's triage, or a
hold because the report looks like part of a flood. A sender learns nothing about how reports are
screened, so a flood cannot be tuned until it slips through (docs/security.md).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _

from channels.openapi import openapi_document
from channels.partner_auth import refusal, request_partner
from hotline.db import db_session
from hotline.partners import REPORTS_CREATE, mark_used
from hotline.reports import file_report
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.service import IdempotencyConflict

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
# The only status word a partner is told (see the module's docstring).
RECEIVED = "received"


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The API described as OpenAPI 3: public, so a partner can read it before holding a key."""
    return jsonify(openapi_document())


@blueprint.post("/reports")
def create_report() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    refused = refusal(REPORTS_CREATE)
    if refused is not None:
        return refused
    partner = request_partner()
    assert partner is not None
    mark_used(db_session(), partner)
    body = request.get_json(silent=True)
    if body is None:
        return jsonify(error="invalid_json", field="", message=_("The body must be JSON.")), 400
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        message = _("Idempotency-Key must be 8 to 128 letters, digits or - _ . :")
        return jsonify(error="invalid_header", field="Idempotency-Key", message=message), 400
    try:
        parsed = parse_intake(body)
    except IntakeError as error:
        return jsonify(error.as_json()), 400
    # Per partner: another partner's Idempotency-Key must neither collide nor replay this one's reference.
    source_key = f"api:{partner.public_id}:{key}" if key else None
    try:
        received = file_report(
            db_session(),
            current_app.config["SETTINGS"],
            parsed,
            source_key=source_key,
            origin=f"api-key:{partner.public_id}",
        )
    except IdempotencyConflict:
        message = _("This Idempotency-Key was already used for a different report.")
        return jsonify(error="idempotency_conflict", field="Idempotency-Key", message=message), 409
    if not received.created:
        return jsonify(reference=received.ticket.reference, status=RECEIVED), 200
    return jsonify(
        reference=received.ticket.reference,
        status=RECEIVED,
        follow_up_passphrase=received.passphrase,
    ), 201
