"""The intake conversation by SMS: a neutral first reply, the flow in the texter's language, STOP and HELP."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from hotline.conversations.models import Conversation
from hotline.outbox import OutboxMessage
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage
from tests.helpers import twilio_post

TEXTER = "+50255507777"
_sids = itertools.count(1)


def text_in(
    client: FlaskClient,
    body: str,
    *,
    sid: str | None = None,
    sender: str = TEXTER,
    media: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> list[str]:
    params = {
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "From": sender,
        "To": "+15005550006",
        "Body": body,
        "FromCity": "ZACAPA",
        "FromState": "Zacapa",
        "FromZip": "19001",
        "FromCountry": "GT",
        "NumMedia": str(len(media)),
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"], params[f"MediaContentType{index}"] = url, content_type
    response = twilio_post(client, "/twilio/sms", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [message.text or "" for message in ET.fromstring(response.get_data()).iter("Message")]


def stored_tickets(app: Flask) -> list[Ticket]:
    with app.app_context(), app.extensions["database"].session() as session:
        found = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        for ticket in found:
            _ = ticket.submissions, ticket.events, [m.body for m in ticket.messages]  # words unsealed in the session
        session.expunge_all()
    return found


CONVERSATIONS = [
    (
        "1",
        "peligro",
        ["2", "Ciudad de Guatemala", "1", "no sé", "2", "sí", "no", "Nos quitaron los pasaportes en la finca."],
        "Gracias",
        "clave",
    ),
    (
        "english",
        "danger",
        ["no", "Tegucigalpa, Honduras", "yes", "yes", "no", "yes", "no", "They keep us locked in a house."],
        "Thank you",
        "code",
    ),
    (
        "3",
        "danger",
        ["non", "Managua", "non", "oui", "oui", "oui", "non", "On nous a pris nos papiers."],
        "Merci",
        "code",
    ),
]


@pytest.mark.parametrize(("menu", "danger_words", "answers", "thanks", "code_word"), CONVERSATIONS)
def test_a_whole_sms_conversation_makes_a_routed_ticket(
    app: Flask, client: FlaskClient, menu: str, danger_words: str, answers: list[str], thanks: str, code_word: str
) -> None:
    [first] = text_in(client, "hola")
    assert "Para español, marque 1" in first
    for word in ("trata", "trafficking", "traite", "tráfico", "explot"):
        assert word not in first.lower()  # someone else may read this phone
    [question] = text_in(client, menu)
    assert danger_words in question
    replies: list[str] = []
    for answer in answers:
        replies = text_in(client, answer)
    [ticket] = stored_tickets(app)
    assert thanks in replies[0] and ticket.reference in replies[0]
    assert code_word in replies[1]  # the follow-up passphrase, sent once at the end
    # Critical with a place the reporter gave: the responder at once; else proposals for review.
    confident = ticket.routing["location"]["source"] in ("stated", "text")  # type: ignore[index]
    expected = "referred" if ticket.risk_level == "critical" and confident else "triaged"
    assert ticket.channel == "sms" and ticket.status == expected and ticket.caller_country == "GT"
    assert (
        ticket.incident_country
        == {"Ciudad de Guatemala": "GT", "Tegucigalpa, Honduras": "HN", "Managua": "NI"}[answers[1]]
    )
    submitted = ticket.submissions[0].answers
    assert submitted["in_danger_now"] is False and "movement_restricted" in submitted
    assert [m.body for m in ticket.messages if m.direction == "in"] == [answers[-1]]
    # What the texter agreed to share is the ticket's consent, as the web form's would be.
    assert ticket.consent == {"share_authorities": True, "share_origin": False, "contact_back": True}


def test_a_later_text_from_the_same_number_joins_the_open_ticket(app: Flask, client: FlaskClient) -> None:
    for answer in ["hola", "1", "2", "Managua", "2", "2", "2", "1", "1", "Me deben tres meses de sueldo."]:
        text_in(client, answer)
    [reply] = text_in(client, "Ahora nos cambiaron de casa.")
    [ticket] = stored_tickets(app)
    assert ticket.reference in reply
    assert [m.body for m in ticket.messages][-1] == "Ahora nos cambiaron de casa."
    assert "follow_up_received" in [e.kind for e in ticket.events]


def test_danger_makes_a_critical_ticket_at_once(app: Flask, client: FlaskClient) -> None:
    text_in(client, "hola")
    text_in(client, "1")
    replies = text_in(client, "sí")
    [ticket] = stored_tickets(app)
    assert ticket.risk_level == "critical"
    assert any("clave" in reply for reply in replies)  # the passphrase goes out with the ticket


def test_a_replayed_message_sid_changes_nothing(app: Flask, client: FlaskClient) -> None:
    text_in(client, "hola", sid="SM" + "1" * 32)
    assert text_in(client, "2", sid="SM" + "2" * 32)
    assert text_in(client, "2", sid="SM" + "2" * 32) == []
    assert text_in(client, "hola", sid="SM" + "1" * 32) == []
    with app.app_context(), app.extensions["database"].session() as session:
        [conversation] = session.scalars(select(Conversation))
        assert conversation.language == "en" and conversation.run["node"] == "ask_danger"
    assert stored_tickets(app) == []


@pytest.mark.parametrize("garbage", ["", "x" * 5000, "🙂🙂", "42", "\x00"])
def test_garbage_gets_a_retry(app: Flask, client: FlaskClient, garbage: str) -> None:
    text_in(client, "hola")
    [question] = text_in(client, "1")
    [retry] = text_in(client, garbage)
    assert retry.startswith("Perdone, no le entendí.") and retry.endswith(question)


@pytest.mark.parametrize(("stop", "help_word"), [("STOP", "HELP"), ("alto", "ayuda"), ("Arrêt", "aide")])
def test_stop_is_honoured_and_help_answers(app: Flask, client: FlaskClient, stop: str, help_word: str) -> None:
    text_in(client, "hola")
    [help_text, question] = text_in(client, help_word)
    assert "ALTO" in help_text and "Para español" in question
    assert text_in(client, stop) == []
    assert text_in(client, "hola") == [] and text_in(client, "1") == []
    with app.app_context(), app.extensions["database"].session() as session:
        # What came after STOP is kept aside, silently; every conversation of this number stays opted out.
        assert set(session.scalars(select(Conversation.opted_out))) == {True}
    assert stored_tickets(app) == []  # "hola" and "1" said nothing to make a case of


def test_stop_after_the_ticket_is_recorded_and_blocks_operator_replies(app: Flask, client: FlaskClient) -> None:
    from hotline.conversations.service import ReplyRefused, reply_to_caller

    for answer in ["hola", "1", "2", "Managua", "2", "2", "2", "1", "1", "Me deben tres meses de sueldo."]:
        text_in(client, answer)
    text_in(client, "STOP")
    [ticket] = stored_tickets(app)
    assert "sms_opt_out" in [e.kind for e in ticket.events]
    with app.test_request_context(), app.extensions["database"].session() as session:
        with pytest.raises(ReplyRefused):
            reply_to_caller(session, session.get(Ticket, ticket.id), "¿Sigue ahí?", "staff:1")  # type: ignore[arg-type]


def test_an_operator_reply_is_sent_without_keeping_the_number(app: Flask, client: FlaskClient) -> None:
    from hotline.conversations.service import ReplyRefused, reply_to_caller
    from hotline.db import utcnow

    for answer in ["hola", "1", "2", "Managua", "2", "2", "2", "1", "1", "Me deben tres meses de sueldo."]:
        text_in(client, answer)
    [ticket] = stored_tickets(app)
    with app.test_request_context(), app.extensions["database"].session() as session:
        reply_to_caller(session, session.get(Ticket, ticket.id), "Le llamamos mañana.", "staff:1")  # type: ignore[arg-type]
        [sent] = session.scalars(select(OutboxMessage).where(OutboxMessage.body == "Le llamamos mañana."))
        assert sent.to_address == f"caller of {ticket.reference}"
        row = session.get(Ticket, ticket.id)
        assert row is not None
        row.caller_phone_expires_at = utcnow()
        session.commit()
        with pytest.raises(ReplyRefused):
            reply_to_caller(session, row, "¿Sigue ahí?", "staff:1")


def test_an_unsigned_text_is_refused(app: Flask, client: FlaskClient) -> None:
    params = {"MessageSid": "SM" + "3" * 32, "From": TEXTER, "Body": "hola"}
    assert twilio_post(client, "/twilio/sms", params, sign=False).status_code == 403
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(Conversation)).all() == []


def test_the_database_holds_no_raw_number_outside_the_encrypted_column(app: Flask, client: FlaskClient) -> None:
    for answer in ["hola", "1", "1", "Managua", "2", "2", "2", "1", "1", "Me deben tres meses de sueldo."]:
        text_in(client, answer)
    digits = TEXTER.lstrip("+")
    engine = app.extensions["database"].engine
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in row._mapping.items():
                    if table == "ticket" and column == "caller_phone_encrypted":
                        continue
                    assert digits not in str(value), f"{table}.{column}"
    assert TicketMessage  # the narrative is stored, the number is not
    assert TicketEvent
