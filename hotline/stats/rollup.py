"""Rollups of the statistics: what every period's page reads instead of scanning the tickets.

A rollup row counts, for one calendar month or one day of it, UTC, by ticket creation (a
conversation: by its start), the tickets, people or conversations with one value of one dimension
(`DIMENSIONS`): `n` is the count, `k` the people an agency identified (person dimensions only). Each
grain keeps only the columns its readers filter by, so the table stays a few rows a ticket: "m" a
month per (country, channel, risk), every ticket; "a" a month per country, every ticket (agency "")
and per agency the tickets sent to it; "d" a day per country, every ticket. Each month's rows are
counted in the database by one INSERT ... SELECT ... GROUP BY per dimension and grain. A page reads
the built, fresh months wholly inside its period from the month rows, the whole days of its partial
months from the day rows when they can answer it, and the rest (the current month, stale or unbuilt
months, a sliver of a day, a partial month by channel, risk or agency) live, through the very same
dimension definitions, so every path counts alike.

Freshness. Any change to a ticket, its people, events or referrals, or to a conversation, appends its month to
`stats_stale` in the writer's own transaction (`mark_stale`, an ORM flush hook: no write contention,
only an insert). `refresh` rebuilds each stale or unbuilt past month in one REPEATABLE READ
transaction and deletes only the stale rows it saw, so a change committed while it ran leaves its
month stale, to be read live until the next refresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
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
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from hotline.conversations.models import Conversation
from hotline.db import Base, UTCDateTime, utcnow
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.people import CasePerson
from hotline.tickets.stages import ALL_STAGE_NODES, ASSISTED_NODES, CLOSED_NODE, RANKED, rank_case

# The coalition's member countries (seed 001:38): the "region" of the flow indicator.
REGION = frozenset({"BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA", "DO"})
# The forms of assistance: the referral flowchart nodes that are a kind of help given.
ASSISTANCE_FORMS = ("assistance", "protection", "repatriation", "resettlement", "integration", "origin_validation")
assert set(ASSISTANCE_FORMS) <= ASSISTED_NODES
# Every ticket sent to an agency was triaged and referred there, whatever its events say.
REFERRED_RANK = RANKED.index("referred") + 1


class StatsRollup(Base):
    """One month's count of tickets (or people) with one value of one dimension, per country, channel, risk."""

    __tablename__ = "stats_rollup"
    # What `read` asks: one dimension and grain, every ticket ("") or the per-agency rows, a range of
    # periods; on PostgreSQL the rest of the row rides in the index, so a page's read is an
    # index-only range scan that skips the per-agency rows (most of the table) it does not want.
    __table_args__ = (
        Index(
            "ix_stats_rollup_read",
            "dim",
            "grain",
            "agency",
            "period",
            postgresql_include=["country", "channel", "risk", "value", "n", "k"],
        ),
    )

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    # "m" a month by channel and risk, "d" a day, "a" a month summed over every channel and risk:
    # what a page not filtered or grouped by channel or risk reads, and the only per-agency rows.
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    country: Mapped[str] = mapped_column(String(2), primary_key=True)  # "" when not known
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)  # "*": every channel
    risk: Mapped[str] = mapped_column(String(8), primary_key=True)  # "*": every risk level
    # "" for every ticket; an agency's id for the tickets sent to that agency (once each).
    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
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


def _flag(condition: ColumnElement[bool], letter: str) -> ColumnElement[str]:
    return case((condition, letter), else_="-")


def _contact() -> ColumnElement[str]:
    return (
        _flag(Conversation.ticket_id.is_not(None), "T")
        + _flag(Conversation.waiting_since.is_not(None), "W")
        + _flag(Conversation.answered_at.is_not(None), "A")
        + _flag(Conversation.state == "closed", "C")
    )


