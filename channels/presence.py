"""Who is free to take a call or a chat: operators with the chat console open, kept in Redis.

Deliberately simple until the console has a real duty roster: the open console page beats every
POLL seconds, each beat sets a key that lives TTL seconds, and an operator counts as free for a
language and a country while their key lives. Out of hours nobody has the console open, so calls go
to voicemail. Languages come from the account (`StaffUser.languages`) when it has them, else from
what the operator ticked on the console.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from redis.exceptions import RedisError

from hotline.jobs.queue import redis_connection

TTL_SECONDS = 60
POLL_SECONDS = 15
PREFIX = "hotline:presence:"


def mark_present(user_id: int, languages: Sequence[str], countries: Sequence[str], regional: bool) -> None:
    entry = {"languages": list(languages), "countries": list(countries), "regional": regional}
    try:
        redis_connection().set(f"{PREFIX}{user_id}", json.dumps(entry), ex=TTL_SECONDS)
    except RedisError:
        return


def mark_absent(user_id: int) -> None:
    try:
        redis_connection().delete(f"{PREFIX}{user_id}")
    except RedisError:
        return


def operator_free(language: str | None, country: str | None) -> bool:
    """Whether someone who speaks `language` and covers `country` has the console open now."""
    try:
        connection = redis_connection()
        entries = [connection.get(key) for key in connection.scan_iter(f"{PREFIX}*")]
    except RedisError:
        return False
    for raw in entries:
        if raw is None:
            continue
        entry = json.loads(raw)
        speaks = not entry["languages"] or language is None or language in entry["languages"]
        covers = entry["regional"] or country is None or country in entry["countries"]
        if speaks and covers:
            return True
    return False
