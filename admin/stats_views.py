"""Staff statistics: the funnel, time to acknowledge, volumes, people and incidents, as SVG charts beside tables.

Supervisors and admins see every section for the countries they cover; an agency user sees only its
own agency's time to acknowledge. Every cell goes through `hotline.stats.present`: exact counts only
for admins on the page, "<3" for small counts everywhere else and in every export (CSV, JSON and the
printable country report), "n/a" apart from 0.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pycountry
from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin.stats_calls import call_tables
from admin.stats_charts import chart_for
from admin.stats_indicators import indicator_tables
from admin.views import login_required
from directory.models import Agency
from hotline import stats
from hotline.access import country_scope
from hotline.db import db_session, utcnow
from hotline.i18n import country_name, current_locale
from hotline.stats import NA, SUPPRESSED, WITHHELD, Breakdown, Filters, Table

blueprint = Blueprint("stats", __name__, url_prefix="/stats", template_folder="templates")

PAGE_ROLES = ("supervisor", "admin", "agency")
REPORT_ROLES = ("supervisor", "admin")

STAGE_LABELS = {
    "received": _l("Received"),
    "triaged": _l("Triaged"),
    "referred": _l("Referred"),
    "acknowledged": _l("Acknowledged"),
    "accepted": _l("Accepted"),
    "assisted": _l("Assisted"),
    "closed": _l("Closed with an outcome"),
}
CHANNEL_LABELS = {
    "web": _l("Web form"),
    "sms": _l("SMS"),
    "voice": _l("Voice"),
    "chat": _l("Chat"),
    "api": _l("API"),
    "whatsapp": _l("WhatsApp"),
}
RISK_LABELS = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
CASE_TYPE_LABELS = {
    "trafficking": _l("Trafficking in persons"),
    "smuggling": _l("Smuggling of migrants"),
    "both": _l("Trafficking and smuggling"),
    "unclear": _l("Not yet clear"),
}
SEX_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
AGE_LABELS = {band: band for band in ("0-11", "12-17", "18-29", "30-49", "50+")}
EXPLOITATION_LABELS = {
    "sexual": _l("Sexual exploitation"),
    "labour": _l("Labour exploitation"),
    "domestic_servitude": _l("Domestic servitude"),
    "forced_begging": _l("Forced begging"),
    "forced_criminality": _l("Forced criminal activity"),
    "forced_marriage": _l("Forced marriage"),
    "organ_removal": _l("Organ removal"),
    "illegal_adoption": _l("Illegal adoption"),
    "other": _l("Other"),
}
FIELD_LABELS = {
    "sex": _l("Sex"),
    "age_band": _l("Age band"),
    "nationality": _l("Nationality"),
    "exploitation": _l("Form of exploitation"),
}
GROUPING_LABELS = {
    "country": _l("Country"),
    "agency": _l("Agency"),
    "channel": _l("Channel"),
    "risk": _l("Risk"),
    "month": _l("Month"),
    "week": _l("Week"),
}
# -------------------------------------------------------------------------------------------- filters


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
    except ValueError:
        abort(400)


def _scope() -> frozenset[str] | None:
    return country_scope(g.user)


def _filters() -> Filters:
    """The query string's filters, narrowed to what the signed-in user may see."""
    today = utcnow().date()
    end = _date("to") or datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    start = _date("from") or end.replace(year=end.year - 1)
    if start >= end:
        abort(400)
    choice = {name: request.args.get(name, "").strip() or None for name in ("country", "agency", "channel", "risk")}
    if g.user.role == "agency":
        return Filters(start=start, end=end, agency=g.user.agency_id)
    scope = _scope()
    if choice["country"] is not None and scope is not None and choice["country"] not in scope:
        abort(403)
    return Filters(start=start, end=end, scope=scope, **choice)


def _choice(name: str, allowed: Sequence[str], default: str) -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


# --------------------------------------------------------------------------------------------- tables


def _agency_names() -> dict[str, str]:
    locale = current_locale()
    rows = db_session().execute(select(Agency.id, Agency.name, Agency.names, Agency.acronym))
    return {i: (names or {}).get(locale) or acronym or name for i, name, names, acronym in rows}


