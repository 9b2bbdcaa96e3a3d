"""The inbox and the reply box: operators answer texts, WhatsApp messages and chats in their languages."""

from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.console_views import _act, _visible_ticket
from admin.views import TICKET_ROLES, blueprint, login_required
from hotline import keystore
from hotline.conversations import inbox
from hotline.conversations.prompts import LANGUAGES
from hotline.conversations.service import (
    ReplyRefused,
    reply_to_caller,
    reply_words,
    reporter_language,
    send_whatsapp_template,
)
from hotline.db import db_session
from hotline.tickets.models import Ticket, TicketRecording
from hotline.tickets.operations import ConsoleError


def refusal_text(refusal: ReplyRefused) -> str:
    """Why a reply cannot be sent, in the operator's language."""
    reasons = {
        "empty reply": _("Write a reply first."),
        "no callback number on this ticket": _("The reporter left no number to write back to."),
        "the callback window has closed": _("The number has been erased; the reporter cannot be written to any more."),
        "the reporter asked for no more messages": _("The reporter sent STOP: no message may be sent to them."),
        "the callback number cannot be read": _("The number cannot be read."),
        "no such template": _("There is no such approved message."),
        "templates are for WhatsApp reporters": _("Approved messages are only for reporters who wrote on WhatsApp."),
        "outside WhatsApp's 24-hour window": _(
            "The reporter last wrote on WhatsApp more than 24 hours ago: only an approved template may be sent."
        ),
    }
    return reasons.get(str(refusal), str(refusal))


@blueprint.get("/inbox")
@login_required(*TICKET_ROLES)
def inbox_page() -> str:
    languages = list(getattr(g.user, "languages", None) or LANGUAGES)
    rows = inbox.waiting(db_session(), g.user, languages)
    return render_template("staff/inbox.html", rows=rows)


@blueprint.post("/tickets/<reference>/reply")
@login_required(*TICKET_ROLES)
def reply_to_reporter(reference: str) -> Response | tuple[str, int]:
    def send(ticket: Ticket) -> None:
        lang = reporter_language(db_session(), ticket)
        text = reply_words(request.form.get("text", ""), request.form.get("canned", ""), lang)
        try:
            reply_to_caller(db_session(), ticket, text, g.user.actor)
        except ReplyRefused as refusal:
            raise ConsoleError("reply", refusal_text(refusal)) from None

    return _act(reference, send, _("Your reply is on its way."))


@blueprint.post("/tickets/<reference>/template")
@login_required(*TICKET_ROLES)
def send_template(reference: str) -> Response | tuple[str, int]:
    """An approved WhatsApp message, the only kind that may go once the 24-hour window has closed."""
    template_id = request.form.get("template", "")

    def send(ticket: Ticket) -> None:
        try:
            send_whatsapp_template(db_session(), ticket, template_id, g.user.actor)
        except ReplyRefused as refusal:
            raise ConsoleError("reply", refusal_text(refusal)) from None

    return _act(reference, send, _("Your reply is on its way."))


@blueprint.get("/tickets/<reference>/media/<int:recording_id>")
@login_required(*TICKET_ROLES)
def ticket_media(reference: str, recording_id: int) -> Response:
    """A photo or file the reporter sent, decrypted for a staff member who may see the ticket."""
    ticket = _visible_ticket(reference)
    recording = db_session().get(TicketRecording, recording_id)
    if recording is None or recording.ticket_id != ticket.id or recording.content_encrypted is None:
        abort(404)
    data = keystore.unseal_bytes(db_session(), ticket.id, keystore.MEDIA, recording.content_encrypted)
    if data is None:
        abort(404)
    kind = recording.content_type or "application/octet-stream"
    response = Response(data, mimetype=kind if kind.startswith("image/") else "application/octet-stream")
    # Only images are shown in the page; anything else is a download, and never sniffed or cached.
    response.headers["Content-Disposition"] = "inline" if kind.startswith("image/") else "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
