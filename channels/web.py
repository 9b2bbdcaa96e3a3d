"""The public web form: `/report` files a report, `/follow-up` adds to one. Works without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from hotline.db import db_session
from hotline.ratelimit import client_address
from hotline.reports import ServiceBusy, file_report
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.service import add_follow_up
from routing.intake import MAX_TEXT_LENGTH, REPORTER_ROLES

blueprint = Blueprint("web", __name__, template_folder="templates")

# The CORETT countries first, then neighbours a report may concern.
FORM_COUNTRIES = ("GT", "SV", "HN", "NI", "CR", "PA", "BZ", "MX", "DO", "US", "CO", "VE", "HT", "CU", "EC")

# The triage questions the form asks, in the Intake vocabulary.
FORM_QUESTIONS = (
    ("in_danger_now", _l("Is someone in danger right now?")),
    ("minor_involved", _l("Is a child or adolescent (under 18) involved?")),
    ("movement_restricted", _l("Is someone prevented from leaving?")),
    ("documents_withheld", _l("Have someone's identity documents been taken?")),
    ("paid_to_cross_border", _l("Did someone pay to be taken across a border?")),
)
ROLE_LABELS = {
    "victim": _l("It is happening to me"),
    "witness": _l("I saw or heard it"),
    "relative": _l("It concerns a relative or friend"),
    "professional": _l("I am reporting in my work"),
    "other": _l("Other"),
}
ANSWER_VALUES = {"yes": True, "no": False, "unknown": None}
# What the person agrees to, asked in plain words; no answer means "not asked" (routing/dispatch.py).
CONSENT_QUESTIONS = (
    ("share_authorities", _l("May we pass this report to the authorities of the country where it is happening?")),
    ("share_origin", _l("If the person is from another country, may that country's authorities be told?")),
    ("share_identity", _l("May the agencies know who you are, or only what is happening?")),
)


@blueprint.get("/")
def home() -> Response:
    return redirect(url_for("web.report"))


@blueprint.route("/report", methods=["GET", "POST"])
def report() -> str | tuple[str, int]:
    if request.method == "GET":
        return render_form(MultiDict(), None)
    form = request.form
    intake = _intake_from_form(form)
    try:
        parsed = parse_intake(intake)
    except IntakeError as error:
        # Everything typed is shown again: a mistake never costs the reporter their words.
        return render_form(form, error), 400
    try:
        received = file_report(db_session(), current_app.config["SETTINGS"], parsed, origin=client_address())
    except ServiceBusy:
        # Nothing was stored; the form comes back with every word so one click sends it again.
        busy = IntakeError("", _("We could not save your report just now. Please send it again in a minute."))
        return render_form(form, busy), 503
    return render_template(
        "public/report_done.html", reference=received.ticket.reference, passphrase=received.passphrase
    )


@blueprint.route("/follow-up", methods=["GET", "POST"])
def follow_up() -> str | tuple[str, int]:
    if request.method == "GET":
        return render_template("public/follow_up.html", form=MultiDict(), error=None, max_text=MAX_TEXT_LENGTH)
    form = request.form
    text = form.get("text", "").strip()
    error = None
    if not text:
        error = _("Please write what you want to add.")
    elif len(text) > MAX_TEXT_LENGTH:
        error = _("The text is too long: at most %(limit)s characters.", limit=f"{MAX_TEXT_LENGTH:,}")
    else:
        ticket = add_follow_up(db_session(), form.get("reference", ""), form.get("passphrase", ""), text)
        if ticket is not None:
            return render_template("public/follow_up_done.html", reference=ticket.reference)
        error = _("The reference or the passphrase is not right. Please check them and try again.")
    return render_template("public/follow_up.html", form=form, error=error, max_text=MAX_TEXT_LENGTH), 400


def _intake_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    answers = {key: ANSWER_VALUES.get(form.get(key, "unknown"), None) for key, _label in FORM_QUESTIONS}
    return {
        "channel": "web",
        "text": form.get("text", ""),
        "language": str(current_app.jinja_env.globals["current_locale"]()),  # type: ignore[operator]
        "caller_phone": form.get("caller_phone", "").strip() or None,
        "location": {
            "country": form.get("country") or None,
            "region": form.get("region", "").strip() or None,
            "place": form.get("place", "").strip() or None,
        },
        "answers": answers,
        "reporter_role": form.get("reporter_role") or None,
        "contact_ok": form.get("contact_ok") == "yes",
        "consent": {
            **{key: ANSWER_VALUES.get(form.get(key, "unknown")) for key, _label in CONSENT_QUESTIONS},
            "fear_of_return": True if form.get("fear_of_return") == "yes" else None,
        },
    }


def render_form(
    form: MultiDict[str, str], error: IntakeError | None = None, message: str | None = None, lines: Any = None
) -> str:
    """The report form with what was typed; `message` and the hotline `lines` when the sender was limited."""
    return render_template(
        "public/report.html",
        form=form,
        error=error or (IntakeError("", message) if message else None),
        lines=lines,
        error_field=_form_field(error.field) if error else None,
        countries=FORM_COUNTRIES,
        questions=FORM_QUESTIONS,
        consent_questions=CONSENT_QUESTIONS,
        roles=[(role, ROLE_LABELS[role]) for role in REPORTER_ROLES],
        max_text=MAX_TEXT_LENGTH,
    )


def _form_field(intake_field: str) -> str:
    """The form control that an Intake field error belongs to."""
    return {"location.country": "country", "location.region": "region", "location.place": "place"}.get(
        intake_field, intake_field.removeprefix("answers.")
    )
