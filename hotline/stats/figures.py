"""Statistics for coordinators and the coalition's yearly report: aggregate SQL over tickets, referrals and people.

Every function takes a session and a `Filters` and returns plain numbers; nothing here knows who is
asking. What a reader may see is decided once, by `present`, which turns every table cell into what
is shown: small counts (1 or 2) become "<3" unless exact counts are allowed, zero stays 0, and a
figure we have no source for (`None`) becomes "n/a", never 0.

The funnel rule. A ticket counts at a stage if it ever reached it, read from the append-only event
log (never from the current status, which forgets what came before):
  received      every ticket (receiving is what creates one);
  triaged       an event entered `triaged`, or any later referral node (a referral opens after triage);
  referred      the ticket has a referral (`open_referral` writes its `referred` event);
  acknowledged  a referral event entered a node reachable only through `acknowledged`;
  accepted      ... only through `accepted`;
  assisted      ... only through `assistance` (or the ticket's own `assisted` status event);
  closed        a referral (or the ticket) entered `closed`, the flowchart's "closed with an outcome".
`STAGE_NODES` (hotline.tickets.stages) lists those nodes; a test checks it covers every node of every
referral flowchart. Each ticket carries the rule's result, `furthest_stage` and `closed_with_outcome`,
kept by `record_event` as events are written (and back-filled by migration 0006), so the funnel counts
tickets without reading their events. With an agency chosen (or the funnel by agency), only that
agency's referrals and their events count, and every ticket it was sent counts as received, triaged
and referred. The period always selects tickets (or referrals) by creation time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from directory.models import Agency, Country
from hotline.referrals.models import Referral
from hotline.stats import rollup, suppression
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.people import AGE_BANDS, EXPLOITATION_FORMS, SEXES, CasePerson

# The funnel rule's tables live beside the tickets, where `record_event` keeps each ticket's summary;
# STAGE_NODES and NO_STAGE_NODES are re-exported here, where the rule is told.
from hotline.tickets.stages import (  # noqa: F401
    ALL_STAGE_NODES,
    ASSISTED_NODES,
    NO_STAGE_NODES,
    RANKED,
    STAGE_NODES,
    STAGES,
    rank_case,
)

# Referrals whose acknowledgement is still owed (or was never given before the run ended).
AWAITING_ACK = ("referred", "escalated", "expired")
GROUPINGS = ("country", "agency", "channel", "risk", "month", "week")
UNITS = ("month", "week")
# Counts below this are shown as "<3" to everyone but admins on the page.
SMALL = 3
NA = "n/a"
SUPPRESSED = "<3"
WITHHELD = "x"

# The columns a query selects, kept through a helper that only adds a join.
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class Filters:
    """What the reader asked for. `scope` is the countries the reader may see (None: every country)."""

    start: datetime | None = None
    end: datetime | None = None
    country: str | None = None
    agency: str | None = None
    channel: str | None = None
    risk: str | None = None
    scope: frozenset[str] | None = None


# ---------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Measure:
    """A figure computed from `n` observations (a median, a percentile); None when there is none."""

    value: float | None
    n: int


@dataclass(frozen=True)
class Rate:
    """Victims per 100,000 population, from `count` victims: suppressed whenever its count would be."""

    value: float | None
    count: int


@dataclass(frozen=True)
class Table:
    """One table of figures: a label column first, then counts or measures. Cells are raw until `present`."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def cell(value: Any, exact: bool) -> Any:
    """What one table cell shows. The only place small counts are suppressed and "n/a" is told from 0.

    None is "n/a" (no source, or the field was never recorded); 0 stays 0; 1 and 2 are "<3" unless
    `exact`; a Measure from 1 or 2 observations is "<3" too (one duration is one case's), and a Measure
    from none is "n/a". Labels (text) pass through.
    """
    if value is None:
        return NA
    if isinstance(value, suppression.Withheld):
        return cell(value.value, exact) if exact else WITHHELD
    if isinstance(value, Rate):
        # Hidden with the count it comes from: a rate and a population give the count back.
        if value.value is None:
            return NA
        if not exact and 0 < value.count < SMALL:
            return WITHHELD
        return round(value.value, 3)
    if isinstance(value, Measure):
        if value.n == 0 or value.value is None:
            return NA
        if not exact and value.n < SMALL:
            return SUPPRESSED
        return round(value.value, 1)
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    if not exact and 0 < value < SMALL:
        return SUPPRESSED
    return value


