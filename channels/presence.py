"""Who is free to take a web chat: operators with the chat page open, kept in Redis.

Calls do not use this: an operator takes calls only when they say they are available on the
softphone page (`hotline.calls`). For chats the open page beats every POLL seconds, each beat sets a
key that lives TTL seconds, and an operator counts as free for a language and a country while their
key lives. Languages come from the account (`StaffUser.languages`) when it has them.
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
