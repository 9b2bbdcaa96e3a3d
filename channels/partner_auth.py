"""Who is calling the partner API: the key presented as `Authorization: Bearer <key>`, checked
once per request, and the refusals (401 without a valid key, 403 without the scope) in the caller's
language. The key itself is never logged nor stored; only its public id names the partner."""

from __future__ import annotations

from flask import Response, g, jsonify, request
from flask_babel import gettext as _

from hotline.db import db_session
from hotline.partners import PartnerKey, authenticate

_UNCHECKED = object()


def presented_key() -> str:
    """The key the request presents, or ""."""
    authorization = request.headers.get("Authorization", "").strip()
    scheme, _space, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    return ""


def request_partner() -> PartnerKey | None:
    """The active key this request presents, looked up once per request (the limiter asks first)."""
    found = g.get("partner_key", _UNCHECKED)
    if found is _UNCHECKED:
        presented = presented_key()
        found = authenticate(db_session(), presented) if presented else None
        g.partner_key = found
    return found  # type: ignore[return-value]


def has_valid_key() -> bool:
    return request_partner() is not None


def refusal(scope: str) -> tuple[Response, int, dict[str, str]] | None:
    """None when the request holds an active key with `scope`; else the 401 or 403 to answer."""
    key = request_partner()
    challenge = {"WWW-Authenticate": 'Bearer realm="hotline partner API"'}
    if key is None and not presented_key():
        message = _("A partner API key is needed: send it as “Authorization: Bearer <key>”.")
        return jsonify(error="missing_key", field="Authorization", message=message), 401, challenge
    if key is None:
        message = _("This API key is not valid or has been revoked.")
        return jsonify(error="invalid_key", field="Authorization", message=message), 401, challenge
    if not key.allows(scope):
        message = _("This API key may not do this (it needs the scope “%(scope)s”).", scope=scope)
        return jsonify(error="insufficient_scope", field="Authorization", message=message), 403, {}
    return None