def present(table: Table, exact: bool) -> Table:
    """The table as a reader sees it: complementary cells withheld (unless exact), then `cell` on every cell."""
    if not exact:
        table = suppression.secondary(table)
    rows = tuple(tuple(cell(value, exact) for value in row) for row in table.rows)
    return replace(table, rows=rows)


# -------------------------------------------------------------------------------------------- filters


def _ticket_filters(filters: Filters, *, period: bool = True) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if period and filters.start is not None:
        conditions.append(Ticket.created_at >= filters.start)
    if period and filters.end is not None:
        conditions.append(Ticket.created_at < filters.end)
    if filters.country is not None:
        conditions.append(Ticket.incident_country == filters.country)
    if filters.scope is not None:
        conditions.append(Ticket.incident_country.in_(sorted(filters.scope)))
    if filters.channel is not None:
        conditions.append(Ticket.channel == filters.channel)
    if filters.risk is not None:
        conditions.append(Ticket.risk_level == filters.risk)
    return conditions


def _sent_to_agency(agency: str) -> ColumnElement[bool]:
    return exists().where(Referral.ticket_id == Ticket.id, Referral.agency_id == agency)


def tickets_where(filters: Filters) -> list[ColumnElement[bool]]:
    """The conditions on `Ticket` that select the filtered cases (period, country, scope, agency...)."""
    conditions = _ticket_filters(filters)
    if filters.agency is not None:
        conditions.append(_sent_to_agency(filters.agency))
    return conditions


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _bucket(session: Session, column: Any, unit: str) -> ColumnElement[str]:
    """The month ("2025-03") or the week's Monday ("2025-03-10") of a UTC timestamp, as text."""
    if _dialect(session) == "postgresql":
        utc = func.timezone("UTC", column)
        if unit == "month":
            return func.to_char(func.date_trunc("month", utc), "YYYY-MM")
        return func.to_char(func.date_trunc("week", utc), "YYYY-MM-DD")
    if unit == "month":
        return func.strftime("%Y-%m", column)
    return func.date(column, "weekday 0", "-6 days")


# --------------------------------------------------------------------------------------------- funnel


def funnel(session: Session, filters: Filters, by: str | None = None) -> dict[str | None, dict[str, int]]:
    """Tickets at each stage of the funnel (see the module's rule), overall or per group.

    Without an agency (chosen, or as the grouping), from each ticket's stage summary, which
    `record_event` keeps equal to what its events prove (hotline.tickets.stages); per agency, from
    that agency's referrals' events (each ticket sent to it at least "referred"). Both are read from
    the rollups (hotline.stats.rollup) and live for what they do not hold; per week, live.
    """
    if by is not None and by not in GROUPINGS:
        raise ValueError(by)
    if by == "week":
        return _funnel_live(session, filters, by)
    result: dict[str | None, dict[str, int]] = {}
    for (group, value), (count, _identified) in read_dimension(session, "stage", filters, by).items():
        if by == "country" and group == "":
            group = None
        totals = result.setdefault(group, dict.fromkeys(STAGES, 0))
        rank, closed = int(value.rstrip("c")), value.endswith("c")
        totals["received"] += count
        for position, stage in enumerate(RANKED, start=1):
            if rank >= position:
                totals[stage] += count
        if closed:
            totals["closed"] += count
    if by is None and None not in result:
        result[None] = dict.fromkeys(STAGES, 0)
    return result