def _answer_minutes(session: Session) -> ColumnElement[str]:
    if _dialect(session) == "postgresql":
        minutes = func.floor(func.extract("epoch", Conversation.answered_at - Conversation.waiting_since) / 60)
    else:
        minutes = func.floor(
            (func.julianday(Conversation.answered_at) - func.julianday(Conversation.waiting_since)) * 1440
        )
    return cast(cast(minutes, Integer), String)


def _information_only() -> ColumnElement[str]:
    closed = exists().where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "closed", TicketEvent.reason.like("information_only:%")
    )
    return case((closed, "information_only"), else_="")


def day_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC date of a timestamp."""
    if _dialect(session) == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


@dataclass(frozen=True)
class Dimension:
    """What one rollup dimension counts: tickets, people (with those identified) or assisted tickets."""

    name: str
    source: str  # "ticket", "person", "assistance" or "conversation"
    value: Callable[[Session], SQLColumnExpression[Any]]


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
        # Closed by the hotline as an information-only contact.
        Dimension("info", "ticket", lambda s: _information_only()),
        # A conversation's course: made a ticket (T), waited for a person (W), answered (A), closed (C).
        Dimension("contact", "conversation", lambda s: _contact()),
        # Whole minutes from waiting for a person to being answered: a histogram for time to answer.
        Dimension("answer", "conversation", _answer_minutes),
    )
}


def _when(source: str) -> Any:
    """The time a source's rows are counted by: a ticket's creation, a conversation's start."""
    return Conversation.started_at if source == "conversation" else Ticket.created_at


def _group(session: Session, source: str, name: str | None, sent: Any = None) -> SQLColumnExpression[Any]:
    """A grouping column ("country", "channel", "risk", "month", "day", "agency" or None) for one source."""
    if name is None:
        return literal(None)
    if name == "agency":
        return sent.c.agency_id
    if name in ("month", "day"):
        when = _when(source)
        return month_label(session, when) if name == "month" else day_of(session, when)
    if source == "conversation":
        return {
            "country": func.coalesce(Ticket.incident_country, ""),
            "channel": Conversation.channel,
            "risk": func.coalesce(Ticket.risk_level, ""),
        }[name]
    return {
        "country": func.coalesce(Ticket.incident_country, ""),
        "channel": Ticket.channel,
        "risk": Ticket.risk_level,
    }[name]


