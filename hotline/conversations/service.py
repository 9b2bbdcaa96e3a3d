"""The intake conversation for voice, SMS and chat: drives the flow engine and turns a run into a ticket.

The channels only translate: a key press, a speech result, a text or a chat line becomes an answer
here, and what comes back is what to say and where the run stands. The ticket is made when the run
ends, or at once when the caller may be in danger (then the rest of the conversation completes that
same ticket). The caller's number is passed in with each request and only ever reaches the core's
encrypted copy; the conversation keeps its keyed hash.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from hotline import keystore
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.conversations.prompts import language_of, prompt
from hotline.db import utcnow
from hotline.jobs.queue import enqueue_after_commit
from hotline.outbox import OutboxKind, queue_message
from hotline.privacy import InvalidPhone, caller_hash, decrypt_phone, normalise_phone, phone_country
from hotline.reasons import system_reason
from hotline.referrals.dispatch import record_consent
from hotline.referrals.service import retriage
from hotline.reports import NOTHING_SAID, file_report
from hotline.settings import Settings
from hotline.tickets.intake import IntakeError, parse_intake
from hotline.tickets.models import Ticket, TicketMessage, TicketRecording, TicketSubmission
from hotline.tickets.service import REPORTER, SYSTEM, record_event
from routing.answers import NO, UNKNOWN, read_answer
from routing.flow_definition import SPOKEN_ACTIONS, Flow, load_flow
from routing.flow_engine import Event, IllegalTransition, Outcome, Run, fire, select_transition, start
from routing.intake import MAX_TEXT_LENGTH

log = logging.getLogger(__name__)

FLOW_FILE = Path(__file__).resolve().parents[2] / "routing" / "flows" / "intake_conversation.json"
CANNED_REPLIES_FILE = Path(__file__).resolve().parent / "canned_replies.json"
WHATSAPP_TEMPLATES_FILE = Path(__file__).resolve().parent / "whatsapp_templates.json"
ANSWER_KEYS = ("in_danger_now", "minor_involved", "movement_restricted", "documents_withheld")
# What the person agrees to share, asked after the safety questions (routing/dispatch.py reads them;
# a question not answered stays out, which the policy reads as "not asked").
CONSENT_KEYS = ("share_authorities", "share_origin")
# The questions whose answer is a place: an answer with no letter or digit in it is no place.
PLACE_NODES = frozenset({"ask_where"})
# The yes/no questions a first text can already answer, and the triage indicators that answer them
# "yes" (routing.risk reads the text). Nothing here ever answers "no": silence on a sign is not its absence.
ANSWERED_BY_INDICATORS: dict[str, frozenset[str]] = {
    "ask_danger": frozenset({"in_danger_now"}),
    "ask_minor": frozenset({"minor_involved"}),
    "ask_movement": frozenset({"movement_restricted", "held_now"}),
    "ask_documents": frozenset({"documents_withheld"}),
}
# What the language menu is answered with, by language (the menu's own digits).
LANGUAGE_DIGITS = {"es": "1", "en": "2", "fr": "3", "pt": "4", "ht": "5"}
YES_DIGIT = "1"
# The language menu as chat buttons: each name is read by the menu's own words (espanol, english, ...).
LANGUAGE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "ht": "Kreyòl ayisyen"}
# A first text made only of these words (or digits) is a greeting, not a report to keep.
GREETING_WORDS = frozenset(
    {
        "hola", "buenas", "buenos", "buen", "dia", "dias", "tardes", "noches", "saludos", "hello", "hi", "hey",
        "good", "morning", "afternoon", "evening", "bonjour", "bonsoir", "salut", "ola", "oi", "bom", "boa",
        "tarde", "noite", "bonjou", "bonswa", "alo", "allo", "que", "tal", "info", "informacion", "ok",
    }
)  # fmt: skip
# How long each timer of the flow lasts, by channel (the flow names them; the host decides).
TIMERS: dict[str, dict[str, timedelta]] = {
    "voice": {"answer_timeout": timedelta(seconds=8), "narrative_timeout": timedelta(minutes=2)},
    "sms": {"answer_timeout": timedelta(hours=2), "narrative_timeout": timedelta(hours=4)},
    "whatsapp": {"answer_timeout": timedelta(hours=2), "narrative_timeout": timedelta(hours=4)},
    "chat": {"answer_timeout": timedelta(minutes=10), "narrative_timeout": timedelta(minutes=20)},
}
# A later text from the same number joins the open ticket for this long after the last message.
SMS_FOLLOW_UP_WINDOW = timedelta(days=7)
# A first text of this many words is a story: it answers the narrative question itself.
STORY_WORDS = 12
# Voice waits are Twilio's own (<Gather timeout>); texts and chat wait on our timer path.
TIMED_CHANNELS = ("sms", "whatsapp", "chat")
# Texting channels: keyed by the sender's hash, open for follow-ups after the questions.
MESSAGING_CHANNELS = ("sms", "whatsapp")
# WhatsApp lets a business write freely only this long after the person's last message; outside it
# only an approved template may be sent.
WHATSAPP_WINDOW = timedelta(hours=24)
TIMEOUT_JOB = "hotline.jobs.conversations.conversation_timeout"
FETCH_MEDIA_JOB = "hotline.jobs.media.fetch_media"
# What the ticket's narrative says when the caller gave none (a ticket needs words or answers).
# What the voice host answers the narrative question with when the caller recorded it instead of
# speaking it to the recogniser: the recording goes with the ticket, this placeholder does not.
RECORDED_NARRATIVE = "(recorded narrative)"
NO_NARRATIVE = {
    "voice": f"(Call: {NOTHING_SAID}; see the recording if any.)",
    "sms": f"(SMS: {NOTHING_SAID}.)",
    "whatsapp": f"(WhatsApp: {NOTHING_SAID}.)",
    "chat": f"(Chat: {NOTHING_SAID}.)",
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
    if Run.from_dict(conversation.run).node in PLACE_NODES and not any(ch.isalnum() for ch in text):
        # "👍" or "..." answers nothing: the place question is asked again, not filled with an emoji.
        text = ""
    words = _answer_words(conversation, text)
    if words:
        # A sentence given for a yes/no ("no me dejan salir") is not a "no": its words join the triage text.
        _keep_answer_words(conversation, words)
    event = Event("answer", "caller", {"text": text})
    if (
        conversation.channel != "chat"
        and any(ch.isalpha() for ch in text)
        and words != text
        and _unusable(conversation, event)
    ):
        # Words the question cannot use ("palabra" at the language menu) are asked again, or lead on
        # after the last try, but they are kept: a text or a spoken answer is stored nowhere else.
        _keep_answer_words(conversation, text)
    return _fire(session, settings, conversation, event, caller, source_id)


def _keep_answer_words(conversation: Conversation, words: str) -> None:
    kept = (conversation.host or {}).get("answer_words", [])
    note_host(conversation, answer_words=[*kept, sealed(conversation, words)])


def _unusable(conversation: Conversation, event: Event) -> bool:
    """Whether the question waiting takes this answer as a failed one (no transition accepts it)."""
    try:
        return select_transition(conversation_flow(), Run.from_dict(conversation.run), event) is None
    except IllegalTransition:
        return False


def _answer_words(conversation: Conversation, text: str) -> str:
    """The narrative words of a reply to a yes/no question (routing.answers reads it), else ""."""
    run = Run.from_dict(conversation.run)
    if run.ended or not text:
        return ""
    node = conversation_flow().nodes[run.node]
    if not any(c.test == "answer_is" for t in node.transitions for c in t.when):
        return ""
    return read_answer(text).narrative


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
    _finish_silently(session, settings, conversation, caller)
    # The next text from this number starts afresh (its questions would otherwise be read as answers).
    note_host(conversation, went_quiet=True)
    session.commit()
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        if ticket.caller_hash is None:
            # Repeat contacts from this number still find the ticket; there is no number to call back.
            ticket.caller_hash = conversation.caller_hash
        record_event(
            session, ticket, "reporter_went_quiet", SYSTEM, reason=system_reason("via", channel=conversation.channel)
        )
        session.commit()
    return "ticket made" if conversation.ticket_id is not None else "ended"


def _finish_silently(session: Session, settings: Settings, conversation: Conversation, caller: Caller) -> None:
    """Time out every question left, sending nothing: the run ends and what was said becomes a ticket
    (with the answers a first text already gave)."""
    for _question in range(len(conversation_flow().nodes)):
        run = Run.from_dict(conversation.run)
        if run.ended:
            break
        prefill = dict((conversation.host or {}).get("prefill") or {})
        if run.node in prefill:
            value = prefill.pop(run.node)
            note_host(conversation, prefill=prefill)
            event = Event("answer", "caller", {"text": value})
            if not _fire(session, settings, conversation, event, caller, None).retried:
                continue
        time_out(session, settings, conversation, caller)


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
    written = "chat" if conversation.channel == "chat" else "text"
    return [
        Said((spec.params.get(written) or spec.params["text"])[language], language)
        for spec in node.actions
        if spec.kind in SPOKEN_ACTIONS
    ]


def choices(conversation: Conversation) -> list[str]:
    """What the chat offers as buttons for the question waiting: a language, or yes / no / don't know.

    A button sends its label as the answer, read like typed words (routing.answers); a question
    whose answer is free text (the place, the story) has no buttons.
    """
    run = Run.from_dict(conversation.run)
    if run.ended or conversation.state != State.FLOW:
        return []
    if run.node == "choose_language":
        return list(LANGUAGE_NAMES.values())
    node = conversation_flow().nodes[run.node]
    if any(c.test == "answer_is" for t in node.transitions for c in t.when):
        lang = language(conversation)
        return [prompt("choice_yes", lang), prompt("choice_no", lang), prompt("choice_unknown", lang)]
    return []


def language(conversation: Conversation) -> str:
    return str(Run.from_dict(conversation.run).data.get("language") or conversation_flow().default_language)


def note_host(conversation: Conversation, **values: Any) -> None:
    """Keep something beside the run (a chosen country, a recording); JSON columns need a new dict."""
    conversation.host = {**(conversation.host or {}), **values}


def sealed(conversation: Conversation, words: str) -> str:
    """A reporter's words kept beside the run (the first text, answers given in words) until the ticket
    has them: sealed under the conversation's transcript key, like its chat lines."""
    session = object_session(conversation)
    if session is None:
        raise RuntimeError("a conversation's words are sealed through its session")
    if conversation.id is None:
        session.flush()
    return keystore.seal(session, conversation.id, keystore.TRANSCRIPT, words)


