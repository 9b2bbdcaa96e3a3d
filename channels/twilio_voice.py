"""Twilio voice: the intake conversation by phone, answered with TwiML, then a person, a line or a voicemail.

Every prompt is spoken in the caller's language (`<Say language=…>`); answers come by keypad or
speech (`<Gather input="speech dtmf">`). Silence is the flow's timer; garbage is a failed answer that
asks again; the third failure hands over to a person. Each prompt's action URL carries the turn it
belongs to, so a webhook Twilio retries is answered with the same prompt and changes nothing.
Only CallSid, From (for its country, hash and encrypted copy) and the answers are read: Twilio's
geography fields (FromCity, CallerZip, …) are never looked at, and nothing reaches a log line.

After the questions a caller is put in a Twilio queue of their own only when an operator who speaks
their language and covers the incident country is on shift (`hotline.calls`); the wait loop tells
them their place and lets them go (`<Leave>`) after a limit or when nobody is left. Operators take
callers from the console's softphone, whose calls reach `/twilio/voice/operator` and dial the queue
of the caller we choose (highest risk first). With nobody there, a caller in danger is put through
to the incident country's response line, or told its number, before the voicemail.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import Dial, Gather, Record, VoiceResponse

from channels.twilio_signature import twilio_signed
from directory.models import Agency, AgencyPhone
from hotline.calls import callback, conference, lines
from hotline.calls import service as calls
from hotline.calls.control import CallControl, CallControlRefused
from hotline.calls.models import CallState, VoiceCall
from hotline.calls.prompts import call_prompt
from hotline.conversations import service as talk
from hotline.conversations.models import Conversation
from hotline.conversations.prompts import (
    LANGUAGES,
    SPEECH_LANGUAGES,
    TWILIO_LANGUAGE,
    TWILIO_VOICE,
    country_name,
    language_of,
    prompt,
)
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
# Silence at the language menu says it again this many times before a person (or voicemail) is offered.
MENU_REPEATS = 2
# Twilio's final call statuses: the caller is gone.
CALL_ENDED = ("completed", "busy", "failed", "no-answer", "canceled")


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
    line = lines.line_for(session, _line())
    if line is not None:
        # The line rung is the prior for the caller's country (when the phone does not say) and language.
        talk.note_host(conversation, line=line.number, line_country=line.country, line_language=line.language)
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
    if run.node == "choose_language" and int(host.get("menu_repeats", 0)) < MENU_REPEATS:
        # Silence at the first prompt is often a caller who is not yet listening: say it again.
        repeats = int(host.get("menu_repeats", 0)) + 1
        talk.note_host(conversation, menu_repeats=repeats, turn=talk.next_turn_number(conversation) + 1)
        session.commit()
        return _render(session, conversation, talk.current_prompt(conversation))
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
        text = talk.RECORDED_NARRATIVE
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
        seconds = _int(request.form.get("RecordingDuration"))
        talk.add_recording(session, current_app.config["SETTINGS"], conversation, url, seconds, _caller())
        _say(response, prompt("voicemail_thanks", talk.language(conversation)), talk.language(conversation))
    response.hangup()
    return _twiml(response)


def _this_call(session: Session) -> VoiceCall | None:
    """The call named in the callback's query string, only if it is the call this signed request is about."""
    call = session.get(VoiceCall, request.args.get("call", type=int) or 0)
    return call if call is not None and call.call_sid == _call_sid() else None


@blueprint.post("/voice/wait")
@twilio_signed
def voice_wait() -> Response:
    """Twilio's waitUrl while the caller waits: their place in line in their language, until a limit."""
    session = db_session()
    call = _this_call(session)
    response = VoiceResponse()
    if call is None:
        response.leave()
        return _twiml(response)
    why = calls.must_leave(session, call, _int(request.form.get("QueueTime")))
    if why is not None:
        calls.let_go(session, call, why)
        response.leave()
        return _twiml(response)
    _say(response, prompt("queue_position", call.language, position=calls.position(session, call)), call.language)
    response.pause(length=12)
    return _twiml(response)


