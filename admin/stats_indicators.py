"""The indicator tables of the statistics page and the yearly country report: SDG 16.2.2, the
sex × age × form cross-tabulation, the flow, forms of assistance, the justice track, the OAS profile
fields and the hotline's workload. Raw cells, with `meta` telling secondary suppression which lines
add up to a total a reader may know (hotline.stats.suppression)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hotline.i18n import country_name
from hotline.stats import Filters, Table, indicators
from hotline.stats.population import source
from hotline.tickets.people import AGE_BANDS, EXPLOITATION_FORMS, SEXES

SEX = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unknown": _l("Not known")}
FORM = {
    "sexual": _l("Sexual exploitation"),
    "labour": _l("Labour exploitation"),
    "domestic_servitude": _l("Domestic servitude"),
    "forced_begging": _l("Forced begging"),
    "forced_criminality": _l("Forced criminal activity"),
    "forced_marriage": _l("Forced marriage"),
    "organ_removal": _l("Organ removal"),
    "illegal_adoption": _l("Illegal adoption"),
    "other": _l("Other"),
    "unknown": _l("Not known"),
}
FLOW = {
    "domestic": _l("Domestic (nationality of the incident country)"),
    "region": _l("From elsewhere in the region"),
    "outside": _l("From outside the region"),
    "unknown": _l("Not known"),
}
ASSISTANCE = {
    "assistance": _l("Assistance"),
    "protection": _l("Protection"),
    "repatriation": _l("Voluntary return (repatriation)"),
    "resettlement": _l("Resettlement"),
    "integration": _l("Integration"),
    "origin_validation": _l("Validation by the country of origin"),
}
JUSTICE = {
    "complaints": _l("Complaints filed"),
    "investigations": _l("Investigations opened"),
    "prosecutions": _l("Prosecutions"),
    "verdicts": _l("Verdicts"),
    "convictions": _l("Convictions"),
    "reparations": _l("Reparations ordered"),
}
PROFILE = {
    "sex": _l("Sex"),
    "age_band": _l("Age band"),
    "nationality": _l("Nationality"),
    "exploitation": _l("Form of exploitation"),
    "ethnicity": _l("Ethnicity"),
    "socio_economic_level": _l("Socio-economic level"),
    "occupation": _l("Occupation"),
    "migration_status": _l("Migration status"),
    "disability": _l("Disability"),
}
CHANNEL = {"web": _l("Web form"), "sms": _l("SMS"), "voice": _l("Voice"), "chat": _l("Chat"), "api": _l("API")}


def _age(band: str) -> str:
    return _("Not known") if band == "unknown" else band


def _shown(value: object) -> object:
    return _("not yet recorded") if value == indicators.NOT_RECORDED else value


def indicator_tables(session: Session, filters: Filters) -> list[Table]:
    """Every indicator table for the filtered tickets, cells raw."""
    rates = indicators.sdg_rates(session, filters)
    rate_column = _("Victims per 100,000 population")
    note = _(
        "Victims identified by an agency, per 100,000 of the country's total population in %(year)s (or the "
        "latest year before it); for a longer period, the victims of the whole period. Population: %(source)s.",
        year=rates.year,
        source=source(),
    )
    tables = [
        Table(
            "sdg_country",
            _("SDG 16.2.2: victims of trafficking per 100,000 population"),
            (_("Country"), _("Population"), _("Population of year"), _("Victims identified"), rate_column),
            tuple(
                (country_name(code), people, year, victims, rate)
                for code, people, year, victims, rate in rates.countries
            ),
            note,
            meta={"additive": "rows", "not_additive": (1, 2), "follows": {4: 3}},
        )
    ]
    breakdowns = (
        ("sdg_sex", _("SDG 16.2.2 by sex"), _("Sex"), rates.by_sex, lambda v: str(SEX[v])),
        ("sdg_age", _("SDG 16.2.2 by age band"), _("Age band"), rates.by_age, _age),
        (
            "sdg_form",
            _("SDG 16.2.2 by form of exploitation"),
            _("Form of exploitation"),
            rates.by_form,
            lambda v: str(FORM[v]),
        ),
    )
    for key, title, column, rows, label in breakdowns:
        tables.append(
            Table(
                key,
                title,
                (column, _("Victims identified"), rate_column),
                tuple((label(value), count, rate) for value, count, rate in rows),
                _("Per 100,000 of the total population of the countries with an agency in the directory."),
                meta={"additive": "rows", "follows": {2: 1}},
            )
        )
    crosstab = indicators.crosstab(session, filters)
    tables.append(
        Table(
            "crosstab",
            _("People reported by sex, age band and form of exploitation"),
            (_("Sex and age band"), *(str(FORM[form]) for form in EXPLOITATION_FORMS)),
            tuple(
                (f"{SEX[sex]}, {_age(age)}", *(crosstab[(sex, age)][form] for form in EXPLOITATION_FORMS))
                for sex in SEXES
                for age in AGE_BANDS
            ),
            meta={"additive": "both"},
        )
    )
    tables.append(
        Table(
            "flow",
            _("Flow: where the people come from"),
            (_("Flow"), _("People reported"), _("Victims identified")),
            tuple((str(FLOW[name]), n, k) for name, n, k in indicators.flow(session, filters)),
            _("Within the region: the coalition's member countries. By each person's nationality."),
            meta={"additive": "rows"},
        )
    )
    tables.append(
        Table(
            "assistance_forms",
            _("Forms of assistance given"),
            (_("Form of assistance"), _("Tickets")),
            tuple((str(ASSISTANCE[form]), n) for form, n in indicators.assistance_forms(session, filters)),
            _("A ticket counts once for every form of assistance one of its referrals reached."),
        )
    )
    tables.append(
        Table(
            "justice",
            _("Justice"),
            (_("Step"), _("Tickets")),
            tuple((str(JUSTICE[name]), n) for name, n in indicators.justice(session, filters)),
            _(
                "Cases whose prosecutor's referral reached each step of the justice track, which runs beside "
                "assistance and never conditions it; a case counts once per step."
            ),
        )
    )
    tables.append(
        Table(
            "profile",
            _("Profile of the people (OAS survey variables)"),
            (_("Variable"), _("People with it recorded"), _("People reported")),
            tuple(
                (str(PROFILE[name]), _shown(recorded), total)
                for name, recorded, total in indicators.profile(session, filters)
            ),
        )
    )
    work = indicators.workload(session, filters)
    contacts = tuple(
        (_("Contacts by %(channel)s", channel=CHANNEL.get(c, c)), n) for c, n in sorted(work.contacts.items())
    )
    tables.append(
        Table(
            "workload",
            _("The hotline's workload"),
            (_("Figure"), _("Count")),
            (
                *contacts,
                (_("Calls"), work.calls),
                (_("Calls that made a report"), work.calls_with_report),
                (_("Calls ended before a report"), work.calls_abandoned),
                (_("Conversations that waited for a person"), work.waited),
                (_("Answered by an operator"), work.answered),
                (_("Abandoned while waiting"), work.abandoned),
                (_("Median minutes to answer"), work.answer_median_minutes),
                (_("90th percentile minutes to answer"), work.answer_p90_minutes),
                (_("Information-only contacts"), work.information_only),
            ),
            _("Contacts: tickets by channel, and calls or chats that made no ticket."),
        )
    )
    return tables
