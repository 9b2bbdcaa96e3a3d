"""Deadlines on a working calendar: minutes that count only while an agency's office is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.snapshot import OpeningHours, OpeningPeriod

# When the directory does not know an agency's hours, its office is taken to keep these.
DEFAULT_OFFICE = OpeningHours(known=True, periods=(OpeningPeriod(frozenset(range(5)), time(8, 0), time(17, 0)),))
# A calendar with no open minute at all must not hang a deadline forever.
SEARCH_DAYS = 400


def working_deadline(
    start: datetime, minutes: int, hours: OpeningHours, zone: ZoneInfo, holidays: frozenset[date] = frozenset()
) -> datetime:
    """`minutes` of open time after `start` (aware), in UTC. Unknown hours count as office hours."""
    if not hours.known:
        hours = DEFAULT_OFFICE
    if hours.always_open:
        return (start + timedelta(minutes=minutes)).astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    local_start = start.astimezone(zone)
    for offset in range(-1, SEARCH_DAYS):
        day = local_start.date() + timedelta(days=offset)
        for opens, closes in _open_intervals(day, hours, zone, holidays):
            begin = max(opens, start)
            if closes <= begin:
                continue
            if closes - begin >= remaining:
                return (begin + remaining).astimezone(UTC)
            remaining -= closes - begin
    return (start + timedelta(minutes=minutes)).astimezone(UTC)


def _open_intervals(
    day: date, hours: OpeningHours, zone: ZoneInfo, holidays: frozenset[date]
) -> list[tuple[datetime, datetime]]:
    """The open stretches that start on `day`, as aware datetimes, in order."""
    if day in holidays:
        return []
    intervals = []
    for period in hours.periods:
        if day.weekday() not in period.days:
            continue
        opens = datetime.combine(day, period.opens, tzinfo=zone)
        if period.closes == time.max or period.closes <= period.opens:
            # Open until midnight, or past it into the next day.
            end_day = day + timedelta(days=1)
            closes_at = time(0, 0) if period.closes == time.max else period.closes
            closes = datetime.combine(end_day, closes_at, tzinfo=zone)
        else:
            closes = datetime.combine(day, period.closes, tzinfo=zone)
        intervals.append((opens, closes))
    return sorted(intervals)
