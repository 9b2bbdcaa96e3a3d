"""What Twilio gets when a webhook cannot answer normally: TwiML with a retry, in the caller's language.

Twilio plays or sends nothing it receives with an error status, so bad input (400, 413) is answered
200 with the retry. The other codes keep their status, with the same TwiML: a 403 (bad signature),
404 or 405 is a setup mistake, and a 500 a fault of ours, that Twilio's debugger must show; a 500 also
sends Twilio to the number's fallback URL.
"""

from __future__ import annotations

from flask import Response, request, url_for
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.conversations.prompts import TWILIO_LANGUAGE, TWILIO_VOICE, language_of, prompt

BAD_INPUT = (400, 413)


def webhook_error(code: int) -> tuple[Response, int]:
    """A spoken or texted retry for the webhook that failed; the caller's words are never repeated."""
    # The conversation (and so its language) may be what failed to load: the ?lang= a prompt carries,
    # else the region's default.
    lang = language_of(request.args.get("lang"))
    status = 200 if code in BAD_INPUT else code
    if request.path.startswith("/twilio/voice"):
        voice = VoiceResponse()
        twilio_language = TWILIO_LANGUAGE[lang]
        first_call = request.path == "/twilio/voice"
        text = prompt("problem_call_again" if first_call else "problem_try_again", lang)
        voice.say(text, language=twilio_language, voice=TWILIO_VOICE[twilio_language])
        if first_call:
            voice.hangup()
        else:
            # The call's entry replays the prompt the caller is at, or starts the call afresh.
            voice.redirect(url_for("twilio_voice.voice_entry"), method="POST")
        return Response(str(voice), mimetype="text/xml"), status
    message = MessagingResponse()
    if request.path == "/twilio/sms":
        message.message(prompt("problem_send_again", lang))
    return Response(str(message), mimetype="text/xml"), status
