"""Monthly rollups of the statistics: what every period's page reads instead of scanning the tickets.

A rollup row counts, for one calendar month (UTC, by ticket creation) and one (incident country,
channel, risk level), the tickets or people with one value of one dimension (`DIMENSIONS`): `n` is
the count, `k` the people an agency identified (person dimensions only). A page reads the months
wholly inside its period that are built and not stale from the rollup, and everything else (the
period's partial months, the current month, stale or unbuilt months, or any page filtered by agency)
live from the tickets, through the very same dimension definitions, so both paths count alike.

Freshness. Any change to a ticket, its people or its events appends the ticket's month to
`stats_stale` in the writer's own transaction (`mark_stale`, an ORM flush hook: no write contention,
only an insert). `refresh` rebuilds each stale or unbuilt past month in one REPEATABLE READ
transaction and deletes only the stale rows it saw, so a change committed while it ran leaves its
month stale, to be read live until the next refresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Index,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from hotline.db import Base, UTCDateTime, utcnow
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.people import CasePerson
from hotline.tickets.stages import ASSISTED_NODES

# The coalition's member countries (seed 001:38): the "region" of the flow indicator.
REGION = frozenset({"BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA", "DO"})
# The forms of assistance: the referral flowchart nodes that are a kind of help given.
ASSISTANCE_FORMS = ("assistance", "protection", "repatriation", "resettlement", "integration", "origin_validation")
assert set(ASSISTANCE_FORMS) <= ASSISTED_NODES


class StatsRollup(Base):
    """One month's count of tickets (or people) with one value of one dimension, per country, channel, risk."""

    __tablename__ = "stats_rollup"

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)  # "" when not known
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    risk: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer, default=0)


class StatsRollupMonth(Base):
    """A month whose rollup rows are built (and when)."""

    __tablename__ = "stats_rollup_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatsStale(Base):
    """A month some change touched since its rollup was built: read live until rebuilt."""

    __tablename__ = "stats_stale"
    __table_args__ = (Index("ix_stats_stale_month", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date)


# ------------------------------------------------------------------------------------------ dimensions


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def month_label(session: Session, column: Any) -> ColumnElement[str]:
    if _dialect(session) == "postgresql":
        return func.to_char(func.date_trunc("month", func.timezone("UTC", column)), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def week_label(session: Session, column: Any) -> ColumnElement[str]:
    """The Monday ("2025-03-10") of a UTC timestamp's week."""
    if _dialect(session) == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("UTC", column)), "YYYY-MM-DD")
    return func.date(column, "weekday 0", "-6 days")


def _flow(session: Session) -> ColumnElement[str]:
    """Domestic (nationality = incident country), within the region, from outside it, or not known."""
    return case(
        (or_(CasePerson.nationality.is_(None), Ticket.incident_country.is_(None)), "unknown"),
        (CasePerson.nationality == Ticket.incident_country, "domestic"),
        (CasePerson.nationality.in_(sorted(REGION)), "region"),
        else_="outside",
    )


@dataclass(frozen=True)
class Dimension:
    """What one rollup dimension counts: tickets, people (with those identified) or assisted tickets."""

    name: str
    source: str  # "ticket", "person" or "assistance"
    value: Callable[[Session], ColumnElement[Any]]


SEP = "|"
DIMENSIONS = {
    d.name: d
    for d in (
        # The funnel summary: "<furthest stage rank>" and "c" when closed with an outcome.
        Dimension(
            "stage",
            "ticket",
            lambda s: cast(Ticket.furthest_stage, String) + case((Ticket.closed_with_outcome.is_(True), "c"), else_=""),
        ),
        Dimension("month", "ticket", lambda s: month_label(s, Ticket.created_at)),
        Dimension("week", "ticket", lambda s: week_label(s, Ticket.created_at)),
        Dimension("case_type", "ticket", lambda s: Ticket.case_type),
        Dimension("region", "ticket", lambda s: func.coalesce(Ticket.incident_region, "")),
        # Sex, age band and form of exploitation together: the cross-tab, and each alone by summing.
        Dimension(
            "person",
            "person",
            lambda s: CasePerson.sex + SEP + CasePerson.age_band + SEP + CasePerson.exploitation,
        ),
        Dimension("nationality", "person", lambda s: func.coalesce(CasePerson.nationality, "")),
        Dimension("flow", "person", _flow),
        Dimension("assistance", "assistance", lambda s: TicketEvent.to_state),
    )
}