def read_dimension(
    session: Session, dim: str, filters: Filters, group: str | None = None
) -> dict[tuple[Any, str], list[int]]:
    """One rollup dimension over the filtered tickets: {(group, value): [count, identified]}."""
    scope = rollup.Scope(filters.country, filters.scope, filters.channel, filters.risk)
    return rollup.read(
        session,
        dim,
        start=filters.start,
        end=filters.end,
        scope=scope,
        agency=filters.agency,
        group=group,
    )


def _funnel_live(session: Session, filters: Filters, by: str | None) -> dict[str | None, dict[str, int]]:
    """The funnel from the tickets themselves: per agency (from its referrals' events) or per week."""
    if by == "agency":
        group: SQLColumnExpression[Any] = Referral.agency_id
    elif by in ("month", "week"):
        group = _bucket(session, Ticket.created_at, by)
    elif by is not None:
        group = {"country": Ticket.incident_country, "channel": Ticket.channel, "risk": Ticket.risk_level}[by]
    else:
        group = literal(None)
    if by == "agency" or filters.agency is not None:
        totals = _funnel_per_agency(filters, group)
    else:
        at_least = [func.sum(case((Ticket.furthest_stage >= rank, 1), else_=0)) for rank in range(1, len(RANKED) + 1)]
        closed = func.sum(case((Ticket.closed_with_outcome.is_(True), 1), else_=0))
        grp: Any = group.label("grp")
        totals = select(grp, func.count(), *at_least, closed).select_from(Ticket).where(*_ticket_filters(filters))
        if by is not None:
            totals = totals.group_by(grp)
    result: dict[str | None, dict[str, int]] = {}
    for row in session.execute(totals):
        result[row[0]] = {stage: int(value or 0) for stage, value in zip(STAGES, row[1:], strict=True)}
    if by is None and None not in result:
        result[None] = dict.fromkeys(STAGES, 0)
    return result


def _funnel_per_agency(filters: Filters, group: SQLColumnExpression[Any]) -> Select[*tuple[Any, ...]]:
    """The funnel's totals from the events of referrals (of the chosen agency), per ticket and group."""
    reached = func.coalesce(func.max(rank_case(TicketEvent.to_state)), 0).label("reached")
    closed = func.coalesce(func.max(case((TicketEvent.to_state == "closed", 1), else_=0)), 0).label("closed")
    query = (
        select(Ticket.id, group.label("grp"), reached, closed)
        .select_from(Ticket)
        .join(Referral, Referral.ticket_id == Ticket.id)
        .outerjoin(
            TicketEvent,
            and_(TicketEvent.referral_id == Referral.id, TicketEvent.to_state.in_(sorted(ALL_STAGE_NODES))),
        )
        .where(*_ticket_filters(filters))
    )
    if filters.agency is not None:
        query = query.where(Referral.agency_id == filters.agency)
    per_ticket = query.group_by(Ticket.id, group).subquery()
    # Every ticket sent to an agency was triaged and referred, whatever its events say.
    floor = 2
    at_least = [
        func.count() if rank <= floor else func.sum(case((per_ticket.c.reached >= rank, 1), else_=0))
        for rank in range(1, len(RANKED) + 1)
    ]
    return select(per_ticket.c.grp, func.count(), *at_least, func.sum(per_ticket.c.closed)).group_by(per_ticket.c.grp)


# -------------------------------------------------------------------------------- time to acknowledge


