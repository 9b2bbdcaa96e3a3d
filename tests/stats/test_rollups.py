"""Every figure read from the monthly rollups equals the same figure counted live from the tickets,
for whole and partial months and every filter; a change after a refresh shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import stats
from hotline.stats import Filters, indicators, rollup
from hotline.stats.rollup import StatsRollup, StatsRollupMonth, StatsStale
from hotline.tickets.models import Ticket
from hotline.tickets.people import CasePerson
from hotline.tickets.service import SYSTEM, record_event
from tests.stats.fixture import END, NOW, START, World, build


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.app_context(), app.extensions["database"].session() as session:
        yield session


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


PERIODS = [
    Filters(start=START, end=END),
    Filters(),
    Filters(start=datetime(2025, 2, 15, tzinfo=UTC), end=datetime(2025, 12, 31, tzinfo=UTC)),
    Filters(start=datetime(2024, 12, 1, tzinfo=UTC), end=datetime(2025, 3, 1, tzinfo=UTC)),
]
NARROWED = [
    {},
    {"country": "GT"},
    {"scope": frozenset({"HN"})},
    {"channel": "web"},
    {"risk": "medium"},
]


def figures(session: Session, filters: Filters) -> dict[str, object]:
    found: dict[str, object] = {
        "funnel": stats.funnel(session, filters),
        "ack": stats.ack_times(session, filters, NOW),
        "volumes": stats.volumes(session, filters, "month"),
        "weeks": stats.volumes(session, filters, "week"),
        "case_types": stats.case_types(session, filters),
        "people": stats.people_breakdowns(session, filters),
        "incidents": stats.incidents(session, filters),
        "identified": stats.identified_by_country(session, filters),
        "crosstab": indicators.crosstab(session, filters),
        "flow": indicators.flow(session, filters),
        "assistance": indicators.assistance_forms(session, filters),
        "sdg": indicators.sdg_rates(session, filters),
        "profile": indicators.profile(session, filters),
        "workload": indicators.workload(session, filters),
    }
    for by in ("country", "channel", "risk", "month", "agency"):
        found[f"funnel_by_{by}"] = stats.funnel(session, filters, by=by)
    return found


def refresh(app: Flask, now: datetime = NOW) -> dict[str, int]:
    with app.app_context():
        return rollup.refresh(app.extensions["database"].session, now)


def test_rolled_up_figures_equal_the_live_ones(app: Flask, world: World) -> None:
    # Per agency by channel or risk: no rollup grain keeps both, so those read live, whole months too.
    agencies = [
        {"agency": world.agency_a},
        {"agency": world.agency_b, "country": "HN"},
        {"agency": world.agency_a, "channel": "web"},
        {"agency": world.agency_a, "risk": "high"},
    ]
    cases = [replace(period, **narrowed) for period in PERIODS for narrowed in [*NARROWED, *agencies]]
    with session_of(app) as session:
        live = [figures(session, filters) for filters in cases]
    counts = refresh(app)
    # December 2024 to December 2025 are past months on NOW's clock; January 2026 is not.
    assert counts["months"] == 13
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(StatsRollupMonth)) == 13
        rolled = [figures(session, filters) for filters in cases]
        assert rollup.plan(session, START, END).live == []
    for filters, before, after in zip(cases, live, rolled, strict=True):
        assert after == before, filters


def test_a_change_after_the_refresh_is_counted_at_once_and_rebuilt_by_the_next(app: Flask, world: World) -> None:
    refresh(app)
    year = Filters(start=START, end=END)
    with session_of(app) as session:
        before = stats.funnel(session, year)[None]
        # T7 (8 March, received only) is triaged months later; a person is added to it.
        t7 = session.scalars(select(Ticket).where(Ticket.created_at == datetime(2025, 3, 8, 10, tzinfo=UTC))).one()
        record_event(session, t7, "triaged", SYSTEM, from_state="received", to_state="triaged")
        session.add(CasePerson(ticket_id=t7.id, sex="female", age_band="12-17", exploitation="labour"))
        session.commit()
        assert session.scalars(select(StatsStale.month)).all() == [datetime(2025, 3, 1).date()]
        march = rollup.plan(session, START, END)
        assert (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)) in march.live
        after = stats.funnel(session, year)[None]
        people = stats.people_breakdowns(session, year)["age_band"].rows
    assert after["triaged"] == before["triaged"] + 1
    assert dict((band, n) for band, n, _i in people)["12-17"] == 2
    assert refresh(app)["months"] == 1
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(StatsStale)) == 0
        assert rollup.plan(session, START, END).live == []
        assert stats.funnel(session, year)[None] == after


def test_the_current_month_is_never_rolled_up(app: Flask, world: World) -> None:
    refresh(app, now=datetime(2025, 3, 20, tzinfo=UTC))
    with session_of(app) as session:
        months = session.scalars(select(StatsRollupMonth.month).order_by(StatsRollupMonth.month)).all()
    assert months[-1] == datetime(2025, 2, 1).date()


def test_a_month_rebuilt_during_a_page_view_is_read_again_not_remembered(app: Flask, world: World) -> None:
    """A page remembers a dimension's rolled-up part within its transaction, by the months' build time."""
    refresh(app)
    year = Filters(start=START, end=END)
    with session_of(app) as session:
        before = dict((sex, n) for sex, n, _i in stats.people_breakdowns(session, year)["sex"].rows)
        row = session.scalars(
            select(StatsRollup).where(
                StatsRollup.dim == "person",
                StatsRollup.grain == rollup.FOLDED,
                StatsRollup.agency == "",
                StatsRollup.period >= START.date(),
            )
        ).first()
        assert row is not None
        sex = row.value.split(rollup.SEP)[0]
        # What a rebuild by another process leaves: the month's rows changed and a later build time.
        row.n += 1
        built = session.get(StatsRollupMonth, row.period)
        assert built is not None
        built.built_at = datetime(2099, 1, 1, tzinfo=UTC)
        session.flush()
        after = dict((s, n) for s, n, _i in stats.people_breakdowns(session, year)["sex"].rows)
        session.rollback()
    assert after[sex] == before[sex] + 1
    assert {s: n for s, n in after.items() if s != sex} == {s: n for s, n in before.items() if s != sex}


def test_each_grain_keeps_only_the_columns_its_readers_filter_by(app: Flask, world: World) -> None:
    refresh(app)
    with session_of(app) as session:
        shapes = set(
            session.execute(
                select(
                    StatsRollup.grain,
                    StatsRollup.channel == rollup.ANY,
                    StatsRollup.risk == rollup.ANY,
                    StatsRollup.agency == "",
                ).where(StatsRollup.dim != rollup.ACK_DIM)
            )
        )
        ack_grains = set(session.scalars(select(StatsRollup.grain).where(StatsRollup.dim == rollup.ACK_DIM)))
    # Days: every channel, risk and agency together; months by channel and risk: every agency
    # together; the per-agency rows are months summed over channel and risk.
    assert shapes == {
        ("d", True, True, True),
        ("m", False, False, True),
        ("a", True, True, True),
        ("a", True, True, False),
    }
    # Time to acknowledge: months only, every country ("m") and each country apart ("a").
    assert ack_grains == {"m", "a"}


@pytest.mark.parametrize(
    ("minutes", "step"),
    [(0.5, 0), (30, 30), (59.9, 59), (60, 60), (64.9, 60), (97, 95), (119, 115), (120, 120), (250, 240), (300, 300)],
)
def test_time_to_acknowledge_is_kept_to_the_minute_under_an_hour_and_in_steps_beyond(minutes: float, step: int) -> None:
    assert rollup.ack_bucket(minutes) == step


def test_a_time_to_acknowledge_step_is_at_most_a_twelfth_of_the_time() -> None:
    steps = sorted({rollup.ack_bucket(minute) for minute in range(0, 7 * 24 * 60)})
    assert all((after - before) * 12 <= max(before, 12) for before, after in zip(steps, steps[1:], strict=False))
    # A week of minutes in fewer than 150 values (to the minute, 10,080).
    assert len(steps) < 150
