"""The operator's side of the web chat: waiting chats in their languages and countries, and replies."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.views import login_required
from channels.presence import POLL_SECONDS, mark_present
from hotline.access import may_see_chat
from hotline.conversations import service as talk
from hotline.conversations.models import Conversation
from hotline.conversations.prompts import LANGUAGES
from hotline.db import db_session, utcnow
from hotline.hygiene import whole_number
from hotline.tickets.models import Ticket

blueprint = Blueprint(
    "chat_console",
    __name__,
    url_prefix="/chat",
    template_folder="templates",
    static_folder="chat_static",
    static_url_path="/chat/static",
)

CHAT_ROLES = ("operator", "supervisor", "admin")
PRESENCE_TEXT = {
    "here": _l("The reporter has the chat open."),
    "gone quiet": _l("The reporter's page has stopped answering: they may have lost their connection or left."),
    "left": _l("The reporter left the chat (closed the page)."),
}
LIVE = (talk.State.WAITING, talk.State.WITH_OPERATOR)


def _languages() -> list[str]:
    """The languages this operator takes chats in: their account's, else every language."""
    return list(getattr(g.user, "languages", None) or LANGUAGES)


def _visible(conversation: Conversation, ticket: Ticket | None) -> bool:
    country = ticket.incident_country if ticket else None
    return may_see_chat(g.user, conversation.language, country, _languages())


def _here() -> None:
    mark_present(g.user.id, _languages(), list(g.user.countries or []), bool(g.user.regional))


@blueprint.get("/")
@login_required(*CHAT_ROLES)
def waiting() -> str:
    _here()
    session = db_session()
    rows = session.execute(
        select(Conversation, Ticket)
        .outerjoin(Ticket, Ticket.id == Conversation.ticket_id)
        .where(Conversation.channel == "chat", Conversation.state.in_(LIVE))
        .order_by(Conversation.started_at)
    ).all()
    chats = [(c, t) for c, t in rows if _visible(c, t)]
    return render_template("staff/chat/waiting.html", chats=chats, poll=POLL_SECONDS)


@blueprint.get("/<int:conversation_id>")
@login_required(*CHAT_ROLES)
def open_chat(conversation_id: int) -> str:
    _here()
    session = db_session()
    conversation, ticket = _chat(conversation_id)
    talk.take(session, conversation, g.user.id, g.user.actor)
    lines = talk.transcript(session, conversation)
    reporter = talk.reporter_presence(conversation, utcnow())
    return render_template(
        "staff/chat/conversation.html",
        conversation=conversation,
        ticket=ticket,
        lines=lines,
        reporter_text=PRESENCE_TEXT[reporter],
        canned=talk.canned_replies(conversation.language),
    )


@blueprint.post("/<int:conversation_id>/reply")
@login_required(*CHAT_ROLES)
def reply(conversation_id: int) -> Response:
    conversation, _ticket = _chat(conversation_id)
    words = talk.reply_words(request.form.get("text", ""), request.form.get("canned", ""), conversation.language)
    talk.operator_reply(db_session(), conversation, g.user.actor, words)
    return redirect(url_for("chat_console.open_chat", conversation_id=conversation_id))


@blueprint.post("/<int:conversation_id>/close")
@login_required(*CHAT_ROLES)
def close_chat(conversation_id: int) -> Response:
    conversation, _ticket = _chat(conversation_id)
    talk.end_chat(db_session(), conversation, g.user.actor)
    return redirect(url_for("chat_console.waiting"))


@blueprint.get("/<int:conversation_id>/messages")
@login_required(*CHAT_ROLES)
def messages(conversation_id: int) -> Response:
    _here()
    conversation, _ticket = _chat(conversation_id)
    lines = talk.transcript(db_session(), conversation, request.args.get("after", 0, type=whole_number))
    reporter = talk.reporter_presence(conversation, utcnow())
    return jsonify(state=conversation.state, lines=lines, reporter=reporter, reporter_text=PRESENCE_TEXT[reporter])


def _chat(conversation_id: int) -> tuple[Conversation, Ticket | None]:
    session = db_session()
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.channel != "chat":
        abort(404)
    ticket = session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    if not _visible(conversation, ticket):
        abort(403)
    return conversation, ticket
