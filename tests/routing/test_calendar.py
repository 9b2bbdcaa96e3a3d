"""Working-calendar deadlines: office minutes only, holidays skipped, round the clock when always open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from routing.calendar import DEFAULT_OFFICE, working_deadline
from routing.snapshot import ALWAYS_OPEN, UNKNOWN_HOURS, OpeningHours, OpeningPeriod

GUATEMALA = ZoneInfo("America/Guatemala")  # UTC-6, no daylight saving


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=GUATEMALA)


def test_minutes_inside_office_hours_are_plain_minutes() -> None:
    due = working_deadline(local(2026, 5, 12, 9, 0), 120, DEFAULT_OFFICE, GUATEMALA)
    assert due == local(2026, 5, 12, 11, 0).astimezone(UTC)


def test_friday_evening_runs_on_into_monday() -> None:
    due = working_deadline(local(2026, 5, 15, 16, 0), 24 * 60, DEFAULT_OFFICE, GUATEMALA)
    # 1 hour on Friday, 9 on Monday, 9 on Tuesday, 5 more on Wednesday.
    assert due == local(2026, 5, 20, 13, 0).astimezone(UTC)


def test_a_holiday_is_skipped_and_unknown_hours_count_as_office_hours() -> None:
    holiday = frozenset({date(2026, 5, 13)})
    due = working_deadline(local(2026, 5, 12, 16, 0), 120, UNKNOWN_HOURS, GUATEMALA, holiday)
    assert due == local(2026, 5, 14, 9, 0).astimezone(UTC)


def test_always_open_is_round_the_clock_and_night_shifts_cross_midnight() -> None:
    assert working_deadline(local(2026, 5, 16, 23, 0), 90, ALWAYS_OPEN, GUATEMALA) == local(2026, 5, 17, 0, 30)
    nights = OpeningHours(known=True, periods=(OpeningPeriod(frozenset(range(7)), time(22, 0), time(6, 0)),))
    assert working_deadline(local(2026, 5, 12, 12, 0), 180, nights, GUATEMALA) == local(2026, 5, 13, 1, 0)
