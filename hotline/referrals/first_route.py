"""The foundation's thin route: the incident country's coordinating body, else the regional focal point.

Temporary by design: the routing issue replaces this with `routing.engine.route` over the directory
snapshot. It exists so the path from a report to an acknowledging agency is whole from day one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Agency
from routing.intake import Intake

ACK_MINUTES = {"critical": 15, "high": 120, "medium": 24 * 60, "low": 72 * 60}


@dataclass(frozen=True)
class Choice:
    agency: Agency
    role: str
    reason: str


def first_risk(intake: Intake) -> str:
    if intake.answers.get("in_danger_now"):
        return "critical"
    if intake.answers.get("minor_involved"):
        return "high"
    return "medium"


def choose_agencies(session: Session, intake: Intake) -> list[Choice]:
    country = intake.location.country or intake.caller_country
    if country is not None:
        body = session.scalar(
            select(Agency).where(Agency.country == country, Agency.kind == "coordinating_body").order_by(Agency.id)
        )
        if body is not None:
            return [Choice(body, "primary", f"national coordinating body of {country}")]
    focal = session.scalar(select(Agency).where(Agency.regional_focal_point.is_(True)).order_by(Agency.id))
    if focal is None:
        return []
    return [Choice(focal, "regional", "location unknown or no national body: regional focal point")]