@dataclass(frozen=True)
class AckTimes:
    """One agency's acknowledgements: counts, and durations in minutes from referral to acknowledgement."""

    agency_id: str
    referrals: int
    acknowledged: int
    median_minutes: Measure
    p90_minutes: Measure
    breaches: int
    pending: int


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks of sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _referral_filters(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = _ticket_filters(filters, period=False)
    if filters.start is not None:
        conditions.append(Referral.created_at >= filters.start)
    if filters.end is not None:
        conditions.append(Referral.created_at < filters.end)
    if filters.agency is not None:
        conditions.append(Referral.agency_id == filters.agency)
    return conditions


def _with_ticket_if_filtered(query: Select[*Columns], filters: Filters) -> Select[*Columns]:
    """Join the ticket only when a ticket filter needs it: on a million referrals the join is most of the cost."""
    if _ticket_filters(filters, period=False):
        return query.join(Ticket, Ticket.id == Referral.ticket_id)
    return query


def weighted_percentile_cont(pairs: Iterable[tuple[float, int]], fraction: float) -> float | None:
    """`percentile_cont` over values given with how many times each occurs."""
    ordered = sorted((value, weight) for value, weight in pairs if weight > 0)
    total = sum(weight for _value, weight in ordered)
    if not total:
        return None
    position = fraction * (total - 1)

    def at(rank: int) -> float:
        seen = 0
        for value, weight in ordered:
            seen += weight
            if rank < seen:
                return value
        return ordered[-1][0]

    lower = math.floor(position)
    low, high = at(lower), at(min(lower + 1, total - 1))
    return low + (high - low) * (position - lower)


def ack_times(session: Session, filters: Filters, now: datetime) -> list[AckTimes]:
    """Time to acknowledge per agency, over referrals created in the period.

    Whole months are read from the rollup (a histogram in steps, see `rollup.ack_bucket`), the rest
    (partial months too) live; the rollup keeps agencies and incident countries, so a page filtered
    by channel or risk reads every referral live.
    """
    if filters.channel is not None or filters.risk is not None:
        return _ack_times_live(session, filters, now)
    countries: frozenset[str] | None = None
    if filters.country is not None:
        countries = frozenset({filters.country})
    if filters.scope is not None:
        countries = filters.scope if countries is None else countries & filters.scope
    split = rollup.plan(session, filters.start, filters.end)
    tallies: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "late": 0, "missed": 0, "pending": 0, "minutes": defaultdict(int)}
    )

    def tally(value: str, count: int) -> None:
        agency, kind, *rest = value.split("|", 2)
        if filters.agency is not None and agency != filters.agency:
            return
        found = tallies[agency]
        if kind == "m":
            found["minutes"][float(rest[0])] += count
        elif kind == "due":
            found["missed" if datetime.fromisoformat(rest[0]) < now else "pending"] += count
        else:
            found[kind] += count

    for value, count in rollup.read_ack(session, split, countries).items():
        tally(value, count)
    for begin, finish in [*split.live, *rollup.day_ranges(split)]:
        query = select(
            Referral.agency_id, Referral.created_at, Referral.acknowledged_at, Referral.ack_due_at, Referral.status
        )
        if countries is not None:
            query = query.join(Ticket, Ticket.id == Referral.ticket_id).where(
                Ticket.incident_country.in_(sorted(countries))
            )
        if begin is not None:
            query = query.where(Referral.created_at >= begin)
        if finish is not None:
            query = query.where(Referral.created_at < finish)
        if filters.agency is not None:
            query = query.where(Referral.agency_id == filters.agency)
        for row in session.execute(query):
            for value in rollup.ack_values(*row, now, exact=True):
                tally(value, 1)
    result = []
    for agency_id in sorted(tallies):
        counted = tallies[agency_id]
        acked = sum(counted["minutes"].values())
        pairs = list(counted["minutes"].items())
        result.append(
            AckTimes(
                agency_id=agency_id,
                referrals=counted["total"],
                acknowledged=acked,
                median_minutes=Measure(weighted_percentile_cont(pairs, 0.5), acked),
                p90_minutes=Measure(weighted_percentile_cont(pairs, 0.9), acked),
                breaches=counted["late"] + counted["missed"],
                pending=counted["pending"],
            )
        )
    return result