def unsealed(conversation: Conversation, words: str) -> str:
    """Words `sealed` kept, in clear ("" once retention destroyed the transcript key: the ticket has them)."""
    opened = keystore.unseal(object_session(conversation), conversation.id, keystore.TRANSCRIPT, words)
    return "" if opened == keystore.ERASED else opened


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
            written = action.params.get("chat") if conversation.channel == "chat" else None
            turn.said.append(Said(str(written or action.params["text"]), str(action.params["language"])))
    due = due_at(conversation) if conversation.channel in TIMED_CHANNELS else None
    if due is not None:
        enqueue_after_commit(session, TIMEOUT_JOB, conversation.id, at=due)
    if run.ended and conversation.channel == "voice" and not has_content(conversation, run):
        # A call that never said anything (silence at the menu, keys pressed at random) is a logged
        # contact, not a report: no ticket, so no referral. A voicemail left after it makes one.
        conversation.state = State.WAITING
    elif run.ended:
        ticket = _ensure_ticket(session, settings, conversation, run, caller, source_id, turn)
        if not turn.ticket_created:
            _complete_ticket(session, conversation, ticket, run)
        conversation.state = State.OPEN if conversation.channel in MESSAGING_CHANNELS else State.WAITING
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
    for url, content_type in (conversation.host or {}).get("media", ()):
        add_media(session, ticket.id, url, content_type)
    earlier = (conversation.host or {}).get("earlier_ticket")
    if received.created and earlier:
        record_event(
            session, ticket, "earlier_contact", SYSTEM, reason=system_reason("earlier_contact", reference=earlier)
        )
    if received.created:
        turn.ticket_created = True
        turn.passphrase = received.passphrase
    return ticket