def _scope_conditions(source: str, scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's filters on the live rows of one source (a conversation: by its ticket, if any)."""
    conditions: list[ColumnElement[bool]] = []
    if scope.country is not None:
        conditions.append(Ticket.incident_country == scope.country)
    if scope.countries is not None:
        conditions.append(Ticket.incident_country.in_(sorted(scope.countries)))
    if scope.channel is not None:
        conditions.append((Conversation.channel if source == "conversation" else Ticket.channel) == scope.channel)
    if scope.risk is not None:
        conditions.append(Ticket.risk_level == scope.risk)
    return conditions


def _sent(tickets: Iterable[ColumnElement[bool]]) -> Any:
    """Each (ticket, agency it was sent to) once, with the furthest stage and closure that agency's
    referrals' events prove (the funnel per agency: at least "referred"), for the tickets that meet
    `tickets` (their period: aggregating every referral for each month would read them all each time)."""
    reached = func.coalesce(func.max(rank_case(TicketEvent.to_state)), 0)
    closed = func.coalesce(func.max(case((TicketEvent.to_state == CLOSED_NODE, 1), else_=0)), 0)
    return (
        select(Referral.ticket_id, Referral.agency_id, reached.label("reached"), closed.label("closed"))
        .select_from(Referral)
        .join(Ticket, Ticket.id == Referral.ticket_id)
        .where(*tickets)
        .outerjoin(
            TicketEvent,
            and_(TicketEvent.referral_id == Referral.id, TicketEvent.to_state.in_(sorted(ALL_STAGE_NODES))),
        )
        .group_by(Referral.ticket_id, Referral.agency_id)
        .subquery("sent")
    )


def facts(
    session: Session,
    dim: Dimension,
    conditions: Iterable[ColumnElement[bool]],
    groups: Iterable[str | None],
    *,
    per_agency: bool = False,
    agency: str | None = None,
    period: ColumnElement[bool] | None = None,
) -> Select[*tuple[Any, ...]]:
    """Rows (*groups, value, n, k) of one dimension over the rows that meet `conditions`.

    `per_agency`: each ticket counted once per agency it was sent to (only `agency`'s, if given), the
    funnel stage from that agency's referrals' events; `period` (on the ticket's creation) narrows
    which referrals are read for that.
    """
    sent = _sent([] if period is None else [period]) if per_agency else None
    if sent is not None and dim.name == "stage":
        value = (
            cast(case((sent.c.reached > REFERRED_RANK, sent.c.reached), else_=REFERRED_RANK), String)
            + case((sent.c.closed == 1, "c"), else_="")
        ).label("value")
    else:
        value = dim.value(session).label("value")
    keys = [*(_group(session, dim.source, name, sent).label(f"g{i}") for i, name in enumerate(groups)), value]
    if dim.source == "ticket":
        query = select(*keys, func.count(), literal(0)).select_from(Ticket)
    elif dim.source == "person":
        identified = func.sum(case((CasePerson.identified.is_(True), 1), else_=0))
        query = (
            select(*keys, func.count(), identified)
            .select_from(CasePerson)
            .join(Ticket, Ticket.id == CasePerson.ticket_id)
        )
    elif dim.source == "assistance":
        query = (
            select(*keys, func.count(func.distinct(Ticket.id)), literal(0))
            .select_from(Ticket)
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(TicketEvent.referral_id.is_not(None), TicketEvent.to_state.in_(ASSISTANCE_FORMS))
        )
    else:
        query = (
            select(*keys, func.count(), literal(0))
            .select_from(Conversation)
            .outerjoin(Ticket, Ticket.id == Conversation.ticket_id)
        )
        if dim.name == "answer":
            query = query.where(Conversation.waiting_since.is_not(None), Conversation.answered_at.is_not(None))
    if sent is not None:
        query = query.join(sent, sent.c.ticket_id == Ticket.id)
        if agency is not None:
            query = query.where(sent.c.agency_id == agency)
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
    return [month for month, _built in _fresh(session)]


def _fresh(session: Session) -> list[tuple[date, datetime]]:
    stale = select(StatsStale.month).distinct()
    query = (
        select(StatsRollupMonth.month, StatsRollupMonth.built_at)
        .where(StatsRollupMonth.month.not_in(stale))
        .order_by(StatsRollupMonth.month)
    )
    return [(month, built) for month, built in session.execute(query)]


@dataclass(frozen=True)
class Plan:
    """How a period splits: whole months and whole days read from the rollup, the rest ranges read live."""

    months: list[date]
    days: list[tuple[date, date]]  # [first, after last) of each fresh month's whole days in the period
    live: list[tuple[datetime | None, datetime | None]]
    # When the newest of the months read from the rollup was built: what a rollup read is remembered by.
    watermark: datetime | None = None


def _ceil_day(moment: datetime) -> date:
    day = moment.date()
    return day if moment == _at(day) else day + timedelta(days=1)


def plan(session: Session, start: datetime | None, end: datetime | None) -> Plan:
    """The fresh months wholly inside [start, end), the whole days of the fresh months partly inside, and
    the ranges of the period left to read live."""
    months: list[date] = []
    days: list[tuple[date, date]] = []
    covered: list[tuple[datetime, datetime]] = []
    watermark: datetime | None = None
    for month, built in _fresh(session):
        begin, finish = _at(month), _at(next_month(month))
        if (start is not None and finish <= start) or (end is not None and begin >= end):
            continue
        if (start is None or begin >= start) and (end is None or finish <= end):
            months.append(month)
            covered.append((begin, finish))
            watermark = built if watermark is None else max(watermark, built)
            continue
        first = max(month, _ceil_day(start)) if start is not None else month
        after = min(next_month(month), end.date()) if end is not None else next_month(month)
        if first < after:
            days.append((first, after))
            covered.append((_at(first), _at(after)))
            watermark = built if watermark is None else max(watermark, built)
    live: list[tuple[datetime | None, datetime | None]] = []
    cursor: datetime | None = start
    for begin, finish in sorted(covered):
        if cursor is None or cursor < begin:
            live.append((cursor, begin))
        cursor = finish
    if not covered:
        live = [(start, end)]
    elif end is None or cursor is None or cursor < end:
        live.append((cursor, end))
    return Plan(months, days, live, watermark)


def _range(begin: datetime | None, finish: datetime | None, when: Any = Ticket.created_at) -> ColumnElement[bool]:
    bounds = []
    if begin is not None:
        bounds.append(when >= begin)
    if finish is not None:
        bounds.append(when < finish)
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


def read(
    session: Session,
    dim_name: str,
    *,
    start: datetime | None,
    end: datetime | None,
    scope: Scope,
    agency: str | None = None,
    group: str | None = None,
) -> dict[tuple[Any, str], list[int]]:
    """{(group value or None, dimension value): [n, k]} over the period, from the rollup and live.

    With an `agency` (or grouped by agency), the tickets sent to it (to each), once per agency; the
    conversation dimensions know no agency and count every conversation. What the rollup's grains
    cannot answer (see `build_month`) is read live: a partial month's days by channel or risk, or per
    agency; a whole period per agency by channel or risk.
    """
    dim = DIMENSIONS[dim_name]
    if dim.source == "conversation":
        agency, group = None, (None if group == "agency" else group)
    per_agency = agency is not None or group == "agency"
    folded = scope.channel is None and scope.risk is None and group not in ("channel", "risk")
    split = plan(session, start, end)
    live = list(split.live)
    if per_agency and not folded:
        live += [(_at(month), _at(next_month(month))) for month in split.months]
        split = replace(split, months=[])
    if per_agency or not folded:
        live += day_ranges(split)
        split = replace(split, days=[])
    found: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0])
    columns: dict[str | None, SQLColumnExpression[Any]] = {
        None: literal(None),
        "country": StatsRollup.country,
        "channel": StatsRollup.channel,
        "risk": StatsRollup.risk,
        "month": StatsRollup.period,
        "agency": StatsRollup.agency,
    }
    grp: Any = columns[group].label("grp")
    if agency is not None:
        whose = StatsRollup.agency == agency
    else:
        whose = StatsRollup.agency != "" if per_agency else StatsRollup.agency == ""
    # One page reads a dimension several times (the people: five tables): the rolled-up part is
    # remembered until the session's transaction ends, by what it read and the months' build time.
    memo: dict[tuple[Any, ...], list[tuple[Any, str, int, int]]] = session.info.setdefault(READS, {})
    remembered = (dim.name, group, agency, per_agency, scope, tuple(split.months), tuple(split.days), split.watermark)
    if remembered not in memo:
        memo[remembered] = _read_rolled(session, dim.name, split, grp, whose, scope, folded, group)
    for rolled in memo[remembered]:
        _add(found, *rolled)
    if live:
        when = _when(dim.source)
        ranges = or_(*(_range(begin, finish, when) for begin, finish in _merged(live)))
        conditions = [ranges, *_scope_conditions(dim.source, scope)]
        query = facts(session, dim, conditions, [group], per_agency=per_agency, agency=agency, period=ranges)
        for key, value, n, k in session.execute(query):
            _add(found, key, value, n, k)
    return dict(found)


