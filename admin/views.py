"""Staff surface: login, the operator's ticket list and page, the agency's referrals and acknowledgement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.accounts import StaffUser, hash_secret
from hotline.db import db_session, utcnow
from hotline.referrals.flowchart import IllegalTransition, flow
from hotline.referrals.models import Referral, ReferralStatus
from hotline.referrals.service import acknowledge, agency_act, decline, preview_routing
from hotline.tickets.intake import IntakeError
from hotline.tickets.models import Ticket
from routing.flow_diagram import render_svg

blueprint = Blueprint("staff", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])
TICKET_ROLES = ("operator", "supervisor", "admin")
AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)
ABOUT_TO_BREACH = timedelta(minutes=30)


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
    own = _own_referral(referral_id)
    return render_template("staff/referral.html", referral=own, error=None, **_flow_picture(own))


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


# What an agency may do from its portal beyond acknowledging, and the field each one needs.
AGENCY_ACTIONS = {"accept": None, "request_info": "question", "decline": "reason"}


@blueprint.post("/referrals/<int:referral_id>/act")
@login_required("agency")
def act_on_referral(referral_id: int) -> Response | tuple[str, int]:
    own = _own_referral(referral_id)
    action = request.form.get("action", "")
    if action not in AGENCY_ACTIONS:
        abort(400)
    needed = AGENCY_ACTIONS[action]
    text = request.form.get("text", "").strip()[:2000]
    if needed and not text:
        message = _("Please give a reason.") if needed == "reason" else _("Please write your question.")
        return render_template("staff/referral.html", referral=own, error=message, **_flow_picture(own)), 400
    try:
        if action == "decline":
            decline(db_session(), own.id, g.user.actor, text)
        else:
            agency_act(db_session(), own.id, action, g.user.actor, {needed: text} if needed else {})
    except IllegalTransition:
        db_session().rollback()
        flash(_("That is not possible at this stage of the referral."))
        return redirect(url_for("staff.referral", referral_id=referral_id))
    flash(_("Saved."))
    return redirect(url_for("staff.referrals" if action == "decline" else "staff.referral", referral_id=referral_id))


@blueprint.get("/deadlines")
@login_required("supervisor", "admin")
def deadlines() -> str:
    """Referrals about to breach their deadline, and those that breached it."""
    now = utcnow()
    soon = now + ABOUT_TO_BREACH
    waiting = select(Referral).where(Referral.status.in_(AWAITING_ACK)).order_by(Referral.deadline_at)
    rows = [r for r in db_session().scalars(waiting) if g.user.covers_country(r.ticket.incident_country)]
    breached = [r for r in rows if r.status == "escalated" or (r.ack_due_at <= now)]
    about = [r for r in rows if r not in breached and r.ack_due_at <= soon]
    return render_template("staff/deadlines.html", breached=breached, about=about, now=now)


@blueprint.get("/flows/<flow_id>.svg")
@login_required()
def flow_svg(flow_id: str) -> Response:
    """A referral flowchart as a picture, with a referral's current state and path when asked."""
    try:
        chart = flow(flow_id)
    except LookupError:
        abort(404)
    current, path = None, ()
    if request.args.get("referral"):
        shown = db_session().get(Referral, request.args.get("referral", type=int))
        if shown is None or not _may_see(shown):
            abort(404)
        current, path = shown.status, tuple(shown.path_nodes)
    return Response(render_svg(chart, current=current, path=path), mimetype="image/svg+xml")


@blueprint.get("/flows/<flow_id>")
@login_required("operator", "supervisor", "admin")
def flow_page(flow_id: str) -> str:
    try:
        chart = flow(flow_id)
    except LookupError:
        abort(404)
    return render_template("staff/flow.html", chart=chart)


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


def _may_see(referral: Referral) -> bool:
    if g.user.role == "agency":
        return referral.agency_id == g.user.agency_id
    return g.user.covers_country(referral.ticket.incident_country)


def _flow_picture(referral: Referral) -> dict[str, str]:
    return {"flow_url": url_for("staff.flow_svg", flow_id=referral.flow_id, referral=referral.id)}


def _home_for(user: StaffUser) -> str:
    return url_for("staff.referrals") if user.role == "agency" else url_for("staff.tickets")