def intake_of(conversation: Conversation, run: Run, caller: Caller) -> dict[str, Any]:
    """The Intake JSON of what the run has gathered so far."""
    data = run.data
    host = conversation.host or {}
    narrative = str(data.get("narrative") or "")
    if narrative == RECORDED_NARRATIVE:
        narrative = ""
    opening = unsealed(conversation, str(host.get("opening") or ""))
    if narrative == opening:
        narrative = ""  # the first text answered the story question itself
    said = "\n".join(unsealed(conversation, str(words)) for words in host.get("answer_words", ()))
    text = "\n\n".join(part for part in (opening, said, narrative) if part)
    answers = {key: data[key] for key in ANSWER_KEYS if key in data}
    consent = {key: data[key] for key in CONSENT_KEYS if data.get(key) is not None}
    if not text and not any(value is not None for value in answers.values()):
        text = NO_NARRATIVE[conversation.channel]
    place = str(data.get("location_text") or "")[:200] or None
    if place and (reply := read_answer(place)).kind in (NO, UNKNOWN) and not reply.narrative:
        place = None  # "no", "no sé", "m pa konnen" to "where is this happening?": no place was said
    return {
        "text": text,
        "language": data.get("language"),
        "caller_phone": caller.phone,
        "location": {"country": host.get("country"), "place": place},
        "answers": answers,
        "contact_ok": caller.phone is not None,
        "consent": consent,
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
    if body["consent"]:
        # Asked after the ticket was made (a possible danger makes it early): the answers join the
        # ticket, and proposals they no longer allow are held.
        record_consent(session, ticket, body["consent"], REPORTER, f"via {conversation.channel}")
    recording = (conversation.host or {}).get("recording")
    if recording and not any(r.url == recording["url"] for r in ticket.recordings):
        session.add(TicketRecording(ticket_id=ticket.id, url=recording["url"], duration_seconds=recording["seconds"]))
    record_event(
        session, ticket, "conversation_completed", REPORTER, reason=system_reason("via", channel=conversation.channel)
    )
    # The ticket was routed on what was known when it was made (danger: the phone's country, no
    # story); routing runs again on the incident country and the narrative.
    words = "\n".join(part for part in (str(run.data.get("location_text") or ""), body["text"]) if part)
    body = {**body, "text": body["text"] or NO_NARRATIVE[conversation.channel]}
    try:
        intake = parse_intake(body, channel=conversation.channel).intake
        with session.begin_nested():
            retriage(session, ticket, replace(intake, text=words[:MAX_TEXT_LENGTH] or intake.text))
    except Exception as fault:  # noqa: BLE001 - the words are stored; a routing fault must not lose them
        log.warning("re-routing ticket %s failed: %s", ticket.id, type(fault).__name__)
        record_event(session, ticket, "retriage_failed", SYSTEM, reason=type(fault).__name__)


def has_content(conversation: Conversation, run: Run) -> bool:
    """Whether the caller told us anything at all: an answer, a place, a story or a recording."""
    host = conversation.host or {}
    return (
        any(key in run.data for key in ANSWER_KEYS)
        or bool(run.data.get("location_text") or run.data.get("narrative"))
        or bool(host.get("country") or host.get("recording") or host.get("opening"))
    )


def caller_hung_up(session: Session, settings: Settings, conversation: Conversation, caller: Caller) -> str:
    """The call ended (Twilio's status callback). Nothing said is lost: the answers given so far
    become a ticket (or complete the one made on danger); a call with nothing said is a logged
    contact only. Closes the conversation; a repeat of the callback changes nothing. Commits."""
    if conversation.state == State.CLOSED:
        return "closed"
    run = Run.from_dict(conversation.run)
    outcome = "ended"
    if conversation.state == State.FLOW and not run.ended:
        if conversation.ticket_id is not None:
            ticket = session.get(Ticket, conversation.ticket_id)
            assert ticket is not None
            _complete_ticket(session, conversation, ticket, run)
            outcome = "ticket completed"
        elif has_content(conversation, run):
            ticket = _ensure_ticket(session, settings, conversation, run, caller, None, Turn(conversation))
            outcome = "ticket made"
        else:
            outcome = "logged contact"
        if conversation.ticket_id is not None:
            ticket = session.get(Ticket, conversation.ticket_id)
            assert ticket is not None
            record_event(session, ticket, "caller_hung_up", REPORTER, reason=system_reason("hung_up", node=run.node))
        data = {k: v for k, v in run.data.items() if k not in ("narrative", "location_text")}
        conversation.run = {**conversation.run, "data": data}
    session.commit()
    close(session, conversation, REPORTER)
    return outcome


def add_recording(
    session: Session, settings: Settings, conversation: Conversation, url: str, seconds: int | None, caller: Caller
) -> None:
    """A voicemail left after the questions: kept with the ticket, which it makes if there is none."""
    made_now = conversation.ticket_id is None
    if made_now:
        note_host(conversation, recording={"url": url, "seconds": seconds})
        run = Run.from_dict(conversation.run)
        _ensure_ticket(session, settings, conversation, run, caller, None, Turn(conversation))
    ticket = session.get(Ticket, conversation.ticket_id)
    assert ticket is not None
    if not made_now:
        if any(r.url == url for r in ticket.recordings):
            return
        session.add(TicketRecording(ticket_id=ticket.id, url=url, duration_seconds=seconds))
    record_event(session, ticket, "voicemail_left", REPORTER, reason=system_reason("via", channel=conversation.channel))
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
    record_event(
        session, ticket, "follow_up_received", REPORTER, reason=system_reason("via", channel=conversation.channel)
    )
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
    if conversation.channel in MESSAGING_CHANNELS:
        conversation.provider_key = f"{conversation.provider_key}:{conversation.id}"
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        record_event(
            session, ticket, "conversation_closed", actor, reason=system_reason("via", channel=conversation.channel)
        )
    session.commit()


def end_chat(session: Session, conversation: Conversation, actor: str) -> None:
    """The operator ends a web chat: the reporter reads why in their language, then it closes."""
    if conversation.state == State.CLOSED:
        return
    lang = language(conversation)
    session.add(
        ConversationTurn(
            conversation_id=conversation.id,
            direction="out",
            author="flow",
            body=prompt("chat_closed", lang),
            language=lang,
        )
    )
    close(session, conversation, actor)


def message_after_close(session: Session, conversation: Conversation, text: str) -> None:
    """A reporter writes into a chat already closed: the words are kept (on the ticket, and on the
    transcript) and they are told where they went. Commits."""
    body = clean_text(text)
    if not body:
        return
    ticket = add_caller_message(session, conversation, body)
    if ticket is None:
        session.add(ConversationTurn(conversation_id=conversation.id, direction="in", author="caller", body=body))
    lang = language(conversation)
    reply = prompt("follow_up_added", lang, reference=ticket.reference) if ticket else prompt("chat_closed", lang)
    session.add(
        ConversationTurn(conversation_id=conversation.id, direction="out", author="flow", body=reply, language=lang)
    )
    session.commit()


# How long the reporter's page may miss its polls before the operator sees them as gone quiet.
CHAT_HEARTBEAT = timedelta(seconds=30)
# Polls closer together than this do not write the heartbeat again.
HEARTBEAT_WRITE_EVERY = timedelta(seconds=10)


def reporter_seen(session: Session, conversation: Conversation, now: datetime) -> None:
    """The reporter's page polled: they are still there (written at most every few seconds)."""
    seen = (conversation.host or {}).get("seen_at")
    if seen is None or now - datetime.fromisoformat(seen) >= HEARTBEAT_WRITE_EVERY or conversation.host.get("left_at"):
        host = {k: v for k, v in (conversation.host or {}).items() if k != "left_at"}
        conversation.host = {**host, "seen_at": now.isoformat()}
        session.commit()


def reporter_left(session: Session, conversation: Conversation, now: datetime) -> None:
    """The reporter's page closed (it says so as it goes); the operator sees it at once."""
    note_host(conversation, left_at=now.isoformat())
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        record_event(session, ticket, "reporter_left_chat", REPORTER, reason=system_reason("left_chat"))
    session.commit()


def reporter_presence(conversation: Conversation, now: datetime) -> str:
    """ "here", "left" (the page was closed) or "gone quiet" (its polls stopped) for the operator."""
    host = conversation.host or {}
    if host.get("left_at"):
        return "left"
    seen = host.get("seen_at")
    if seen is not None and now - datetime.fromisoformat(seen) > CHAT_HEARTBEAT:
        return "gone quiet"
    return "here"


class ReplyRefused(ValueError):
    """The caller cannot be written to: no number kept, the callback window closed, or they opted out."""


def reply_to_caller(session: Session, ticket: Ticket, text: str, actor: str) -> None:
    """An operator's SMS to a reporter; the number is decrypted only to send and never stored in clear."""
    body = clean_text(text)
    if not body:
        raise ReplyRefused("empty reply")
    channel = _reply_channel_open(session, ticket)
    if channel == "whatsapp" and not within_whatsapp_window(session, ticket):
        raise ReplyRefused("outside WhatsApp's 24-hour window")
    _queue_reply(session, ticket, channel, body, actor)


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp message: its id, and per language the ContentSid and the words it says."""

    id: str
    content_sids: dict[str, str]
    bodies: dict[str, str]


@lru_cache(maxsize=1)
def whatsapp_templates() -> tuple[WhatsAppTemplate, ...]:
    document = json.loads(WHATSAPP_TEMPLATES_FILE.read_text(encoding="utf-8"))
    return tuple(
        WhatsAppTemplate(
            id=entry["id"],
            content_sids={lang: spec["content_sid"] for lang, spec in entry["languages"].items()},
            bodies={lang: spec["body"] for lang, spec in entry["languages"].items()},
        )
        for entry in document["templates"]
    )


def reporter_language(session: Session, ticket: Ticket) -> str:
    """The language the reporter chose in their conversation, else the ticket's, else the default."""
    chosen = session.scalar(
        select(Conversation.language).where(Conversation.ticket_id == ticket.id).order_by(Conversation.id.desc())
    )
    return language_of(chosen or ticket.language)


def send_whatsapp_template(session: Session, ticket: Ticket, template_id: str, actor: str) -> None:
    """An approved template to a WhatsApp reporter, in their language (allowed in or out of the window)."""
    channel = _reply_channel_open(session, ticket)
    if channel != "whatsapp":
        raise ReplyRefused("templates are for WhatsApp reporters")
    found = [template for template in whatsapp_templates() if template.id == template_id]
    if not found:
        raise ReplyRefused("no such template")
    lang = reporter_language(session, ticket)
    _queue_reply(session, ticket, channel, found[0].bodies[lang], actor, content_sid=found[0].content_sids[lang])


@lru_cache(maxsize=1)
def _canned() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(CANNED_REPLIES_FILE.read_text(encoding="utf-8"))["replies"])


