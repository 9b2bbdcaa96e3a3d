"""The agency portal beyond its referrals: the agency's own team and its notification contacts."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.directory_views import contacts_form_values, contacts_from_form
from admin.views import blueprint, login_required
from directory.editing import set_referral_contacts
from directory.load import DirectoryError
from directory.models import Agency
from hotline.accounts import StaffUser
from hotline.db import db_session
from hotline.reporters import seen_as_reporter


@blueprint.get("/agency/team")
@login_required("agency")
def agency_team() -> str:
    team = db_session().scalars(
        select(StaffUser).where(StaffUser.agency_id == g.user.agency_id).order_by(StaffUser.name)
    )
    return render_template("staff/agency_team.html", agency=_own_agency(), team=team.all())


@blueprint.route("/agency/contacts", methods=["GET", "POST"])
@login_required("agency")
def agency_contacts() -> str | Response | tuple[str, int]:
    """Who the hotline notifies, in order; the agency keeps its own list current."""
    agency = _own_agency()
    if request.method == "GET":
        return render_template(
            "staff/agency_contacts.html",
            agency=agency,
            form=contacts_form_values(agency),
            rows=range(len(agency.contacts) + 1),
            error=None,
        )
    form = request.form
    try:
        contacts = contacts_from_form(agency.id, form)
        change = set_referral_contacts(
            db_session(),
            agency.id,
            contacts,
            g.user.actor,
            form.get("reason", ""),
            seen_as_reporter=seen_as_reporter(db_session(), current_app.config["SETTINGS"]),
        )
    except DirectoryError as error:
        db_session().rollback()
        return render_template(
            "staff/agency_contacts.html",
            agency=agency,
            form=form,
            rows=range(form.get("rows", 1, type=int)),
            error=error,
        ), 400
    db_session().commit()
    flash(_("Saved.") if change is not None else _("Nothing changed."))
    return redirect(url_for("staff.agency_contacts"))


def _own_agency() -> Agency:
    agency = db_session().get(Agency, g.user.agency_id)
    assert agency is not None, "an agency user always has an agency"
    return agency
