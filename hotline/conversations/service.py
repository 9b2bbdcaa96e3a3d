"""The intake conversation for voice, SMS and chat: drives the flow engine and turns a run into a ticket.

The channels only translate: a key press, a speech result, a text or a chat line becomes an answer
here, and what comes back is what to say and where the run stands. The ticket is made when the run
ends, or at once when the caller may be in danger (then the rest of the conversation completes that
same ticket). The caller's number is passed in with each request and only ever reaches the core's
encrypted copy; the conversation keeps its keyed hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.conversations.models import Conversation, ConversationTurn
from hotline.conversations.prompts import prompt
from hotline.db import utcnow
from hotline.jobs.queue import enqueue_after_commit
from hotline.outbox import OutboxKind, queue_message
from hotline.privacy import InvalidPhone, caller_hash, decrypt_phone, normalise_phone, phone_country
from hotline.reports import file_report
from hotline.settings import Settings
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.models import Ticket, TicketMessage, TicketRecording, TicketSubmission
from hotline.tickets.service import REPORTER, SYSTEM, record_event
from routing.flow_definition import SPOKEN_ACTIONS, Flow, load_flow
from routing.flow_engine import Event, IllegalTransition, Outcome, Run, fire, start
from routing.intake import MAX_TEXT_LENGTH

FLOW_FILE = Path(__file__).resolve().parents[2] / "routing" / "flows" / "intake_conversation.json"
ANSWER_KEYS = ("in_danger_now", "minor_involved", "movement_restricted", "documents_withheld")
# How long each timer of the flow lasts, by channel (the flow names them; the host decides).
TIMERS: dict[str, dict[str, timedelta]] = {
    "voice": {"answer_timeout": timedelta(seconds=8), "narrative_timeout": timedelta(minutes=2)},
    "sms": {"answer_timeout": timedelta(hours=2), "narrative_timeout": timedelta(hours=4)},
    "chat": {"answer_timeout": timedelta(minutes=10), "narrative_timeout": timedelta(minutes=20)},
}
# A later text from the same number joins the open ticket for this long after the last message.
SMS_FOLLOW_UP_WINDOW = timedelta(days=7)
# Voice waits are Twilio's own (<Gather timeout>); texts and chat wait on our timer path.
TIMED_CHANNELS = ("sms", "chat")
TIMEOUT_JOB = "hotline.jobs.conversations.conversation_timeout"
# What the ticket's narrative says when the caller gave none (a ticket needs words or answers).
NO_NARRATIVE = {
    "voice": "(Call: no narrative given; see the recording if any.)",
    "sms": "(SMS: no narrative given.)",
    "chat": "(Chat: no narrative given.)",
}


class State:
    FLOW = "flow"  # the questions are running
    WAITING = "waiting"  # for a person (chat and voice), after the questions or a hand-over
    WITH_OPERATOR = "with_operator"
    OPEN = "open"  # SMS after the questions: later texts join the ticket
    CLOSED = "closed"


@lru_cache(maxsize=1)
def conversation_flow() -> Flow:
    return load_flow(FLOW_FILE)


@dataclass(frozen=True)
class Said:
    text: str
    language: str


@dataclass
class Turn:
    """What happened on one input: what to say, and where the conversation stands now."""

    conversation: Conversation
    said: list[Said] = field(default_factory=list)
    replay: bool = False
    retried: bool = False
    hand_over: bool = False
    ticket_created: bool = False
    passphrase: str | None = None

    @property
    def run(self) -> Run:
        return Run.from_dict(self.conversation.run)

    @property
    def node(self) -> str:
        return self.run.node

    @property
    def ended(self) -> bool:
        return self.run.ended


@dataclass(frozen=True)
class Caller:
    """The caller as one request knows them: the number (never stored in clear) and its country."""

    phone: str | None
    country: str | None

    @classmethod
    def from_raw(cls, raw: str | None) -> Caller:
        try:
            phone = normalise_phone(raw or "")
        except InvalidPhone:
            # Withheld, "anonymous" or a client identity: no number to keep, no country to guess.
            return cls(None, None)
        return cls(phone, phone_country(phone))

    def hash(self, settings: Settings) -> str | None:
        return caller_hash(self.phone, settings.phone_hash_key) if self.phone else None


def clean_text(text: str | None) -> str:
    """What a channel received, made safe to store: no NUL (PostgreSQL refuses it), bounded length."""
    return (text or "").replace("\x00", "").strip()[:MAX_TEXT_LENGTH]


def find(session: Session, provider_key: str) -> Conversation | None:
    return session.scalar(select(Conversation).where(Conversation.provider_key == provider_key))


def begin(
    session: Session, settings: Settings, channel: str, provider_key: str, caller: Caller
) -> tuple[Conversation, Turn]:
    """Start the flow for a new conversation, or give back the one this provider key already started."""
    existing = find(session, provider_key)
    if existing is not None:
        return existing, Turn(existing, said=current_prompt(existing), replay=True)
    now = utcnow()
    outcome = start(conversation_flow(), now)
    conversation = Conversation(
        channel=channel,
        provider_key=provider_key,
        caller_hash=caller.hash(settings),
        caller_country=caller.country,
        run=outcome.run.to_dict(),
        host={"turn": 0},
        state=State.FLOW,
        started_at=now,
    )
    session.add(conversation)
    try:
        session.flush()
    except IntegrityError:
        # The same webhook, retried while the first was still being answered.
        session.rollback()
        existing = find(session, provider_key)
        assert existing is not None
        return existing, Turn(existing, said=current_prompt(existing), replay=True)
    turn = _apply(session, settings, conversation, outcome, caller, source_id=None)
    session.commit()
    return conversation, turn


def claim(session: Session, conversation: Conversation, provider_id: str | None, author: str = "caller") -> bool:
    """Record an inbound message by the provider's id; False when that id was seen before (a retry)."""
    if provider_id is None:
        return True
    if session.scalar(select(ConversationTurn.id).where(ConversationTurn.provider_id == provider_id)) is not None:
        return False
    session.add(
        ConversationTurn(conversation_id=conversation.id, provider_id=provider_id, direction="in", author=author)
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def answer(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    text: str,
    caller: Caller,
    *,
    source_id: str | None = None,
) -> Turn:
    """The caller's answer to the current question; an answer the flow cannot use asks it again."""
    text = clean_text(text)
    if conversation.channel == "chat" and text:
        session.add(ConversationTurn(conversation_id=conversation.id, direction="in", author="caller", body=text))
    return _fire(session, settings, conversation, Event("answer", "caller", {"text": text}), caller, source_id)


def time_out(session: Session, settings: Settings, conversation: Conversation, caller: Caller) -> Turn:
    """The current question's timer ran out (silence on a call, no reply by text or chat)."""
    run = Run.from_dict(conversation.run)
    timers = [t.timer for t in conversation_flow().nodes[run.node].transitions if t.timer] if not run.ended else []
    if not timers:
        return Turn(conversation)
    return _fire(session, settings, conversation, Event(timers[0], "timer"), caller, None)


def due_at(conversation: Conversation) -> datetime | None:
    """When the current question will have waited longer than its channel allows; None if nothing waits."""
    run = Run.from_dict(conversation.run)
    if run.ended or conversation.state != State.FLOW:
        return None
    node = conversation_flow().nodes[run.node]
    limits = [TIMERS[conversation.channel][t.timer] for t in node.transitions if t.timer]
    return run.entered_at + min(limits) if limits else None


def due_timer(conversation: Conversation, now: datetime) -> bool:
    """Whether the current question has waited longer than its channel allows."""
    due = due_at(conversation)
    return due is not None and now >= due


def went_quiet(session: Session, settings: Settings, conversation_id: int, now: datetime) -> str:
    """The timer path for texts and chat (a scheduled job at each question's deadline, and the sweep).

    A chat reporter who stops answering gets the next question in the transcript, as if the page had
    asked. An SMS reporter who stops answering is sent nothing (a text they did not ask for may be
    read by the wrong person): the rest of the questions time out at once and the ticket is made
    from what they said. Commits; a no-op when the conversation has moved on.
    """
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.channel not in TIMED_CHANNELS or not due_timer(conversation, now):
        return "not due"
    caller = Caller(None, conversation.caller_country)
    if conversation.channel == "chat":
        time_out(session, settings, conversation, caller)
        return "timed out"
    for _question in range(len(conversation_flow().nodes)):
        if Run.from_dict(conversation.run).ended:
            break
        time_out(session, settings, conversation, caller)
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        if ticket.caller_hash is None:
            # Repeat contacts from this number still find the ticket; there is no number to call back.
            ticket.caller_hash = conversation.caller_hash
        record_event(session, ticket, "reporter_went_quiet", SYSTEM, reason=f"via {conversation.channel}")
        session.commit()
    return "ticket made" if conversation.ticket_id is not None else "ended"


def quiet_conversations(session: Session, now: datetime) -> list[int]:
    """Conversations whose question may have waited too long: what the sweep looks at."""
    shortest = min(min(limits.values()) for channel, limits in TIMERS.items() if channel in TIMED_CHANNELS)
    return list(
        session.scalars(
            select(Conversation.id).where(
                Conversation.state == State.FLOW,
                Conversation.channel.in_(TIMED_CHANNELS),
                Conversation.updated_at <= now - shortest,
            )
        )
    )


def current_prompt(conversation: Conversation) -> list[Said]:
    """The question the run waits on, asked again (a retried webhook, a HELP, a returning chat)."""
    run = Run.from_dict(conversation.run)
    if run.ended:
        return []
    flow = conversation_flow()
    language = run.data.get("language") if run.data.get("language") in flow.languages else flow.default_language
    assert language is not None
    node = flow.nodes[run.node]
    return [Said(spec.params["text"][language], language) for spec in node.actions if spec.kind in SPOKEN_ACTIONS]


def language(conversation: Conversation) -> str:
    return str(Run.from_dict(conversation.run).data.get("language") or conversation_flow().default_language)


def note_host(conversation: Conversation, **values: Any) -> None:
    """Keep something beside the run (a chosen country, a recording); JSON columns need a new dict."""
    conversation.host = {**(conversation.host or {}), **values}


def next_turn_number(conversation: Conversation) -> int:
    return int((conversation.host or {}).get("turn", 0))


def _fire(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    event: Event,
    caller: Caller,
    source_id: str | None,
) -> Turn:
    run = Run.from_dict(conversation.run)
    try:
        outcome = fire(conversation_flow(), run, event, utcnow())
    except IllegalTransition:
        return Turn(conversation)
    turn = _apply(session, settings, conversation, outcome, caller, source_id)
    turn.retried = outcome.run.node == run.node and outcome.run.failed_answers > run.failed_answers
    if turn.retried:
        lang = language(conversation)
        turn.said.insert(0, Said(prompt("not_understood", lang), lang))
    session.commit()
    return turn


def _apply(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    outcome: Outcome,
    caller: Caller,
    source_id: str | None,
) -> Turn:
    """Store the run and carry out its actions: speak, make the ticket early on danger, finish at the end."""
    run = outcome.run
    conversation.run = run.to_dict()
    conversation.language = run.data.get("language")
    note_host(conversation, turn=next_turn_number(conversation) + 1)
    turn = Turn(conversation)
    for action in outcome.actions:
        if action.kind == "notify" and action.params.get("about") == "caller_may_be_in_danger":
            _ensure_ticket(session, settings, conversation, run, caller, source_id, turn)
        elif action.kind == "hand_over":
            turn.hand_over = True
        elif action.kind == "give_reference":
            ticket = _ensure_ticket(session, settings, conversation, run, caller, source_id, turn)
            text = str(action.params["text"]).replace("{reference}", ticket.reference)
            turn.said.append(Said(text, action.params["language"]))
        elif action.kind in SPOKEN_ACTIONS:
            turn.said.append(Said(str(action.params["text"]), str(action.params["language"])))
    due = due_at(conversation) if conversation.channel in TIMED_CHANNELS else None
    if due is not None:
        enqueue_after_commit(session, TIMEOUT_JOB, conversation.id, at=due)
    if run.ended:
        ticket = _ensure_ticket(session, settings, conversation, run, caller, source_id, turn)
        if not turn.ticket_created:
            _complete_ticket(session, conversation, ticket, run)
        conversation.state = State.OPEN if conversation.channel == "sms" else State.WAITING
        if conversation.state == State.WAITING and conversation.waiting_since is None:
            conversation.waiting_since = utcnow()
        # The words are on the ticket now; the run keeps only the path and the answers.
        data = {k: v for k, v in run.data.items() if k not in ("narrative", "location_text")}
        conversation.run = {**conversation.run, "data": data}
    if conversation.channel == "chat":
        for said in turn.said:
            session.add(
                ConversationTurn(
                    conversation_id=conversation.id,
                    direction="out",
                    author="flow",
                    body=said.text,
                    language=said.language,
                )
            )
    return turn


def _ensure_ticket(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    run: Run,
    caller: Caller,
    source_id: str | None,
    turn: Turn,
) -> Ticket:
    """The conversation's ticket, made now with what the run knows if it has none yet."""
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        return ticket
    body = intake_of(conversation, run, caller)
    try:
        parsed = parse_intake(body, channel=conversation.channel)
    except IntakeError:
        # Only a malformed number can fail here; the report matters more than the callback.
        parsed = parse_intake({**body, "caller_phone": None}, channel=conversation.channel)
    # Voice is keyed by its CallSid; SMS and chat keys are not the caller's to see, so the row's id.
    key = conversation.provider_key if conversation.channel == "voice" else f"conversation:{conversation.id}"
    # Routing reads the place as the caller wrote it too ("Tegucigalpa, Honduras" is no single
    # gazetteer name, but names two places); the ticket keeps only the narrative as a message.
    words = "\n".join(part for part in (str(run.data.get("location_text") or ""), parsed.intake.text) if part)
    received = file_report(
        session, settings, parsed, source_key=f"{conversation.channel}:{key}", routing_text=words[:MAX_TEXT_LENGTH]
    )
    ticket = received.ticket
    conversation.ticket_id = ticket.id
    recording = (conversation.host or {}).get("recording")
    if recording:
        session.add(TicketRecording(ticket_id=ticket.id, url=recording["url"], duration_seconds=recording["seconds"]))
    if received.created:
        turn.ticket_created = True
        turn.passphrase = received.passphrase
    return ticket


def intake_of(conversation: Conversation, run: Run, caller: Caller) -> dict[str, Any]:
    """The Intake JSON of what the run has gathered so far."""
    data = run.data
    host = conversation.host or {}
    narrative = str(data.get("narrative") or "") if conversation.channel != "voice" else ""
    opening = str(host.get("opening") or "")
    text = "\n\n".join(part for part in (opening, narrative) if part)
    answers = {key: data[key] for key in ANSWER_KEYS if key in data}
    if not text and not any(value is not None for value in answers.values()):
        text = NO_NARRATIVE[conversation.channel]
    place = str(data.get("location_text") or "")[:200] or None
    return {
        "text": text,
        "language": data.get("language"),
        "caller_phone": caller.phone,
        "location": {"country": host.get("country"), "place": place},
        "answers": answers,
        "contact_ok": caller.phone is not None,
    }


def _complete_ticket(session: Session, conversation: Conversation, ticket: Ticket, run: Run) -> None:
    """Add what the rest of the conversation gathered to a ticket made early (danger)."""
    body = intake_of(conversation, run, Caller(None, None))
    location = {k: v for k, v in body["location"].items() if v}
    session.add(
        TicketSubmission(ticket_id=ticket.id, channel=conversation.channel, answers=body["answers"], location=location)
    )
    if body["text"] and body["text"] not in NO_NARRATIVE.values():
        session.add(
            TicketMessage(
                ticket_id=ticket.id, direction="in", channel=conversation.channel, author=REPORTER, body=body["text"]
            )
        )
    if location.get("country") and (ticket.routing or {}).get("location", {}).get("source") in ("phone", "none"):
        ticket.incident_country, ticket.incident_region = location["country"], None
    if location.get("place") and ticket.incident_place is None:
        ticket.incident_place = location["place"]
    recording = (conversation.host or {}).get("recording")
    if recording and not any(r.url == recording["url"] for r in ticket.recordings):
        session.add(TicketRecording(ticket_id=ticket.id, url=recording["url"], duration_seconds=recording["seconds"]))
    record_event(session, ticket, "conversation_completed", REPORTER, reason=f"via {conversation.channel}")


def add_recording(session: Session, conversation: Conversation, url: str, seconds: int | None) -> None:
    """A voicemail left after the questions: kept with the ticket."""
    if conversation.ticket_id is None:
        return
    ticket = session.get(Ticket, conversation.ticket_id)
    assert ticket is not None
    if any(r.url == url for r in ticket.recordings):
        return
    session.add(TicketRecording(ticket_id=ticket.id, url=url, duration_seconds=seconds))
    record_event(session, ticket, "voicemail_left", REPORTER, reason=f"via {conversation.channel}")
    session.commit()


def add_caller_message(session: Session, conversation: Conversation, text: str) -> Ticket | None:
    """A message after the questions: joins the ticket (and the chat transcript)."""
    body = clean_text(text)
    if not body or conversation.ticket_id is None:
        return None
    ticket = session.get(Ticket, conversation.ticket_id)
    assert ticket is not None
    session.add(
        TicketMessage(ticket_id=ticket.id, direction="in", channel=conversation.channel, author=REPORTER, body=body)
    )
    record_event(session, ticket, "follow_up_received", REPORTER, reason=f"via {conversation.channel}")
    if conversation.channel == "chat":
        session.add(ConversationTurn(conversation_id=conversation.id, direction="in", author="caller", body=body))
    conversation.updated_at = utcnow()
    session.commit()
    return ticket


def close(session: Session, conversation: Conversation, actor: str) -> None:
    """End a conversation; an SMS sender's next text starts a new one."""
    if conversation.state == State.CLOSED:
        return
    conversation.state = State.CLOSED
    conversation.closed_at = utcnow()
    if conversation.channel == "sms":
        conversation.provider_key = f"{conversation.provider_key}:{conversation.id}"
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        record_event(session, ticket, "conversation_closed", actor, reason=f"via {conversation.channel}")
    session.commit()


class ReplyRefused(ValueError):
    """The caller cannot be written to: no number kept, the callback window closed, or they opted out."""


def reply_to_caller(session: Session, ticket: Ticket, text: str, actor: str) -> None:
    """An operator's SMS to a reporter; the number is decrypted only to send and never stored in clear."""
    body = clean_text(text)
    if not body:
        raise ReplyRefused("empty reply")
    settings: Settings = current_app.config["SETTINGS"]
    if ticket.caller_phone_encrypted is None or ticket.caller_phone_expires_at is None:
        raise ReplyRefused("no callback number on this ticket")
    if ticket.caller_phone_expires_at <= utcnow():
        raise ReplyRefused("the callback window has closed")
    if ticket.caller_hash and session.scalar(
        select(Conversation.id).where(Conversation.caller_hash == ticket.caller_hash, Conversation.opted_out.is_(True))
    ):
        raise ReplyRefused("the reporter asked for no more messages")
    if decrypt_phone(ticket.caller_phone_encrypted, settings.phone_encryption_key) is None:
        raise ReplyRefused("the callback number cannot be read")
    # The outbox keeps a label, never the number: the gateway decrypts it again only to send.
    queue_message(
        session,
        kind=OutboxKind.REPORTER_REPLY,
        channel="sms",
        to=f"caller of {ticket.reference}",
        body=body,
        ticket_id=ticket.id,
    )
    session.add(TicketMessage(ticket_id=ticket.id, direction="out", channel="sms", author=actor, body=body))
    record_event(session, ticket, "reply_sent", actor, reason="via sms")
    session.commit()


def operator_reply(session: Session, conversation: Conversation, actor: str, text: str) -> None:
    """An operator's line in a web chat: on the transcript and on the ticket."""
    body = clean_text(text)
    if not body:
        return
    session.add(ConversationTurn(conversation_id=conversation.id, direction="out", author=actor, body=body))
    if conversation.ticket_id is not None:
        session.add(
            TicketMessage(ticket_id=conversation.ticket_id, direction="out", channel="chat", author=actor, body=body)
        )
    conversation.updated_at = utcnow()
    session.commit()


def take(session: Session, conversation: Conversation, operator_id: int, actor: str) -> None:
    """An operator opens a waiting chat: it is theirs now."""
    if conversation.state != State.WAITING:
        return
    conversation.state, conversation.operator_id = State.WITH_OPERATOR, operator_id
    conversation.answered_at = utcnow()
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        record_event(session, ticket, "chat_taken", actor, reason="via chat")
    session.commit()


def transcript(session: Session, conversation: Conversation, after: int = 0) -> list[dict[str, Any]]:
    turns = session.scalars(
        select(ConversationTurn)
        .where(
            ConversationTurn.conversation_id == conversation.id,
            ConversationTurn.id > after,
            ConversationTurn.body != "",
        )
        .order_by(ConversationTurn.id)
    )
    return [{"id": t.id, "author": t.author, "text": t.body, "language": t.language} for t in turns]


# Whole-message keywords, in the five languages and Twilio's own list (Twilio also stops sending
# on its STOP words, so our flag and the carrier agree).
STOP_WORDS = frozenset(
    {"stop", "alto", "stopall", "unsubscribe", "cancel", "end", "quit", "parar", "pare", "arret", "arrete", "sispann"}
)
START_WORDS = frozenset({"start", "unstop", "inicio", "iniciar", "comenzar", "commencer", "demarrer", "komanse"})
HELP_WORDS = frozenset({"help", "ayuda", "aide", "ajuda", "ed", "ede", "info"})


def keyword(text: str) -> str | None:
    from routing.text import tokens

    words = tokens(text)
    if len(words) != 1:
        return None
    word = words[0]
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def sms_received(session: Session, settings: Settings, caller: Caller, body: str, message_sid: str) -> list[str]:
    """One inbound text from a reporter; returns the texts to answer with (none after STOP or a retry)."""
    digest = caller.hash(settings)
    if digest is None or not message_sid:
        return []
    conversation = find(session, digest)
    if conversation is not None and conversation.state == State.OPEN:
        if utcnow() - conversation.updated_at > SMS_FOLLOW_UP_WINDOW:
            close(session, conversation, "system")
            conversation = None
    word = keyword(body)
    opted_out = session.scalar(
        select(Conversation).where(Conversation.caller_hash == digest, Conversation.opted_out.is_(True)).limit(1)
    )
    if conversation is None:
        if word == "stop" or opted_out is not None and word != "start":
            return _opt_out(session, settings, digest, caller, message_sid) if word == "stop" else []
        conversation, turn = begin(session, settings, "sms", digest, caller)
        if not claim(session, conversation, message_sid):
            return []
        if word is None and len(clean_text(body)) > 40:
            # A first text that already tells the story is kept for the ticket, not lost to the menu.
            note_host(conversation, opening=clean_text(body))
        if opted_out is not None:
            _opt_in(session, digest)
        session.commit()
        lang = language(conversation)
        return [prompt("sms_greeting", lang) + " " + " ".join(s.text for s in turn.said)]
    if not claim(session, conversation, message_sid):
        return []
    if word == "stop":
        return _opt_out(session, settings, digest, caller, message_sid)
    if word == "start":
        _opt_in(session, digest)
        session.commit()
        return [s.text for s in current_prompt(conversation)]
    if opted_out is not None:
        # They asked for silence: what they send still reaches the case, but nothing is sent back.
        add_caller_message(session, conversation, body)
        session.commit()
        return []
    lang = language(conversation)
    if word == "help":
        session.commit()
        return [prompt("sms_help", lang)] + [s.text for s in current_prompt(conversation)]
    if conversation.state != State.FLOW:
        ticket = add_caller_message(session, conversation, body)
        session.commit()
        return [prompt("follow_up_added", lang, reference=ticket.reference)] if ticket else []
    turn = answer(session, settings, conversation, body, caller, source_id=message_sid)
    texts = [" ".join(s.text for s in turn.said)] if turn.said else []
    if turn.passphrase:
        texts.append(prompt("passphrase", language(conversation), passphrase=turn.passphrase))
    if turn.ended and turn.hand_over:
        texts.append(prompt("operator_will_reply", language(conversation)))
    return texts


def _opt_out(session: Session, settings: Settings, digest: str, caller: Caller, message_sid: str) -> list[str]:
    conversation = find(session, digest)
    if conversation is None:
        conversation, _turn = begin(session, settings, "sms", digest, caller)
        claim(session, conversation, message_sid)
    conversation.opted_out = True
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        record_event(session, ticket, "sms_opt_out", REPORTER, reason="STOP received; no more messages")
    session.commit()
    close(session, conversation, REPORTER)
    return []


def _opt_in(session: Session, digest: str) -> None:
    for conversation in session.scalars(
        select(Conversation).where(Conversation.caller_hash == digest, Conversation.opted_out.is_(True))
    ):
        conversation.opted_out = False