def canned_replies(lang: str | None) -> list[tuple[str, str]]:
    """The one-click replies (id, words) in the reporter's language: data, like the flow's prompts."""
    code = language_of(lang)
    return [(entry["id"], entry["text"][code]) for entry in _canned()]


def reply_words(text: str, canned_id: str, lang: str | None) -> str:
    """What an operator sends: their own words, else the canned reply they picked."""
    if clean_text(text):
        return text
    return dict(canned_replies(lang)).get(canned_id, "")


def _queue_reply(
    session: Session, ticket: Ticket, channel: str, body: str, actor: str, *, content_sid: str | None = None
) -> None:
    # The outbox keeps a label, never the number: the gateway decrypts it again only to send.
    queue_message(
        session,
        kind=OutboxKind.REPORTER_REPLY,
        channel=channel,
        to=f"caller of {ticket.reference}",
        body=body,
        ticket_id=ticket.id,
        content_sid=content_sid,
    )
    session.add(TicketMessage(ticket_id=ticket.id, direction="out", channel=channel, author=actor, body=body))
    why = f"via {channel}" + (" (approved template)" if content_sid else "")
    record_event(session, ticket, "reply_sent", actor, reason=why)
    session.commit()


def _reply_channel_open(session: Session, ticket: Ticket) -> str:
    """How this reporter can be written to now; ReplyRefused when they cannot be written to at all."""
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
    return reply_channel(ticket)


