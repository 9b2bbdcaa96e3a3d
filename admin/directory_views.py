"""Staff pages for the directory (admins only): browse agencies, read one, edit it, its services and contacts.

Forms post plain fields (no JavaScript). A refused value re-renders the form with what was typed
and the record and field the directory's checks named, with status 400.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from admin.views import login_required
from directory.base import utcnow
from directory.editing import (
    UnknownRecord,
    hours_text,
    parse_hours,
    set_referral_contacts,
    update_agency,
    update_service,
)
from directory.load import REGION_FILE, DirectoryError, read_json
from directory.models import (
    AGENCY_KINDS,
    FEATURES,
    REFERRAL_CHANNELS,
    RISK_LEVELS,
    TRI_STATE,
    Agency,
    AgencyService,
    Country,
    DirectoryChange,
)
from directory.verification import (
    STALE_AFTER,
    apply_verification_sheet,
    mark_verified,
    records_to_verify,
    verification_sheet,
)
from hotline.db import db_session
from hotline.hygiene import whole_number
from hotline.reporters import seen_as_reporter

blueprint = Blueprint("directory_admin", __name__, url_prefix="/directory", template_folder="templates")

NAME_LANGUAGES = ("es", "en")
KIND_LABELS = {
    "coordinating_body": _l("Coordinating body"),
    "response_team": _l("Response team"),
    "police": _l("Police"),
    "prosecutor": _l("Prosecutor"),
    "child_protection": _l("Child protection"),
    "migration": _l("Migration"),
    "labour_inspection": _l("Labour inspection"),
    "victim_services": _l("Victim services"),
    "shelter": _l("Shelter"),
    "consulate": _l("Consulate"),
    "ngo": _l("NGO"),
    "emergency": _l("Emergency"),
    "hotline": _l("Hotline"),
    "regional_body": _l("Regional body"),
    "interpreter": _l("Interpreter"),
}
TRI_STATE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Unknown")}
FEATURE_LABELS = {
    "free": _l("Free of charge"),
    "anonymous": _l("Anonymous calls"),
    "always_open": _l("Open 24/7"),
    "multilingual": _l("Several languages"),
    "tty": _l("TTY for deaf callers"),
    "chat": _l("Chat"),
    "text": _l("Text messages"),
}
CHANNEL_LABELS = {"portal": _l("Staff portal"), "email": _l("Email"), "sms": _l("SMS"), "webhook": _l("Webhook")}
RISK_LABELS = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
AREA_LINE = re.compile(r"^(?P<country>[A-Z]{2})\s*(?::\s*(?P<regions>.*))?$")


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "tri_state_labels": TRI_STATE_LABELS,
        "feature_labels": FEATURE_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "risk_labels": RISK_LABELS,
        "sources": _sources(),
    }


@blueprint.get("/")
@login_required("admin")
def browse() -> str:
    country = request.args.get("country") or None
    kind = request.args.get("kind") or None
    query = select(Agency).order_by(Agency.country, Agency.kind, Agency.name)
    if country == "regional":
        query = query.where(Agency.country.is_(None))
    elif country:
        query = query.where(Agency.country == country)
    if kind:
        query = query.where(Agency.kind == kind)
    session = db_session()
    return render_template(
        "staff/directory/browse.html",
        agencies=session.scalars(query).all(),
        countries=session.scalars(select(Country).order_by(Country.corett.desc(), Country.code)).all(),
        country=country,
        kind=kind,
        kinds=AGENCY_KINDS,
    )


@blueprint.get("/agencies/<agency_id>")
@login_required("admin")
def agency(agency_id: str) -> str:
    found = _agency_or_404(agency_id)
    history = db_session().scalars(
        select(DirectoryChange)
        .where(DirectoryChange.agency_id == agency_id)
        .order_by(DirectoryChange.at.desc(), DirectoryChange.id.desc())
    )
    return render_template("staff/directory/agency.html", agency=found, history=history.all())


@blueprint.route("/agencies/<agency_id>/edit", methods=["GET", "POST"])
@login_required("admin")
def edit_agency(agency_id: str) -> str | Response | tuple[str, int]:
    found = _agency_or_404(agency_id)
    if request.method == "GET":
        return _agency_form(found, agency_form_values(found), None)
    form = request.form
    try:
        changes = agency_changes(agency_id, form)
        change = update_agency(db_session(), agency_id, changes, g.user.actor, form.get("reason", ""))
    except DirectoryError as error:
        db_session().rollback()
        return _agency_form(found, form, error), 400
    return _saved(change is not None, url_for(".agency", agency_id=agency_id))


@blueprint.route("/services/<service_id>/edit", methods=["GET", "POST"])
@login_required("admin")
def edit_service(service_id: str) -> str | Response | tuple[str, int]:
    service = db_session().get(AgencyService, service_id)
    if service is None:
        abort(404)
    if request.method == "GET":
        return _service_form(service, service_form_values(service), None)
    form = request.form
    try:
        changes = service_changes(f"{service.agency_id}/{service_id}", form)
        change = update_service(db_session(), service_id, changes, g.user.actor, form.get("reason", ""))
    except DirectoryError as error:
        db_session().rollback()
        return _service_form(service, form, error), 400
    return _saved(change is not None, url_for(".agency", agency_id=service.agency_id))


@blueprint.route("/agencies/<agency_id>/contacts", methods=["GET", "POST"])
@login_required("admin")
def edit_contacts(agency_id: str) -> str | Response | tuple[str, int]:
    found = _agency_or_404(agency_id)
    if request.method == "GET":
        return _contacts_form(found, contacts_form_values(found), None)
    form = request.form
    try:
        contacts = contacts_from_form(agency_id, form)
        change = set_referral_contacts(
            db_session(),
            agency_id,
            contacts,
            g.user.actor,
            form.get("reason", ""),
            seen_as_reporter=seen_as_reporter(db_session(), current_app.config["SETTINGS"]),
        )
    except DirectoryError as error:
        db_session().rollback()
        return _contacts_form(found, form, error), 400
    return _saved(change is not None, url_for(".agency", agency_id=agency_id))


# Coordinators keep the directory true: supervisors verify records as well as admins.
VERIFIERS = ("supervisor", "admin")


@blueprint.get("/verification")
@login_required(*VERIFIERS)
def verification() -> str:
    return _verification_page(None)


@blueprint.post("/verification/<agency_id>")
@login_required(*VERIFIERS)
def verify(agency_id: str) -> Response:
    """One click: the record was checked today, by the signed-in coordinator."""
    try:
        mark_verified(db_session(), agency_id, g.user.actor)
    except UnknownRecord:
        abort(404)
    flash(_("Marked as verified today."))
    return redirect(url_for(".verification"))


@blueprint.get("/verification/sheet.csv")
@login_required(*VERIFIERS)
def verification_sheet_csv() -> FlaskResponse:
    sheet = verification_sheet(db_session(), utcnow())
    return FlaskResponse(
        sheet,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=verification-sheet-{utcnow():%Y-%m-%d}.csv"},
    )


@blueprint.post("/verification/sheet")
@login_required(*VERIFIERS)
def apply_sheet() -> Response | tuple[str, int]:
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        return _verification_page(DirectoryError("sheet", "file", _("choose the filled-in CSV file"))), 400
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _verification_page(DirectoryError("sheet", "file", _("is not a UTF-8 CSV file"))), 400
    try:
        report = apply_verification_sheet(db_session(), text, g.user.actor)
    except DirectoryError as error:
        return _verification_page(error), 400
    except csv.Error as error:
        db_session().rollback()
        return _verification_page(DirectoryError("sheet", "file", str(error))), 400
    edits = len(report.changes) - len(report.verified)
    flash(
        _(
            "Sheet applied: %(edits)s records changed, %(verified)s verified.",
            edits=edits,
            verified=len(report.verified),
        )
    )
    return redirect(url_for(".verification"))


def _verification_page(error: DirectoryError | None) -> str:
    session = db_session()
    return render_template(
        "staff/directory/verification.html",
        groups=records_to_verify(session, utcnow()),
        stale_days=STALE_AFTER.days,
        error=error,
    )


def agency_form_values(agency: Agency) -> MultiDict[str, str]:
    values: list[tuple[str, str]] = [(f"name_{lang}", name) for lang, name in agency.names.items()]
    values += [("acronym", agency.acronym or ""), ("kind", agency.kind)]
    values += [("referral_channels", channel) for channel in agency.referral_channels]
    values += [(f"ack_{level}", str(minutes)) for level, minutes in agency.ack_minutes.items()]
    values.append(("holidays", "\n".join(agency.holidays)))
    if agency.regional_focal_point:
        values.append(("regional_focal_point", "yes"))
    return MultiDict(values)


def agency_changes(record: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """The agency edit form as a change set in the directory's own terms."""
    names = {lang: form.get(f"name_{lang}", "").strip() for lang in _name_languages(form)}
    ack_minutes = {}
    for level in RISK_LEVELS:
        typed = form.get(f"ack_{level}", "").strip()
        if typed:
            try:
                ack_minutes[level] = whole_number(typed)
            except ValueError:
                raise DirectoryError(
                    record, f"referral.ack_minutes.{level}", f"{typed!r} is not a whole number"
                ) from None
    return {
        "names": {lang: name for lang, name in names.items() if name},
        "acronym": form.get("acronym", "").strip() or None,
        "kind": form.get("kind", ""),
        "regional_focal_point": form.get("regional_focal_point") == "yes",
        "referral_channels": [c for c in REFERRAL_CHANNELS if c in form.getlist("referral_channels")],
        "ack_minutes": ack_minutes,
        "holidays": [line.strip() for line in form.get("holidays", "").splitlines() if line.strip()],
    }