def _country() -> ColumnElement[str]:
    return func.coalesce(Ticket.incident_country, "")


def facts(
    session: Session, dim: Dimension, conditions: Iterable[ColumnElement[bool]], groups: Iterable[ColumnElement[Any]]
) -> Select[Any]:
    """Rows (*groups, value, n, k) of one dimension over the tickets that meet `conditions`."""
    value = dim.value(session).label("value")
    keys = [*groups, value]
    if dim.source == "ticket":
        query = select(*keys, func.count(), literal(0)).select_from(Ticket)
    elif dim.source == "person":
        identified = func.sum(case((CasePerson.identified.is_(True), 1), else_=0))
        query = (
            select(*keys, func.count(), identified)
            .select_from(CasePerson)
            .join(Ticket, Ticket.id == CasePerson.ticket_id)
        )
    else:
        query = (
            select(*keys, func.count(func.distinct(Ticket.id)), literal(0))
            .select_from(Ticket)
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(TicketEvent.referral_id.is_not(None), TicketEvent.to_state.in_(ASSISTANCE_FORMS))
        )
    return query.where(*conditions).group_by(*keys)


# ------------------------------------------------------------------------------------------- months


def month_start(day: date | datetime) -> date:
    return date(day.year, day.month, 1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def _at(month: date) -> datetime:
    return datetime(month.year, month.month, month.day, tzinfo=UTC)


def fresh_months(session: Session) -> list[date]:
    """Built months that no change has touched since: the ones a page may read from the rollup."""
    stale = select(StatsStale.month).distinct()
    query = select(StatsRollupMonth.month).where(StatsRollupMonth.month.not_in(stale)).order_by(StatsRollupMonth.month)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Plan:
    """How a period splits: months read from the rollup, and [start, end) ranges read live."""

    months: list[date]
    live: list[tuple[datetime | None, datetime | None]]


def plan(session: Session, start: datetime | None, end: datetime | None, rolled: bool = True) -> Plan:
    """The fresh months wholly inside [start, end), and the ranges of the period left to read live."""
    months = [
        m
        for m in (fresh_months(session) if rolled else [])
        if (start is None or _at(m) >= start) and (end is None or _at(next_month(m)) <= end)
    ]
    live: list[tuple[datetime | None, datetime | None]] = []
    cursor: datetime | None = start
    for month in months:
        if cursor is None or cursor < _at(month):
            live.append((cursor, _at(month)))
        cursor = _at(next_month(month))
    if not months:
        live = [(start, end)]
    elif end is None or cursor is None or cursor < end:
        live.append((cursor, end))
    return Plan(months, live)


def _range(begin: datetime | None, finish: datetime | None) -> ColumnElement[bool]:
    bounds = []
    if begin is not None:
        bounds.append(Ticket.created_at >= begin)
    if finish is not None:
        bounds.append(Ticket.created_at < finish)
    return and_(literal(True), *bounds) if bounds else literal(True)


# ---------------------------------------------------------------------------------------------- read


@dataclass(frozen=True)
class Scope:
    """The filters a rollup row can answer: country, reader's countries, channel, risk."""

    country: str | None = None
    countries: frozenset[str] | None = None
    channel: str | None = None
    risk: str | None = None


def _rollup_filters(scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.country is not None:
        conditions.append(StatsRollup.country == scope.country)
    if scope.countries is not None:
        conditions.append(StatsRollup.country.in_(sorted(scope.countries)))
    if scope.channel is not None:
        conditions.append(StatsRollup.channel == scope.channel)
    if scope.risk is not None:
        conditions.append(StatsRollup.risk == scope.risk)
    return conditions


GROUPS = ("country", "channel", "risk", "month")


def read(
    session: Session,
    dim_name: str,
    *,
    start: datetime | None,
    end: datetime | None,
    scope: Scope,
    ticket_conditions: list[ColumnElement[bool]],
    group: str | None = None,
    rolled: bool = True,
) -> dict[tuple[Any, str], list[int]]:
    """{(group value or None, dimension value): [n, k]} over the period, from the rollup and live.

    `ticket_conditions` are the same filters as `scope`, on the ticket (for the live part); with
    `rolled=False` (a filter the rollup cannot answer, such as an agency) everything is read live.
    """
    dim = DIMENSIONS[dim_name]
    split = plan(session, start, end, rolled)
    found: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0])
    if split.months:
        rollup_group: ColumnElement[Any] = {
            None: literal(None),
            "country": StatsRollup.country,
            "channel": StatsRollup.channel,
            "risk": StatsRollup.risk,
            "month": StatsRollup.month,
        }[group]
        grp = rollup_group.label("grp")
        query = (
            select(grp, StatsRollup.value, func.sum(StatsRollup.n), func.sum(StatsRollup.k))
            .where(StatsRollup.dim == dim.name, *_month_in(split.months), *_rollup_filters(scope))
            .group_by(grp, StatsRollup.value)
        )
        for key, value, n, k in session.execute(query):
            if group == "month" and key is not None:
                key = key.strftime("%Y-%m") if hasattr(key, "strftime") else str(key)[:7]
            _add(found, (key, value), n, k)
    live_group: ColumnElement[Any] = {
        None: literal(None),
        "country": _country(),
        "channel": Ticket.channel,
        "risk": Ticket.risk_level,
        "month": month_label(session, Ticket.created_at),
    }[group]
    ranges = or_(*(_range(begin, finish) for begin, finish in split.live)) if split.live else None
    if ranges is not None:
        query = facts(session, dim, [ranges, *ticket_conditions], [live_group.label("grp")])
        for key, value, n, k in session.execute(query):
            _add(found, (key, value), n, k)
    return dict(found)


