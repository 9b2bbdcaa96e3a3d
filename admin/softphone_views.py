"""The operator's softphone: say when you take calls, take the next caller in the browser.

The page loads Twilio's Voice JavaScript SDK from our own static files (pinned and checked by its
SHA-384, see scripts/vendor_twilio_voice.py); its only extra sources in the CSP are Twilio's
signalling and media. Access tokens are short-lived, carry a VoiceGrant for our TwiML App only,
and name the operator by id, never by name or address.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from werkzeug.wrappers import Response

from admin.views import login_required
from hotline.calls import callback, conference
from hotline.calls import service as calls
from hotline.calls.control import CallControl, CallControlRefused
from hotline.calls.models import CallState, Presence, VoiceCall
from hotline.db import db_session
from hotline.settings import Settings

STATIC = Path(__file__).resolve().parent / "softphone_static"
blueprint = Blueprint(
    "softphone",
    __name__,
    url_prefix="/calls",
    template_folder="templates",
    static_folder="softphone_static",
    static_url_path="/static",
)

TOKEN_SECONDS = 600
PRESENCE_LABELS = {
    Presence.AVAILABLE: _l("Available for calls"),
    Presence.BUSY: _l("Busy"),
    Presence.AWAY: _l("Away"),
}
# The page talks to Twilio's signalling (wss), its event gateway, and plays Twilio's ring tones.
SOFTPHONE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' https://*.twilio.com wss://*.twilio.com; media-src 'self' https://sdk.twilio.com; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@lru_cache(maxsize=1)
def sdk() -> dict[str, str]:
    """The vendored SDK's manifest: its file name and the integrity the browser checks."""
    manifest: dict[str, str] = json.loads((STATIC / "vendor" / "twilio-voice.json").read_text())
    return manifest


def _configured(settings: Settings) -> bool:
    return bool(
        settings.twilio_account_sid
        and settings.twilio_api_key_sid
        and settings.twilio_api_key_secret
        and settings.twilio_twiml_app_sid
    )