def service_form_values(service: AgencyService) -> MultiDict[str, str]:
    values: list[tuple[str, str]] = [
        ("languages", ", ".join(service.languages)),
        ("areas", "\n".join(_area_line(area) for area in service.areas)),
        ("hours", hours_text(service.hours)),
        ("interpretation", service.interpretation),
        ("after_hours_referrals", service.after_hours_referrals),
    ]
    values += [(f"feature_{f}", service.features.get(f, "unknown")) for f in FEATURES]
    return MultiDict(values)


def service_changes(record: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """The service edit form as a change set; lines that cannot be read name their field."""
    return {
        "languages": [code.strip() for code in form.get("languages", "").split(",") if code.strip()],
        "areas": [_parse_area(record, line) for line in form.get("areas", "").splitlines() if line.strip()],
        "hours": parse_hours(record, form.get("hours", "")),
        "interpretation": form.get("interpretation", ""),
        "after_hours_referrals": form.get("after_hours_referrals", ""),
        "features": {feature: form.get(f"feature_{feature}", "unknown") for feature in FEATURES},
    }


def contacts_form_values(agency: Agency) -> MultiDict[str, str]:
    values: list[tuple[str, str]] = []
    for i, contact in enumerate(agency.contacts):
        values += [(f"name_{i}", contact.name), (f"email_{i}", contact.email or ""), (f"sms_{i}", contact.sms or "")]
        values.append((f"order_{i}", str(i + 1)))
        if contact.active:
            values.append((f"active_{i}", "yes"))
    values.append(("rows", str(len(agency.contacts) + 1)))
    values.append((f"active_{len(agency.contacts)}", "yes"))
    return MultiDict(values)


def contacts_from_form(agency_id: str, form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The escalation list in the order typed; a row left blank is a contact removed."""
    rows = []
    for i in range(_row_count(form)):
        name, email, sms = (form.get(f"{field}_{i}", "").strip() for field in ("name", "email", "sms"))
        if not (name or email or sms):
            continue
        order = form.get(f"order_{i}", "").strip() or str(i + 1)
        try:
            position = whole_number(order)
        except ValueError:
            raise DirectoryError(f"{agency_id}/contacts[{i}]", "order", f"{order!r} is not a whole number") from None
        contact = {"name": name, "email": email, "sms": sms, "active": form.get(f"active_{i}") == "yes"}
        rows.append((position, i, contact))
    return [contact for _order, _row, contact in sorted(rows, key=lambda row: row[:2])]


def _agency_form(agency: Agency, form: MultiDict[str, str], error: DirectoryError | None) -> str:
    return render_template(
        "staff/directory/agency_form.html",
        agency=agency,
        form=form,
        error=error,
        name_languages=_name_languages(form),
        kinds=AGENCY_KINDS,
        channels=REFERRAL_CHANNELS,
        risk_levels=RISK_LEVELS,
    )


def _service_form(service: AgencyService, form: MultiDict[str, str], error: DirectoryError | None) -> str:
    return render_template(
        "staff/directory/service_form.html", service=service, form=form, error=error, features=FEATURES, tri=TRI_STATE
    )


def _contacts_form(agency: Agency, form: MultiDict[str, str], error: DirectoryError | None) -> str:
    return render_template(
        "staff/directory/contacts_form.html", agency=agency, form=form, error=error, rows=range(_row_count(form))
    )


def _saved(changed: bool, target: str) -> Response:
    flash(_("Saved; the change is in the history below.") if changed else _("Nothing changed."))
    return redirect(target)


def _agency_or_404(agency_id: str) -> Agency:
    found = db_session().get(Agency, agency_id)
    if found is None:
        abort(404)
    return found


def _name_languages(form: MultiDict[str, str]) -> list[str]:
    typed = [key.removeprefix("name_") for key in form if key.startswith("name_") and len(key) == 7]
    return list(dict.fromkeys([*NAME_LANGUAGES, *typed]))


def _row_count(form: MultiDict[str, str]) -> int:
    # At most 50 rows: a forged count must not make the page loop for long.
    return min(form.get("rows", 1, type=whole_number), 50)


def _parse_area(record: str, line: str) -> dict[str, Any]:
    match = AREA_LINE.match(line.strip())
    if match is None:
        raise DirectoryError(record, "areas", f"{line.strip()!r} is not like 'GT' or 'GT: GT-01, GT-09'")
    regions = [r.strip() for r in re.split(r"[,\s]+", match["regions"] or "") if r.strip()]
    return {"country": match["country"], "regions": regions}


def _area_line(area: dict[str, Any]) -> str:
    return f"{area['country']}: {', '.join(area['regions'])}" if area.get("regions") else area["country"]


@lru_cache(maxsize=1)
def _sources() -> dict[str, dict[str, str]]:
    """The published sources that provenance cites (S000...), from the bundled directory file."""
    return read_json(REGION_FILE).get("sources", {})