@blueprint.post("/voice/queue-result")
@twilio_signed
def voice_queue_result() -> Response:
    """The caller left their queue (Enqueue's action): after a talk, hang up; else the fallback."""
    session = db_session()
    call = session.scalar(select(VoiceCall).where(VoiceCall.call_sid == _call_sid()))
    response = VoiceResponse()
    result = request.form.get("QueueResult", "")
    if call is None or result in ("bridged", "hangup"):
        if result == "hangup":
            calls.caller_gone(session, _call_sid())
        response.hangup()
        return _twiml(response)
    calls.let_go(session, call, "max_wait" if result == "leave" else f"queue_{result}"[:24])
    conversation = talk.find(session, call.call_sid)
    if call.outcome == "max_wait":
        _danger_line(session, response, call.language, call.country, call.in_danger)
        _voicemail_or_callback(response, call)
        return _twiml(response)
    _nobody_there(session, response, call.language, call.country, call.in_danger, conversation)
    return _twiml(response)


@blueprint.post("/voice/after-wait")
@twilio_signed
def voice_after_wait() -> Response:
    """After the longest wait: 1 a voicemail, 2 a call-back (then 1 again to consent); else the voicemail."""
    session = db_session()
    call = _this_call(session)
    response = VoiceResponse()
    if call is None:
        response.hangup()
        return _twiml(response)
    lang, digits = call.language, (request.form.get("Digits") or "").strip()
    number = _caller().phone
    if request.args.get("step") == "choose" and digits == "2" and number is not None:
        hours = int(callback.window(current_app.config["SETTINGS"]).total_seconds() // 3600)
        consent = url_for("twilio_voice.voice_after_wait", call=call.id, step="consent")
        gather = Gather(input="dtmf", num_digits=1, timeout=GATHER_SECONDS, action=consent, method="POST")
        _say(gather, call_prompt("callback_consent", lang, hours=hours), lang)
        response.append(gather)
        response.redirect(url_for("twilio_voice.voice_after_wait", call=call.id, step="voicemail"))
        return _twiml(response)
    if request.args.get("step") == "consent" and digits == "1" and number is not None:
        callback.book(session, current_app.config["SETTINGS"], call, number)
        _say(response, call_prompt("callback_booked", lang), lang)
        response.hangup()
        return _twiml(response)
    _voicemail(response, lang)
    return _twiml(response)


@blueprint.post("/voice/operator")
@twilio_signed
def voice_operator() -> Response:
    """The TwiML App's voice URL: an operator's softphone asks for the next caller they can take. The
    operator opens the caller's conference, and the caller is moved out of their queue into it."""
    session = db_session()
    user = calls.operator_for(session, request.form.get("From", ""))
    response = VoiceResponse()
    if user is None:
        response.hangup()
        return _twiml(response)
    lang = language_of(user.languages[0] if user.languages else None)
    wanted = request.form.get("callback", type=int)
    if wanted is not None:
        # The operator's call-back: the caller is rung by REST and joins this conference on answering.
        settings = current_app.config["SETTINGS"]
        back = callback.ring(session, settings, _control(), user, wanted, _call_sid())
        if back is None:
            _say(response, prompt("no_one_waiting", lang), lang)
            response.hangup()
            return _twiml(response)
        response.append(_conference_dial(back, "operator", action=url_for("twilio_voice.voice_operator_done")))
        return _twiml(response)
    call = calls.offer_next(session, user, _call_sid())
    if call is not None and call.state == CallState.OFFERED:
        try:
            _control().redirect(call.call_sid, conference.JOIN_PATH.format(call=call.id))
        except CallControlRefused:
            calls.caller_gone(session, call.call_sid)
            call = None
    if call is None:
        _say(response, prompt("no_one_waiting", lang), lang)
        response.hangup()
        return _twiml(response)
    response.append(_conference_dial(call, "operator", action=url_for("twilio_voice.voice_operator_done")))
    return _twiml(response)


@blueprint.post("/voice/join")
@twilio_signed
def voice_join() -> Response:
    """The caller's leg, moved here from their queue: into the conference with the operator (or, if the
    operator gave up first, back into their queue)."""
    session = db_session()
    call = _this_call(session)
    response = VoiceResponse()
    if call is None or call.state == CallState.ENDED:
        response.hangup()
        return _twiml(response)
    if call.state == CallState.WAITING:
        _enqueue(response, call)
        return _twiml(response)
    call = calls.connected(session, call.call_sid) or call
    _say(response, prompt("connecting_operator", call.language), call.language)
    response.append(_conference_dial(call, "caller"))
    response.hangup()
    return _twiml(response)


@blueprint.post("/voice/callback-answer")
@twilio_signed
def voice_callback_answer() -> Response:
    """The caller picked up our call-back: told who is calling, in their language, then the conference."""
    session = db_session()
    call = _this_call(session)
    response = VoiceResponse()
    if call is None or not callback.answered(session, call):
        response.hangup()
        return _twiml(response)
    _say(response, call_prompt("calling_back", call.language), call.language)
    response.append(_conference_dial(call, "caller"))
    response.hangup()
    return _twiml(response)


@blueprint.post("/voice/callback-status")
@twilio_signed
def voice_callback_status() -> Response:
    """The call-back leg's status callback: unanswered, it is due again; finished, the caller is gone."""
    session = db_session()
    call = _this_call(session)
    status = request.form.get("CallStatus", "")
    if call is not None and status in CALL_ENDED:
        if status == "completed":
            calls.caller_gone(session, call.call_sid)
        else:
            callback.not_answered(session, call, status)
    return Response(status=204)


@blueprint.post("/voice/conference")
@twilio_signed
def voice_conference() -> Response:
    """The conference's status callback: its sid, and who joined or left, as call events."""
    session = db_session()
    call = session.get(VoiceCall, request.args.get("call", type=int) or 0)
    if call is not None:
        conference.conference_status(
            session,
            call,
            request.form.get("StatusCallbackEvent", "")[:40],
            request.form.get("ConferenceSid", "")[:64],
            request.form.get("ParticipantLabel", "")[:40],
        )
    return Response(status=204)


@blueprint.post("/voice/hold")
@twilio_signed
def voice_hold() -> Response:
    """What a caller on hold hears: a word in their language, a pause, again."""
    lang = language_of(request.args.get("lang"))
    response = VoiceResponse()
    _say(response, call_prompt("on_hold", lang), lang)
    response.pause(length=15)
    response.redirect(url_for("twilio_voice.voice_hold", lang=lang))
    return _twiml(response)


@blueprint.post("/voice/operator/done")
@twilio_signed
def voice_operator_done() -> Response:
    """The operator's leg ended (Dial's action): a caller not put through waits again; a caller left
    with an agency stays with it; the operator is free."""
    calls.operator_hung_up(db_session(), _call_sid(), _control())
    response = VoiceResponse()
    response.hangup()
    return _twiml(response)


@blueprint.post("/voice/status")
@twilio_signed
def voice_status() -> Response:
    """The number's call status callback: a hang-up mid-questions keeps what was said."""
    if request.form.get("CallStatus") not in CALL_ENDED:
        return Response(status=204)
    session = db_session()
    conversation = talk.find(session, _call_sid())
    if conversation is not None:
        talk.caller_hung_up(session, current_app.config["SETTINGS"], conversation, _caller())
    calls.caller_gone(session, _call_sid())
    return Response(status=204)


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
        step = "confirm" if _prior_country(conversation) else "country"
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
            return move(where="region", country=_prior_country(conversation))
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


def _prior_country(conversation: Conversation) -> str | None:
    """Where the caller probably is before they say: their phone's country, else the line's."""
    return conversation.caller_country or (conversation.host or {}).get("line_country")


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
    if run.node == "ask_narrative" and lang in SPEECH_LANGUAGES:
        # The narrative as words triage can read: Twilio's recogniser in the caller's language.
        gather = Gather(
            input="speech",
            action=url_for("twilio_voice.voice_answer", t=t),
            method="POST",
            timeout=GATHER_SECONDS,
            speech_timeout="auto",
            language=TWILIO_LANGUAGE[lang],
        )
        for item in said:
            _say(gather, item.text, item.language)
        response.append(gather)
        response.redirect(url_for("twilio_voice.voice_silence", t=t))
        return _twiml(response)
    if run.node == "ask_narrative":
        for item in said:
            _say(response, item.text, item.language)
        _say(response, prompt("recording_notice", lang), lang)
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
    menu = {s.text for s in talk.current_prompt(conversation)} if run.node == "choose_language" else set()
    for item in said:
        if item.text in menu:
            for code in LANGUAGES:
                _say(gather, prompt("language_option", code), code)
        else:
            _say(gather, item.text, item.language)
    response.append(gather)
    response.redirect(url_for("twilio_voice.voice_silence", t=t))
    return _twiml(response)


def _where_prompt(conversation: Conversation, step: str, lang: str) -> str:
    prior = _prior_country(conversation)
    if step == "confirm" and prior:
        return prompt("calling_from", lang, country=country_name(prior, lang))
    if step == "region":
        return prompt("say_region", lang)
    options = " ".join(
        prompt("country_option", lang, country=country_name(code, lang), digit=i)
        for i, code in enumerate(COUNTRY_MENU, 1)
    )
    return f"{prompt('country_menu_intro', lang)} {options} {prompt('country_unknown_option', lang)}"


def _hand_over(session: Session, conversation: Conversation, response: VoiceResponse, lang: str) -> None:
    """After the questions, or at the third failed answer: a person when one is on shift, else the fallback."""
    run = Run.from_dict(conversation.run)
    ticket = session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    # Incident location wins: the country the caller chose, then the ticket's, and only then the phone's.
    country = (conversation.host or {}).get("country") or (ticket.incident_country if ticket else None)
    country = country or _prior_country(conversation)
    host = conversation.host or {}
    lang = language_of(lang if run.data.get("language") else host.get("line_language", lang))
    in_danger = run.data.get("in_danger_now") is True
    line = lines.line_for(session, host.get("line") or _line())
    if calls.on_shift(session, lang, country):
        call = calls.queue_caller(
            session,
            conversation.provider_key,
            conversation_id=conversation.id,
            ticket_id=ticket.id if ticket else None,
            language=lang,
            country=country,
            risk=ticket.risk_level if ticket else None,
            in_danger=in_danger,
            line=line.number if line is not None else _line(),
        )
        _enqueue(response, call)
        return
    closed = line is not None and not lines.is_open(line)
    calls.record_unanswered(
        session,
        conversation.provider_key,
        "after_hours" if closed else "no_operator",
        conversation_id=conversation.id,
        language=lang,
        country=country,
        in_danger=in_danger,
        line=line.number if line is not None else _line(),
    )
    if closed and line is not None:
        _say(response, call_prompt("after_hours", lang, hours=lines.hours_text(line, lang)), lang)
    else:
        _say(response, prompt("nobody_on_shift", lang), lang)
    _nobody_there(session, response, lang, country, in_danger, conversation)


def _nobody_there(
    session: Session,
    response: VoiceResponse,
    lang: str,
    country: str | None,
    in_danger: bool,
    conversation: Conversation | None,
) -> None:
    """No person for this caller: in danger, the incident country's line (dialled, or its number said);
    then a voicemail. Never a silent loop."""
    _danger_line(session, response, lang, country, in_danger)
    _voicemail(response, lang)


def _danger_line(session: Session, response: VoiceResponse, lang: str, country: str | None, in_danger: bool) -> None:
    """A caller in danger is put through to the incident country's response line, or told its number."""
    if in_danger and country is not None:
        number, spoken = response_line(session, country)
        if number is not None:
            _say(response, prompt("dialling_emergency", lang, country=country_name(country, lang)), lang)
            response.dial(number, timeout=30)
        elif spoken is not None:
            digits = " ".join(ch for ch in spoken if ch.isdigit())
            _say(response, prompt("call_this_number", lang, country=country_name(country, lang), number=digits), lang)


def _voicemail(response: VoiceResponse, lang: str) -> None:
    _say(response, prompt("voicemail", lang), lang)
    _say(response, prompt("recording_notice", lang), lang)
    response.record(action=url_for("twilio_voice.voice_voicemail"), max_length=180, play_beep=True)
    response.hangup()


def _voicemail_or_callback(response: VoiceResponse, call: VoiceCall) -> None:
    """The caller chooses: a voicemail, or a call-back on the number they call from (if we can see it)."""
    lang = call.language
    if _caller().phone is None:
        _say(response, call_prompt("no_callback_number", lang), lang)
        _voicemail(response, lang)
        return
    choose = url_for("twilio_voice.voice_after_wait", call=call.id, step="choose")
    gather = Gather(input="dtmf", num_digits=1, timeout=GATHER_SECONDS, action=choose, method="POST")
    _say(gather, call_prompt("choose_voicemail_or_callback", lang), lang)
    response.append(gather)
    response.redirect(url_for("twilio_voice.voice_after_wait", call=call.id, step="voicemail"))


def response_line(session: Session, country: str) -> tuple[str | None, str | None]:
    """The incident country's emergency or response line from the directory, most direct first:
    an E.164 number Twilio can dial, else the number as people dial it there (to be said)."""
    rows = session.execute(
        select(Agency.kind, AgencyPhone.number, AgencyPhone.dialable)
        .join(AgencyPhone, AgencyPhone.agency_id == Agency.id)
        .where(Agency.country == country, Agency.kind.in_(EMERGENCY_KINDS), AgencyPhone.type == "voice")
        .order_by(AgencyPhone.position, AgencyPhone.id)
    ).all()
    ranked = sorted(rows, key=lambda row: EMERGENCY_KINDS.index(row.kind))
    dialable = next((row.number for row in ranked if row.number), None)
    spoken = next((row.dialable for row in ranked if row.dialable), None)
    return dialable, spoken


def _enqueue(response: VoiceResponse, call: VoiceCall) -> None:
    response.enqueue(
        f"call-{call.id}",
        action=url_for("twilio_voice.voice_queue_result"),
        wait_url=url_for("twilio_voice.voice_wait", call=call.id),
        wait_url_method="POST",
    )


def _conference_dial(call: VoiceCall, label: str, action: str | None = None) -> Dial:
    """Join the call's conference. The caller's leaving ends it; the operator's does not, so an agency
    or interpreter they brought in stays with the caller (a caller left alone is ended by us)."""
    dial = Dial(action=action) if action else Dial()
    dial.conference(
        conference.conference_name(call),
        start_conference_on_enter=True,
        end_conference_on_exit=label == "caller",
        beep=False,
        participant_label=label,
        wait_url=conference.HOLD_PATH.format(lang=call.language),
        wait_method="POST",
        status_callback=conference.CONFERENCE_STATUS_PATH.format(call=call.id),
        status_callback_event="start end join leave",
        status_callback_method="POST",
    )
    return dial


def _control() -> CallControl:
    control: CallControl = current_app.extensions["outbound"]
    return control


def _line() -> str | None:
    """The hotline number the caller rang (Twilio's To), if it looks like one."""
    to = request.form.get("To", "")
    return to if to.startswith("+") and to[1:].isdigit() and len(to) <= 20 else None


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
