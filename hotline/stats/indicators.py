"""The indicators the region reports on, beyond the funnel: the SDG 16.2.2 rate, the sex × age × form
cross-tabulation, the flow, forms of assistance, the justice track and the hotline's own workload.

Like hotline.stats.figures, each function takes a session and `Filters` and returns plain numbers,
read through the monthly rollups where the figure is about tickets or people. `NOT_RECORDED` marks an
indicator the system does not record at all (some profile variables), shown as such, never as 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.referrals.models import Referral
from hotline.stats import rollup
from hotline.stats.figures import (
    UNKNOWN,
    Filters,
    Measure,
    Rate,
    countries,
    read_dimension,
    tickets_where,
    weighted_percentile_cont,
)
from hotline.stats.population import population
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.people import AGE_BANDS, EXPLOITATION_FORMS, SEXES

# A figure the system does not record (yet): shown as "not yet recorded", never as 0 or "n/a".
NOT_RECORDED = "not_recorded"
FLOWS = ("domestic", "region", "outside", "unknown")
JUSTICE = ("complaints", "investigations", "prosecutions", "verdicts", "convictions", "reparations")
# The justice flowchart's node (routing/flows/referral_justice.json) whose entry counts each step;
# a conviction is a verdict whose recorded value is "conviction".
JUSTICE_NODES = {
    "complaints": "complaint_registered",
    "investigations": "investigation",
    "prosecutions": "prosecution",
    "verdicts": "verdict",
    "reparations": "reparation",
}
# The OAS survey's disaggregation variables (seed 003, L1459 and figure 8): which the hotline records.
PROFILE_RECORDED = ("sex", "age_band", "nationality", "exploitation")
PROFILE_NOT_RECORDED = ("ethnicity", "socio_economic_level", "occupation", "migration_status", "disability")
PER = 100_000


def _rate(count: int, people: int | None) -> Rate:
    return Rate(None if not people else count * PER / people, count)


# --------------------------------------------------------------------------------------------- people


def crosstab(session: Session, filters: Filters) -> dict[tuple[str, str], dict[str, int]]:
    """People reported by (sex, age band), then by form of exploitation: every combination, 0 included."""
    table = {(sex, age): dict.fromkeys(EXPLOITATION_FORMS, 0) for sex in SEXES for age in AGE_BANDS}
    for (_group, value), (count, _identified) in read_dimension(session, "person", filters).items():
        sex, age, form = value.split(rollup.SEP)
        table.setdefault((sex, age), dict.fromkeys(EXPLOITATION_FORMS, 0))
        table[(sex, age)][form] = table[(sex, age)].get(form, 0) + count
    return table


def flow(session: Session, filters: Filters) -> list[tuple[str, int, int]]:
    """People by flow (domestic, within the region, from outside it, not known): reported, identified."""
    found = {value: totals for (_group, value), totals in read_dimension(session, "flow", filters).items()}
    rows = []
    for name in FLOWS:
        reported, identified = found.get(name, [0, 0])
        rows.append((name, reported, identified))
    return rows


def assistance_forms(session: Session, filters: Filters) -> list[tuple[str, int]]:
    """Tickets whose referral entered each form of assistance (a ticket counts once per form)."""
    found = {value: n for (_group, value), (n, _k) in read_dimension(session, "assistance", filters).items()}
    return [(form, found.get(form, 0)) for form in rollup.ASSISTANCE_FORMS]


def justice(session: Session, filters: Filters) -> list[tuple[str, int]]:
    """Cases whose prosecutor's referral reached each step of the justice track, from its events.

    A case counts once per step however many of its referrals (or re-entries) reached it; the period
    and the other filters select cases by when they were reported, as the funnel does.
    """
    query = (
        select(Ticket.id, TicketEvent.to_state, Referral.run)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .join(Referral, Referral.id == TicketEvent.referral_id)
        .where(*tickets_where(filters), TicketEvent.to_state.in_(sorted(JUSTICE_NODES.values())))
    )
    reached: dict[str, set[int]] = defaultdict(set)
    # The rows' column types (mypy cannot read them through the joins).
    rows = cast("list[tuple[int, str, dict[str, Any] | None]]", session.execute(query).all())
    for ticket_id, node, run in rows:
        reached[node].add(ticket_id)
        if node == JUSTICE_NODES["verdicts"] and (run or {}).get("data", {}).get("verdict") == "conviction":
            reached["conviction"].add(ticket_id)
    counts = {name: len(reached[node]) for name, node in JUSTICE_NODES.items()}
    counts["convictions"] = len(reached["conviction"])
    return [(name, counts[name]) for name in JUSTICE]


def profile(session: Session, filters: Filters) -> list[tuple[str, int | str, int]]:
    """The OAS profile variables: people with each one recorded (of all people), or not recorded at all."""
    recorded: dict[str, int] = defaultdict(int)
    total = 0
    for (_group, value), (count, _k) in read_dimension(session, "person", filters).items():
        total += count
        for name, part in zip(("sex", "age_band", "exploitation"), value.split(rollup.SEP), strict=True):
            if part != UNKNOWN:
                recorded[name] += count
    for (_group, value), (count, _k) in read_dimension(session, "nationality", filters).items():
        if value:
            recorded["nationality"] += count
    rows: list[tuple[str, int | str, int]] = [(name, recorded[name], total) for name in PROFILE_RECORDED]
    rows += [(name, NOT_RECORDED, total) for name in PROFILE_NOT_RECORDED]
    return rows


# ------------------------------------------------------------------------------------------ SDG 16.2.2


@dataclass(frozen=True)
class SdgRates:
    """Victims identified per 100,000 population: per country, and by sex, age band and form overall."""

    year: int
    countries: list[tuple[str, int | None, int | None, int, Rate]]  # code, population, its year, victims, rate
    population: int
    by_sex: list[tuple[str, int, Rate]]
    by_age: list[tuple[str, int, Rate]]
    by_form: list[tuple[str, int, Rate]]


def population_year(filters: Filters, now: datetime) -> int:
    """The year whose population a period's rate divides by: the year the period ends in."""
    end = filters.end or now
    return (end - timedelta(days=1)).year


