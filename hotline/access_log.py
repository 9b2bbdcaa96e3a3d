"""Gunicorn's logger with the secrets in URLs scrubbed: an `/ack/<token>` path is logged as `/ack/[redacted]`.

A token in an access log would be enough to acknowledge a referral and stop its escalation, so every
atom that can carry a path (the request line, the path, the referrer) is scrubbed before formatting.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"/ack/[^/?#\s\"]+")
REDACTED = "/ack/[redacted]"


def scrub(text: str) -> str:
    return SECRET_PATHS.sub(REDACTED, text)


class ScrubbingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()}