def _ack_times_live(session: Session, filters: Filters, now: datetime) -> list[AckTimes]:
    """Time to acknowledge per agency, every referral of the period read live (see `ack_times`).

    A breach is a referral acknowledged after its `ack_due_at`, or never acknowledged while owing it
    (still referred or escalated, or expired) after `ack_due_at` has passed. Declined and withdrawn
    referrals owe nothing. Percentiles are PostgreSQL's percentile_cont, computed in the database
    there and by `percentile_cont` in Python elsewhere (SQLite), over acknowledged referrals only.
    """
    acknowledged = Referral.acknowledged_at.is_not(None)
    late = and_(acknowledged, Referral.acknowledged_at > Referral.ack_due_at)
    owing = and_(Referral.acknowledged_at.is_(None), Referral.status.in_(AWAITING_ACK))
    missed = and_(owing, Referral.ack_due_at < now)
    pending = and_(owing, Referral.ack_due_at >= now)
    counts: list[Any] = [
        func.count(),
        func.count(Referral.acknowledged_at),
        func.sum(case((or_(late, missed), 1), else_=0)),
        func.sum(case((pending, 1), else_=0)),
    ]
    postgres = _dialect(session) == "postgresql"
    if postgres:
        minutes = func.extract("epoch", Referral.acknowledged_at - Referral.created_at) / 60.0
        counts += [
            func.percentile_cont(0.5).within_group(minutes),
            func.percentile_cont(0.9).within_group(minutes),
        ]
    query = _with_ticket_if_filtered(select(Referral.agency_id, *counts), filters).where(*_referral_filters(filters))
    query = query.group_by(Referral.agency_id).order_by(Referral.agency_id)
    rows = session.execute(query).all()
    durations: dict[str, list[float]] = defaultdict(list)
    if not postgres:
        timings = _with_ticket_if_filtered(
            select(Referral.agency_id, Referral.created_at, Referral.acknowledged_at), filters
        ).where(acknowledged, *_referral_filters(filters))
        for agency_id, created_at, acknowledged_at in session.execute(timings).all():
            assert acknowledged_at is not None  # the query keeps acknowledged referrals only
            durations[agency_id].append((acknowledged_at - created_at).total_seconds() / 60.0)
    result = []
    for row in rows:
        agency_id, total, acked, breaches, waiting = row[:5]
        if postgres:
            median, p90 = row[5], row[6]
        else:
            median = percentile_cont(durations[agency_id], 0.5)
            p90 = percentile_cont(durations[agency_id], 0.9)
        result.append(
            AckTimes(
                agency_id=agency_id,
                referrals=int(total),
                acknowledged=int(acked),
                median_minutes=Measure(None if median is None else float(median), int(acked)),
                p90_minutes=Measure(None if p90 is None else float(p90), int(acked)),
                breaches=int(breaches or 0),
                pending=int(waiting or 0),
            )
        )
    return result


# ----------------------------------------------------------------------------------- volumes and kinds


def bucket_labels(start: datetime, end: datetime, unit: str) -> list[str]:
    """Every month ("2025-03") or week (its Monday, "2025-03-10") that meets [start, end)."""
    labels = []
    if unit == "month":
        year, month = start.year, start.month
        while datetime(year, month, 1, tzinfo=UTC) < end:
            labels.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return labels
    monday = start.date() - timedelta(days=start.weekday())
    while datetime(monday.year, monday.month, monday.day, tzinfo=UTC) < end:
        labels.append(monday.isoformat())
        monday += timedelta(days=7)
    return labels


def volumes(session: Session, filters: Filters, unit: str = "month") -> list[tuple[str, int]]:
    """Tickets received per month or week; with a bounded period, empty buckets are listed as 0."""
    if unit not in UNITS:
        raise ValueError(unit)
    found: dict[str, int] = defaultdict(int)
    for (_group, label), (count, _identified) in read_dimension(session, unit, filters).items():
        found[label] += count
    if filters.start is not None and filters.end is not None:
        labels = bucket_labels(filters.start, filters.end, unit)
        return [(label, found.get(label, 0)) for label in labels]
    return sorted(found.items())