def _merged(ranges: list[tuple[datetime | None, datetime | None]]) -> list[tuple[datetime | None, datetime | None]]:
    """The ranges in order, those that touch joined (None: open-ended)."""
    low = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(ranges, key=lambda pair: pair[0] or low)
    joined: list[tuple[datetime | None, datetime | None]] = []
    for begin, finish in ordered:
        if joined and (joined[-1][1] is None or (begin or low) <= joined[-1][1]):
            last_begin, last_finish = joined[-1]
            wider = None if last_finish is None or finish is None else max(last_finish, finish)
            joined[-1] = (last_begin, wider)
        else:
            joined.append((begin, finish))
    return joined


READS = "stats_rollup_reads"


def _read_rolled(
    session: Session,
    dim_name: str,
    split: Plan,
    grp: Any,
    whose: ColumnElement[bool],
    scope: Scope,
    folded: bool,
    group: str | None,
) -> list[tuple[Any, str, int, int]]:
    """The rollup rows of a plan's months and days for one dimension, summed per (group, value)."""
    rows: list[tuple[Any, str, int, int]] = []
    months = _periods(FOLDED if folded else "m", split.months)
    for periods in (months, *(_days(first, after) for first, after in split.days)):
        if periods is None:
            continue
        query = (
            select(grp, StatsRollup.value, func.sum(StatsRollup.n), func.sum(StatsRollup.k))
            .where(StatsRollup.dim == dim_name, *periods, whose, *_rollup_filters(scope))
            .group_by(grp, StatsRollup.value)
        )
        for row in session.execute(query):
            key: Any = row[0]
            if group == "month" and key is not None:
                key = key.strftime("%Y-%m") if hasattr(key, "strftime") else str(key)[:7]
            rows.append((key, str(row[1]), int(row[2] or 0), int(row[3] or 0)))
    return rows