def _label(kind: str, value: Any, agencies: dict[str, str]) -> str:
    if value is None or value == stats.UNKNOWN:
        return _("Not known")
    if kind in ("country", "nationality"):
        return country_name(value)
    if kind == "agency":
        return agencies.get(value, value)
    labels: dict[str, Any] = {
        "stage": STAGE_LABELS,
        "channel": CHANNEL_LABELS,
        "risk": RISK_LABELS,
        "case_type": CASE_TYPE_LABELS,
        "sex": SEX_LABELS,
        "age_band": AGE_LABELS,
        "exploitation": EXPLOITATION_LABELS,
    }.get(kind, {})
    return str(labels.get(value, value))


def _breakdown_table(key: str, title: str, kind: str, found: Breakdown, source: bool = True) -> Table:
    """People by one field. A category is "n/a" when nobody counted had the field recorded."""
    rows = []
    for value, reported, identified in found.rows:
        known = value != stats.UNKNOWN
        rows.append(
            (
                _label(kind, value, {}),
                reported if (found.known_reported or not known) else None,
                identified if source and (found.known_identified or not known) else None,
            )
        )
    columns = (str(FIELD_LABELS[kind]), _("People reported"), _("Victims identified"))
    return Table(key, title, columns, tuple(rows), meta={"additive": "rows"})


def _ack_table(found: list[stats.AckTimes], agencies: dict[str, str]) -> Table:
    rows = tuple(
        (
            _label("agency", row.agency_id, agencies),
            row.referrals,
            row.acknowledged,
            row.median_minutes,
            row.p90_minutes,
            row.breaches,
            row.pending,
        )
        for row in found
    )
    columns = (
        _("Agency"),
        _("Referrals"),
        _("Acknowledged"),
        _("Median minutes to acknowledge"),
        _("90th percentile, minutes"),
        _("Deadline breaches"),
        _("Awaiting, not yet due"),
    )
    note = _(
        "A breach: acknowledged after the deadline, or not acknowledged and the deadline has passed. "
        "Minutes run from the referral to its acknowledgement."
    )
    precision = _(
        "Over whole months these minutes are counted in steps, each at its lower end: one minute under an hour, "
        "then at most a twelfth of the time (5 minutes from one hour, 10 from two hours)."
    )
    note = f"{note} {precision}"
    return Table("ack_times", _("Time to acknowledge, per agency"), columns, rows, note, meta={"additive": "rows"})


