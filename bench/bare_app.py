"""A bare Flask app answering the load's routes with constant bodies: the same-run baseline of bench.load."""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)
FORM = '<form method="post"><input name="csrf_token" type="hidden" value="bare"></form>'
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.get("/report")
def form() -> str:
    return FORM


@app.post("/report")
def report() -> str:
    return "<p>HT-BARE-BARE</p>"


@app.post("/api/v1/reports")
def api() -> tuple[Response, int]:
    return jsonify(reference="HT-BARE-BARE", status="received"), 201


@app.post("/twilio/sms")
@app.post("/twilio/voice")
def twilio() -> Response:
    return Response(TWIML, mimetype="text/xml")


@app.get("/readyz")
def ready() -> Response:
    return jsonify(status="ready")