def case_types(session: Session, filters: Filters) -> list[tuple[str, int]]:
    found = [(kind, n) for (_group, kind), (n, _k) in read_dimension(session, "case_type", filters).items()]
    return sorted(found, key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class Breakdown:
    """People by one field: (value, reported, identified) rows; the unknown value last.

    `known_reported`/`known_identified` say whether the field was recorded for anyone counted: when it
    was not, every known category is "not available" rather than 0.
    """

    rows: list[tuple[str, int, int]]
    known_reported: bool
    known_identified: bool


UNKNOWN = "unknown"
PERSON_FIELDS = {"sex": SEXES, "age_band": AGE_BANDS, "nationality": None, "exploitation": EXPLOITATION_FORMS}


def people(session: Session, filters: Filters, by: str) -> Breakdown:
    """People in the filtered tickets by sex, age band, nationality or form of exploitation.

    Reported: every person a ticket concerns. Identified: those an agency identified as victims.
    """
    return people_breakdowns(session, filters, (by,))[by]


def people_breakdowns(
    session: Session, filters: Filters, fields: Sequence[str] = tuple(PERSON_FIELDS)
) -> dict[str, Breakdown]:
    """`people` for several fields at once, from the rollup's person and nationality dimensions."""
    for name in fields:
        if name not in PERSON_FIELDS:
            raise ValueError(name)
    found: dict[str, dict[str, list[int]]] = {name: defaultdict(lambda: [0, 0]) for name in fields}
    if set(fields) & {"sex", "age_band", "exploitation"}:
        for (_group, value), (count, marked) in read_dimension(session, "person", filters).items():
            for name, part in zip(("sex", "age_band", "exploitation"), value.split(rollup.SEP), strict=True):
                if name in found:
                    found[name][part][0] += count
                    found[name][part][1] += marked
    if "nationality" in fields:
        for (_group, value), (count, marked) in read_dimension(session, "nationality", filters).items():
            totals = found["nationality"][value or UNKNOWN]
            totals[0] += count
            totals[1] += marked
    return {name: _breakdown(name, found[name]) for name in fields}


def _breakdown(name: str, found: dict[str, list[int]]) -> Breakdown:
    categories = PERSON_FIELDS[name]
    order = [c for c in categories if c != UNKNOWN] if categories else sorted(k for k in found if k != UNKNOWN)
    rows = [(c, *found.get(c, (0, 0))) for c in order]
    rows.append((UNKNOWN, *found.get(UNKNOWN, (0, 0))))
    return Breakdown(
        rows=[(str(c), int(n), int(i)) for c, n, i in rows],
        known_reported=any(r[1] for r in rows[:-1]),
        known_identified=any(r[2] for r in rows[:-1]),
    )


def incidents(session: Session, filters: Filters) -> dict[str, dict[str | None, int]]:
    """Tickets by incident country and region; an unknown country is keyed "unknown", a region None."""
    result: dict[str, dict[str | None, int]] = defaultdict(dict)
    for (code, region), (count, _k) in read_dimension(session, "region", filters, "country").items():
        result[code or UNKNOWN][region or None] = count
    return dict(result)


def countries(session: Session, scope: frozenset[str] | None = None) -> list[tuple[str, bool]]:
    """The directory's countries with whether any agency there can be a source of referral figures."""
    has_agency = exists().where(Agency.country == Country.code)
    query = select(Country.code, has_agency).order_by(Country.code)
    if scope is not None:
        query = query.where(Country.code.in_(sorted(scope)))
    return [(code, bool(source)) for code, source in session.execute(query)]


def identified_by_country(session: Session, filters: Filters) -> list[tuple[str, int | None, int]]:
    """Victims identified per directory country (the coalition's chart 3), with people reported.

    A country without any agency in the directory has no source of identifications: "n/a" (None).
    """
    found: dict[str, tuple[int, int]] = {}
    everywhere = replace(filters, country=None)
    for (code, _value), (n, k) in read_dimension(session, "person", everywhere, "country").items():
        reported, identified = found.get(code, (0, 0))
        found[code] = (reported + n, identified + k)
    rows = []
    for code, source in countries(session, filters.scope):
        if filters.country is not None and code != filters.country:
            continue
        reported, identified = found.get(code, (0, 0))
        rows.append((code, identified if source else None, reported))
    return rows


# ------------------------------------------------------------------------------- yearly country report


def _reached(nodes: Iterable[str]) -> Select[int]:
    """Ids of tickets one of whose referrals entered one of `nodes`."""
    return (
        select(TicketEvent.ticket_id)
        .where(TicketEvent.referral_id.is_not(None), TicketEvent.to_state.in_(sorted(nodes)))
        .distinct()
    )


def _persons(session: Session, filters: Filters, *conditions: ColumnElement[bool]) -> int:
    query = (
        select(func.count())
        .select_from(CasePerson)
        .join(Ticket, Ticket.id == CasePerson.ticket_id)
        .where(*tickets_where(filters), *conditions)
    )
    return int(session.scalar(query) or 0)


def _tickets(session: Session, filters: Filters, *conditions: ColumnElement[bool]) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Ticket).where(*tickets_where(filters), *conditions)) or 0
    )


