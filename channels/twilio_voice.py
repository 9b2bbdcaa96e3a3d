"""Twilio voice: the intake conversation by phone, answered with TwiML, then an operator or a voicemail.

Every prompt is spoken in the caller's language (`<Say language=…>`); answers come by keypad or
speech (`<Gather input="speech dtmf">`). Silence is the flow's timer; garbage is a failed answer that
asks again; the third failure hands over to a person. Each prompt's action URL carries the turn it
belongs to, so a webhook Twilio retries is answered with the same prompt and changes nothing.
Only CallSid, From (for its country, hash and encrypted copy) and the answers are read: Twilio's
geography fields (FromCity, CallerZip, …) are never looked at, and nothing reaches a log line.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import Gather, Record, VoiceResponse

from channels.presence import operator_free
from channels.twilio_signature import twilio_signed
from directory.models import Agency, AgencyPhone
from hotline.conversations import service as talk
from hotline.conversations.models import Conversation
from hotline.conversations.prompts import TWILIO_LANGUAGE, TWILIO_VOICE, country_name, language_of, prompt
from hotline.conversations.service import Caller, Said, Turn
from hotline.db import db_session
from hotline.hygiene import whole_number
from hotline.tickets.models import Ticket
from routing.answers import NO, UNKNOWN, YES, read_answer
from routing.flow_engine import Run
from routing.text import tokens

blueprint = Blueprint("twilio_voice", __name__, url_prefix="/twilio")

# The keypad menu of countries when the call comes from elsewhere: the CORETT countries.
COUNTRY_MENU = ("GT", "SV", "HN", "NI", "CR", "PA", "MX", "DO", "BZ")
# Lines a caller in danger is put through to, most direct first; only numbers Twilio can dial.
EMERGENCY_KINDS = ("emergency", "response_team", "hotline", "police")
GATHER_SECONDS = 8


def _caller() -> Caller:
    return Caller.from_raw(request.form.get("From"))


def _call_sid() -> str:
    return request.form.get("CallSid", "")[:64]


@blueprint.post("/voice")
@twilio_signed
def voice_entry() -> Response:
    session = db_session()
    conversation, turn = talk.begin(session, current_app.config["SETTINGS"], "voice", _call_sid(), _caller())
    if turn.replay:
        return _render(session, conversation, talk.current_prompt(conversation))
    _prepare_where(conversation)
    session.commit()
    return _render(session, conversation, turn.said, turn)


@blueprint.post("/voice/answer")
@twilio_signed
def voice_answer() -> Response:
    session = db_session()
    conversation = _current_or_replay(session)
    if isinstance(conversation, Response):
        return conversation
    text = request.form.get("Digits") or request.form.get("SpeechResult") or ""
    settings = current_app.config["SETTINGS"]
    if Run.from_dict(conversation.run).node == "ask_where":
        turn = _where_answer(session, conversation, text)
    else:
        turn = talk.answer(session, settings, conversation, text, _caller())
    _prepare_where(conversation)
    session.commit()
    return _render(session, conversation, turn.said, turn)


@blueprint.post("/voice/silence")
@twilio_signed
def voice_silence() -> Response:
    """The Gather heard nothing: the question's timer ran out."""
    session = db_session()
    conversation = _current_or_replay(session)
    if isinstance(conversation, Response):
        return conversation
    settings = current_app.config["SETTINGS"]
    host = conversation.host or {}
    run = Run.from_dict(conversation.run)
    if run.node == "ask_where" and host.get("where") == "region" and host.get("country"):
        # The country is known; the region is a nicety.
        turn = talk.answer(
            settings=settings,
            session=session,
            conversation=conversation,
            text=_country_text(conversation),
            caller=_caller(),
        )
    else:
        turn = talk.time_out(session, settings, conversation, _caller())
    _prepare_where(conversation)
    session.commit()
    return _render(session, conversation, turn.said, turn)


@blueprint.post("/voice/recording")
@twilio_signed
def voice_recording() -> Response:
    """The narrative, recorded: the URL stays with the ticket; the words stay with Twilio."""
    session = db_session()
    conversation = _current_or_replay(session)
    if isinstance(conversation, Response):
        return conversation
    url = request.form.get("RecordingUrl", "")[:500]
    seconds = _int(request.form.get("RecordingDuration"))
    text = ""
    if url.startswith("https://") and seconds:
        talk.note_host(conversation, recording={"url": url, "seconds": seconds})
        text = "recording"
    turn = talk.answer(session, current_app.config["SETTINGS"], conversation, text, _caller())
    return _render(session, conversation, turn.said, turn)


