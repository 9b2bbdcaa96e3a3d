"""One inbox: an operator answers an SMS or WhatsApp reporter from the ticket page, through the outbox
and the one gateway; WhatsApp is its own channel with its 24-hour window; the inbox lists who waits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from channels.outbound import OutboundGateway
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.db import utcnow
from hotline.outbox import OutboxKind, OutboxMessage, deliver
from hotline.tickets.models import Ticket, TicketMessage
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_twilio_sms_conversation import TEXTER, stored_tickets, text_in
from tests.factories import make_user
from tests.helpers import message_bodies, post_form

WHOLE_SMS = ["hola", "1", "no", "Managua", "no", "no", "no", "sí", "sí", "Me deben tres meses de sueldo."]


class RecordingTwilio:
    """Twilio's REST client at the edge: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.messages = self

    def create(self, **kwargs: Any) -> Any:
        self.sent.append(kwargs)
        return type("Sent", (), {"sid": f"SM{len(self.sent):032d}"})()


class LiveGateway(OutboundGateway):
    def __init__(self, settings: Any, twilio: RecordingTwilio) -> None:
        super().__init__(settings)
        self.live, self.fake = True, twilio

    def twilio(self) -> Any:
        return self.fake


def operator(staff_app: Flask, staff_client: FlaskClient, languages: tuple[str, ...] = ("es",)) -> None:
    email, password = make_user(staff_app, role="operator", countries=("NI",), languages=languages)
    sign_in(staff_client, email, password)


def send_reply(staff_client: FlaskClient, reference: str, text: str) -> str:
    page = f"/tickets/{reference}"
    response = post_form(staff_client, page, {"text": text}, action=f"{page}/reply")
    if response.status_code == 302:
        response = staff_client.get(page)
    return response.get_data(as_text=True)


def counts(staff_app: Flask) -> dict[str, int]:
    """The inbox counts the navigation calls, for the operator signed in by `operator`."""
    from hotline.accounts import StaffUser
    from hotline.conversations.inbox import inbox_counts

    with staff_app.app_context(), staff_app.extensions["database"].session() as session:
        user = session.scalars(select(StaffUser).order_by(StaffUser.id.desc())).first()
        assert user is not None
        return inbox_counts(user, session)


def deliver_replies(app: Flask) -> list[dict[str, Any]]:
    twilio = RecordingTwilio()
    gateway = LiveGateway(app.config["SETTINGS"], twilio)
    with app.app_context(), app.extensions["database"].session() as session:
        for message_id in session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.kind == OutboxKind.REPORTER_REPLY)
        ):
            deliver(session, message_id, gateway, utcnow())
    return twilio.sent


def test_an_operator_answers_an_sms_reporter_from_the_ticket_page(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    operator(staff_app, staff_client)
    inbox = staff_client.get("/inbox").get_data(as_text=True)
    assert ticket.reference in inbox  # the reporter was told a person would answer: they wait
    waiting_before = counts(staff_app)
    assert waiting_before["waiting"] == 1 and waiting_before["unread"] >= 1
    page = send_reply(staff_client, ticket.reference, "Hola, soy Ana. ¿Puede hablar ahora?")
    assert 'id="replies"' in page and "Hola, soy Ana" in page
    [sent] = deliver_replies(app)
    assert sent["to"] == TEXTER and not sent["from_"].startswith("whatsapp:")
    assert sent["body"] == "Hola, soy Ana. ¿Puede hablar ahora?"
    assert ticket.reference not in staff_client.get("/inbox").get_data(as_text=True)  # answered
    assert counts(staff_app) == {"waiting": 0, "unread": 0}
    # The reporter's answer goes to the case, and the conversation waits again.
    text_in(client, "Sí, puedo hablar")
    assert ticket.reference in staff_client.get("/inbox").get_data(as_text=True)
    assert counts(staff_app) == {"waiting": 1, "unread": 1}  # what the navigation shows


def test_a_whatsapp_sender_is_their_own_channel_and_is_answered_on_whatsapp(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words, sender=f"whatsapp:{TEXTER}")
    [ticket] = stored_tickets(app)
    assert ticket.channel == "whatsapp"
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(Conversation.channel)).all() == ["whatsapp"]
    operator(staff_app, staff_client)
    send_reply(staff_client, ticket.reference, "Hola, la leemos.")
    [sent] = deliver_replies(app)
    assert sent["to"] == f"whatsapp:{TEXTER}" and sent["from_"].startswith("whatsapp:")


