"""Staff surface: sign-in with a second factor, the session's limits, roles, and the agency portal.

The operator console (admin/console_views.py) and the users' administration (admin/users_views.py) add
their routes to this blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.access import may_see_referral, visible_referrals
from hotline.accounts import (
    LOCK_FOR,
    StaffUser,
    check_sign_in,
    check_totp,
    enrol_totp,
    locked_from,
    new_totp_secret,
    sign_in_source,
    totp_uri,
)
from hotline.conversations.prompts import LANGUAGES
from hotline.db import db_session, utcnow
from hotline.hygiene import whole_number
from hotline.referrals.lifecycle import IllegalTransition, flow, flow_of
from hotline.referrals.models import DispatchState, Referral, ReferralStatus
from hotline.referrals.service import acknowledge, agency_act, agency_referrals, decline, preview_routing
from hotline.tickets.intake import IntakeError
from hotline.tickets.models import TicketEvent
from hotline.tickets.operations import agency_identify
from hotline.tickets.people import CasePerson
from hotline.workload import workload
from routing.flow_definition import Flow
from routing.flow_diagram import render_svg
from routing.flow_dot import committed_svg, mark_svg

blueprint = Blueprint("staff", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])
TICKET_ROLES = ("operator", "supervisor", "admin")
AWAITING_ACK = (ReferralStatus.REFERRED, ReferralStatus.ESCALATED)
ABOUT_TO_BREACH = timedelta(minutes=30)
# The legal grounds on which a referral may go without the person's consent (routing.dispatch).
GROUND_LABELS = {
    "best_interests_of_the_child": _l("a child: the best interests of the child"),
    "imminent_danger_to_life": _l("imminent danger to life"),
}


IDLE_MINUTES = 30
PENDING_SECOND_FACTOR = timedelta(minutes=5)
# The console's poll must not keep an idle session alive.
NOT_ACTIVITY = {"staff.queue_updates", "static", "favicon"}


@blueprint.before_app_request
def _load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    now = utcnow()
    idle = timedelta(minutes=current_app.config.get("STAFF_IDLE_MINUTES", IDLE_MINUTES))
    last_seen = session.get("last_seen")
    if last_seen is None or now - datetime.fromisoformat(last_seen) > idle:
        session.clear()
        flash(_("You were signed out after a time without activity."))
        return
    user = db_session().get(StaffUser, user_id)
    if user is not None and user.sessions_revoked_at is not None:
        signed_in_at = session.get("signed_in_at")
        if signed_in_at is None or datetime.fromisoformat(signed_in_at) <= user.sessions_revoked_at:
            # Signed out since: a copy of the old cookie opens nothing.
            session.clear()
            return
    if user is not None and user.active:
        g.user = user
        if request.endpoint not in NOT_ACTIVITY:
            session["last_seen"] = now.isoformat()


@blueprint.app_context_processor
def _navigation_counts() -> dict[str, object]:
    """What waits for the signed-in user, for the navigation's counts (a handful of COUNT queries)."""
    if g.get("user") is None:
        return {}
    languages = list(g.user.languages or LANGUAGES)
    return {"workload": workload(db_session(), g.user, languages, utcnow())}


