"""Partner API: `POST /api/v1/reports` takes the Intake JSON and answers 201 with the reference."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _

from channels.limits import api_client
from hotline.db import db_session
from hotline.reports import file_report
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.service import IdempotencyConflict

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


@blueprint.post("/reports")
def create_report() -> tuple[Response, int]:
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
    source_key = f"api:{key}" if key else None
    try:
        received = file_report(
            db_session(), current_app.config["SETTINGS"], parsed, source_key=source_key, origin=api_client()
        )
    except IdempotencyConflict:
        message = _("This Idempotency-Key was already used for a different report.")
        return jsonify(error="idempotency_conflict", field="Idempotency-Key", message=message), 409
    if not received.created:
        return jsonify(reference=received.ticket.reference, status=received.ticket.status), 200
    return jsonify(
        reference=received.ticket.reference,
        status=received.ticket.status,
        follow_up_passphrase=received.passphrase,
    ), 201
