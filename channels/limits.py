"""The public surface's rate limits, as a table, and what a limited client is told.

Keys: a web client by its address (ProxyFix has put the real one there behind the proxy); a partner
by the API key it presents (and, so that inventing keys buys nothing, by address too); a texter or
caller by the keyed hash of their number, and only once Twilio's signature holds, or anyone could use
up a victim's allowance by posting unsigned requests in their name. A limited reporter keeps their
words and gets the hotline numbers; Twilio gets TwiML with status 200, so the texter is answered.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from channels.help import lines_by_country
from channels.twilio_signature import signed_by_twilio
from hotline.privacy import caller_hash
from hotline.ratelimit import EndpointLimit, client_address, install

# Every other public endpoint, per address: chat polls every 2 s, a page loads a few files.
DEFAULT_LIMIT = "300/minute"


def api_client() -> str:
    """The partner's key (its hash) when one is presented, else the address."""
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    presented = presented or request.headers.get("X-Api-Key", "").strip()
    if not presented:
        return client_address()
    return "api-key:" + hashlib.sha256(presented.encode()).hexdigest()


def twilio_sender() -> str:
    """The keyed hash of the sender's number when Twilio signed the request, else the address."""
    if not signed_by_twilio():
        return "unsigned-" + client_address()
    sender = request.form.get("From", "")
    return "sender:" + caller_hash(sender, current_app.config["SETTINGS"].phone_hash_key)


POST = ("POST",)
PUBLIC_LIMITS = (
    # The figure: the 61st report in a minute from one address is refused.
    EndpointLimit("web.report", "60/minute;600/hour", client_address, POST),
    # A passphrase is 80 bits, but nobody needs more than a few tries a minute.
    EndpointLimit("web.follow_up", "10/minute;60/hour", client_address, POST),
    EndpointLimit("api.create_report", "120/minute;2000/hour", api_client),
    EndpointLimit("api.create_report", "600/minute", client_address),
    EndpointLimit("chat.chat_start", "10/minute;60/hour", client_address),
    EndpointLimit("chat.chat_send", "60/minute", client_address),
    EndpointLimit("ack.show", "30/minute", client_address),
    EndpointLimit("ack.confirm", "30/minute", client_address),
    # Generous: a person in danger may send many short texts or call back again and again.
    EndpointLimit("twilio_sms.inbound_sms", "60/minute;600/hour", twilio_sender),
    EndpointLimit("twilio_voice.voice_entry", "20/minute;200/hour", twilio_sender),
)


def twilio_callbacks(app: Flask) -> tuple[str, ...]:
    """Twilio's signed callbacks inside a call or a message already let in (and its delivery reports):
    counting them by address would count every reporter together, as Twilio sends them all."""
    limited = {row.endpoint for row in PUBLIC_LIMITS}
    return tuple(
        endpoint
        for endpoint in app.view_functions
        if endpoint.startswith(("twilio_sms.", "twilio_voice.")) and endpoint not in limited
    )


def limit_public(app: Flask, storage_url: str) -> None:
    install(app, storage_url, PUBLIC_LIMITS, DEFAULT_LIMIT, exempt=twilio_callbacks(app))
    app.register_error_handler(RateLimitExceeded, too_many)


def too_many(_error: RateLimitExceeded) -> tuple[Response | str, int, dict[str, str]]:
    """What a limited client gets, in its language and format; a reporter's words come back with it."""
    retry = {"Retry-After": "60"}
    message = _("You have sent a lot in a short time. Please wait a minute and send it again.")
    if request.path.startswith("/twilio/voice"):
        spoken = VoiceResponse()
        spoken.say(_("We are receiving many calls from your number. Please call again in a few minutes."))
        spoken.hangup()
        return Response(str(spoken), mimetype="text/xml"), 200, {}
    if request.path.startswith("/twilio/"):
        texted = MessagingResponse()
        texted.message(
            _(
                "You have sent many messages in a short time. "
                "Please wait a few minutes and send your last message again."
            )
        )
        return Response(str(texted), mimetype="text/xml"), 200, {}
    lines = lines_by_country()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        numbers = [
            {"country": code, "number": line.dialable, "type": line.type} for code, found in lines for line in found
        ]
        return jsonify(error="rate_limited", message=message, hotline_numbers=numbers), 429, retry
    if request.endpoint == "web.report" and request.method == "POST":
        from channels.web import render_form

        return render_form(request.form, message=message, lines=lines), 429, retry
    kept = {name: value for name, value in request.form.items() if name not in ("csrf_token", "passphrase")}
    page = render_template("public/limited.html", message=message, lines=lines, kept=kept, action=request.path)
    return page, 429, retry