def day_ranges(split: Plan) -> list[tuple[datetime, datetime]]:
    """A plan's whole days of partial months as time ranges: what a reader without day rows reads live."""
    return [(_at(first), _at(after)) for first, after in split.days]


def _periods(grain: str, months: list[date]) -> list[ColumnElement[bool]] | None:
    """Conditions for these months' rows: one range when contiguous (an index range scan), else a list."""
    if not months:
        return None
    contiguous = all(next_month(a) == b for a, b in zip(months, months[1:], strict=False))
    if contiguous:
        return [StatsRollup.grain == grain, StatsRollup.period >= months[0], StatsRollup.period <= months[-1]]
    return [StatsRollup.grain == grain, StatsRollup.period.in_(months)]


def _days(first: date, after: date) -> list[ColumnElement[bool]]:
    return [StatsRollup.grain == "d", StatsRollup.period >= first, StatsRollup.period < after]


def _add(found: dict[tuple[Any, str], list[int]], group: Any, value: Any, n: Any, k: Any) -> None:
    totals = found[(group, value)]
    totals[0] += int(n or 0)
    totals[1] += int(k or 0)


# ------------------------------------------------------------------------------------------- refresh


FOLDED = "a"
ANY = "*"


def _insert_facts(
    session: Session,
    dim: Dimension,
    grain: str,
    month: date,
    groups: list[str],
    *,
    per_agency: bool = False,
) -> None:
    """One INSERT ... SELECT ... GROUP BY: a month's rows of one dimension at one grain, counted in the
    database (the rows never travel through Python). Columns the grain does not split by are "*"."""
    within = _range(_at(month), _at(next_month(month)), _when(dim.source))
    counted = facts(
        session, dim, [within], groups, per_agency=per_agency, period=within if per_agency else None
    ).subquery("counted")
    column = dict(zip(groups, counted.c, strict=False))
    value, n, k = list(counted.c)[len(groups) :]
    period: Any = column["day"] if "day" in column else literal(month, Date)
    query = select(
        literal(dim.name, String),
        literal(grain, String),
        period,
        column["country"],
        column.get("channel", literal(ANY, String)),
        column.get("risk", literal(ANY, String)),
        column.get("agency", literal("", String)),
        value,
        n,
        k,
    )
    session.execute(insert(StatsRollup).from_select(list(COLUMNS), query))


