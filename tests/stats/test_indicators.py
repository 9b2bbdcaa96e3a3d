"""The region's indicators against the hand-counted world of tests/stats/fixture.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.conversations.models import Conversation
from hotline.referrals.lifecycle import JUSTICE, advance, open_referral
from hotline.stats import Filters, countries, indicators, rollup
from hotline.stats.indicators import NOT_RECORDED, Rate
from hotline.stats.population import population, source
from hotline.tickets.models import Ticket
from hotline.tickets.service import record_event
from routing.flow_engine import Event
from tests.factories import agency_of
from tests.stats.fixture import END, NOW, START, World, at, build

YEAR = Filters(start=START, end=END)


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.app_context(), app.extensions["database"].session() as session:
        yield session


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


def test_sex_age_form_crosstab(app: Flask, world: World) -> None:
    with session_of(app) as session:
        table = indicators.crosstab(session, YEAR)
    nonzero = {(sex, age, form): n for (sex, age), forms in table.items() for form, n in forms.items() if n}
    assert nonzero == {
        ("female", "18-29", "sexual"): 1,
        ("male", "12-17", "labour"): 1,
        ("female", "0-11", "sexual"): 1,
        ("unknown", "unknown", "unknown"): 1,
    }
    assert len(table) == 4 * 6


def test_flow_domestic_within_region_from_outside(app: Flask, world: World) -> None:
    with session_of(app) as session:
        found = indicators.flow(session, YEAR)
    # T1's two Hondurans in Guatemala; T2's Guatemalan in Guatemala; T3's person of unknown nationality.
    assert found == [("domestic", 1, 1), ("region", 2, 2), ("outside", 0, 0), ("unknown", 1, 0)]


def test_forms_of_assistance(app: Flask, world: World) -> None:
    with session_of(app) as session:
        found = dict(indicators.assistance_forms(session, YEAR))
    assert found == {
        "assistance": 2,
        "protection": 0,
        "repatriation": 1,
        "resettlement": 0,
        "integration": 0,
        "origin_validation": 0,
    }


def justice_track(app: Flask) -> None:
    """Prosecutor's referrals on the justice flowchart, beside T1's and T2's assistance, counted by hand:

    T1 complaint (victim participates), investigation, prosecution, verdict (conviction), reparation;
    T2 investigation opened without a complaint, then prosecution, verdict (acquittal);
    T3 complaint with the victim's participation undecided, re-recorded (still one complaint);
    T8 (2024, outside the period) complaint.
    => complaints 2, investigations 2, prosecutions 2, verdicts 2, convictions 1, reparations 1.
    """
    prosecutor = agency_of(app, "GT", "prosecutor")
    participate = {"victim_participation": "yes"}
    steps = {
        "T1": [
            Event("register_complaint", "agency", participate),
            Event("open_investigation", "agency"),
            Event("charge", "agency"),
            Event("record_verdict", "agency", {"verdict": "conviction"}),
            Event("order_reparation", "agency", {"reparation": "compensation"}),
        ],
        "T2": [
            Event("open_investigation", "agency"),
            Event("charge", "agency"),
            Event("record_verdict", "agency", {"verdict": "acquittal"}),
        ],
        "T3": [
            Event("register_complaint", "agency", {"victim_participation": "undecided"}),
            Event("record_participation", "agency", participate),
        ],
        "T8": [Event("register_complaint", "agency", participate)],
    }
    with session_of(app) as session:
        # The fixture's tickets by when they were reported (tests/stats/fixture.py).
        created = {"T1": at(1, 10), "T2": at(2, 3), "T3": at(2, 20), "T8": at(12, 31, year=2024)}
        for name, events in steps.items():
            [ticket] = session.scalars(select(Ticket).where(Ticket.created_at == created[name])).all()
            when = ticket.created_at + timedelta(days=1)
            referral = open_referral(
                session, ticket, prosecutor, role="additional", reason="test", now=when, flow_id=JUSTICE
            )
            for index, event in enumerate([Event("acknowledge", "agency"), Event("accept", "agency"), *events]):
                advance(session, referral, event, "staff:3", when + timedelta(hours=index + 1))


def test_justice_steps_are_counted_from_the_justice_flowchart_events(app: Flask, world: World) -> None:
    with session_of(app) as session:
        assert indicators.justice(session, YEAR) == [(name, 0) for name in indicators.JUSTICE]
    justice_track(app)
    with session_of(app) as session:
        found = dict(indicators.justice(session, YEAR))
        in_honduras = dict(indicators.justice(session, Filters(start=START, end=END, country="HN")))
        everything = dict(indicators.justice(session, Filters()))
    assert found == {
        "complaints": 2,
        "investigations": 2,
        "prosecutions": 2,
        "verdicts": 2,
        "convictions": 1,
        "reparations": 1,
    }
    assert set(in_honduras.values()) == {0}
    assert everything["complaints"] == 3 and everything["convictions"] == 1


def test_sdg_rate_against_a_hand_computation(app: Flask, world: World) -> None:
    with session_of(app) as session:
        rates = indicators.sdg_rates(session, YEAR)
    # 2025 has no World Bank figure yet: the 2024 population is used, and said.
    assert population("GT", 2025) == (18_406_359, 2024)
    assert rates.year == 2025
    by_country = {code: (people, year, victims, rate) for code, people, year, victims, rate in rates.countries}
    assert by_country["GT"][:3] == (18_406_359, 2024, 3)
    assert by_country["GT"][3].value == pytest.approx(3 * 100_000 / 18_406_359)
    assert by_country["HN"][2:] == (0, Rate(0.0, 0))
    # Jamaica is in the directory but not in the vendored table: no rate, not 0.
    assert by_country["JM"] == (None, None, 0, Rate(None, 0))
    with session_of(app) as session:
        sources = [code for code, source in countries(session) if source]
    # The breakdowns divide by every country with an agency (and a figure): summed here by hand.
    both = sum(population(code, 2025)[0] for code in sources if population(code, 2025))  # type: ignore[index]
    assert "GT" in sources and "JM" not in sources
    assert rates.population == both
    sex = {value: (n, rate.value) for value, n, rate in rates.by_sex}
    assert sex["female"] == (2, pytest.approx(2 * 100_000 / both))
    assert sex["male"] == (1, pytest.approx(100_000 / both))
    assert dict((v, n) for v, n, _r in rates.by_form)["sexual"] == 2
    assert "World Bank" in source() and "SP.POP.TOTL" in source()


def test_profile_fields_recorded_and_not(app: Flask, world: World) -> None:
    with session_of(app) as session:
        found = {name: (recorded, total) for name, recorded, total in indicators.profile(session, YEAR)}
    assert found["sex"] == (3, 4)
    assert found["nationality"] == (3, 4)
    assert found["ethnicity"] == (NOT_RECORDED, 4)


def test_hotline_workload(app: Flask, world: World) -> None:
    with session_of(app) as session:
        t7 = session.scalars(select(Ticket).where(Ticket.created_at == at(3, 8))).one()
        record_event(
            session, t7, "closed", "staff:1", from_state="received", to_state="closed", reason="information_only: asked"
        )

        def talk(channel: str, key: str, **fields: object) -> None:
            session.add(Conversation(channel=channel, provider_key=key, run={}, started_at=at(4, 1), **fields))

        talk("voice", "CA1", ticket_id=t7.id, state="closed")
        talk("voice", "CA2", state="closed")  # hung up during the questions
        talk("voice", "CA3", state="flow")  # still on the line
        talk("chat", "c1", waiting_since=at(4, 1, 10, 0), answered_at=at(4, 1, 10, 4), state="with_operator")
        talk("chat", "c2", waiting_since=at(4, 1, 10, 0), answered_at=at(4, 1, 10, 10), state="closed")
        talk("chat", "c3", waiting_since=at(4, 1, 10, 0), state="closed")  # waited, nobody took it
        session.add(Conversation(channel="sms", provider_key="s1", run={}, started_at=at(4, 1) - timedelta(days=400)))
        session.commit()
        work = indicators.workload(session, YEAR)
    with app.app_context():
        assert rollup.refresh(app.extensions["database"].session, NOW)["months"] > 0
    with session_of(app) as session:
        assert indicators.workload(session, YEAR) == work
        assert indicators.workload(session, Filters(start=at(1, 5), end=at(12, 31))) == work
    # Tickets by channel (web 5, sms 1, voice 1, chat 1) and conversations that made none (2 calls, 3 chats).
    assert work.contacts == {"web": 5, "sms": 1, "voice": 3, "chat": 4}
    assert (work.calls, work.calls_with_report, work.calls_abandoned) == (3, 1, 1)
    assert (work.waited, work.answered, work.abandoned) == (3, 2, 1)
    assert work.answer_median_minutes.value == pytest.approx(7.0)
    assert work.information_only == 1