def login_required(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                wanted = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.login", next=wanted))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """The first factor; then the code (or, the first time, the enrolment of the second factor)."""
    if request.method == "GET":
        return render_template("staff/login.html", error=None)
    form = request.form
    check = check_sign_in(db_session(), form.get("email", ""), form.get("password", ""), _sign_in_source())
    if check.user is None:
        # One answer for a wrong password, an unknown email and a locked account alike: the page must
        # not tell anyone which accounts exist, nor which one they have just locked.
        message = _(
            "Wrong email or password. After several failed attempts an account waits %(minutes)s minutes.",
            minutes=int(LOCK_FOR.total_seconds() // 60),
        )
        return render_template("staff/login.html", error=message), 401
    wanted = safe_next(request.args.get("next"))
    session.clear()
    if wanted:
        session["next"] = wanted
    session["pending_user_id"] = check.user.id
    session["pending_at"] = utcnow().isoformat()
    if check.user.totp_secret is None:
        return redirect(url_for("staff.login_enrol"))
    return redirect(url_for("staff.login_code"))


@blueprint.route("/login/code", methods=["GET", "POST"])
def login_code() -> str | Response | tuple[str, int]:
    user = _pending_user()
    if user is None:
        return redirect(url_for("staff.login"))
    if user.totp_secret is None:
        return redirect(url_for("staff.login_enrol"))
    if request.method == "GET":
        return render_template("staff/login_code.html", error=None)
    if not check_totp(db_session(), user, request.form.get("code", ""), _sign_in_source()):
        return _second_factor_refused(user, "staff/login_code.html", {})
    return _signed_in(user)


@blueprint.route("/login/enrol", methods=["GET", "POST"])
def login_enrol() -> str | Response | tuple[str, int]:
    """First sign-in: show a new TOTP secret as text and as an otpauth URI; a code from it enrols it."""
    user = _pending_user()
    if user is None:
        return redirect(url_for("staff.login"))
    if user.totp_secret is not None:
        return redirect(url_for("staff.login_code"))
    secret = session.setdefault("enrol_secret", new_totp_secret())
    shown = {"secret": secret, "uri": totp_uri(user, secret)}
    if request.method == "GET":
        return render_template("staff/login_enrol.html", error=None, **shown)
    if not enrol_totp(db_session(), user, secret, request.form.get("code", ""), _sign_in_source()):
        return _second_factor_refused(user, "staff/login_enrol.html", shown)
    return _signed_in(user)


def _sign_in_source() -> str:
    """Where this sign-in comes from (behind the proxy, ProxyFix has put the real address here), hashed."""
    return sign_in_source(request.remote_addr, current_app.config["SETTINGS"].phone_hash_key)


def _pending_user() -> StaffUser | None:
    """The user who gave the right password in the last five minutes and still owes the code."""
    user_id, since = session.get("pending_user_id"), session.get("pending_at")
    if user_id is None or since is None or utcnow() - datetime.fromisoformat(since) > PENDING_SECOND_FACTOR:
        return None
    user = db_session().get(StaffUser, user_id)
    return user if user is not None and user.active else None


def _second_factor_refused(user: StaffUser, template: str, shown: dict[str, str]) -> tuple[str, int] | Response:
    if locked_from(db_session(), user, _sign_in_source(), utcnow()):
        session.clear()
        message = _(
            "Too many failed attempts: this account is locked for %(minutes)s minutes.",
            minutes=int(LOCK_FOR.total_seconds() // 60),
        )
        return render_template("staff/login.html", error=message), 401
    return render_template(template, error=_("That code is not right. Try the current one."), **shown), 401


def safe_next(raw: str | None) -> str | None:
    """Where to go after signing in, if it is a page of this app: a relative path, never another site.

    Refuses "//host", "/\\host", schemes and anything with a host, so a crafted link cannot send a
    freshly signed-in officer to a look-alike page."""
    if not raw or len(raw) > 500 or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return None
    if "\\" in raw or any(ord(char) < 32 for char in raw):
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path.startswith("/login"):
        return None
    return raw


def _signed_in(user: StaffUser) -> Response:
    now = utcnow().isoformat()
    wanted = session.get("next")
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["signed_in_at"] = now
    session["last_seen"] = now
    return redirect(request.script_root + wanted if wanted else _home_for(user))


@blueprint.post("/logout")
def logout() -> Response:
    if g.user is not None:
        # Server-side: every cookie issued to this account before now stops working, copies included.
        g.user.sessions_revoked_at = utcnow()
        db_session().commit()
    session.clear()
    return redirect(url_for("staff.login"))


@blueprint.get("/")
@login_required()
def home() -> Response:
    return redirect(_home_for(g.user))


@blueprint.get("/referrals")
@login_required("agency")
def referrals() -> str:
    listing = agency_referrals(db_session(), g.user, request.args.get("page", 1, type=whole_number))
    return render_template("staff/referrals.html", listing=listing)


@blueprint.get("/referrals/<int:referral_id>")
@login_required("agency")
def referral(referral_id: int) -> str:
    return _referral_page(_own_referral(referral_id), None)


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


# The labels of the flowchart events an agency fires from its portal, and of the fields they need.
EVENT_LABELS = {
    "accept": _l("Accept the case"),
    "decline": _l("Decline (give a reason)"),
    "request_info": _l("Ask for more information"),
    "identify": _l("Record identification: victim identified"),
    "not_identify": _l("Record identification: not identified"),
    "start_assistance": _l("Start assistance"),
    "start_protection": _l("Start protection"),
    "record_wish": _l("Record the person's wish"),
    "close": _l("Close with an outcome"),
    "withdraw": _l("Withdraw"),
    "reconsider": _l("Reconsider"),
    # The criminal-justice track (routing/flows/referral_justice.json).
    "register_complaint": _l("Register the complaint"),
    "open_investigation": _l("Open the investigation"),
    "record_participation": _l("Record whether the victim takes part"),
    "charge": _l("Bring charges"),
    "record_verdict": _l("Record the verdict"),
    "order_reparation": _l("Record the reparation ordered"),
    # Children's special measures (routing/flows/referral_child.json).
    "appoint_guardian": _l("Record the guardian appointed"),
    "start_family_tracing": _l("Start family tracing"),
    "determine_best_interests": _l("Record the best-interests determination"),
    # The origin country's side (routing/flows/referral_origin.json).
    "start_validation": _l("Start validating nationality and identity"),
    "record_validation": _l("Record the validation"),
    "record_return": _l("Record the return"),
    "start_reintegration": _l("Start reintegration follow-up"),
}
FIELD_LABELS = {
    "reason": _l("Reason"),
    "question": _l("Question"),
    "wish": _l("Wish"),
    "outcome": _l("Outcome"),
    "participates_in_proceedings": _l("Takes part in proceedings"),
    "victim_participation": _l("The victim takes part"),
    "verdict": _l("Verdict"),
    "reparation": _l("Reparation ordered"),
    "guardian": _l("Guardian or legal representative"),
    "best_interests": _l("Best-interests determination"),
    "validation": _l("Validation"),
    "returned_on": _l("Date of return"),
}


def agency_moves(chart: Flow, node: str) -> list[dict[str, object]]:
    """What the agency may do at this node, read from the flowchart: each event with the fields it needs
    (free text, or a choice among the values the flowchart accepts)."""
    moves: dict[str, dict[str, list[str] | None]] = {}
    for transition in chart.nodes[node].transitions:
        if transition.timer is not None or "agency" not in transition.actors:
            continue
        for event in transition.events:
            if event == "acknowledge":
                continue
            fields = moves.setdefault(event, {})
            for condition in transition.when:
                if condition.test == "one_of":
                    known = fields.get(condition.field) or []
                    fields[condition.field] = [*known, *(str(v) for v in condition.values if str(v) not in known)]
                else:
                    fields.setdefault(condition.field, None)
    return [
        {
            "event": event,
            "label": EVENT_LABELS.get(event, event),
            "fields": [
                {"name": name, "label": FIELD_LABELS.get(name, name), "choices": choices}
                for name, choices in fields.items()
            ],
        }
        for event, fields in moves.items()
    ]


@blueprint.post("/referrals/<int:referral_id>/act")
@login_required("agency")
def act_on_referral(referral_id: int) -> Response | tuple[str, int]:
    own = _own_referral(referral_id)
    action = request.form.get("action", "")
    if action not in EVENT_LABELS:
        abort(400)
    moves = {str(move["event"]): move for move in agency_moves(flow_of(db_session(), own), own.status)}
    if action not in moves:
        flash(_("That is not possible at this stage of the referral."))
        return redirect(url_for("staff.referral", referral_id=referral_id))
    fields = moves[action]["fields"]
    assert isinstance(fields, list)
    payload = {str(f["name"]): request.form.get(f"{action}-{f['name']}", "").strip()[:2000] for f in fields}
    if any(not value for value in payload.values()):
        return _referral_page(own, _("Please fill in every field of this step.")), 400
    try:
        if action == "decline":
            decline(db_session(), own.id, g.user.actor, payload["reason"])
        elif action == "identify":
            agency_identify(db_session(), own, g.user.actor, request.form.getlist("person", type=whole_number))
        else:
            agency_act(db_session(), own.id, action, g.user.actor, payload)
    except IllegalTransition:
        db_session().rollback()
        flash(_("That is not possible at this stage of the referral."))
        return redirect(url_for("staff.referral", referral_id=referral_id))
    flash(_("Saved."))
    return redirect(url_for("staff.referrals" if action == "decline" else "staff.referral", referral_id=referral_id))


def _referral_page(referral: Referral, error: str | None) -> str:
    people = (
        db_session()
        .scalars(select(CasePerson).where(CasePerson.ticket_id == referral.ticket_id).order_by(CasePerson.id))
        .all()
    )
    session = db_session()
    steps = session.scalars(
        select(TicketEvent).where(TicketEvent.referral_id == referral.id).order_by(TicketEvent.id)
    ).all()
    # The agency's own people are named and their reasons shown; the hotline's staff stay "the hotline".
    colleagues = session.scalars(select(StaffUser).where(StaffUser.agency_id == referral.agency_id)).all()
    return render_template(
        "staff/referral.html",
        referral=referral,
        error=error,
        steps=steps,
        step_actors={user.actor: user.name for user in colleagues},
        moves=agency_moves(flow_of(db_session(), referral), referral.status),
        people=people,
        ground_labels=GROUND_LABELS,
        **_flow_picture(referral),
    )


@blueprint.get("/deadlines")
@login_required("supervisor", "admin")
def deadlines() -> str:
    """Queue health: referrals waiting, about to breach their deadline and breached, per country and
    agency; then the rows themselves, each ticket reassignable to a colleague."""
    now = utcnow()
    soon = now + ABOUT_TO_BREACH
    waiting = (
        select(Referral)
        .where(Referral.status.in_(AWAITING_ACK), visible_referrals(g.user))
        .order_by(Referral.deadline_at)
    )
    rows = list(db_session().scalars(waiting))
    # Proposals waiting for an operator: their review deadline is the first rung (routing.dispatch).
    reviews = list(
        db_session().scalars(
            select(Referral)
            .where(Referral.dispatch == DispatchState.PROPOSED, visible_referrals(g.user))
            .order_by(Referral.deadline_at)
        )
    )
    breached = [r for r in rows if r.status == "escalated" or (r.ack_due_at <= now)]
    about = [r for r in rows if r not in breached and r.ack_due_at <= soon]
    health: dict[str, dict[tuple[str, str], list[int]]] = {"country": {}, "agency": {}}
    for referral in rows:
        column = 2 if referral in breached else 1 if referral in about else 0
        keys = {
            "country": (referral.ticket.incident_country or "", ""),
            "agency": (referral.agency_id, referral.agency.name),
        }
        for scope, key in keys.items():
            health[scope].setdefault(key, [0, 0, 0])[column] += 1
    colleagues = (
        db_session()
        .scalars(
            select(StaffUser)
            .where(StaffUser.active.is_(True), StaffUser.role.in_(TICKET_ROLES))
            .order_by(StaffUser.name)
        )
        .all()
    )
    return render_template(
        "staff/deadlines.html",
        breached=breached,
        about=about,
        reviews=reviews,
        now=now,
        health=health,
        colleagues=colleagues,
    )


@blueprint.get("/flows/<flow_id>.svg")
@login_required()
def flow_svg(flow_id: str) -> Response:
    """A referral flowchart as a picture, with a referral's current state and path when asked."""
    try:
        chart = flow(flow_id)
    except LookupError:
        abort(404)
    current: str | None = None
    path: tuple[str, ...] = ()
    if request.args.get("referral"):
        shown = db_session().get(Referral, request.args.get("referral", 0, type=whole_number))
        if shown is None or not may_see_referral(g.user, shown):
            abort(404)
        chart, current, path = flow_of(db_session(), shown), shown.status, tuple(shown.path_nodes)
    # The Graphviz drawing committed by `make diagrams`, marked for this referral; a flow version with
    # no committed drawing (edited in the flow editor) falls back to the built-in layout.
    drawn = committed_svg(chart)
    picture = mark_svg(drawn, current, path) if drawn is not None else render_svg(chart, current=current, path=path)
    return Response(picture, mimetype="image/svg+xml")


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
    if found is None or not may_see_referral(g.user, found):
        abort(404)
    return found


def _flow_picture(referral: Referral) -> dict[str, str]:
    return {"flow_url": url_for("staff.flow_svg", flow_id=referral.flow_id, referral=referral.id)}


def _home_for(user: StaffUser) -> str:
    return url_for("staff.referrals") if user.role == "agency" else url_for("staff.tickets")


from admin import console_views, inbox_views, partner_views, portal_views, users_views  # noqa: E402, F401  (their routes join this blueprint)
