"""Administration of staff accounts (admins only): create, set role, countries or agency, languages,
time zone, deactivate, and reset the second factor (which also lifts a lock-out); and every staff
member's own profile page, where they choose their time zone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from admin.views import blueprint, login_required
from directory.models import Agency
from hotline.accounts import (
    ROLES,
    AccountError,
    StaffEvent,
    StaffUser,
    create_user,
    reset_second_factor,
    set_own_time_zone,
    staff_time_zone,
    update_user,
)
from hotline.db import db_session, utcnow


@blueprint.get("/users")
@login_required("admin")
def users() -> str:
    rows = db_session().scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.role, StaffUser.name))
    return render_template("staff/users.html", users=rows.all(), now=utcnow())


@blueprint.route("/users/new", methods=["GET", "POST"])
@login_required("admin")
def new_user() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return _form(None, MultiDict({"active": "yes"}), None)
    form = request.form
    try:
        user = create_user(
            db_session(), {**_fields(form), "email": form.get("email", "")}, form.get("password", ""), g.user.actor
        )
    except AccountError as error:
        db_session().rollback()
        return _form(None, form, error), 400
    flash(_("Account created. The person enrols their second factor at first sign-in."))
    return redirect(url_for("staff.user", user_id=user.id))


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required("admin")
def user(user_id: int) -> str | Response | tuple[str, int]:
    found = db_session().get(StaffUser, user_id)
    if found is None:
        abort(404)
    if request.method == "GET":
        return _form(found, _values(found), None)
    form = request.form
    if found.id == g.user.id and (form.get("active") != "yes" or form.get("role") != "admin"):
        return _form(found, form, AccountError("role", _("You cannot remove your own administration rights."))), 400
    try:
        changed = update_user(db_session(), found.id, _fields(form), g.user.actor, form.get("reason", ""))
    except AccountError as error:
        db_session().rollback()
        return _form(found, form, error), 400
    flash(_("Saved.") if changed else _("Nothing changed."))
    return redirect(url_for("staff.user", user_id=user_id))


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required()
def profile() -> str | Response | tuple[str, int]:
    """Every staff member's own page: the time zone they read times in."""
    if request.method == "POST":
        try:
            changed = set_own_time_zone(db_session(), g.user.id, request.form.get("time_zone", ""), g.user.actor)
        except AccountError as error:
            db_session().rollback()
            return _profile(request.form.get("time_zone", ""), error), 400
        flash(_("Saved.") if changed else _("Nothing changed."))
        return redirect(url_for("staff.profile"))
    return _profile(g.user.time_zone or "", None)


def _profile(chosen: str, error: AccountError | None) -> str:
    return render_template(
        "staff/profile.html", chosen=chosen, error=error, reading_zone=staff_time_zone(db_session(), g.user)
    )


@blueprint.post("/users/<int:user_id>/reset-second-factor")
@login_required("admin")
def reset_user_second_factor(user_id: int) -> Response:
    try:
        reset_second_factor(db_session(), user_id, g.user.actor, request.form.get("reason", ""))
    except LookupError:
        abort(404)
    flash(_("Second factor reset and lock lifted; the person enrols again at next sign-in."))
    return redirect(url_for("staff.user", user_id=user_id))


def _fields(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "name": form.get("name", ""),
        "role": form.get("role", ""),
        "agency_id": form.get("agency_id") or None,
        "countries": form.get("countries", "").replace(",", " ").split(),
        "languages": form.get("languages", "").replace(",", " ").split(),
        "time_zone": form.get("time_zone", ""),
        "regional": form.get("regional") == "yes",
        "active": form.get("active") == "yes",
    }


def _values(user: StaffUser) -> MultiDict[str, str]:
    values = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "agency_id": user.agency_id or "",
        "countries": " ".join(user.countries),
        "languages": " ".join(user.languages or []),
        "time_zone": user.time_zone or "",
    }
    values.update({flag: "yes" for flag in ("regional", "active") if getattr(user, flag)})
    return MultiDict(values)


def _form(user: StaffUser | None, form: MultiDict[str, str], error: AccountError | None) -> str:
    events: Sequence[StaffEvent] = []
    if user is not None:
        events = (
            db_session()
            .scalars(select(StaffEvent).where(StaffEvent.user_id == user.id).order_by(StaffEvent.id.desc()).limit(50))
            .all()
        )
    agencies = db_session().scalars(select(Agency).order_by(Agency.country, Agency.name)).all()
    return render_template(
        "staff/user_form.html", user=user, form=form, error=error, roles=ROLES, agencies=agencies, events=events
    )