def reply_channel(ticket: Ticket) -> str:
    """How an operator's written reply reaches the reporter: WhatsApp if they wrote that way, else SMS."""
    return "whatsapp" if ticket.channel == "whatsapp" else "sms"


def within_whatsapp_window(session: Session, ticket: Ticket) -> bool:
    """Whether the reporter wrote on WhatsApp in the last 24 hours (free-form replies are allowed)."""
    last = session.scalar(
        select(TicketMessage.created_at)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "in")
        .order_by(TicketMessage.created_at.desc())
        .limit(1)
    )
    seen = [last] if last is not None else []
    seen += list(
        session.scalars(
            select(ConversationTurn.at)
            .join(Conversation, Conversation.id == ConversationTurn.conversation_id)
            .where(Conversation.ticket_id == ticket.id, ConversationTurn.direction == "in")
            .order_by(ConversationTurn.at.desc())
            .limit(1)
        )
    )
    return bool(seen) and utcnow() - max(seen) <= WHATSAPP_WINDOW


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
        record_event(session, ticket, "chat_taken", actor, reason=system_reason("via", channel="chat"))
    session.commit()


def transcript(session: Session, conversation: Conversation, after: int = 0) -> list[dict[str, Any]]:
    turns = session.scalars(
        select(ConversationTurn)
        .where(
            ConversationTurn.conversation_id == conversation.id,
            ConversationTurn.id > after,
            ConversationTurn.body_sealed != "",
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


Media = tuple[tuple[str, str], ...]  # (URL at the provider, content type) of each photo or file


def sms_received(
    session: Session,
    settings: Settings,
    caller: Caller,
    body: str,
    message_sid: str,
    media: Media = (),
    channel: str = "sms",
) -> list[str]:
    """One inbound text from a reporter; returns the texts to answer with (none after STOP or a retry).

    Nothing is dropped: after STOP the words (and photos) still reach the case, silently.
    """
    digest = caller.hash(settings)
    if digest is None or not message_sid:
        return []
    now = utcnow()
    key = conversation_key(channel, digest)
    conversation = find(session, key)
    earlier: Conversation | None = None
    if conversation is not None and conversation.state == State.FLOW and due_timer(conversation, now):
        # The timer job was lost: the answers become a ticket now, and this text is not read as
        # the answer to a question asked days ago.
        went_quiet(session, settings, conversation.id, now)
    if conversation is not None and conversation.state == State.OPEN:
        if now - conversation.updated_at > SMS_FOLLOW_UP_WINDOW or (conversation.host or {}).get("went_quiet"):
            if session.scalar(select(ConversationTurn.id).where(ConversationTurn.provider_id == message_sid)):
                return []
            close(session, conversation, SYSTEM)
            earlier, conversation = conversation, None
    word = keyword(body)
    opted_out = session.scalar(
        select(Conversation).where(Conversation.caller_hash == digest, Conversation.opted_out.is_(True)).limit(1)
    )
    if opted_out is not None and word == "help":
        return []  # the carrier answers HELP for an opted-out number; the word itself says nothing
    if opted_out is not None and word not in ("start", "stop"):
        # They asked for silence: what they send still reaches the case, but nothing is sent back.
        _keep_silently(session, settings, channel, digest, caller, conversation, body, message_sid, media)
        return []
    if conversation is None:
        if word == "stop":
            return _opt_out(session, settings, channel, digest, caller, message_sid)
        conversation, turn = begin(session, settings, channel, conversation_key(channel, digest), caller)
        if not claim(session, conversation, message_sid):
            return []
        if earlier is None:
            earlier = _last_with_ticket(session, digest, conversation.id)
        if earlier is not None and earlier.ticket_id is not None:
            earlier_ticket = session.get(Ticket, earlier.ticket_id)
            note_host(conversation, earlier_ticket=earlier_ticket.reference if earlier_ticket else None)
        if opted_out is not None:
            _opt_in(session, digest)
        _keep_media(session, conversation, media)
        opening = clean_text(body)
        if word is None and is_report(opening):
            # A first text that already says something is kept for the ticket, not lost to the menu,
            # and the questions it answers are not asked again.
            note_host(conversation, opening=sealed(conversation, opening), prefill=prefilled_answers(opening))
            turn = _skip_answered(session, settings, conversation, caller, turn, message_sid)
        session.commit()
        lang = language(conversation)
        return [prompt("sms_greeting", lang) + " " + " ".join(s.text for s in turn.said), *_extra_texts(turn)]
    if not claim(session, conversation, message_sid):
        return []
    if word == "stop":
        return _opt_out(session, settings, channel, digest, caller, message_sid)
    if word == "start":
        _opt_in(session, digest)
        session.commit()
        return [s.text for s in current_prompt(conversation)]
    lang = language(conversation)
    if word == "help":
        session.commit()
        return [prompt("sms_help", lang)] + [s.text for s in current_prompt(conversation)]
    _keep_media(session, conversation, media)
    if conversation.state != State.FLOW:
        ticket = add_caller_message(session, conversation, body) if clean_text(body) else None
        if ticket is None and media and conversation.ticket_id is not None:
            ticket = session.get(Ticket, conversation.ticket_id)
        session.commit()
        return [prompt("follow_up_added", lang, reference=ticket.reference)] if ticket else []
    turn = answer(session, settings, conversation, body, caller, source_id=message_sid)
    turn = _skip_answered(session, settings, conversation, caller, turn, message_sid)
    session.commit()
    texts = [" ".join(s.text for s in turn.said)] if turn.said else []
    return texts + _extra_texts(turn)


def conversation_key(channel: str, digest: str) -> str:
    """An SMS conversation is keyed by the sender's hash; a WhatsApp one by the hash with its channel."""
    return digest if channel == "sms" else f"{channel}:{digest}"


def _extra_texts(turn: Turn) -> list[str]:
    """What follows the flow's own words: the reference if the flow did not say it (the danger path
    hands over before the end), the passphrase once, and who will answer."""
    conversation = turn.conversation
    lang = language(conversation)
    texts: list[str] = []
    if turn.ticket_created and conversation.ticket_id is not None:
        ticket = conversation_ticket(conversation)
        if ticket is not None and not any(ticket.reference in said.text for said in turn.said):
            texts.append(reference_text(ticket.reference, lang))
    if turn.passphrase:
        texts.append(prompt("passphrase", lang, passphrase=turn.passphrase))
    if turn.ended and turn.hand_over:
        texts.append(prompt("operator_will_reply", lang))
    return texts


def conversation_ticket(conversation: Conversation) -> Ticket | None:
    from sqlalchemy.orm import object_session

    session = object_session(conversation)
    return session.get(Ticket, conversation.ticket_id) if session and conversation.ticket_id else None


def reference_text(reference: str, lang: str) -> str:
    """The flow's own "your reference is …" sentence, in the conversation's language."""
    node = conversation_flow().nodes["done"]
    [spec] = [spec for spec in node.actions if spec.kind == "give_reference"]
    texts = spec.params["text"]
    return str(texts.get(lang) or texts[conversation_flow().default_language]).replace("{reference}", reference)


def is_report(text: str) -> bool:
    """Whether a first text says something beyond a greeting (a short "me tienen encerrada" does)."""
    from routing.text import tokens

    words = tokens(text)
    return any(not word.isdigit() and word not in GREETING_WORDS for word in words)


def prefilled_answers(text: str) -> dict[str, str]:
    """The answers a first text already gives, by question: its language, the signs the triage reads
    in it ("nos tienen encerradas" answers the movement question), and the story itself."""
    from routing.grammar import read_text
    from routing.language import detect_language
    from routing.risk import assess_risk, default_risk_rules
    from routing.text import tokens

    prefill: dict[str, str] = {}
    detected = detect_language(text)
    if detected is not None and detected[0] in LANGUAGE_DIGITS:
        prefill["choose_language"] = LANGUAGE_DIGITS[detected[0]]
    indicators = assess_risk(tokens(text), {}, default_risk_rules(), read_text(text)).keys
    for node, answered_by in ANSWERED_BY_INDICATORS.items():
        if indicators & answered_by:
            prefill[node] = YES_DIGIT
    if len(tokens(text)) >= STORY_WORDS:
        prefill["ask_narrative"] = text
    return prefill


def _skip_answered(
    session: Session, settings: Settings, conversation: Conversation, caller: Caller, turn: Turn, source_id: str
) -> Turn:
    """Answer, from the first text, each question it already answered; say only what is left."""
    prefill = dict((conversation.host or {}).get("prefill") or {})
    while not turn.ended and turn.node in prefill:
        asked = {said.text for said in current_prompt(conversation)}
        value = prefill.pop(turn.node)
        note_host(conversation, prefill=prefill)
        event = Event("answer", "caller", {"text": value})
        following = _fire(session, settings, conversation, event, caller, source_id)
        if following.retried:
            break
        turn = Turn(
            conversation,
            said=[said for said in turn.said if said.text not in asked] + following.said,
            hand_over=turn.hand_over or following.hand_over,
            ticket_created=turn.ticket_created or following.ticket_created,
            passphrase=turn.passphrase or following.passphrase,
        )
    return turn


def _keep_media(session: Session, conversation: Conversation, media: Media) -> None:
    """Photos and files sent by MMS or WhatsApp: their provider URLs go with the ticket (or wait for it)."""
    if not media:
        return
    if conversation.ticket_id is None:
        kept = [list(item) for item in (conversation.host or {}).get("media", [])]
        note_host(conversation, media=kept + [[url, kind] for url, kind in media if [url, kind] not in kept])
        return
    ticket = session.get(Ticket, conversation.ticket_id)
    assert ticket is not None
    known = {recording.url for recording in ticket.recordings}
    for url, content_type in media:
        if url not in known:
            add_media(session, ticket.id, url, content_type)
    record_event(
        session,
        ticket,
        "media_received",
        REPORTER,
        reason=system_reason("files_received", count=len(media), channel=conversation.channel),
    )


def add_media(session: Session, ticket_id: int, url: str, content_type: str) -> None:
    """A photo or file joins the ticket; a job fetches it into encrypted storage (it gets the id only)."""
    recording = TicketRecording(ticket_id=ticket_id, url=url, content_type=content_type)
    session.add(recording)
    session.flush()
    enqueue_after_commit(session, FETCH_MEDIA_JOB, recording.id)


def _last_with_ticket(session: Session, digest: str, other_than: int | None = None) -> Conversation | None:
    query = select(Conversation).where(Conversation.caller_hash == digest, Conversation.ticket_id.is_not(None))
    if other_than is not None:
        query = query.where(Conversation.id != other_than)
    return session.scalars(query.order_by(Conversation.id.desc()).limit(1)).first()


def _keep_silently(
    session: Session,
    settings: Settings,
    channel: str,
    digest: str,
    caller: Caller,
    conversation: Conversation | None,
    body: str,
    message_sid: str,
    media: Media,
) -> None:
    """A text from a number that sent STOP: stored on its latest case (or a new one), never answered."""
    target = conversation if conversation is not None and conversation.ticket_id else None
    target = target or _last_with_ticket(session, digest)
    if target is not None:
        if not claim(session, target, message_sid):
            return
        _keep_media(session, target, media)
        if clean_text(body):
            add_caller_message(session, target, body)
        session.commit()
        return
    # Nothing kept from this number yet: the text is a report of its own, with no questions asked.
    if conversation is None:
        conversation, _turn = begin(session, settings, channel, conversation_key(channel, digest), caller)
    if not claim(session, conversation, message_sid):
        return
    conversation.opted_out = True
    if is_report(clean_text(body)):
        note_host(conversation, opening=sealed(conversation, clean_text(body)))
    _keep_media(session, conversation, media)
    if has_content(conversation, Run.from_dict(conversation.run)) or media:
        _finish_silently(session, settings, conversation, caller)
    session.commit()


def _opt_out(
    session: Session, settings: Settings, channel: str, digest: str, caller: Caller, message_sid: str
) -> list[str]:
    conversation = find(session, conversation_key(channel, digest))
    if conversation is None:
        conversation, _turn = begin(session, settings, channel, conversation_key(channel, digest), caller)
        claim(session, conversation, message_sid)
    elif conversation.state == State.FLOW and has_content(conversation, Run.from_dict(conversation.run)):
        # STOP stops our messages, not the report: what was said so far becomes the ticket.
        _finish_silently(session, settings, conversation, caller)
    conversation.opted_out = True
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        assert ticket is not None
        if ticket.caller_hash is None:
            ticket.caller_hash = conversation.caller_hash
        record_event(session, ticket, "sms_opt_out", REPORTER, reason=system_reason("sms_opt_out"))
    session.commit()
    close(session, conversation, REPORTER)
    return []


def _opt_in(session: Session, digest: str) -> None:
    for conversation in session.scalars(
        select(Conversation).where(Conversation.caller_hash == digest, Conversation.opted_out.is_(True))
    ):
        conversation.opted_out = False