def _month_in(months: list[date]) -> list[ColumnElement[bool]]:
    """Months as one range when contiguous (an index range scan), else a list."""
    contiguous = all(next_month(a) == b for a, b in zip(months, months[1:], strict=False))
    if contiguous:
        return [StatsRollup.month >= months[0], StatsRollup.month <= months[-1]]
    return [StatsRollup.month.in_(months)]


def _add(found: dict[tuple[Any, str], list[int]], key: tuple[Any, str], n: Any, k: Any) -> None:
    totals = found[key]
    totals[0] += int(n or 0)
    totals[1] += int(k or 0)


# ------------------------------------------------------------------------------------------- refresh


def build_month(session: Session, month: date) -> int:
    """Replace one month's rollup rows with what its tickets say now; returns the rows written."""
    session.execute(delete(StatsRollup).where(StatsRollup.month == month))
    within = [Ticket.created_at >= _at(month), Ticket.created_at < _at(next_month(month))]
    written = 0
    for dim in DIMENSIONS.values():
        rows = [
            {"dim": dim.name, "month": month, "country": c, "channel": ch, "risk": r, "value": v, "n": n, "k": k}
            for c, ch, r, v, n, k in session.execute(
                facts(session, dim, within, [_country(), Ticket.channel, Ticket.risk_level])
            )
        ]
        if rows:
            session.execute(insert(StatsRollup), rows)
            written += len(rows)
    ack = _ack_rows(session, month, utcnow())
    if ack:
        session.execute(insert(StatsRollup), ack)
        written += len(ack)
    session.merge(StatsRollupMonth(month=month, built_at=utcnow()))
    return written


# Referrals whose acknowledgement is still owed (or was never given before the run ended).
AWAITING_ACK = ("referred", "escalated", "expired")
ACK_DIM = "ack"