@blueprint.post("/voice/voicemail")
@twilio_signed
def voice_voicemail() -> Response:
    session = db_session()
    conversation = talk.find(session, _call_sid())
    url = request.form.get("RecordingUrl", "")[:500]
    response = VoiceResponse()
    if conversation is not None and url.startswith("https://"):
        talk.add_recording(session, conversation, url, _int(request.form.get("RecordingDuration")))
        _say(response, prompt("voicemail_thanks", talk.language(conversation)), talk.language(conversation))
    response.hangup()
    return _twiml(response)


@blueprint.post("/voice/wait")
@twilio_signed
def voice_wait() -> Response:
    """Twilio's waitUrl while the caller is in the queue: where they stand, in their language."""
    lang = language_of(request.args.get("lang"))
    response = VoiceResponse()
    position = _int(request.form.get("QueuePosition"))
    if position:
        _say(response, prompt("queue_position", lang, position=position), lang)
    response.pause(length=20)
    return _twiml(response)


def _current_or_replay(session: Session) -> Conversation | Response:
    """The call's conversation if this request answers its current prompt; else the prompt again."""
    conversation = talk.find(session, _call_sid())
    if conversation is None:
        conversation, turn = talk.begin(session, current_app.config["SETTINGS"], "voice", _call_sid(), _caller())
        return _render(session, conversation, turn.said, turn)
    if request.args.get("t") != str(talk.next_turn_number(conversation)):
        return _render(session, conversation, talk.current_prompt(conversation))
    return conversation


def _prepare_where(conversation: Conversation) -> None:
    """On reaching "where", start the keypad sub-menu: confirm the phone's country, or choose one."""
    run = Run.from_dict(conversation.run)
    host = conversation.host or {}
    if run.node == "ask_where" and "where" not in host:
        step = "confirm" if conversation.caller_country else "country"
        talk.note_host(conversation, where=step)


def _where_answer(session: Session, conversation: Conversation, text: str) -> Turn:
    settings = current_app.config["SETTINGS"]
    host = conversation.host or {}
    step = host.get("where")
    words = tokens(text)
    caller = _caller()
    lang = talk.language(conversation)

    def move(**values: object) -> Turn:
        talk.note_host(conversation, turn=talk.next_turn_number(conversation) + 1, **values)
        session.commit()
        return Turn(conversation)

    if step == "confirm":
        reading = read_answer(text).kind
        if reading == YES:
            return move(where="region", country=conversation.caller_country)
        if reading == NO:
            return move(where="country")
    elif step == "country":
        # Keys 1-9 choose a country here, so only 0 or words mean "don't know".
        if words == ("0",) or (not text.strip().isdigit() and read_answer(text).kind == UNKNOWN):
            return talk.time_out(session, settings, conversation, caller)
        chosen = _country_from(words, lang)
        if chosen is not None:
            return move(where="region", country=chosen)
    elif step == "region" and text.strip():
        return talk.answer(
            session, settings, conversation, f"{text.strip()[:150]}, {_country_text(conversation)}", caller
        )
    # Anything else is a failed answer: the flow counts it and hands over at the third.
    return talk.answer(session, settings, conversation, "", caller)


def _country_from(words: tuple[str, ...], lang: str) -> str | None:
    key = _int(words[0]) if len(words) == 1 else None
    if key is not None and 1 <= key <= len(COUNTRY_MENU):
        return COUNTRY_MENU[key - 1]
    for code in COUNTRY_MENU:
        names = {country_name(code, other) for other in ("es", "en", "fr", "pt")}
        if any(_has(words, (name,)) for name in names):
            return code
    return None


def _has(words: tuple[str, ...], phrases: tuple[str, ...]) -> bool:
    for phrase in phrases:
        wanted = tokens(phrase)
        size = len(wanted)
        if size and any(words[i : i + size] == wanted for i in range(len(words) - size + 1)):
            return True
    return False


def _country_text(conversation: Conversation) -> str:
    country = (conversation.host or {}).get("country")
    return country_name(country, "es") if country else ""


