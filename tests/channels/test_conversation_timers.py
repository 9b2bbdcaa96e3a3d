"""Conversation timers run on the job path, not on a page that polls: a texter who goes quiet gets a
ticket made from what they said, without a text they did not ask for; a chat left open moves on."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from hotline.conversations.models import Conversation
from hotline.conversations.service import TIMERS, quiet_conversations, went_quiet
from hotline.db import utcnow
from hotline.jobs.queue import job_queue
from hotline.outbox import OutboxMessage
from hotline.tickets.models import Ticket, TicketEvent, TicketMessage
from tests.channels.test_chat import lines, send
from tests.channels.test_twilio_sms_conversation import text_in
from tests.helpers import message_bodies, post_form


def the_conversation(app: Flask) -> Conversation:
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert conversation is not None
        return conversation


def scheduled_timeouts(app: Flask, conversation_id: int) -> list[str]:
    with app.app_context():
        registry = ScheduledJobRegistry(queue=job_queue())
        jobs = [job_queue().fetch_job(job_id) for job_id in registry.get_job_ids()]
    return [job.func_name for job in jobs if job is not None and job.args == (conversation_id,)]


def test_a_texter_who_goes_quiet_gets_a_ticket_and_no_unasked_text(app: Flask, client: FlaskClient) -> None:
    text_in(client, "hola")
    text_in(client, "1")  # Spanish
    text_in(client, "no")  # not in danger now
    text_in(client, "Me tienen trabajando sin pago en una finca de Escuintla")  # where
    conversation = the_conversation(app)
    assert conversation.ticket_id is None
    # Each question schedules its own deadline on the real Redis.
    assert scheduled_timeouts(app, conversation.id)
    settings = app.config["SETTINGS"]
    with app.app_context(), app.extensions["database"].session() as session:
        assert went_quiet(session, settings, conversation.id, utcnow()) == "not due"
        later = utcnow() + TIMERS["sms"]["narrative_timeout"] + timedelta(minutes=1)
        assert quiet_conversations(session, later) == [conversation.id]
        assert went_quiet(session, settings, conversation.id, later) == "ticket made"
        # Run twice (the job and the sweep): nothing more happens.
        assert went_quiet(session, settings, conversation.id, later) == "not due"
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "triaged" and ticket.caller_hash == conversation.caller_hash
        words = " ".join(message_bodies(session, TicketMessage.ticket_id == ticket.id))
        assert "Escuintla" in words or ticket.incident_place
        kinds = [e.kind for e in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
        assert "reporter_went_quiet" in kinds
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reporter_reply")).all()


def test_a_chat_nobody_polls_moves_to_the_next_question_on_its_own(app: Flask, client: FlaskClient) -> None:
    post_form(client, "/chat", {}, action="/chat/start")
    send(client, "1")  # Spanish: the danger question is asked
    before = len(lines(client))
    conversation = the_conversation(app)
    assert scheduled_timeouts(app, conversation.id)
    later = utcnow() + TIMERS["chat"]["answer_timeout"] + timedelta(seconds=1)
    with app.app_context(), app.extensions["database"].session() as session:
        # No page polls: the job at the deadline moves the run on (danger unanswered counts as danger).
        assert went_quiet(session, app.config["SETTINGS"], conversation.id, later) == "timed out"
    assert len(lines(client)) > before
    assert the_conversation(app).ticket_id is not None