def build_month(session: Session, month: date) -> int:
    """Replace one month's rollup rows with what its tickets, people, referrals and conversations say now.

    Three grains, each as narrow as its readers allow (27 rows a ticket before, when every grain
    carried every column): "m" the month per country, channel and risk, every ticket; "a" the month
    per country, every ticket (summed from "m") and per agency the tickets sent to it; "d" each day
    per country, every ticket. A page filtered by channel or risk reads a partial month's days live,
    and one asking per agency by channel or risk reads its whole period live.
    """
    session.execute(delete(StatsRollup).where(StatsRollup.period >= month, StatsRollup.period < next_month(month)))
    for dim in DIMENSIONS.values():
        _insert_facts(session, dim, "m", month, ["country", "channel", "risk"])
        _insert_facts(session, dim, "d", month, ["day", "country"])
        if dim.source != "conversation":
            _insert_facts(session, dim, FOLDED, month, ["country", "agency"], per_agency=True)
    monthly = (
        select(
            StatsRollup.dim,
            literal(FOLDED, String),
            StatsRollup.period,
            StatsRollup.country,
            literal(ANY, String),
            literal(ANY, String),
            StatsRollup.agency,
            StatsRollup.value,
            func.sum(StatsRollup.n),
            func.sum(StatsRollup.k),
        )
        .where(StatsRollup.grain == "m", StatsRollup.agency == "", StatsRollup.period == month)
        .group_by(StatsRollup.dim, StatsRollup.period, StatsRollup.country, StatsRollup.agency, StatsRollup.value)
    )
    session.execute(insert(StatsRollup).from_select(list(COLUMNS), monthly))
    rows = [
        {**dict(zip(COLUMNS[:-2], key, strict=True)), "n": n, "k": k}
        for key, (n, k) in _ack_counts(session, month, utcnow()).items()
    ]
    for chunk in range(0, len(rows), 5000):
        session.execute(insert(StatsRollup), rows[chunk : chunk + 5000])
    session.merge(StatsRollupMonth(month=month, built_at=utcnow()))
    within = [StatsRollup.period >= month, StatsRollup.period < next_month(month)]
    return session.scalar(select(func.count()).select_from(StatsRollup).where(*within)) or 0


# A row's key: (dim, grain, period, country, channel, risk, agency, value).
RowKey = tuple[str, str, date, str, str, str, str, str]
COLUMNS = ("dim", "grain", "period", "country", "channel", "risk", "agency", "value", "n", "k")


# Referrals whose acknowledgement is still owed (or was never given before the run ended).
AWAITING_ACK = ("referred", "escalated", "expired")
ACK_DIM = "ack"


def _ack_counts(session: Session, month: date, now: datetime) -> dict[RowKey, tuple[int, int]]:
    """One month's referrals per agency, for time to acknowledge (dimension "ack"): a per-month
    histogram of minutes, so a run of months sums histograms instead of reading referrals. Grain "m"
    counts every country (country ""), grain "a" each incident country apart (for a page by country or
    a reader's countries). No day rows: the partial months at a period's ends are read live.

    Values, each prefixed "<agency>|": "total"; "m|<minutes to acknowledge>" (a histogram the
    percentiles are read from: each time's `ack_bucket`); "late" (acknowledged after the deadline);
    "missed" (owing, deadline passed when built); "due|<deadline>" (owing, deadline still ahead when
    built: the reader tells pending from missed by its own clock).
    """
    within = [Referral.created_at >= _at(month), Referral.created_at < _at(next_month(month))]
    counts: dict[RowKey, int] = defaultdict(int)
    query = (
        select(
            Referral.agency_id,
            Referral.created_at,
            Referral.acknowledged_at,
            Referral.ack_due_at,
            Referral.status,
            func.coalesce(Ticket.incident_country, ""),
        )
        .join(Ticket, Ticket.id == Referral.ticket_id)
        .where(*within)
    )
    for agency, created, acked, due, status, country in session.execute(query):
        for value in ack_values(agency, created, acked, due, status, now, exact=False):
            counts[(ACK_DIM, "m", month, "", "", "", "", value)] += 1
            counts[(ACK_DIM, FOLDED, month, country, ANY, ANY, "", value)] += 1
    return {key: (n, 0) for key, n in counts.items()}


