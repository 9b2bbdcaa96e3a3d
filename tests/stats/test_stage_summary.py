"""Each ticket's stage summary (furthest_stage, closed_with_outcome) against its event log, on SQLite and PostgreSQL.

The funnel reads the summary instead of the events, so its figures are only right while the summary
equals what the events prove: kept by `record_event`, never lowered, and back-filled by migration 0006
for tickets whose events were written before the columns existed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from hotline import stats
from hotline.db import make_engine
from hotline.migrations import alembic_config, upgrade
from hotline.referrals.lifecycle import CROSS_BORDER, NATIONAL, flow
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.service import SYSTEM, record_event
from hotline.tickets.stages import STAGE_RANK, backfill, rank_case, stage_rank
from tests.stats.fixture import END, START, build


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    with app.app_context(), app.extensions["database"].session() as session:
        yield session


def summaries(session: Session) -> dict[int, tuple[int, bool]]:
    """Every ticket's stored summary, by ticket id."""
    rows = session.execute(select(Ticket.id, Ticket.furthest_stage, Ticket.closed_with_outcome))
    return {ticket_id: (rank, bool(closed)) for ticket_id, rank, closed in rows}


def from_events(session: Session) -> dict[int, tuple[int, bool]]:
    """Every ticket's summary as its events prove it, in Python from the rows."""
    proven: dict[int, tuple[int, bool]] = {ticket_id: (0, False) for ticket_id in session.scalars(select(Ticket.id))}
    for ticket_id, to_state in session.execute(select(TicketEvent.ticket_id, TicketEvent.to_state)):
        rank, closed = proven[ticket_id]
        proven[ticket_id] = (max(rank, stage_rank(to_state)), closed or to_state == "closed")
    return proven


def _ticket(session: Session, reference: str, created: datetime = datetime(2025, 6, 1, tzinfo=UTC)) -> Ticket:
    ticket = Ticket(reference=reference, channel="web", language="es", incident_country="GT", created_at=created)
    session.add(ticket)
    session.flush()
    return ticket


def test_rank_table_agrees_with_the_stage_nodes() -> None:
    # A node's rank is the furthest nested stage whose nodes include it; "closed" proves triage only.
    for node, rank in STAGE_RANK.items():
        assert node in stats.STAGE_NODES[stats.STAGES[rank]]
        assert rank == len(stats.STAGES) - 2 or node not in stats.STAGE_NODES[stats.STAGES[rank + 1]]
    assert stage_rank("closed") == 1 and stage_rank("received") == 0 and stage_rank(None) == 0
    for node in stats.NO_STAGE_NODES:
        assert stage_rank(node) == 0


def test_summary_equals_the_stage_the_events_prove(app: Flask) -> None:
    build(app)
    with session_of(app) as session:
        stored = summaries(session)
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        # In SQL too, by the rank expression the per-agency funnel uses.
        in_sql = dict(
            session.execute(
                select(TicketEvent.ticket_id, func.max(rank_case(TicketEvent.to_state))).group_by(TicketEvent.ticket_id)
            ).all()
        )
        proven = from_events(session)
    assert stored == proven
    assert {ticket_id: rank for ticket_id, (rank, _) in stored.items()} == in_sql
    # Counted by hand from tests/stats/fixture.py, in creation order: T1 T2 T3 T4 T5 T6 T7 T9 T8.
    by_hand = [
        (5, True),
        (5, False),
        (3, False),
        (2, False),
        (2, False),
        (1, False),
        (0, False),
        (2, False),
        (3, False),
    ]
    assert [stored[ticket.id] for ticket in tickets] == by_hand
    # And what the in-memory tickets say matches the rows.
    assert [(ticket.furthest_stage, ticket.closed_with_outcome) for ticket in tickets] == by_hand


def test_summary_follows_random_walks_over_every_flowchart_node(app: Flask) -> None:
    with session_of(app) as session:
        _walk(session, 40, seed=6)
        assert summaries(session) == from_events(session)


def test_summary_never_goes_down(app: Flask) -> None:
    with session_of(app) as session:
        ticket = _ticket(session, "ND000001")
        ticket_id = ticket.id
        seen = []
        for to_state in ("received", "acknowledged", "assistance", "triaged", "closed", "referred", "escalated"):
            record_event(session, ticket, "moved", SYSTEM, to_state=to_state)
            seen.append((ticket.furthest_stage, ticket.closed_with_outcome))
        session.commit()
    assert seen == [(0, False), (3, False), (5, False), (5, False), (5, True), (5, True), (5, True)]
    with session_of(app) as session:
        assert summaries(session)[ticket_id] == (5, True)


def test_a_writer_with_a_stale_ticket_does_not_lower_the_summary(app: Flask) -> None:
    with session_of(app) as session:
        ticket_id = _ticket(session, "ST000001").id
        session.commit()
    with session_of(app) as stale:
        behind = stale.get(Ticket, ticket_id)
        assert behind is not None and behind.furthest_stage == 0
        # Another writer moves the ticket on and commits meanwhile.
        with session_of(app) as other:
            ahead = other.get(Ticket, ticket_id)
            assert ahead is not None
            record_event(other, ahead, "moved", SYSTEM, to_state="assistance")
        record_event(stale, behind, "moved", SYSTEM, to_state="acknowledged")
        stale.commit()
    with session_of(app) as session:
        assert summaries(session)[ticket_id] == (5, False)


