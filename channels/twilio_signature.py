"""Twilio webhooks must carry a valid X-Twilio-Signature; anything else is refused with 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from hotline.hygiene import raw_form

F = TypeVar("F", bound=Callable[..., Any])


def signed_urls() -> list[str]:
    """The URLs Twilio may have signed: the configured public address of this path, and the URL as
    this app sees it (right behind a TLS proxy once ProxyFix has applied X-Forwarded-*)."""
    base = current_app.config["SETTINGS"].public_base_url
    query = request.query_string.decode()
    public = f"{base}{request.path}" + (f"?{query}" if query else "")
    return list(dict.fromkeys([public, request.url]))


def signed_by_twilio() -> bool:
    """Whether this request carries Twilio's valid signature."""
    validator = RequestValidator(current_app.config["SETTINGS"].twilio_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    # Twilio signed the parameters as it sent them, before our hygiene cleaned the form.
    params = raw_form().to_dict(flat=True)
    return bool(signature) and any(validator.validate(url, params, signature) for url in signed_urls())


def twilio_signed(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not signed_by_twilio():
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