def _tables(filters: Filters, by: str, unit: str) -> list[Table]:
    """Every table the signed-in user may see, with raw (unsuppressed) cells."""
    session = db_session()
    agencies = _agency_names()
    now = utcnow()
    ack = _ack_table(stats.ack_times(session, filters, now), agencies)
    if g.user.role == "agency":
        return [ack]
    grouped = stats.funnel(session, filters, by=by)
    if by == "agency":
        overall = stats.funnel(session, filters)[None]
    else:
        # Every ticket falls in exactly one country, channel, risk or month: the groups add up.
        overall = {stage: sum(counts[stage] for counts in grouped.values()) for stage in stats.STAGES}
    volumes = stats.volumes(session, filters, unit)
    incidents = stats.incidents(session, filters)
    in_country = sorted(
        ((code, sum(regions.values())) for code, regions in incidents.items()), key=lambda item: (-item[1], item[0])
    )
    people = stats.people_breakdowns(session, filters)
    regions = sorted(
        ((code, region, count) for code, by_region in incidents.items() for region, count in by_region.items()),
        key=lambda item: (item[0], item[1] is None, item[1] or ""),
    )
    return [
        Table(
            "funnel",
            _("Funnel: tickets that reached each stage"),
            (_("Stage"), _("Tickets")),
            tuple((_label("stage", stage, agencies), overall[stage]) for stage in stats.STAGES),
            _("A ticket counts at every stage it ever reached, even if it later moved on or ended."),
        ),
        Table(
            "funnel_by",
            _("Funnel by %(grouping)s", grouping=GROUPING_LABELS[by]),
            (str(GROUPING_LABELS[by]), *(str(STAGE_LABELS[stage]) for stage in stats.STAGES)),
            tuple(
                (_label(by, group, agencies), *(counts[stage] for stage in stats.STAGES))
                for group, counts in sorted(grouped.items(), key=lambda item: str(item[0]))
            ),
            meta={"additive": "rows"},
        ),
        ack,
        Table(
            "volumes",
            _("Tickets received per month") if unit == "month" else _("Tickets received per week"),
            (_("Month") if unit == "month" else _("Week starting"), _("Tickets")),
            tuple(volumes),
            meta={"additive": "rows"},
        ),
        Table(
            "case_types",
            _("Case types"),
            (_("Case type"), _("Tickets")),
            tuple((_label("case_type", kind, agencies), count) for kind, count in stats.case_types(session, filters)),
            meta={"additive": "rows"},
        ),
        _breakdown_table(
            "exploitation",
            _("Forms of exploitation"),
            "exploitation",
            people["exploitation"],
        ),
        _breakdown_table("sex", _("People by sex"), "sex", people["sex"]),
        _breakdown_table("age_band", _("People by age band"), "age_band", people["age_band"]),
        _breakdown_table("nationality", _("People by nationality"), "nationality", people["nationality"]),
        Table(
            "identified_by_country",
            _("Victims identified by country"),
            (_("Country"), _("Victims identified"), _("People reported")),
            tuple(
                (_label("country", code, agencies), identified, reported)
                for code, identified, reported in stats.identified_by_country(session, filters)
            ),
            _("n/a: no agency of that country in the directory, so no identification is recorded there."),
            meta={"additive": "rows"},
        ),
        Table(
            "incidents_country",
            _("Incidents by country"),
            (_("Country"), _("Tickets")),
            tuple((_label("country", code, agencies), count) for code, count in in_country),
            meta={"codes": [code for code, _count in in_country], "additive": "rows"},
        ),
        Table(
            "incidents_region",
            _("Incidents by region"),
            (_("Country"), _("Region"), _("Tickets")),
            tuple((_label("country", code, agencies), _region_name(region), count) for code, region, count in regions),
            meta={"additive": "rows"},
        ),
        *indicator_tables(session, filters),
        *call_tables(session, filters),
    ]


def start_of(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC)


def _region_name(code: str | None) -> str:
    if code is None:
        return _("Not known")
    found = pycountry.subdivisions.get(code=code)
    return f"{found.name} ({code})" if found is not None else code


# ----------------------------------------------------------------------------------------------- views


def _exact_on_page() -> bool:
    return bool(g.user.role == "admin")


@blueprint.get("/")
@login_required(*PAGE_ROLES)
def page() -> str:
    filters = _filters()
    by = _choice("by", stats.GROUPINGS, "country")
    unit = _choice("unit", stats.UNITS, "month")
    shown = _present(_tables(filters, by, unit), exact=_exact_on_page())
    sections = [(table, chart_for(table)) for table in shown]
    session = db_session()
    scope = _scope() if g.user.role != "agency" else frozenset()
    return render_template(
        "staff/stats/index.html",
        sections=sections,
        filters=filters,
        by=by,
        unit=unit,
        exact=_exact_on_page(),
        countries=[code for code, _source in stats.countries(session, scope)],
        agencies=sorted(_agency_names().items(), key=lambda item: item[1]),
        groupings=GROUPING_LABELS,
        channels=CHANNEL_LABELS,
        risks=RISK_LABELS,
        query=request.query_string.decode(),
        start=filters.start.date().isoformat() if filters.start else "",
        end=filters.end.date().isoformat() if filters.end else "",
        year=(filters.end - timedelta(days=1)).year if filters.end else utcnow().year,
    )


def _present(tables: list[Table], exact: bool) -> list[Table]:
    return [stats.present(table, exact) for table in tables]


def _export_tables() -> tuple[Filters, list[Table]]:
    filters = _filters()
    tables = _tables(filters, _choice("by", stats.GROUPINGS, "country"), _choice("unit", stats.UNITS, "month"))
    # Exports leave the building: always suppressed, whoever asks.
    return filters, _present(tables, exact=False)


