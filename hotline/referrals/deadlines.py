"""How long each flowchart timer lasts, by risk, and on which clock.

Acknowledgement minutes come from the routing policy and may be overridden per country and per
agency. Critical and high risk run round the clock; medium and low count only the agency's office
hours (its directory hours, else weekdays 08:00-17:00 in its country's zone) and skip its holidays.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from directory.models import Agency, Country
from directory.timezones import COUNTRY_TIME_ZONES
from routing.calendar import working_deadline
from routing.engine import default_rules
from routing.snapshot import UNKNOWN_HOURS, opening_hours

HOUR = 60
DAY = 24 * HOUR
ROUND_THE_CLOCK = ("critical", "high")

# Timers other than acknowledgement, in minutes by risk level.
TIMER_MINUTES: dict[str, dict[str, int]] = {
    "triage_deadline": {"critical": 5, "high": 30, "medium": 4 * HOUR, "low": DAY},
    "referral_deadline": {"critical": 15, "high": HOUR, "medium": 4 * HOUR, "low": DAY},
    "accept_deadline": {"critical": HOUR, "high": DAY, "medium": 3 * DAY, "low": 7 * DAY},
    "info_deadline": {"critical": 4 * HOUR, "high": 2 * DAY, "medium": 7 * DAY, "low": 14 * DAY},
    "reroute_deadline": {"critical": 15, "high": 2 * HOUR, "medium": DAY, "low": 3 * DAY},
    "follow_up_due": {"critical": 7 * DAY, "high": 14 * DAY, "medium": 30 * DAY, "low": 30 * DAY},
    "validation_deadline": {"critical": 3 * DAY, "high": 7 * DAY, "medium": 14 * DAY, "low": 14 * DAY},
    "return_deadline": {"critical": 14 * DAY, "high": 30 * DAY, "medium": 30 * DAY, "low": 30 * DAY},
}
# Timers whose clock follows the agency's office hours at medium and low risk.
OFFICE_TIMERS = ("ack_deadline", "accept_deadline", "escalation_rung", "escalation_deadline")


def ack_minutes(risk: str, agency: Agency, country_minutes: dict[str, int] | None = None) -> int:
    """The agency's own deadline, else its country's, else the policy's."""
    for overrides in (agency.ack_minutes, country_minutes or {}):
        if risk in overrides:
            return int(overrides[risk])
    return int(default_rules().policy.ack_minutes[risk])


def timer_minutes(timer: str, risk: str, agency: Agency, country_minutes: dict[str, int] | None = None) -> int:
    if timer in ("ack_deadline", "escalation_rung", "escalation_deadline"):
        return ack_minutes(risk, agency, country_minutes)
    return TIMER_MINUTES[timer][risk]


def deadline(
    timer: str,
    risk: str,
    start: datetime,
    agency: Agency,
    country: Country | None,
) -> datetime:
    """When `timer`, started at `start`, falls due for this agency."""
    minutes = timer_minutes(timer, risk, agency, country.ack_minutes if country is not None else None)
    if risk in ROUND_THE_CLOCK or timer not in OFFICE_TIMERS:
        return start + timedelta(minutes=minutes)
    hours = next((h for h in (opening_hours(s.hours) for s in agency.services) if h.known), UNKNOWN_HOURS)
    zone = ZoneInfo(country.time_zone if country is not None else zone_name(agency))
    holidays = frozenset(date.fromisoformat(day) for day in agency.holidays)
    return working_deadline(start, minutes, hours, zone, holidays)


def zone_name(agency: Agency) -> str:
    """A regional body's clock: that of the first country it serves, else UTC."""
    for service in agency.services:
        for area in service.areas:
            if area.get("country") in COUNTRY_TIME_ZONES:
                return COUNTRY_TIME_ZONES[area["country"]]
    return "UTC"