def sdg_rates(session: Session, filters: Filters, now: datetime | None = None) -> SdgRates:
    """SDG indicator 16.2.2 over the period: victims identified by an agency per 100,000 population.

    The population is the whole country's (World Bank SP.POP.TOTL) for every breakdown; the sex, age
    and form breakdowns divide by the population of the countries counted (those with a figure and an
    agency in the directory), and victims elsewhere or of no known country are left out of them.
    """
    year = population_year(filters, now or datetime.now(UTC))
    per_country: dict[str, int] = defaultdict(int)
    parts: dict[str, dict[str, int]] = {"sex": defaultdict(int), "age_band": defaultdict(int), "form": defaultdict(int)}
    listed = [(code, source) for code, source in countries(session, filters.scope) if filters.country in (None, code)]
    codes = [code for code, _source in listed]
    figures = {code: population(code, year) for code in codes}
    # Only a country where an agency can identify victims counts towards the breakdowns' population.
    counted = {code for code, source in listed if source and figures[code] is not None}
    for (code, value), (_n, identified) in read_dimension(session, "person", filters, "country").items():
        per_country[code] += identified
        if code in counted and identified:
            sex, age, form = value.split(rollup.SEP)
            parts["sex"][sex] += identified
            parts["age_band"][age] += identified
            parts["form"][form] += identified
    rows = []
    for code in codes:
        figure = figures[code]
        people, figure_year = figure if figure is not None else (None, None)
        rows.append((code, people, figure_year, per_country.get(code, 0), _rate(per_country.get(code, 0), people)))
    total = sum(figure[0] for code in counted if (figure := figures[code]) is not None)

    def breakdown(name: str, order: tuple[str, ...]) -> list[tuple[str, int, Rate]]:
        return [(value, parts[name].get(value, 0), _rate(parts[name].get(value, 0), total)) for value in order]

    return SdgRates(
        year=year,
        countries=rows,
        population=total,
        by_sex=breakdown("sex", SEXES),
        by_age=breakdown("age_band", AGE_BANDS),
        by_form=breakdown("form", EXPLOITATION_FORMS),
    )


# ------------------------------------------------------------------------------------------ workload


@dataclass(frozen=True)
class Workload:
    """The hotline's own work over the period: contacts, calls and chats answered or abandoned."""

    contacts: dict[str, int]  # per channel: tickets, and conversations that made no ticket
    calls: int
    calls_with_report: int
    calls_abandoned: int
    waited: int  # conversations that waited for a person
    answered: int
    abandoned: int
    answer_median_minutes: Measure
    answer_p90_minutes: Measure
    information_only: int


def workload(session: Session, filters: Filters) -> Workload:
    """Contacts by channel, calls that made a report or ended before one, time to answer, information only.

    Conversations count by when they started and are not tied to a country until they make a ticket:
    with a country (or the reader's countries) chosen, only the conversations whose ticket is there.
    A call or chat is abandoned when it waited for a person and closed without being taken; time to
    answer is counted in whole minutes.
    """
    contacts: dict[str, int] = defaultdict(int)
    for (channel, _value), (n, _k) in read_dimension(session, "stage", filters, "channel").items():
        contacts[channel] += n
    calls = with_report = calls_abandoned = waited = answered = abandoned = 0
    for (channel, course), (n, _k) in read_dimension(session, "contact", filters, "channel").items():
        made_ticket, has_waited, was_answered, closed = (flag != "-" for flag in course)
        if not made_ticket:
            contacts[channel] += n
        if channel == "voice":
            calls += n
            with_report += n if made_ticket else 0
            calls_abandoned += n if not made_ticket and closed else 0
        if has_waited:
            waited += n
            answered += n if was_answered else 0
            abandoned += n if not was_answered and closed else 0
    minutes = [(float(value), n) for (_g, value), (n, _k) in read_dimension(session, "answer", filters).items()]
    timed = sum(n for _value, n in minutes)
    information_only = sum(
        n for (_g, value), (n, _k) in read_dimension(session, "info", filters).items() if value == "information_only"
    )
    return Workload(
        contacts=dict(contacts),
        calls=calls,
        calls_with_report=with_report,
        calls_abandoned=calls_abandoned,
        waited=waited,
        answered=answered,
        abandoned=abandoned,
        answer_median_minutes=Measure(weighted_percentile_cont(minutes, 0.5), timed),
        answer_p90_minutes=Measure(weighted_percentile_cont(minutes, 0.9), timed),
        information_only=information_only,
    )
