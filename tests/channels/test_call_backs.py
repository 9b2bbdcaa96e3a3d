"""Max wait → the caller chooses a voicemail or a call-back: the call-back only with consent, only to the
number they called from, kept encrypted for its window; an operator's call-back rings through the
outbound gateway and meets the operator in the call's conference."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.calls import callback
from hotline.calls.models import CallbackState, CallEvent, CallState, VoiceCall
from hotline.db import utcnow
from hotline.jobs.retention import erase_expired_numbers
from hotline.privacy import caller_hash, decrypt_phone
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_conference_calls import operator, staff_beat
from tests.channels.test_live_calls import moves_of, softphone, voice_calls, wait_too_long
from tests.channels.test_twilio_voice import GUATEMALAN, call, next_path, said
from tests.helpers import twilio_post

LINE = "+15005550006"  # the hotline number the caller rang (Twilio's test number)


def book_a_callback(app: Flask, client: FlaskClient, sid: str) -> VoiceCall:
    after = wait_too_long(client, sid, To=LINE)
    consent = call(client, next_path(after), sid, Digits="2")
    assert said(consent) == [
        (
            "es-MX",
            "Le llamaremos a este mismo número en las próximas 24 horas. "
            "Guardaremos el número cifrado solo hasta entonces. Marque 1 para aceptar.",
        )
    ]
    booked = call(client, next_path(consent), sid, Digits="1")
    thanks = "Gracias. Le llamaremos pronto. Si está en peligro, llame a la línea de emergencia."
    assert said(booked) == [("es-MX", thanks)]
    assert booked.find("Record") is None and booked.find("Hangup") is not None
    [record] = voice_calls(app)
    return record


def test_a_caller_who_waits_too_long_is_called_back_with_consent_on_the_number_they_called_from(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    operator_id, email, password = operator(app)
    booked = book_a_callback(app, client, "CA" + "1" * 32)
    settings = app.config["SETTINGS"]
    assert (booked.outcome, booked.callback_state, booked.line) == ("callback", CallbackState.DUE, LINE)
    assert booked.callback_phone_encrypted is not None and b"55501234" not in booked.callback_phone_encrypted
    assert decrypt_phone(booked.callback_phone_encrypted, settings.phone_encryption_key) == GUATEMALAN
    assert booked.callback_expires_at is not None
    with app.app_context(), app.extensions["database"].session() as session:
        asked = session.scalar(select(CallEvent.at).where(CallEvent.kind == "callback_booked"))
    assert asked is not None and timedelta(hours=23) < booked.callback_expires_at - asked <= callback.window(settings)

    # The task is on the operator's console, without the number.
    staff = staff_app.test_client()
    sign_in(staff, email, password)
    beat, _csrf = staff_beat(staff)
    assert [task["id"] for task in beat["callbacks"]] == [booked.id] and GUATEMALAN[1:] not in str(beat)

    # The operator clicks "Call back": their softphone opens the conference, the caller is rung by REST.
    leg = "CA" + "0" * 31 + "1"
    dialled = softphone(client, "/twilio/voice/operator", operator_id, leg, callback=str(booked.id))
    assert dialled.find("Dial/Conference").text == f"call-{booked.id}"  # type: ignore[union-attr]
    ring = moves_of(app)[-1]
    assert ring.action == "ring_back" and ring.params == (("from", LINE),)
    assert ring.to == f"caller:{caller_hash(GUATEMALAN, settings.phone_hash_key)}"
    # Twilio retrying the softphone's request rings no one twice.
    softphone(client, "/twilio/voice/operator", operator_id, leg, callback=str(booked.id))
    assert [m.action for m in moves_of(app)].count("ring_back") == 1

    # The caller answers: told who calls, in Spanish, then into the conference; the number is erased.
    [ringing] = voice_calls(app)
    assert ringing.state == CallState.OFFERED and ringing.call_sid != booked.call_sid
    answered = call(client, f"/twilio/voice/callback-answer?call={booked.id}", ringing.call_sid)
    assert said(answered)[0][1].startswith("Le llama la línea de ayuda que usted llamó")
    assert answered.find("Dial/Conference").attrib["participantLabel"] == "caller"  # type: ignore[union-attr]
    [talking] = voice_calls(app)
    assert (talking.state, talking.callback_phone_encrypted, talking.callback_state) == (
        CallState.TALKING,
        None,
        CallbackState.DIALLED,
    )
    beat, _csrf = staff_beat(staff)
    assert beat["callbacks"] == [] and beat["live"]["id"] == booked.id
    with app.app_context(), app.extensions["database"].session() as session:
        kinds = [e.kind for e in session.scalars(select(CallEvent).order_by(CallEvent.id))]
    assert kinds[-3:] == ["callback_booked", "callback_dialled", "callback_answered"]


def test_no_consent_or_no_number_means_a_voicemail_and_nothing_kept(app: Flask, client: FlaskClient) -> None:
    operator(app)
    sid = "CA" + "2" * 32
    after = wait_too_long(client, sid)
    consent = call(client, next_path(after), sid, Digits="2")
    declined = call(client, next_path(consent), sid, Digits="9")
    assert declined.find("Record") is not None
    [record] = voice_calls(app)
    assert (record.callback_state, record.callback_phone_encrypted) == (None, None)

    # A withheld number: told a call-back is not possible, then the voicemail; never a choice it cannot keep.
    hidden = "CA" + "3" * 32
    twiml = withheld(client, "/twilio/voice", hidden)
    for _ in range(3):
        twiml = withheld(client, next_path(twiml), hidden, Digits="8")
    enqueue = twiml.find("Enqueue")
    assert enqueue is not None
    withheld(client, enqueue.attrib["waitUrl"], hidden, QueueTime="300")
    after = withheld(client, enqueue.attrib["action"], hidden, QueueResult="leave")
    assert after.find("Gather") is None and after.find("Record") is not None
    assert "devolverle la llamada" in said(after)[0][1]


def withheld(client: FlaskClient, path: str, sid: str, **params: str) -> ET.Element:
    """A request from a caller whose number is withheld."""
    response = twilio_post(client, path, {"CallSid": sid, "From": "anonymous", **params})
    assert response.status_code == 200
    return ET.fromstring(response.get_data())


def test_an_unanswered_call_back_is_due_again_and_the_number_is_erased_when_the_window_closes(
    app: Flask, client: FlaskClient
) -> None:
    operator_id, _email, _password = operator(app)
    booked = book_a_callback(app, client, "CA" + "4" * 32)
    softphone(client, "/twilio/voice/operator", operator_id, "CA" + "0" * 31 + "4", callback=str(booked.id))
    [ringing] = voice_calls(app)
    status = {"CallSid": ringing.call_sid, "From": LINE, "CallStatus": "no-answer"}
    assert twilio_post(client, f"/twilio/voice/callback-status?call={booked.id}", status).status_code == 204
    [again] = voice_calls(app)
    assert again.callback_state == CallbackState.DUE and again.callback_phone_encrypted is not None

    with app.app_context(), app.extensions["database"].session() as session:
        row = session.get(VoiceCall, booked.id)
        assert row is not None and row.callback_expires_at is not None
        assert erase_expired_numbers(session) == 0  # still inside the window
        row.callback_expires_at = utcnow() - timedelta(seconds=1)
        assert erase_expired_numbers(session) == 1
        session.commit()
    [erased] = voice_calls(app)
    assert (erased.callback_state, erased.callback_phone_encrypted) == (CallbackState.EXPIRED, None)
