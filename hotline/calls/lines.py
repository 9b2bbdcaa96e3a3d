"""Our hotline lines as the directory keeps them: which line a caller rang, and whether its team is
answering now (in the line's own time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import HotlineLine
from hotline.calls.prompts import call_prompt
from hotline.db import utcnow
from routing.snapshot import WEEKDAYS, opening_hours


def line_for(session: Session, number: str | None) -> HotlineLine | None:
    return session.get(HotlineLine, number) if number else None


def all_lines(session: Session) -> list[HotlineLine]:
    return list(session.scalars(select(HotlineLine).order_by(HotlineLine.country, HotlineLine.number)))


def is_open(line: HotlineLine, now: datetime | None = None) -> bool:
    """Whether the line's team answers at this moment (a line without known hours counts as open)."""
    local = (now or utcnow()).astimezone(ZoneInfo(line.time_zone))
    return opening_hours(line.hours).is_open(local) is not False


def hours_text(line: HotlineLine, language: str) -> str:
    """The line's hours as a caller hears them: "24 hours a day", or days and times per period."""
    if line.hours == "24/7":
        return call_prompt("hours_always", language)
    names = Locale.parse("fr" if language == "ht" else language).days["format"]["wide"]
    parts = []
    for period in line.hours:
        days = [WEEKDAYS.index(day) for day in period["days"]]
        if len(days) == 7:
            when = ""
        elif days == list(range(days[0], days[-1] + 1)):
            when = f"{names[days[0]]}–{names[days[-1]]}, "
        else:
            when = ", ".join(names[d] for d in days) + ", "
        parts.append(when + call_prompt("hours_from_to", language, opens=period["opens"], closes=period["closes"]))
    return "; ".join(parts)
