"""The referral funnel's stages, and which event `to_state`s prove a ticket reached each of them.

Shared by `hotline.stats` (the funnel, from events or from the per-ticket summary), by
`hotline.tickets.service.record_event` (which keeps `Ticket.furthest_stage` and
`Ticket.closed_with_outcome` up to date) and by migration 0006 (which back-fills them). Imports
nothing of the app, so anything can import it.

The stages after `received` are nested (each implies the ones before it), except `closed`, which can
follow triage directly: so one rank per event (1 triaged ... 5 assisted, 0 for none) and a closed flag
tell every stage a ticket reached. A ticket's summary is the highest rank of any of its events and
whether any of them entered `closed`; both only ever go up.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    SmallInteger,
    String,
    and_,
    case,
    func,
    not_,
    or_,
    select,
    table,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

STAGES = ("received", "triaged", "referred", "acknowledged", "accepted", "assisted", "closed")
ASSISTED_NODES = frozenset(
    {"assistance", "protection", "origin_validation", "repatriation", "integration", "resettlement", "assisted"}
)
ACCEPTED_NODES = ASSISTED_NODES | {"accepted", "identified", "not_identified"}
ACKNOWLEDGED_NODES = ACCEPTED_NODES | {"acknowledged", "more_info_requested"}
# The nodes (event `to_state`s) whose entry proves a ticket reached each stage after `received`.
STAGE_NODES: dict[str, frozenset[str]] = {
    "triaged": ACKNOWLEDGED_NODES | {"triaged", "referred", "declined", "closed"},
    "referred": ACKNOWLEDGED_NODES | {"referred", "declined"},
    "acknowledged": ACKNOWLEDGED_NODES,
    "accepted": ACCEPTED_NODES,
    "assisted": ASSISTED_NODES,
    "closed": frozenset({"closed"}),
}
# Nodes that prove no stage: entered from anywhere, or ends without an outcome.
NO_STAGE_NODES = frozenset({"received", "escalated", "withdrawn", "expired"})
# The node whose entry is the flowchart's "closed with an outcome".
CLOSED_NODE = "closed"
# The nested stages, in rank order: rank 1 is "triaged", rank 5 "assisted".
RANKED = ("triaged", "referred", "acknowledged", "accepted", "assisted")
ALL_STAGE_NODES = frozenset().union(*STAGE_NODES.values())


def _rank_of_nodes() -> dict[str, int]:
    ranks: dict[str, int] = {}
    for rank, stage in enumerate(RANKED, start=1):
        for node in STAGE_NODES[stage]:
            ranks[node] = rank
    return ranks


# The furthest nested stage entering a node proves: each node's highest rank.
STAGE_RANK: dict[str, int] = _rank_of_nodes()
MAX_RANK = len(RANKED)


def stage_rank(to_state: str | None) -> int:
    """The furthest nested stage an event entering `to_state` proves (1 triaged ... 5 assisted), 0 for none."""
    return STAGE_RANK.get(to_state, 0) if to_state is not None else 0


def rank_case(to_state: SQLColumnExpression[str | None]) -> ColumnElement[int]:
    """`stage_rank` in SQL, for a column of event `to_state`s."""
    whens = [
        (to_state.in_(sorted(node for node, rank in STAGE_RANK.items() if rank == wanted)), wanted)
        for wanted in range(MAX_RANK, 0, -1)
    ]
    return case(*whens, else_=0)


def backfill(connection: Connection) -> None:
    """Raise every ticket's `furthest_stage` and `closed_with_outcome` to what its events prove.

    One UPDATE ... FROM an aggregate of the event log, portable to SQLite (3.33+) and PostgreSQL, on
    lightweight table constructs so it does not depend on the models of whatever revision runs it.
    Only ever raises, like `record_event`: running it again changes nothing.
    """
    ticket = table(
        "ticket",
        sql_column("id", Integer),
        sql_column("furthest_stage", SmallInteger),
        sql_column("closed_with_outcome", Boolean),
    )
    event = table("ticket_event", sql_column("ticket_id", Integer), sql_column("to_state", String))
    reached = (
        select(
            event.c.ticket_id,
            func.max(rank_case(event.c.to_state)).label("rank"),
            func.max(case((event.c.to_state == CLOSED_NODE, 1), else_=0)).label("closed"),
        )
        .where(event.c.to_state.in_(sorted(ALL_STAGE_NODES)))
        .group_by(event.c.ticket_id)
        .subquery("reached")
    )
    higher = ticket.c.furthest_stage < reached.c.rank
    closes = and_(reached.c.closed == 1, not_(ticket.c.closed_with_outcome))
    connection.execute(
        update(ticket)
        .where(ticket.c.id == reached.c.ticket_id, or_(higher, closes))
        .values(
            furthest_stage=case((higher, reached.c.rank), else_=ticket.c.furthest_stage),
            closed_with_outcome=or_(ticket.c.closed_with_outcome, reached.c.closed == 1),
        )
    )