@dataclass(frozen=True)
class CountryReport:
    """The coalition's regional report, for one country and one year. None means "not available"."""

    country: str
    year: int
    has_source: bool
    reports_received: int
    identified: int | None
    identified_in_nationality: int | None
    identified_abroad: int | None
    identified_nationality_unknown: int | None
    by_sex: Breakdown
    by_age: Breakdown
    by_nationality: Breakdown
    by_exploitation: Breakdown
    assistance_cases: int | None
    assistance_people: int | None
    protection_cases: int | None
    repatriation_cases: int | None
    repatriation_people: int | None
    repatriated_closed: int | None
    funnel: dict[str, int]
    ack: list[AckTimes]


def country_report(session: Session, country: str, year: int, now: datetime) -> CountryReport:
    """The yearly figures of one incident country: victims identified, assistance, repatriations, referrals.

    Without any agency of the country in the directory, nothing identifies, assists or repatriates
    there through this system, so those figures are "not available", not 0.
    """
    start = datetime(year, 1, 1, tzinfo=UTC)
    filters = Filters(start=start, end=datetime(year + 1, 1, 1, tzinfo=UTC), country=country)
    source = bool(session.scalar(select(exists().where(Agency.country == country))))

    def sourced(value: int) -> int | None:
        return value if source else None

    identified = CasePerson.identified.is_(True)
    total_identified = _persons(session, filters, identified)
    unknown_nationality = _persons(session, filters, identified, CasePerson.nationality.is_(None))
    # Nobody's nationality recorded: within/outside the country of nationality is not disaggregated.
    disaggregated = source and not (total_identified and unknown_nationality == total_identified)

    def by_nationality(value: int) -> int | None:
        return value if disaggregated else None

    breakdowns = people_breakdowns(session, filters)
    assisted = Ticket.id.in_(_reached(ASSISTED_NODES))
    repatriated = Ticket.id.in_(_reached({"repatriation"}))
    return CountryReport(
        country=country,
        year=year,
        has_source=source,
        reports_received=_tickets(session, filters),
        identified=sourced(total_identified),
        identified_in_nationality=by_nationality(
            _persons(session, filters, identified, CasePerson.nationality == Ticket.incident_country)
        ),
        identified_abroad=by_nationality(
            _persons(session, filters, identified, CasePerson.nationality != Ticket.incident_country)
        ),
        identified_nationality_unknown=sourced(unknown_nationality),
        by_sex=breakdowns["sex"],
        by_age=breakdowns["age_band"],
        by_nationality=breakdowns["nationality"],
        by_exploitation=breakdowns["exploitation"],
        assistance_cases=sourced(_tickets(session, filters, assisted)),
        assistance_people=sourced(_persons(session, filters, identified, assisted)),
        protection_cases=sourced(_tickets(session, filters, Ticket.id.in_(_reached({"protection"})))),
        repatriation_cases=sourced(_tickets(session, filters, repatriated)),
        repatriation_people=sourced(_persons(session, filters, repatriated)),
        repatriated_closed=sourced(
            _tickets(
                session,
                filters,
                exists().where(Referral.ticket_id == Ticket.id, Referral.outcome == "repatriated"),
            )
        ),
        funnel=funnel(session, filters)[None],
        ack=ack_times(session, filters, now),
    )
