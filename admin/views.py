"""Staff surface: login, the operator's ticket list and page, the agency's referrals and acknowledgement."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.accounts import StaffUser, hash_secret
from hotline.db import db_session, utcnow
from hotline.referrals.models import Referral
from hotline.referrals.service import acknowledge, preview_routing
from hotline.tickets.intake import IntakeError
from hotline.tickets.models import Ticket

blueprint = Blueprint("staff", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])
TICKET_ROLES = ("operator", "supervisor", "admin")


@blueprint.before_app_request
def _load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        user = db_session().get(StaffUser, user_id)
        if user is not None and user.active:
            g.user = user


def login_required(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("staff.login", next=request.path))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("staff/login.html", error=None)
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    user = db_session().scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        hash_secret(password)  # the same time as a wrong password, so accounts cannot be probed
    if user is None or not user.active or not user.check_password(password):
        return render_template("staff/login.html", error=_("Wrong email or password.")), 401
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["signed_in_at"] = utcnow().isoformat()
    return redirect(_home_for(user))


@blueprint.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("staff.login"))


@blueprint.get("/")
@login_required()
def home() -> Response:
    return redirect(_home_for(g.user))


@blueprint.get("/tickets")
@login_required(*TICKET_ROLES)
def tickets() -> str:
    query = select(Ticket).order_by(Ticket.created_at.desc()).limit(200)
    if not g.user.regional:
        query = query.where(Ticket.incident_country.in_(g.user.countries))
    return render_template("staff/tickets.html", tickets=db_session().scalars(query).all())


@blueprint.get("/tickets/<reference>")
@login_required(*TICKET_ROLES)
def ticket(reference: str) -> str:
    found = db_session().scalar(select(Ticket).where(Ticket.reference == reference))
    if found is None or not g.user.covers_country(found.incident_country):
        abort(404)
    referrals = db_session().scalars(select(Referral).where(Referral.ticket_id == found.id)).all()
    return render_template("staff/ticket.html", ticket=found, referrals=referrals)


@blueprint.get("/referrals")
@login_required("agency")
def referrals() -> str:
    rows = db_session().scalars(
        select(Referral).where(Referral.agency_id == g.user.agency_id).order_by(Referral.ack_due_at)
    )
    return render_template("staff/referrals.html", referrals=rows.all())


@blueprint.get("/referrals/<int:referral_id>")
@login_required("agency")
def referral(referral_id: int) -> str:
    return render_template("staff/referral.html", referral=_own_referral(referral_id))


@blueprint.post("/referrals/<int:referral_id>/acknowledge")
@login_required("agency")
def acknowledge_referral(referral_id: int) -> Response:
    own = _own_referral(referral_id)
    _referral, changed = acknowledge(db_session(), own.id, g.user.actor, via="portal")
    if changed:
        flash(_("Referral acknowledged."))
    else:
        flash(_("This referral was already acknowledged."))
    return redirect(url_for("staff.referral", referral_id=referral_id))


@blueprint.post("/api/v1/routing/preview")
@login_required(*TICKET_ROLES)
def routing_preview() -> tuple[Response, int]:
    """What the engine would decide for an Intake (or a list of them), without storing anything."""
    body = request.get_json(silent=True)
    if body is None:
        return jsonify(error="invalid_json", field="", message=_("The body must be JSON.")), 400
    try:
        decisions = preview_routing(body if isinstance(body, list) else [body])
    except IntakeError as error:
        return jsonify(error.as_json()), 400
    return jsonify(decisions if isinstance(body, list) else decisions[0]), 200


def _own_referral(referral_id: int) -> Referral:
    found = db_session().get(Referral, referral_id)
    # Another agency's referral is answered exactly like a missing one.
    if found is None or found.agency_id != g.user.agency_id:
        abort(404)
    return found


def _home_for(user: StaffUser) -> str:
    return url_for("staff.referrals") if user.role == "agency" else url_for("staff.tickets")