def _render(session: Session, conversation: Conversation, said: list[Said], turn: Turn | None = None) -> Response:
    response = VoiceResponse()
    run = Run.from_dict(conversation.run)
    lang = talk.language(conversation)
    t = str(talk.next_turn_number(conversation))
    if run.ended:
        for item in said:
            _say(response, item.text, item.language)
        _hand_over(session, conversation, response, lang)
        return _twiml(response)
    if run.node == "ask_narrative":
        for item in said:
            _say(response, item.text, item.language)
        _say(response, prompt("record_after_tone", lang), lang)
        response.append(
            Record(
                action=url_for("twilio_voice.voice_recording", t=t),
                max_length=180,
                timeout=GATHER_SECONDS,
                finish_on_key="#",
                play_beep=True,
            )
        )
        response.redirect(url_for("twilio_voice.voice_silence", t=t))
        return _twiml(response)
    step = (conversation.host or {}).get("where") if run.node == "ask_where" else None
    if step is not None:
        question = {s.text for s in talk.current_prompt(conversation)}
        said = [s for s in said if s.text not in question] + [Said(_where_prompt(conversation, step, lang), lang)]
    gather = Gather(
        input="speech dtmf" if step != "region" else "speech",
        action=url_for("twilio_voice.voice_answer", t=t),
        method="POST",
        timeout=GATHER_SECONDS,
        speech_timeout="auto",
        language=TWILIO_LANGUAGE[language_of(lang)],
        **({"num_digits": 1} if step != "region" else {}),
    )
    for item in said:
        _say(gather, item.text, item.language)
    response.append(gather)
    response.redirect(url_for("twilio_voice.voice_silence", t=t))
    return _twiml(response)


def _where_prompt(conversation: Conversation, step: str, lang: str) -> str:
    if step == "confirm" and conversation.caller_country:
        return prompt("calling_from", lang, country=country_name(conversation.caller_country, lang))
    if step == "region":
        return prompt("say_region", lang)
    options = " ".join(
        prompt("country_option", lang, country=country_name(code, lang), digit=i)
        for i, code in enumerate(COUNTRY_MENU, 1)
    )
    return f"{prompt('country_menu_intro', lang)} {options} {prompt('country_unknown_option', lang)}"


def _hand_over(session: Session, conversation: Conversation, response: VoiceResponse, lang: str) -> None:
    """After the questions, or at the third failed answer: a line, an operator, or a voicemail."""
    run = Run.from_dict(conversation.run)
    ticket = session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    country = (conversation.host or {}).get("country") or (ticket.incident_country if ticket else None)
    country = country or conversation.caller_country
    queue = f"hotline-{language_of(lang)}-{country or 'XX'}"
    wait_url = url_for("twilio_voice.voice_wait", lang=language_of(lang))
    if run.data.get("in_danger_now") is True:
        number = emergency_number(session, country)
        if number is not None and country is not None:
            _say(response, prompt("dialling_emergency", lang, country=country_name(country, lang)), lang)
            response.dial(number, timeout=30)
        # Danger always reaches a person: the operator queue even when nobody is marked free.
        response.enqueue(queue, wait_url=wait_url)
    elif operator_free(language_of(lang), country):
        response.enqueue(queue, wait_url=wait_url)
    # Reached when the queue lets the caller go without an answer, or when nobody is free.
    _say(response, prompt("voicemail", lang), lang)
    response.record(action=url_for("twilio_voice.voice_voicemail"), max_length=180, play_beep=True)
    response.hangup()


def emergency_number(session: Session, country: str | None) -> str | None:
    """The incident country's emergency or response line that Twilio can dial, from the directory."""
    if country is None:
        return None
    rows = session.execute(
        select(Agency.kind, AgencyPhone.number)
        .join(AgencyPhone, AgencyPhone.agency_id == Agency.id)
        .where(
            Agency.country == country,
            Agency.kind.in_(EMERGENCY_KINDS),
            AgencyPhone.number.is_not(None),
            AgencyPhone.type == "voice",
        )
        .order_by(AgencyPhone.position, AgencyPhone.id)
    ).all()
    ranked = sorted(rows, key=lambda row: EMERGENCY_KINDS.index(row.kind))
    return ranked[0].number if ranked else None


def _say(target: VoiceResponse | Gather, text: str, lang: str) -> None:
    twilio_language = TWILIO_LANGUAGE[language_of(lang)]
    target.say(text, language=twilio_language, voice=TWILIO_VOICE[twilio_language])


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _int(value: str | None) -> int | None:
    try:
        return whole_number(value.strip()) if value is not None else None
    except ValueError:
        return None