def _ack_rows(session: Session, month: date, now: datetime) -> list[dict[str, Any]]:
    """One month's referrals per agency, for time to acknowledge (dimension "ack", all countries).

    Values, each prefixed "<agency>|": "total"; "m|<whole minutes to acknowledge>" (a histogram the
    percentiles are read from, to the minute); "late" (acknowledged after the deadline); "missed"
    (owing, deadline passed when built); "due|<deadline>" (owing, deadline still ahead when built:
    the reader tells pending from missed by its own clock).
    """
    within = [Referral.created_at >= _at(month), Referral.created_at < _at(next_month(month))]
    counts: dict[str, int] = defaultdict(int)
    query = select(
        Referral.agency_id, Referral.created_at, Referral.acknowledged_at, Referral.ack_due_at, Referral.status
    ).where(*within)
    for agency, created, acked, due, status in session.execute(query):
        counts[f"{agency}|total"] += 1
        if acked is not None:
            counts[f"{agency}|m|{int((acked - created).total_seconds() // 60)}"] += 1
            if acked > due:
                counts[f"{agency}|late"] += 1
        elif status in AWAITING_ACK:
            if due < now:
                counts[f"{agency}|missed"] += 1
            else:
                counts[f"{agency}|due|{due.isoformat()}"] += 1
    return [
        {"dim": ACK_DIM, "month": month, "country": "", "channel": "", "risk": "", "value": value, "n": n, "k": 0}
        for value, n in counts.items()
    ]


def read_ack(session: Session, months: list[date]) -> dict[str, int]:
    """The "ack" rows of these months, summed: {"<agency>|...": count}."""
    if not months:
        return {}
    query = (
        select(StatsRollup.value, func.sum(StatsRollup.n))
        .where(StatsRollup.dim == ACK_DIM, *_month_in(months))
        .group_by(StatsRollup.value)
    )
    return {value: int(n) for value, n in session.execute(query)}


def refresh(session_factory: Callable[[], Session], now: datetime, limit: int | None = None) -> dict[str, int]:
    """Build every past month not built yet and rebuild every stale one, each in its own transaction.

    The current month is never built (it changes all day; pages read it live). Returns counts.
    """
    current = month_start(now)
    with session_factory() as session:
        first = session.scalar(select(func.min(Ticket.created_at)))
        built = set(session.scalars(select(StatsRollupMonth.month)))
        stale = set(session.scalars(select(StatsStale.month).distinct()))
    todo: list[date] = []
    if first is not None:
        month = month_start(first)
        while month < current:
            if month not in built or month in stale:
                todo.append(month)
            month = next_month(month)
    counts = {"months": 0, "rows": 0}
    for month in todo[:limit]:
        with session_factory() as session:
            if _dialect(session) == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            seen = session.scalar(select(func.max(StatsStale.id)).where(StatsStale.month == month))
            counts["rows"] += build_month(session, month)
            if seen is not None:
                session.execute(delete(StatsStale).where(StatsStale.month == month, StatsStale.id <= seen))
            session.commit()
            counts["months"] += 1
    with session_factory() as session:
        # Stale marks of months never built (the current one) say nothing a live read does not know.
        session.execute(delete(StatsStale).where(StatsStale.month.not_in(select(StatsRollupMonth.month))))
        session.commit()
    return counts


# -------------------------------------------------------------------------------------- stale marks

_MARKED = "stats_stale_months"


def _ticket_month(session: Session, ticket_id: int | None) -> date | None:
    if ticket_id is None:
        return None
    for obj in session.identity_map.values():
        if isinstance(obj, Ticket) and obj.id == ticket_id and obj.created_at is not None:
            return month_start(obj.created_at)
    with session.no_autoflush:
        created = session.scalar(select(Ticket.created_at).where(Ticket.id == ticket_id))
    return month_start(created) if created is not None else None


@event.listens_for(Session, "before_flush")
def mark_stale(session: Session, _context: Any, _instances: Any) -> None:
    """Append the month of every ticket this flush changes (itself, its people, events, referrals)."""
    months: set[date] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Ticket):
            months.add(month_start(obj.created_at or utcnow()))
        elif isinstance(obj, CasePerson | TicketEvent | Referral):
            month = _ticket_month(session, obj.ticket_id)
            if month is not None:
                months.add(month)
    marked: set[date] = session.info.setdefault(_MARKED, set())
    new = months - marked
    if new:
        session.connection().execute(insert(StatsStale.__table__), [{"month": m} for m in sorted(new)])
        marked.update(new)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_marks(session: Session, *_args: Any) -> None:
    session.info.pop(_MARKED, None)
