"""Each statistic against the hand-counted world of tests/stats/fixture.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hotline import stats
from hotline.referrals.lifecycle import CROSS_BORDER, NATIONAL, flow
from hotline.referrals.models import Referral
from hotline.stats import Filters, Measure, Table
from hotline.tickets.models import Ticket
from tests.factories import agency_of
from tests.stats.fixture import DUE_FAR_AHEAD, END, NO_AGENCY_COUNTRY, NOW, START, World, build

YEAR = Filters(start=START, end=END)


def stages(**counts: int) -> dict[str, int]:
    return {stage: counts.get(stage, 0) for stage in stats.STAGES}


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.app_context(), app.extensions["database"].session() as session:
        yield session


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


def test_every_flowchart_node_is_placed_in_the_funnel_rule() -> None:
    placed = set().union(*stats.STAGE_NODES.values()) | stats.NO_STAGE_NODES
    for flow_id in (NATIONAL, CROSS_BORDER):
        assert set(flow(flow_id).nodes) <= placed, flow_id


def test_funnel_counts_each_ticket_at_every_stage_it_ever_reached(app: Flask, world: World) -> None:
    with session_of(app) as session:
        overall = stats.funnel(session, YEAR)[None]
        everything = stats.funnel(session, Filters())[None]
    assert overall == stages(received=8, triaged=7, referred=6, acknowledged=3, accepted=2, assisted=2, closed=1)
    # T8, from 2024, joins when the period is open.
    assert everything["received"] == 9 and everything["acknowledged"] == 4


def test_funnel_by_agency_counts_only_that_agencys_referrals(app: Flask, world: World) -> None:
    with session_of(app) as session:
        by_agency = stats.funnel(session, YEAR, by="agency")
        only_b = stats.funnel(session, Filters(start=START, end=END, agency=world.agency_b))[None]
    assert by_agency[world.agency_a] == stages(
        received=4, triaged=4, referred=4, acknowledged=3, accepted=2, assisted=2, closed=1
    )
    assert by_agency[world.agency_b] == stages(received=2, triaged=2, referred=2)
    assert only_b == by_agency[world.agency_b]


def test_funnel_by_country_channel_risk_and_month(app: Flask, world: World) -> None:
    with session_of(app) as session:
        by_country = stats.funnel(session, YEAR, by="country")
        by_channel = stats.funnel(session, YEAR, by="channel")
        by_risk = stats.funnel(session, YEAR, by="risk")
        by_month = stats.funnel(session, YEAR, by="month")
        critical = stats.funnel(session, Filters(start=START, end=END, risk="critical"))[None]
    assert by_country["GT"] == stages(
        received=6, triaged=5, referred=4, acknowledged=3, accepted=2, assisted=2, closed=1
    )
    assert by_country["HN"] == stages(received=2, triaged=2, referred=2)
    assert by_channel["web"] == stages(
        received=5, triaged=4, referred=3, acknowledged=1, accepted=1, assisted=1, closed=1
    )
    assert by_channel["voice"] == stages(received=1, triaged=1, referred=1, acknowledged=1)
    assert by_risk["high"] == stages(
        received=2, triaged=2, referred=1, acknowledged=1, accepted=1, assisted=1, closed=1
    )
    assert by_month["2025-03"] == stages(received=4, triaged=3, referred=2)
    assert critical == stages(received=1, triaged=1, referred=1, acknowledged=1, accepted=1, assisted=1)


def test_time_to_acknowledge_per_agency(app: Flask, world: World) -> None:
    with session_of(app) as session:
        found = {row.agency_id: row for row in stats.ack_times(session, YEAR, NOW)}
    a, b = found[world.agency_a], found[world.agency_b]
    # A: 30, 90 and 300 minutes against a 60-minute deadline; T9 is waiting and not yet due.
    assert (a.referrals, a.acknowledged, a.breaches, a.pending) == (4, 3, 2, 1)
    assert a.median_minutes == Measure(90.0, 3)
    # percentile_cont(0.9) of 30, 90, 300: 90 + 0.8 * (300 - 90).
    assert a.p90_minutes.value == pytest.approx(258.0) and a.p90_minutes.n == 3
    # B: one never acknowledged past its deadline (a breach), one declined (owes nothing).
    assert (b.referrals, b.acknowledged, b.breaches, b.pending) == (2, 0, 1, 0)
    assert b.median_minutes == Measure(None, 0)


def test_an_unacknowledged_referral_is_pending_until_its_deadline_passes(app: Flask, world: World) -> None:
    later = DUE_FAR_AHEAD + timedelta(days=1)
    with session_of(app) as session:
        a = next(row for row in stats.ack_times(session, YEAR, later) if row.agency_id == world.agency_a)
    assert (a.breaches, a.pending) == (3, 0)


def test_percentiles_in_the_database_agree_with_percentile_cont(app: Flask) -> None:
    agency = agency_of(app, "PA", "coordinating_body")
    chance = random.Random(16)
    minutes = [chance.randint(1, 5000) for _ in range(25)]
    with session_of(app) as session:
        for index, duration in enumerate(minutes):
            created = datetime(2025, 6, 1, 8, tzinfo=UTC) + timedelta(hours=index)
            ticket = Ticket(
                reference=f"PC{index:06d}", channel="web", language="es", incident_country="PA", created_at=created
            )
            session.add(ticket)
            session.flush()
            session.add(
                Referral(
                    ticket_id=ticket.id,
                    agency_id=agency,
                    flow_id=NATIONAL,
                    flow_version=1,
                    status="acknowledged",
                    run={"path": []},
                    created_at=created,
                    ack_due_at=created + timedelta(hours=1),
                    acknowledged_at=created + timedelta(minutes=duration),
                )
            )
        session.commit()
        (row,) = stats.ack_times(session, YEAR, NOW)
    assert row.acknowledged == 25
    assert row.median_minutes.value == pytest.approx(stats.percentile_cont(minutes, 0.5))
    assert row.p90_minutes.value == pytest.approx(stats.percentile_cont(minutes, 0.9))
    assert row.breaches == sum(1 for duration in minutes if duration > 60)


def test_percentile_cont_interpolates_between_closest_ranks() -> None:
    assert stats.percentile_cont([], 0.5) is None
    assert stats.percentile_cont([7], 0.9) == 7
    assert stats.percentile_cont([300, 30, 90], 0.5) == 90
    assert stats.percentile_cont([1, 2, 3, 4], 0.5) == 2.5
    assert stats.percentile_cont(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_volumes_per_month_list_empty_months_as_zero(app: Flask, world: World) -> None:
    with session_of(app) as session:
        months = stats.volumes(session, YEAR, "month")
        weeks = dict(stats.volumes(session, YEAR, "week"))
    assert months == [
        ("2025-01", 1),
        ("2025-02", 2),
        ("2025-03", 4),
        *((f"2025-{m:02d}", 0) for m in range(4, 12)),
        ("2025-12", 1),
    ]
    # 10 January 2025 was a Friday: its week starts on Monday 6 January; 30 December is itself a Monday.
    assert weeks["2025-01-06"] == 1 and weeks["2025-03-03"] == 4 and weeks["2025-12-29"] == 1
    assert sum(weeks.values()) == 8 and min(weeks) == "2024-12-30"


def test_case_types(app: Flask, world: World) -> None:
    with session_of(app) as session:
        assert stats.case_types(session, YEAR) == [("trafficking", 5), ("unclear", 2), ("smuggling", 1)]


def test_people_reported_and_identified(app: Flask, world: World) -> None:
    with session_of(app) as session:
        sex = stats.people(session, YEAR, "sex")
        age = stats.people(session, YEAR, "age_band")
        nationality = stats.people(session, YEAR, "nationality")
        forms = stats.people(session, YEAR, "exploitation")
    assert sex.rows == [("female", 2, 2), ("male", 1, 1), ("other", 0, 0), ("unknown", 1, 0)]
    assert age.rows == [
        ("0-11", 1, 1),
        ("12-17", 1, 1),
        ("18-29", 1, 1),
        ("30-49", 0, 0),
        ("50+", 0, 0),
        ("unknown", 1, 0),
    ]
    assert nationality.rows == [("GT", 1, 1), ("HN", 2, 2), ("unknown", 1, 0)]
    assert dict((form, (n, i)) for form, n, i in forms.rows if n) == {
        "sexual": (2, 2),
        "labour": (1, 1),
        "unknown": (1, 0),
    }
    assert sex.known_reported and sex.known_identified


def test_a_field_nobody_recorded_is_not_available_rather_than_zero(app: Flask, world: World) -> None:
    with session_of(app) as session:
        voice = stats.people(session, Filters(start=START, end=END, channel="voice"), "sex")
    assert voice.rows[-1] == ("unknown", 1, 0)
    assert not voice.known_reported and not voice.known_identified
    table = Table("sex", "t", ("sex", "reported", "identified"), tuple(voice.rows))
    assert stats.present(table, exact=True).rows[0] == ("female", 0, 0)  # the raw table is the view's to mark


def test_incidents_by_country_and_region(app: Flask, world: World) -> None:
    with session_of(app) as session:
        found = stats.incidents(session, YEAR)
    assert found == {"GT": {"GT-09": 2, "GT-01": 2, None: 2}, "HN": {"HN-FM": 2}}


def test_identified_by_country_tells_no_source_from_zero(app: Flask, world: World) -> None:
    with session_of(app) as session:
        rows = {
            code: (identified, reported) for code, identified, reported in stats.identified_by_country(session, YEAR)
        }
    assert rows["GT"] == (3, 4)
    assert rows["HN"] == (0, 0)
    assert rows[NO_AGENCY_COUNTRY] == (None, 0)


def test_scope_limits_every_figure_to_the_readers_countries(app: Flask, world: World) -> None:
    honduras = Filters(start=START, end=END, scope=frozenset({"HN"}))
    with session_of(app) as session:
        assert stats.funnel(session, honduras)[None]["received"] == 2
        assert [row.agency_id for row in stats.ack_times(session, honduras, NOW)] == [world.agency_b]
        assert set(stats.incidents(session, honduras)) == {"HN"}
        assert [code for code, _i, _r in stats.identified_by_country(session, honduras)] == ["HN"]


def test_country_report_for_guatemala(app: Flask, world: World) -> None:
    with session_of(app) as session:
        report = stats.country_report(session, "GT", 2025, NOW)
    assert report.has_source and report.reports_received == 6
    assert (report.identified, report.identified_in_nationality, report.identified_abroad) == (3, 1, 2)
    assert report.identified_nationality_unknown == 0
    assert (report.assistance_cases, report.assistance_people, report.protection_cases) == (2, 3, 0)
    assert (report.repatriation_cases, report.repatriation_people, report.repatriated_closed) == (1, 2, 1)
    assert report.funnel == stages(received=6, triaged=5, referred=4, acknowledged=3, accepted=2, assisted=2, closed=1)
    assert [(row.agency_id, row.referrals) for row in report.ack] == [(world.agency_a, 4)]


def test_country_report_without_a_source_is_not_available(app: Flask, world: World) -> None:
    with session_of(app) as session:
        report = stats.country_report(session, NO_AGENCY_COUNTRY, 2025, NOW)
    assert not report.has_source and report.reports_received == 0
    assert report.identified is None and report.assistance_cases is None and report.repatriation_cases is None


@pytest.mark.parametrize(
    ("value", "exact", "shown"),
    [
        (0, False, 0),
        (1, False, "<3"),
        (2, False, "<3"),
        (3, False, 3),
        (1, True, 1),
        (None, False, "n/a"),
        (None, True, "n/a"),
        (Measure(12.34, 2), False, "<3"),
        (Measure(12.34, 2), True, 12.3),
        (Measure(12.34, 3), False, 12.3),
        (Measure(None, 0), True, "n/a"),
        ("Guatemala", False, "Guatemala"),
    ],
)
def test_cell_suppresses_small_counts_and_keeps_not_available_apart_from_zero(value, exact, shown) -> None:  # type: ignore[no-untyped-def]
    assert stats.cell(value, exact) == shown
