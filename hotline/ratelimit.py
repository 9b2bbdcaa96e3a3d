"""Rate limits on the public surface: a table of (endpoint, limit, key), kept in Redis, failing open.

Flask-Limiter does the counting. The limits are data (`channels/limits.py` holds the public table);
this module only attaches them to an app. Every figure is multiplied by `Settings.rate_limit_scale`,
so a test suite can raise them all at once and one test can prove that they bite. When Redis is away
the limiter logs a line and lets the request through: a report is never refused because the store
that counts requests is down.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many

log = logging.getLogger("hotline.ratelimit")
# Flask-Limiter logs each breach at INFO with its key (an address, a caller hash): keep those out of
# the log, which outlives the retention of caller hashes; a store that is down is logged at ERROR.
log.setLevel(logging.WARNING)

RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(.+?)\s*$")


@dataclass(frozen=True)
class EndpointLimit:
    """One row of a limits table: an endpoint, its limits ("60/minute;300/hour") and how clients are told apart."""

    endpoint: str
    limits: str
    key: Callable[[], str]
    methods: tuple[str, ...] | None = None
    # When it says so, the request is not counted at all (a signed Twilio webhook: never refused).
    exempt_when: Callable[[], bool] | None = None


def client_address() -> str:
    """The client's address; behind the proxy, ProxyFix has already put X-Forwarded-For here."""
    return "addr:" + (request.remote_addr or "unknown")


def scaled(limits: str) -> Callable[[], str]:
    """The limits with every count multiplied by the app's scale, read when the request is checked."""

    def value() -> str:
        scale = max(1, int(current_app.config["SETTINGS"].rate_limit_scale))
        parts = []
        for part in limits.split(";"):
            match = RATE.match(part)
            if match is None:
                raise ValueError(f"not a rate: {part!r}")
            parts.append(f"{int(match.group(1)) * scale}/{match.group(2)}")
        return ";".join(parts)

    return value


def storage_uri(redis_url: str) -> str:
    """The app's Redis URL as the limits library names it (a socket is `redis+unix://`)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def install(
    app: Flask,
    storage_url: str,
    table: tuple[EndpointLimit, ...],
    default: str,
    exempt: tuple[str, ...] = (),
) -> Limiter:
    """Attach a limiter to `app`: `default` per address on every endpoint, the table's limits on theirs,
    none on `exempt` (signed callbacks inside a call or message already let in)."""
    limiter = Limiter(
        key_func=client_address,
        app=None,
        default_limits=[scaled(default)],
        storage_uri=storage_uri(storage_url),
        # A dead Redis must not hold a request for long, nor refuse it.
        storage_options=cast(dict[str, Any], {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}),
        swallow_errors=True,
        # No X-RateLimit headers: they would overwrite a 503's own Retry-After and cost a Redis round
        # trip on every answer; a 429 says when to come back itself (channels/limits.py).
        headers_enabled=False,
        key_prefix="hotline-limits",
    )
    limiter.logger = log  # type: ignore[misc]
    limiter.init_app(app)
    for row in table:
        view = app.view_functions[row.endpoint]
        limited = limiter.limit(
            scaled(row.limits),
            key_func=row.key,
            methods=list(row.methods) if row.methods else None,
            exempt_when=row.exempt_when,
        )(view)
        app.view_functions[row.endpoint] = cast(Callable[..., Any], limited)
    for endpoint in exempt:
        app.view_functions[endpoint] = cast(Callable[..., Any], limiter.exempt(app.view_functions[endpoint]))
    app.extensions[LIMITER] = limiter
    return limiter


LIMITER = "hotline_limiter"


def within_allowance(limits: str, scope: str, key: str) -> bool:
    """Count one more for `key` against `limits` (scaled like the table) and say whether it is still
    within them. Nothing is refused here: the caller decides what a burst costs (a suppressed reply,
    never the words). A store that is down answers yes, as the limiter itself fails open."""
    limiter: Limiter | None = current_app.extensions.get(LIMITER)
    if limiter is None:
        return True
    try:
        within = True
        for item in parse_many(scaled(limits)()):
            within = limiter.limiter.hit(item, "hotline-limits", scope, key) and within
        return within
    except Exception:  # any storage error: fail open, as Flask-Limiter does
        log.error("the rate limit store could not be reached; %s counted as within its allowance", scope)
        return True
