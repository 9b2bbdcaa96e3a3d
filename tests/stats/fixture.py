"""A small, hand-counted world for the statistics tests: tickets, referrals moved through their
flowchart with explicit timestamps, and the people in each case. The expected figures are written
next to it, counted by hand from the list below, never computed by the code under test.

2025 (the period), agencies A (Guatemala) and B (Honduras):
  T1 GT GT-09 web   high     trafficking  10 Jan  A: ack 30 min, accept, identify, assist, repatriate, close
  T2 GT GT-01 sms   critical trafficking   3 Feb  A: ack 90 min (late), accept, identify, assist
  T3 GT  -    voice medium   smuggling    20 Feb  A: ack 300 min (late)
  T4 HN HN-FM web   low      unclear       5 Mar  B: never acknowledged, due passed (breach)
  T5 HN HN-FM web   medium   trafficking   6 Mar  B: declined (owes no acknowledgement)
  T6 GT GT-09 web   high     trafficking   7 Mar  triaged, never referred
  T7 GT  -    web   medium   unclear       8 Mar  received only
  T9 GT GT-01 chat  medium   trafficking  30 Dec  A: waiting, due in 2099 (pending)
Outside the period: T8 GT 31 Dec 2024, referred to A and acknowledged, one identified person.
People: T1 female 18-29 HN identified sexual, male 12-17 HN identified labour;
        T2 female 0-11 GT identified sexual; T3 one person, nothing known, not identified.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask

from directory.models import Country
from hotline.referrals.lifecycle import advance, open_referral
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket
from hotline.tickets.people import CasePerson
from hotline.tickets.service import REPORTER, SYSTEM, record_event
from routing.flow_engine import Event
from tests.factories import agency_of

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
NO_AGENCY_COUNTRY = "JM"
# T9 is due long after any clock these tests run on, so the pages (which use the real clock) agree.
DUE_FAR_AHEAD = datetime(2099, 1, 1, tzinfo=UTC)
_numbers = itertools.count(1)


@dataclass(frozen=True)
class World:
    agency_a: str
    agency_b: str


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _ticket(session, created: datetime, country: str, region: str | None, channel: str, risk: str, kind: str) -> Ticket:
    ticket = Ticket(
        reference=f"ST{next(_numbers):06d}",
        channel=channel,
        language="es",
        incident_country=country,
        incident_region=region,
        risk_level=risk,
        case_type=kind,
        status="received",
        created_at=created,
        updated_at=created,
    )
    session.add(ticket)
    session.flush()
    record_event(session, ticket, "received", REPORTER, to_state="received")
    return ticket


def _refer(session, ticket: Ticket, agency: str, when: datetime, due_minutes: int = 60) -> Referral:
    ticket.status = "triaged"
    record_event(session, ticket, "triaged", SYSTEM, from_state="received", to_state="triaged")
    referral = open_referral(session, ticket, agency, role="primary", reason="test", now=when)
    # The deadline is set by hand so breaches can be counted by hand, whatever the policy says.
    referral.ack_due_at = when + timedelta(minutes=due_minutes)
    ticket.status = "referred"
    session.flush()
    return referral


def _ack(session, referral: Referral, when: datetime) -> None:
    advance(session, referral, Event("acknowledge", "agency"), "staff:1", when)
    # What hotline.referrals.service.acknowledge records beside the move.
    referral.acknowledged_at = when
    referral.acknowledged_by = "staff:1"


def _moves(session, referral: Referral, when: datetime, *events: Event) -> None:
    for index, event in enumerate(events):
        advance(session, referral, event, "staff:1", when + timedelta(hours=index + 1))


def _person(session, ticket: Ticket, sex: str, age: str, nationality: str | None, identified: bool, form: str) -> None:
    session.add(
        CasePerson(
            ticket_id=ticket.id,
            sex=sex,
            age_band=age,
            nationality=nationality,
            identified=identified,
            exploitation=form,
        )
    )


ACCEPT = Event("accept", "agency")
IDENTIFY = Event("identify", "agency")
ASSIST = Event("start_assistance", "agency")
REPATRIATE = Event("record_wish", "agency", {"wish": "repatriation"})
CLOSE_REPATRIATED = Event("close", "agency", {"outcome": "repatriated"})


def build(app: Flask) -> World:
    agency_a = agency_of(app, "GT", "coordinating_body")
    agency_b = agency_of(app, "HN", "coordinating_body")
    with app.app_context(), app.extensions["database"].session() as session:
        session.add(Country(code=NO_AGENCY_COUNTRY, names={"en": "Jamaica"}, time_zone="America/Jamaica"))

        t1 = _ticket(session, at(1, 10), "GT", "GT-09", "web", "high", "trafficking")
        r1 = _refer(session, t1, agency_a, at(1, 10))
        _ack(session, r1, at(1, 10, 10, 30))
        _moves(session, r1, at(1, 10, 11), ACCEPT, IDENTIFY, ASSIST, REPATRIATE, CLOSE_REPATRIATED)
        _person(session, t1, "female", "18-29", "HN", True, "sexual")
        _person(session, t1, "male", "12-17", "HN", True, "labour")

        t2 = _ticket(session, at(2, 3), "GT", "GT-01", "sms", "critical", "trafficking")
        r2 = _refer(session, t2, agency_a, at(2, 3))
        _ack(session, r2, at(2, 3, 11, 30))
        _moves(session, r2, at(2, 3, 12), ACCEPT, IDENTIFY, ASSIST)
        _person(session, t2, "female", "0-11", "GT", True, "sexual")

        t3 = _ticket(session, at(2, 20), "GT", None, "voice", "medium", "smuggling")
        r3 = _refer(session, t3, agency_a, at(2, 20))
        _ack(session, r3, at(2, 20, 15, 0))
        _person(session, t3, "unknown", "unknown", None, False, "unknown")

        t4 = _ticket(session, at(3, 5), "HN", "HN-FM", "web", "low", "unclear")
        _refer(session, t4, agency_b, at(3, 5))

        t5 = _ticket(session, at(3, 6), "HN", "HN-FM", "web", "medium", "trafficking")
        r5 = _refer(session, t5, agency_b, at(3, 6))
        advance(session, r5, Event("decline", "agency", {"reason": "not ours"}), "staff:2", at(3, 6, 11))

        t6 = _ticket(session, at(3, 7), "GT", "GT-09", "web", "high", "trafficking")
        record_event(session, t6, "triaged", SYSTEM, from_state="received", to_state="triaged")
        t6.status = "triaged"

        _ticket(session, at(3, 8), "GT", None, "web", "medium", "unclear")

        t9 = _ticket(session, at(12, 30), "GT", "GT-01", "chat", "medium", "trafficking")
        r9 = _refer(session, t9, agency_a, at(12, 30))
        r9.ack_due_at = DUE_FAR_AHEAD

        t8 = _ticket(session, at(12, 31, year=2024), "GT", "GT-09", "web", "high", "trafficking")
        r8 = _refer(session, t8, agency_a, at(12, 31, year=2024))
        _ack(session, r8, at(12, 31, 10, 5, year=2024))
        _person(session, t8, "female", "30-49", "GT", True, "sexual")
        session.commit()
    return World(agency_a=agency_a, agency_b=agency_b)
