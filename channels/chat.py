"""The anonymous web chat: the intake questions, then a live operator; works without JavaScript.

The browser holds only a random token in the short public session; the conversation row is found by
the token's hash, so any web worker can answer. The follow-up passphrase never sits in the cookie
(signed, not encrypted): it waits on the conversation sealed with a key made from the browser's token,
until the page shows it once. New lines arrive by plain HTTP polling of
`/chat/messages`, which passes through any reverse proxy.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from hotline.conversations import service as talk
from hotline.conversations.models import Conversation
from hotline.db import db_session, utcnow
from hotline.hygiene import whole_number
from routing.intake import MAX_TEXT_LENGTH

blueprint = Blueprint(
    "chat", __name__, template_folder="templates", static_folder="static", static_url_path="/chat/static"
)

POLL_MILLISECONDS = 2000
SEALED = "sealed_passphrase"
NOBODY = talk.Caller(None, None)


def _key(token: str) -> str:
    return "chat:" + hashlib.sha256(token.encode()).hexdigest()


def _sealer(token: str) -> Fernet:
    """A key only the browser's token opens; the conversation row keeps only its hash."""
    digest = hashlib.sha256(b"chat-passphrase:" + token.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _take_passphrase() -> str | None:
    """The passphrase waiting to be shown, unsealed and forgotten (shown once), even if the
    conversation has just closed with the report filed."""
    token = session.get("chat_token")
    conversation = talk.find(db_session(), _key(token)) if isinstance(token, str) else None
    sealed = (conversation.host or {}).get(SEALED) if conversation is not None else None
    if conversation is None or not isinstance(token, str) or not sealed:
        return None
    talk.note_host(conversation, **{SEALED: None})
    db_session().commit()
    try:
        return _sealer(token).decrypt(str(sealed).encode()).decode()
    except InvalidToken:
        return None


def _conversation(*, closed_too: bool = False) -> Conversation | None:
    """This browser's chat; one the operator closed too when asked (its ending must still be read)."""
    token = session.get("chat_token")
    if not isinstance(token, str):
        return None
    found = talk.find(db_session(), _key(token))
    if found is None or (found.state == talk.State.CLOSED and not closed_too):
        return None
    return found


@blueprint.get("/chat")
def chat_page() -> str:
    conversation = _conversation(closed_too=True)
    lines = talk.transcript(db_session(), conversation) if conversation else []
    return render_template(
        "public/chat.html",
        conversation=conversation,
        lines=lines,
        passphrase=_take_passphrase(),
        reference=_reference(conversation),
        poll=POLL_MILLISECONDS,
        max_text=MAX_TEXT_LENGTH,
        choices=talk.choices(conversation) if conversation else [],
        line_class=line_class,
    )


def line_class(author: str) -> str:
    """How a transcript line is drawn: the reporter's own, the questions, or a person of the team."""
    if author == "caller":
        return "mine"
    return "bot" if author == "flow" else "operator"


@blueprint.post("/chat/start")
def chat_start() -> Response:
    if _conversation() is None:
        token = secrets.token_urlsafe(24)
        session["chat_token"] = token
        # A browser-session cookie: the chat is gone from this browser when it closes, as the page says.
        session.permanent = False
        talk.begin(db_session(), current_app.config["SETTINGS"], "chat", _key(token), NOBODY)
    return redirect(url_for("chat.chat_page"))


@blueprint.post("/chat/send")
def chat_send() -> Response | tuple[Response, int]:
    conversation = _conversation(closed_too=True)
    if conversation is None:
        abort(404)
    text = request.form.get("text", "")
    db = db_session()
    if conversation.state == talk.State.CLOSED:
        talk.message_after_close(db, conversation, text)
    elif conversation.state == talk.State.FLOW:
        turn = talk.answer(db, current_app.config["SETTINGS"], conversation, text, NOBODY)
        if turn.passphrase:
            sealed = _sealer(session["chat_token"]).encrypt(turn.passphrase.encode()).decode()
            talk.note_host(conversation, **{SEALED: sealed})
            db.commit()
    else:
        talk.add_caller_message(db, conversation, text)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state=conversation.state, reload=bool((conversation.host or {}).get(SEALED)))
    return redirect(url_for("chat.chat_page"))


@blueprint.get("/chat/messages")
def chat_messages() -> Response:
    conversation = _conversation(closed_too=True)
    if conversation is None:
        return jsonify(state="closed", lines=[])
    db = db_session()
    if conversation.state != talk.State.CLOSED:
        talk.reporter_seen(db, conversation, utcnow())
    lines = talk.transcript(db, conversation, request.args.get("after", 0, type=whole_number))
    for line in lines:
        line["kind"] = line_class(str(line["author"]))
    return jsonify(
        state=conversation.state, reference=_reference(conversation), lines=lines, choices=talk.choices(conversation)
    )


@blueprint.post("/chat/leave")
def chat_leave() -> Response:
    """The page is closing (sent with navigator.sendBeacon): the operator sees the reporter has left."""
    conversation = _conversation()
    if conversation is not None:
        talk.reporter_left(db_session(), conversation, utcnow())
    return Response(status=204)


@blueprint.post("/chat/forget")
def chat_forget() -> Response:
    """Quick exit (sent with navigator.sendBeacon): this browser forgets the chat at once, not when it
    closes, so /chat shows nothing to whoever opens it next; the operator sees the reporter has left."""
    conversation = _conversation()
    if conversation is not None:
        talk.reporter_left(db_session(), conversation, utcnow())
    session.pop("chat_token", None)
    return Response(status=204)


@blueprint.post("/chat/end")
def chat_end() -> Response:
    conversation = _conversation(closed_too=True)
    if conversation is not None:
        talk.close(db_session(), conversation, "reporter")
    session.pop("chat_token", None)
    return redirect(url_for("chat.chat_page"))


def _reference(conversation: Conversation | None) -> str | None:
    if conversation is None or conversation.ticket_id is None:
        return None
    from hotline.tickets.models import Ticket

    ticket = db_session().get(Ticket, conversation.ticket_id)
    return ticket.reference if ticket else None