def test_an_sms_from_the_same_number_does_not_join_the_whatsapp_conversation(app: Flask, client: FlaskClient) -> None:
    text_in(client, "hola", sender=f"whatsapp:{TEXTER}")
    text_in(client, "hola")
    with app.app_context(), app.extensions["database"].session() as session:
        assert sorted(session.scalars(select(Conversation.channel))) == ["sms", "whatsapp"]
        hashes = set(session.scalars(select(Conversation.caller_hash)))
        assert len(hashes) == 1  # one person's history across both


def test_whatsapp_free_form_replies_are_refused_outside_24_hours(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words, sender=f"whatsapp:{TEXTER}")
    [ticket] = stored_tickets(app)
    long_ago = utcnow() - timedelta(hours=25)
    with app.app_context(), app.extensions["database"].session() as session:
        for turn in session.scalars(select(ConversationTurn)):
            turn.at = long_ago
        for message in session.scalars(select(TicketMessage)):
            message.created_at = long_ago
        session.commit()
    operator(staff_app, staff_client)
    page = send_reply(staff_client, ticket.reference, "¿Sigue ahí?")
    assert "24" in page and 'id="form-error"' in page
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.REPORTER_REPLY)).all() == []
    # Outside the window the page offers the approved templates, in the reporter's language, instead.
    page = staff_client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert 'id="whatsapp-window-closed"' in page and 'id="reply-form"' not in page
    assert 'value="check_in"' in page and "Hola, le escribimos por su mensaje anterior." in page
    response = post_form(
        staff_client,
        f"/tickets/{ticket.reference}",
        {"template": "check_in"},
        action=f"/tickets/{ticket.reference}/template",
    )
    assert response.status_code == 302
    [sent] = deliver_replies(app)
    assert sent["to"] == f"whatsapp:{TEXTER}" and sent["from_"].startswith("whatsapp:")
    assert sent["content_sid"] == "HX00000000000000000000000000000e51" and "body" not in sent  # es, approved
    with app.app_context(), app.extensions["database"].session() as session:
        [kept] = message_bodies(session, TicketMessage.direction == "out")
        assert kept.startswith("Hola, le escribimos")  # the case keeps the words the reporter read
    # A template that does not exist is refused with a reason, and nothing more is queued.
    response = post_form(
        staff_client,
        f"/tickets/{ticket.reference}",
        {"template": "anything"},
        action=f"/tickets/{ticket.reference}/template",
    )
    assert response.status_code == 400
    assert deliver_replies(app) == []


def test_an_sms_reporter_is_offered_no_whatsapp_templates(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    operator(staff_app, staff_client)
    page = staff_client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert 'id="reply-form"' in page and 'id="template-form"' not in page
    response = post_form(
        staff_client,
        f"/tickets/{ticket.reference}",
        {"template": "check_in"},
        action=f"/tickets/{ticket.reference}/template",
    )
    assert response.status_code == 400 and deliver_replies(app) == []


def test_no_reply_box_reaches_a_reporter_who_sent_stop(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in [*WHOLE_SMS, "STOP"]:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    operator(staff_app, staff_client)
    page = send_reply(staff_client, ticket.reference, "¿Sigue ahí?")
    assert "STOP" in page and 'id="form-error"' in page


def test_the_inbox_shows_only_the_operators_languages(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    operator(staff_app, staff_client, languages=("fr",))
    assert ticket.reference not in staff_client.get("/inbox").get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(Ticket)).one()


def test_a_canned_reply_goes_in_the_reporters_language(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for words in WHOLE_SMS:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    operator(staff_app, staff_client, languages=("es", "en"))
    page = staff_client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert 'value="where_now"' in page and "¿Puede decirme dónde se encuentra ahora" in page
    page_path = f"/tickets/{ticket.reference}"
    response = post_form(staff_client, page_path, {"text": "", "canned": "where_now"}, action=f"{page_path}/reply")
    assert response.status_code == 302
    [sent] = deliver_replies(app)
    assert sent["body"] == "¿Puede decirme dónde se encuentra ahora, aunque sea de forma aproximada?"
    # An unknown choice with no words of their own sends nothing and says why.
    response = post_form(staff_client, page_path, {"text": "", "canned": "nothing"}, action=f"{page_path}/reply")
    assert response.status_code == 400 and deliver_replies(app) == []
