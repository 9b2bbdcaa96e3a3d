"""Nothing a texter sends is lost: STOP keeps what was said, later texts are kept, a short first text
is kept, a whole story skips the questions it answers, photos are kept, an emoji is no place, and a
texter who comes back days later starts afresh."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.conversations.models import Conversation
from hotline.conversations.service import TIMERS, went_quiet
from hotline.db import utcnow
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage, TicketRecording
from tests.channels.test_twilio_sms_conversation import stored_tickets, text_in
from tests.helpers import message_bodies


def ticket_words(app: Flask, ticket_id: int) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        return "\n".join(message_bodies(session, TicketMessage.ticket_id == ticket_id))


def event_kinds(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id)))


def test_stop_mid_questions_keeps_the_answers_as_a_ticket(app: Flask, client: FlaskClient) -> None:
    for words in ["hola", "1", "no", "En una finca de Escuintla"]:
        text_in(client, words)
    assert stored_tickets(app) == []
    assert text_in(client, "ALTO") == []  # nothing is sent back after STOP
    [ticket] = stored_tickets(app)
    assert ticket.submissions[0].answers["in_danger_now"] is False
    assert "Escuintla" in (ticket.incident_place or "") + ticket_words(app, ticket.id)
    assert "sms_opt_out" in event_kinds(app, ticket.id)


def test_texts_after_stop_are_kept_on_the_case_and_not_answered(app: Flask, client: FlaskClient) -> None:
    for words in ["hola", "1", "no", "Escuintla"]:
        text_in(client, words)
    text_in(client, "STOP")
    assert text_in(client, "Nos movieron a otra casa anoche") == []
    [ticket] = stored_tickets(app)
    assert "Nos movieron a otra casa anoche" in ticket_words(app, ticket.id)
    assert "follow_up_received" in event_kinds(app, ticket.id)


def test_a_text_after_stop_with_nothing_said_before_becomes_a_case(app: Flask, client: FlaskClient) -> None:
    assert text_in(client, "STOP") == []
    assert text_in(client, "Mi hermana no puede salir de la casa del patrón") == []
    [ticket] = stored_tickets(app)
    assert "Mi hermana no puede salir" in ticket_words(app, ticket.id)


def test_a_short_first_text_is_kept(app: Flask, client: FlaskClient) -> None:
    [first] = text_in(client, "me tienen encerrada")
    assert "peligro" in first  # read as Spanish: the language menu is skipped
    text_in(client, "no")
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation)).one()
        later = utcnow() + timedelta(days=1)
        assert went_quiet(session, app.config["SETTINGS"], conversation.id, later) == "ticket made"
    [ticket] = stored_tickets(app)
    assert "me tienen encerrada" in ticket_words(app, ticket.id)
    assert ticket.submissions[0].answers["movement_restricted"] is True


def test_a_plain_greeting_is_not_a_report(app: Flask, client: FlaskClient) -> None:
    text_in(client, "Hola buenas")
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert not (conversation.host or {}).get("opening")


STORY = (
    "Buenas, me trajeron de Honduras con promesa de trabajo y ahora nos tienen encerradas en una casa, "
    "nos quitaron los pasaportes y hay una niña de 15 años con nosotras."
)


def test_a_whole_story_skips_the_questions_it_answers(app: Flask, client: FlaskClient) -> None:
    [first] = text_in(client, STORY)
    # Written in Spanish: no language menu; the danger question comes at once, still discreet.
    assert "marque 1" not in first and "peligro" in first
    text_in(client, "no")  # not in danger right now
    [consent] = text_in(client, "Zacapa")
    # Minor, movement, documents and the story were all in the first text: only what the person
    # agrees to share is left to ask (no story can answer that), then the end.
    assert "autoridades" in consent and "trata" not in consent.lower()
    text_in(client, "sí")
    replies = text_in(client, "no")
    [ticket] = stored_tickets(app)
    assert ticket.consent == {"share_authorities": True, "share_origin": False, "contact_back": True}
    assert ticket.reference in replies[0]
    answers = ticket.submissions[0].answers
    assert answers["minor_involved"] is True and answers["movement_restricted"] is True
    assert answers["documents_withheld"] is True
    assert ticket_words(app, ticket.id).count("nos quitaron los pasaportes") == 1


def test_a_whole_story_on_the_danger_path_still_gets_a_reference(app: Flask, client: FlaskClient) -> None:
    text_in(client, STORY)
    replies = text_in(client, "sí")
    [ticket] = stored_tickets(app)
    assert any(ticket.reference in reply for reply in replies)
    replies = text_in(client, "Zacapa")
    assert replies  # the hand-over still says a person will answer


def test_the_danger_path_gives_the_reference(app: Flask, client: FlaskClient) -> None:
    text_in(client, "hola")
    text_in(client, "1")
    replies = text_in(client, "sí")
    [ticket] = stored_tickets(app)
    assert any(ticket.reference in reply for reply in replies)


def test_a_thumbs_up_is_not_a_place(app: Flask, client: FlaskClient) -> None:
    for words in ["hola", "1", "no"]:
        text_in(client, words)
    [retry] = text_in(client, "👍")
    assert retry.startswith("Perdone, no le entendí.")
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.run["node"] == "ask_where" and "location_text" not in conversation.run["data"]


def test_mms_photos_are_kept_on_the_ticket(app: Flask, client: FlaskClient) -> None:
    photo = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    for words in ["hola", "1", "no", "Escuintla", "no", "sí", "sí", "sí", "sí"]:
        text_in(client, words)
    text_in(client, "Esta es la casa", media=[(photo, "image/jpeg")])
    [ticket] = stored_tickets(app)
    with app.app_context(), app.extensions["database"].session() as session:
        [media] = session.scalars(select(TicketRecording).where(TicketRecording.ticket_id == ticket.id))
        assert media.url == photo and media.content_type == "image/jpeg"
    # A photo sent later, with no words, joins the same ticket.
    second = photo.replace("ME1", "ME2")
    assert text_in(client, "", media=[(second, "image/png")])
    with app.app_context(), app.extensions["database"].session() as session:
        urls = session.scalars(select(TicketRecording.url).where(TicketRecording.ticket_id == ticket.id)).all()
        assert sorted(urls) == sorted([photo, second])


def test_a_photo_before_the_ticket_waits_for_it(app: Flask, client: FlaskClient) -> None:
    photo = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM2/Media/ME9"
    text_in(client, "", media=[(photo, "image/jpeg")])
    text_in(client, "1")
    text_in(client, "sí")  # danger: the ticket is made now
    [ticket] = stored_tickets(app)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(TicketRecording.url).where(TicketRecording.ticket_id == ticket.id)).all() == [
            photo
        ]


def test_hola_days_later_starts_afresh_and_the_quiet_answers_are_a_ticket(app: Flask, client: FlaskClient) -> None:
    for words in ["hola", "1", "no"]:
        text_in(client, words)
    # The timer job was lost: days pass with the place question still pending.
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation)).one()
        past = utcnow() - TIMERS["sms"]["answer_timeout"] - timedelta(days=3)
        conversation.run = {**conversation.run, "entered_at": past.isoformat()}
        conversation.updated_at = past
        session.commit()
    [reply] = text_in(client, "hola")
    assert "Para español" in reply  # a fresh start, not "hola" read as the place
    [ticket] = stored_tickets(app)
    assert ticket.incident_place != "hola" and "hola" not in ticket_words(app, ticket.id)
    assert "reporter_went_quiet" in event_kinds(app, ticket.id)
    with app.app_context(), app.extensions["database"].session() as session:
        states = session.scalars(select(Conversation.state).order_by(Conversation.id)).all()
        assert states == ["closed", "flow"]
        assert session.scalars(select(Ticket)).one()


def test_a_no_or_dont_know_to_where_is_no_place(app: Flask, client: FlaskClient) -> None:
    # walked as signed webhooks: a question about work in Panama, then "no" to every question
    text_in(client, "hola buenas, cuanto pagan en las fincas de Panamá? quiero saber si vale la pena ir")
    for words in ["no", "no sé", "no", "no", "no", "no", "no"]:
        text_in(client, words)
    [ticket] = stored_tickets(app)
    assert ticket.incident_place is None  # not "no sé", shown as a place on the ticket
    assert ticket.submissions[0].location.get("place") is None
