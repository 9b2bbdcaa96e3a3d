"""The public surface's rate limits, as a table, and what a limited client is told.

Keys: a web client by its address (ProxyFix has put the real one there behind the proxy); a partner
by the public id of its valid key, so one partner cannot use up another's allowance (and, so that
inventing keys buys nothing, every API request by address too, with a small allowance for requests
without a valid key); a texter or
caller by the keyed hash of their number, and only once Twilio's signature holds, or anyone could use
up a victim's allowance by posting unsigned requests in their name. A limited reporter keeps their
words and gets the hotline numbers.

A webhook Twilio signed is never refused nor dropped by a limit: it carries a reporter's words, which
Twilio will not send again. Every text of a burst from one sender is stored in the same conversation;
past `SMS_REPLY_LIMIT` only the automatic replies stop (`replies_allowed`). Unsigned requests to the
Twilio paths are counted per address, so forging them is cheap to refuse and cannot use a victim's
allowance.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from channels.help import lines_by_country
from channels.partner_auth import has_valid_key, request_partner
from channels.twilio_signature import signed_by_twilio
from hotline.privacy import caller_hash
from hotline.ratelimit import EndpointLimit, client_address, install, within_allowance

# Every other public endpoint, per address: chat polls every 2 s, a page loads a few files.
DEFAULT_LIMIT = "300/minute"


def api_client() -> str:
    """The public id of the partner's valid key; without one, the address."""
    partner = request_partner()
    if partner is None:
        return client_address()
    return "partner:" + partner.public_id


def without_valid_key() -> bool:
    return not has_valid_key()


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
    EndpointLimit("api.create_report", "120/minute;2000/hour", api_client, exempt_when=without_valid_key),
    # Without a valid key nothing is filed: a few tries a minute are enough to fix a typo.
    EndpointLimit("api.create_report", "20/minute;200/hour", client_address, exempt_when=has_valid_key),
    EndpointLimit("api.create_report", "600/minute", client_address),
    EndpointLimit("chat.chat_start", "10/minute;60/hour", client_address),
    EndpointLimit("chat.chat_send", "60/minute", client_address),
    EndpointLimit("ack.show", "30/minute", client_address),
    EndpointLimit("ack.confirm", "30/minute", client_address),
)
# Past this many texts from one sender (keyed hash, signed requests only), their texts are still stored
# but no longer answered automatically: generous, as a person in danger may send many short texts.
SMS_REPLY_LIMIT = "60/minute;600/hour"


def twilio_webhooks(app: Flask) -> tuple[EndpointLimit, ...]:
    """Every Twilio path: unsigned requests counted per address, signed ones never counted (Twilio
    sends every reporter's texts and calls from the same few addresses, and a refused text is lost)."""
    return tuple(
        EndpointLimit(endpoint, DEFAULT_LIMIT, unsigned_address, exempt_when=signed_by_twilio)
        for endpoint in sorted(app.view_functions)
        if endpoint.startswith(("twilio_sms.", "twilio_voice."))
    )


def unsigned_address() -> str:
    return "unsigned-" + client_address()


def replies_allowed() -> bool:
    """Count this signed text against its sender's allowance; False once a burst is past it, and then
    the text is stored but not answered."""
    return within_allowance(SMS_REPLY_LIMIT, "sms-replies", twilio_sender())


def limit_public(app: Flask, storage_url: str) -> None:
    install(app, storage_url, PUBLIC_LIMITS + twilio_webhooks(app), DEFAULT_LIMIT)
    app.register_error_handler(RateLimitExceeded, too_many)


def too_many(_error: RateLimitExceeded) -> tuple[Response | str, int, dict[str, str]]:
    """What a limited client gets, in its language and format; a reporter's words come back with it."""
    retry = {"Retry-After": "60"}
    message = _("You have sent a lot in a short time. Please wait a minute and send it again.")
    if request.path.startswith("/twilio/"):
        # Only unsigned requests are ever counted here: not Twilio, so no TwiML and nothing to keep.
        return Response(status=429), 429, retry
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
