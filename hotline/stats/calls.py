"""Call statistics: callers who asked for a person, per line, language and hour of the day: offered,
answered, abandoned, time to answer and talk time. Cells are raw; `present` suppresses small counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.models import VoiceCall
from hotline.stats.figures import Filters, Measure

GROUPINGS = ("line", "language", "hour")
NO_LINE = ""


@dataclass(frozen=True)
class CallRow:
    group: str
    offered: int
    answered: int
    abandoned: int
    seconds_to_answer: Measure
    talk_seconds: Measure


def _group_of(grouping: str) -> Callable[[VoiceCall], str]:
    if grouping == "line":
        return lambda call: call.line or NO_LINE
    if grouping == "language":
        return lambda call: call.language
    return lambda call: f"{call.created_at.hour:02d}:00"


def call_figures(session: Session, filters: Filters, grouping: str) -> list[CallRow]:
    """One row per line, language or hour (UTC) of the calls that started in the period."""
    query = select(VoiceCall)
    if filters.start is not None:
        query = query.where(VoiceCall.created_at >= filters.start)
    if filters.end is not None:
        query = query.where(VoiceCall.created_at < filters.end)
    if filters.country is not None:
        query = query.where(VoiceCall.country == filters.country)
    if filters.scope is not None:
        query = query.where(VoiceCall.country.in_(sorted(filters.scope)))
    if filters.risk is not None:
        query = query.where(VoiceCall.risk == filters.risk)
    groups: dict[str, list[VoiceCall]] = defaultdict(list)
    key = _group_of(grouping)
    for call in session.scalars(query):
        groups[key(call)].append(call)
    rows = []
    for group, found in sorted(groups.items()):
        waits = [
            (c.answered_at - c.enqueued_at).total_seconds() for c in found if c.answered_at and c.enqueued_at
        ]
        talks = [(c.ended_at - c.answered_at).total_seconds() for c in found if c.answered_at and c.ended_at]
        rows.append(
            CallRow(
                group,
                len(found),
                sum(1 for c in found if c.answered_at is not None),
                sum(1 for c in found if c.outcome == "abandoned"),
                Measure(median(waits) if waits else None, len(waits)),
                Measure(median(talks) if talks else None, len(talks)),
            )
        )
    return rows