def ack_values(
    agency: str, created: datetime, acked: datetime | None, due: datetime, status: str, now: datetime, exact: bool
) -> list[str]:
    """What one referral adds to its agency's tally (see `_ack_counts`); `exact` keeps minutes' fractions."""
    values = [f"{agency}|total"]
    if acked is not None:
        minutes = (acked - created).total_seconds() / 60.0
        values.append(f"{agency}|m|{minutes if exact else ack_bucket(minutes)}")
        if acked > due:
            values.append(f"{agency}|late")
    elif status in AWAITING_ACK:
        values.append(f"{agency}|missed" if due < now else f"{agency}|due|{due.isoformat()}")
    return values


# Under an hour, time to acknowledge is kept to the minute; beyond, in twelve steps per doubling
# (5 minutes from one hour, 10 from two, 20 from four...): at most a twelfth of the time, so a
# month's histogram has a few dozen values per agency however long acknowledgements take.
ACK_EXACT_MINUTES = 60
ACK_STEPS_PER_DOUBLING = 12


def ack_bucket(minutes: float) -> int:
    """The lower bound, in whole minutes, of the histogram step `minutes` falls in."""
    whole = max(int(minutes // 1), 0)
    if whole < ACK_EXACT_MINUTES:
        return whole
    doubling = ACK_EXACT_MINUTES
    while whole >= 2 * doubling:
        doubling *= 2
    step = doubling // ACK_STEPS_PER_DOUBLING
    return doubling + (whole - doubling) // step * step


def read_ack(session: Session, split: Plan, countries: frozenset[str] | None = None) -> dict[str, int]:
    """The "ack" rows of a plan's months, summed: {"<agency>|...": count} (its days are read live);
    with `countries`, of the referrals of tickets in those incident countries only."""
    periods = _periods("m" if countries is None else FOLDED, split.months)
    if periods is None:
        return {}
    where = [] if countries is None else [StatsRollup.country.in_(sorted(countries))]
    query = (
        select(StatsRollup.value, func.sum(StatsRollup.n))
        .where(StatsRollup.dim == ACK_DIM, StatsRollup.agency == "", *periods, *where)
        .group_by(StatsRollup.value)
    )
    return {value: int(n) for value, n in session.execute(query)}


def refresh(session_factory: Callable[[], Session], now: datetime, limit: int | None = None) -> dict[str, int]:
    """Build every past month not built yet and rebuild every stale one, each in its own transaction.

    The current month is never built (it changes all day; pages read it live). Returns counts.
    """
    current = month_start(now)
    with session_factory() as session:
        starts = [
            session.scalar(select(func.min(Ticket.created_at))),
            session.scalar(select(func.min(Conversation.started_at))),
        ]
        first = min((moment for moment in starts if moment is not None), default=None)
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
    """Append the month of every ticket this flush changes (itself, its people, events, referrals), and
    of every conversation."""
    months: set[date] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Ticket):
            months.add(month_start(obj.created_at or utcnow()))
        elif isinstance(obj, Conversation):
            months.add(month_start(obj.started_at or utcnow()))
        elif isinstance(obj, CasePerson | TicketEvent | Referral):
            month = _ticket_month(session, obj.ticket_id)
            if month is not None:
                months.add(month)
    marked: set[date] = session.info.setdefault(_MARKED, set())
    new = months - marked
    if new:
        session.connection().execute(insert(StatsStale), [{"month": m} for m in sorted(new)])
        marked.update(new)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_marks(session: Session, *_args: Any) -> None:
    session.info.pop(_MARKED, None)
    session.info.pop(READS, None)