def _walk(session: Session, count: int, seed: int) -> None:
    """`count` tickets over 2025, each moved through random nodes of every flowchart (and a few others)."""
    nodes = sorted(set(flow(NATIONAL).nodes) | set(flow(CROSS_BORDER).nodes) | {"triaged", "assisted", "staff:1"})
    chance = random.Random(seed)
    for index in range(count):
        created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=chance.randint(0, 364))
        ticket = _ticket(session, f"RW{seed:02d}{index:04d}", created)
        ticket.channel = chance.choice(["web", "sms", "voice"])
        ticket.incident_country = chance.choice(["GT", "HN", None])
        for _ in range(chance.randint(0, 8)):
            record_event(session, ticket, "moved", SYSTEM, to_state=chance.choice(nodes))
            if chance.random() < 0.3:
                session.commit()
    session.commit()


def test_funnel_figures_equal_the_rule_applied_to_the_events(app: Flask) -> None:
    build(app)
    with session_of(app) as session:
        _walk(session, 60, seed=7)
        proven = from_events(session)
        tickets = session.execute(select(Ticket.id, Ticket.created_at, Ticket.incident_country, Ticket.channel)).all()
        for by, key in ((None, lambda row: None), ("country", lambda row: row[2]), ("channel", lambda row: row[3])):
            expected: dict[str | None, dict[str, int]] = {}
            for row in tickets:
                if not START <= row[1] < END:
                    continue
                rank, closed = proven[row[0]]
                counts = expected.setdefault(key(row), dict.fromkeys(stats.STAGES, 0))
                reached = [True, *(rank >= r for r in range(1, 6)), closed]
                for stage, yes in zip(stats.STAGES, reached, strict=True):
                    counts[stage] += int(yes)
            assert stats.funnel(session, stats.Filters(start=START, end=END), by=by) == expected, by


# ------------------------------------------------------------------------------- migration back-fill

# Tickets and their events as rows written before revision 0006: (ticket id, its events' to_states).
BEFORE = {
    1: ["received"],
    2: ["received", "triaged"],
    3: ["received", "triaged", "referred", "acknowledged", "accepted", "identified", "assistance", "closed"],
    4: ["received", "triaged", "referred", "declined"],
    5: ["received", "triaged", "referred", "escalated", "expired"],
    6: ["received", "closed"],
    7: ["received", "triaged", "referred", "acknowledged", "more_info_requested", "withdrawn"],
    8: [],
    9: ["received", "staff:1", "GT", "triaged", "repatriation"],
}
# What the funnel rule makes of them, by hand.
EXPECTED = {
    1: (0, False),
    2: (1, False),
    3: (5, True),
    4: (2, False),
    5: (2, False),
    6: (1, True),
    7: (3, False),
    8: (0, False),
    9: (5, False),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database (not the migrated template), to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stepwise.sqlite3'}"
        return
    cluster = request.getfixturevalue("postgres")
    admin = create_engine(
        cluster.url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    name = f"m_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield cluster.url(name)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name}"))
    admin.dispose()


def _insert_raw(connection: Connection, rows: dict[int, list[str]], first_id: int = 0) -> None:
    """Tickets and events by plain SQL, as any revision's rows are, without the models' help."""
    for ticket_id, to_states in rows.items():
        number = first_id + ticket_id
        connection.execute(
            text(
                "INSERT INTO ticket (id, reference, channel, language, risk_level, case_type, status, contact_ok,"
                " created_at, updated_at) VALUES (:id, :reference, 'web', 'es', 'medium', 'unclear', 'received',"
                " false, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            ),
            {"id": number, "reference": f"MG{number:06d}"},
        )
        for to_state in to_states:
            connection.execute(
                text(
                    "INSERT INTO ticket_event (ticket_id, at, actor, kind, to_state)"
                    " VALUES (:ticket, '2025-01-01 00:00:00', 'system', 'moved', :to_state)"
                ),
                {"ticket": number, "to_state": to_state},
            )


def _stored(connection: Connection) -> dict[int, tuple[int, bool]]:
    rows = connection.execute(text("SELECT id, furthest_stage, closed_with_outcome FROM ticket ORDER BY id"))
    return {ticket_id: (rank, bool(closed)) for ticket_id, rank, closed in rows}


def test_migration_backfills_tickets_created_before_the_columns_existed(empty_url: str) -> None:
    upgrade(empty_url, "0005")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            _insert_raw(connection, BEFORE)
        upgrade(empty_url, "0006")
        with engine.connect() as connection:
            assert _stored(connection) == EXPECTED
        # And back, keeping the tickets (SQLite drops the columns in place, as foreign keys require).
        command.downgrade(alembic_config(empty_url), "0005")
        engine.dispose()
        with engine.connect() as connection:
            assert "furthest_stage" not in {column["name"] for column in inspect(connection).get_columns("ticket")}
            assert connection.scalar(text("SELECT count(*) FROM ticket")) == len(BEFORE)
    finally:
        engine.dispose()


def test_backfill_only_raises_and_can_run_again(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            # Written by raw SQL at head: the columns take their server defaults, 0 and false.
            _insert_raw(connection, BEFORE)
            assert set(_stored(connection).values()) == {(0, False)}
            # One ticket already claims more than its events prove: the back-fill leaves it alone.
            connection.execute(text("UPDATE ticket SET furthest_stage = 4 WHERE id = 2"))
            backfill(connection)
            backfill(connection)
            assert _stored(connection) == {**EXPECTED, 2: (4, False)}
    finally:
        engine.dispose()