def _filters_json(filters: Filters) -> dict[str, Any]:
    found = asdict(replace(filters, scope=None))
    found.pop("scope")
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in found.items()}


@blueprint.get("/export.csv")
@login_required(*PAGE_ROLES)
def export_csv() -> Response:
    _filters_used, tables = _export_tables()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "column", "value"])
    for table in tables:
        for row in table.rows:
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                writer.writerow([table.key, row[0], str(column), value])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=hotline-statistics.csv"
    return response


@blueprint.get("/export.json")
@login_required(*PAGE_ROLES)
def export_json() -> Response:
    filters, tables = _export_tables()
    body = {
        "filters": _filters_json(filters),
        "suppression": {"small_counts": SUPPRESSED, "withheld": WITHHELD, "not_available": NA},
        "tables": [
            {
                "key": table.key,
                "title": str(table.title),
                "columns": [str(column) for column in table.columns],
                "rows": [list(row) for row in table.rows],
            }
            for table in tables
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False, default=str), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=hotline-statistics.json"
    return response


@blueprint.get("/report/<country>/<int:year>")
@login_required(*REPORT_ROLES)
def country_report(country: str, year: int) -> str:
    """The coalition's yearly report for one country, for printing. Always suppressed: it is an export."""
    country = country.upper()
    session = db_session()
    known = dict(stats.countries(session))
    if country not in known or not 2000 <= year <= 2100:
        abort(404)
    if not g.user.covers_country(country):
        abort(403)
    report = stats.country_report(session, country, year, utcnow())
    agencies = _agency_names()
    source = report.has_source
    headline = Table(
        "headline",
        _("Summary"),
        (_("Figure"), _("Count")),
        (
            (_("Reports received by the hotline"), report.reports_received),
            (_("Victims identified"), report.identified),
            (_("Identified in their country of nationality"), report.identified_in_nationality),
            (_("Identified outside their country of nationality"), report.identified_abroad),
            (_("Identified, nationality not known"), report.identified_nationality_unknown),
        ),
    )
    assistance = Table(
        "assistance",
        _("Assistance"),
        (_("Figure"), _("Count")),
        (
            (_("Cases that reached assistance"), report.assistance_cases),
            (_("Identified victims in those cases"), report.assistance_people),
            (_("Cases that reached protection"), report.protection_cases),
        ),
    )
    repatriation = Table(
        "repatriation",
        _("Repatriations"),
        (_("Figure"), _("Count")),
        (
            (_("Cases where voluntary return began"), report.repatriation_cases),
            (_("People in those cases"), report.repatriation_people),
            (_("Cases closed as repatriated"), report.repatriated_closed),
        ),
    )
    referrals = Table(
        "funnel",
        _("Referrals: tickets that reached each stage"),
        (_("Stage"), _("Tickets")),
        tuple(
            (_label("stage", stage, agencies), report.funnel[stage] if source or stage in stats.STAGES[:2] else None)
            for stage in stats.STAGES
        ),
    )
    tables = [
        headline,
        _breakdown_table("sex", _("Victims by sex"), "sex", report.by_sex, source),
        _breakdown_table("age_band", _("Victims by age band"), "age_band", report.by_age, source),
        _breakdown_table(
            "exploitation", _("Victims by form of exploitation"), "exploitation", report.by_exploitation, source
        ),
        _breakdown_table("nationality", _("Victims by nationality"), "nationality", report.by_nationality, source),
        assistance,
        repatriation,
        referrals,
        _ack_table(report.ack, agencies),
        *indicator_tables(session, Filters(start=start_of(year), end=start_of(year + 1), country=country)),
    ]
    return render_template(
        "staff/stats/report.html",
        report=report,
        tables=_present(tables, exact=False),
        generated=utcnow(),
    )


@blueprint.get("/stats.css")
def stylesheet() -> Response:
    """The statistics pages' layout and print rules (the site's CSP allows only same-origin styles)."""
    return Response(render_template("staff/stats/stats.css"), mimetype="text/css")