@blueprint.get("/")
@login_required(*calls.CALL_ROLES)
def page() -> Response:
    session = db_session()
    presence = calls.beat(session, g.user.id)
    waiting = calls.waiting_for(session, g.user)
    html = render_template(
        "staff/calls.html",
        presence=presence,
        labels=PRESENCE_LABELS,
        waiting=waiting,
        waiting_text=_waiting_text(len(waiting)),
        sdk=sdk(),
        configured=_configured(current_app.config["SETTINGS"]),
        beat_seconds=calls.BEAT_SECONDS,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SOFTPHONE_CSP
    return response


@blueprint.post("/presence")
@login_required(*calls.CALL_ROLES)
def set_presence() -> Response:
    status = request.form.get("status", "")
    if status not in (Presence.AVAILABLE, Presence.AWAY):
        abort(400)
    reason = "set on the softphone page"
    if calls.set_presence(db_session(), g.user, status, g.user.actor, reason):
        flash(_("You are now: %(status)s.", status=PRESENCE_LABELS[status]))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(status=status)
    return redirect(url_for("softphone.page"))


@blueprint.post("/beat")
@login_required(*calls.CALL_ROLES)
def beat() -> Response:
    """The open page, still there: keeps the operator on shift, and says who is waiting."""
    session = db_session()
    presence = calls.beat(session, g.user.id)
    waiting = calls.waiting_for(session, g.user)
    return jsonify(
        status=presence.status,
        label=str(PRESENCE_LABELS[presence.status]),
        waiting=len(waiting),
        waiting_text=_waiting_text(len(waiting)),
        first=_summary(waiting[0]) if waiting else None,
        live=_live(session, g.user.id),
        callbacks=[{**_summary(call), "id": call.id} for call in callback.due_for(session, g.user)],
    )


def _live(session: Any, user_id: int) -> dict[str, Any] | None:
    """The operator's call in progress, and the lines they may bring into it."""
    call = session.scalar(
        select(VoiceCall)
        .where(
            VoiceCall.operator_id == user_id,
            VoiceCall.state == CallState.TALKING,
            VoiceCall.operator_call_sid.is_not(None),
        )
        .order_by(VoiceCall.id.desc())
    )
    if call is None:
        return None
    agencies = conference.agencies_for(session, call)
    interpreters = conference.interpreters_for(session, call)
    return {
        **_summary(call),
        "id": call.id,
        "on_hold": call.on_hold,
        "ready": call.conference_sid is not None,
        "lines": [
            {"key": line.key, "label": _line_label(line)} for line in interpreters + agencies
        ],
    }


def _line_label(line: conference.Line) -> str:
    if line.kind == conference.INTERPRETER:
        return _("Interpreter: %(name)s", name=line.agency_name)
    if line.referred:
        return _("Referred agency: %(name)s", name=line.agency_name)
    return line.agency_name


def _control() -> CallControl:
    control: CallControl = current_app.extensions["outbound"]
    return control


def _operators_call(session: Any, call_id: int) -> VoiceCall:
    """The call, when this operator is on it (a supervisor may act on any)."""
    call = session.get(VoiceCall, call_id)
    if call is None:
        abort(404)
    if call.operator_id != g.user.id and g.user.role not in ("supervisor", "admin"):
        abort(403)
    return call  # type: ignore[no-any-return]


@blueprint.post("/<int:call_id>/bring-in")
@login_required(*calls.CALL_ROLES)
def bring_in(call_id: int) -> tuple[Response, int]:
    """Dial an agency's duty line or an interpreter into the operator's call (the page stays on the call)."""
    session = db_session()
    call = _operators_call(session, call_id)
    try:
        line = conference.bring_in(session, _control(), call, request.form.get("line", "")[:40], g.user.actor)
    except conference.ConferenceRefused:
        return jsonify(message=_("That line cannot be brought into this call now.")), 409
    except CallControlRefused:
        return jsonify(message=_("Twilio did not take the request. Try again.")), 502
    return jsonify(message=_("Dialling %(name)s into the call.", name=line.agency_name)), 200


@blueprint.post("/<int:call_id>/hold")
@login_required(*calls.CALL_ROLES)
def hold(call_id: int) -> tuple[Response, int]:
    """Put the caller on hold (they hear a word in their language) or bring them back."""
    session = db_session()
    call = _operators_call(session, call_id)
    on = request.form.get("on") == "1"
    try:
        conference.hold(session, _control(), call, on, g.user.actor)
    except conference.ConferenceRefused:
        return jsonify(message=_("The call cannot be put on hold now.")), 409
    except CallControlRefused:
        return jsonify(message=_("Twilio did not take the request. Try again.")), 502
    return jsonify(on_hold=call.on_hold, message=_("The caller is on hold.") if on else _("The caller is back.")), 200


def _waiting_text(count: int) -> str:
    return _("Callers waiting for you: %(count)s.", count=count) if count else _("No one is waiting.")


@blueprint.post("/token")
@login_required(*calls.CALL_ROLES)
def token() -> Response | tuple[Response, int]:
    """A short-lived access token for the softphone: place calls through our TwiML App, as this operator."""
    settings: Settings = current_app.config["SETTINGS"]
    if not _configured(settings):
        return jsonify(error="not_configured", message=_("The softphone is not set up on this server.")), 503
    identity = calls.identity_of(g.user)
    access = AccessToken(
        settings.twilio_account_sid,
        settings.twilio_api_key_sid,
        settings.twilio_api_key_secret,
        identity=identity,
        ttl=TOKEN_SECONDS,
    )
    access.add_grant(VoiceGrant(outgoing_application_sid=settings.twilio_twiml_app_sid, incoming_allow=False))
    return jsonify(token=access.to_jwt(), identity=identity, expires_in=TOKEN_SECONDS)


def _summary(call: Any) -> dict[str, Any]:
    return {"language": call.language, "country": call.country or "", "risk": call.risk or "", "danger": call.in_danger}
