"""A whole call by Twilio voice: TwiML prompts in the caller's language, keypad and speech, then a person."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.conversations.models import Conversation
from hotline.tickets.models import Ticket, TicketRecording
from tests.helpers import twilio_post

GUATEMALAN = "+50255501234"
HONDURAN = "+50494501234"


def call(client: FlaskClient, path: str, sid: str, **params: str) -> ET.Element:
    response = twilio_post(client, path, {"CallSid": sid, "From": GUATEMALAN, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def next_path(twiml: ET.Element, verb: str = "Gather") -> str:
    found = twiml.find(verb)
    assert found is not None, ET.tostring(twiml)
    return found.attrib["action"]


def said(twiml: ET.Element) -> list[tuple[str, str]]:
    return [(say.attrib["language"], say.text or "") for say in twiml.iter("Say")]


def tickets(app: Flask) -> list[Ticket]:
    with app.app_context(), app.extensions["database"].session() as session:
        found = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        for ticket in found:
            _ = ticket.submissions, ticket.recordings, ticket.messages, ticket.events
        session.expunge_all()
    return found


@pytest.mark.parametrize(
    ("digit", "twilio_language", "danger_words", "thanks"),
    [("1", "es-MX", "peligro", "Gracias"), ("2", "en-US", "danger", "Thank you"), ("3", "fr-FR", "danger", "Merci")],
)
def test_a_whole_call_in_the_chosen_language_makes_a_routed_ticket(
    app: Flask, client: FlaskClient, digit: str, twilio_language: str, danger_words: str, thanks: str
) -> None:
    sid = f"CA{digit * 32}"
    twiml = call(client, "/twilio/voice", sid, FromCity="ZACAPA", FromState="GT", CallerZip="19001")
    gather = twiml.find("Gather")
    assert gather is not None and gather.attrib["input"] == "speech dtmf"
    assert "Para español, marque 1" in said(twiml)[0][1]
    twiml = call(client, next_path(twiml), sid, Digits=digit)
    assert said(twiml)[0][0] == twilio_language and danger_words in said(twiml)[0][1]
    assert twiml.find("Gather").attrib["language"] == twilio_language  # type: ignore[union-attr]
    twiml = call(client, next_path(twiml), sid, Digits="2")  # not in danger
    assert "Guatemala" in said(twiml)[-1][1]  # "you are calling from Guatemala; press 1 if it is there"
    twiml = call(client, next_path(twiml), sid, Digits="1")
    assert twiml.find("Gather").attrib["input"] == "speech"  # type: ignore[union-attr]
    twiml = call(client, next_path(twiml), sid, SpeechResult="Zacapa")
    twiml = call(client, next_path(twiml), sid, Digits="1")  # a minor
    twiml = call(client, next_path(twiml), sid, SpeechResult="yes" if digit == "2" else "oui" if digit == "3" else "sí")
    twiml = call(client, next_path(twiml), sid, Digits="2")  # documents not taken
    record = twiml.find("Record")
    assert record is not None and all(lang == twilio_language for lang, _text in said(twiml))
    twiml = call(
        client,
        record.attrib["action"],
        sid,
        RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        RecordingDuration="41",
    )
    spoken = " ".join(text for _lang, text in said(twiml))
    [ticket] = tickets(app)
    assert thanks in spoken and ticket.reference in spoken
    # Nobody has the console open: the caller may leave a voicemail.
    assert twiml.find("Record") is not None and twiml.find("Enqueue") is None
    assert ticket.channel == "voice" and ticket.incident_country == "GT" and ticket.caller_country == "GT"
    assert ticket.submissions[0].answers == {
        "in_danger_now": False,
        "minor_involved": True,
        "movement_restricted": True,
        "documents_withheld": False,
    }
    assert ticket.risk_level in ("high", "critical")
    # The place was confirmed on the keypad: critical goes to the responder at once, high waits for review.
    assert ticket.status == ("referred" if ticket.risk_level == "critical" else "triaged")
    assert [r.url for r in ticket.recordings] == ["https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"]
    assert ticket.caller_phone_encrypted is not None and ticket.source_key == f"voice:{sid}"


def test_danger_makes_the_ticket_critical_at_once_and_dials_the_countrys_line(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "d" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, SpeechResult="sí")  # in danger now
    [ticket] = tickets(app)
    assert ticket.risk_level == "critical"  # before the caller says anything else
    twiml = call(client, next_path(twiml), sid, Digits="2")  # elsewhere
    assert "Honduras" in said(twiml)[-1][1]
    twiml = call(client, next_path(twiml), sid, Digits="3")  # Honduras, from the menu
    twiml = call(client, next_path(twiml), sid, SpeechResult="San Pedro Sula")
    dial = twiml.find("Dial")
    assert dial is not None and (dial.text or "").startswith("+504")
    assert twiml.find("Enqueue") is not None  # if the line does not answer, an operator
    [ticket] = tickets(app)
    assert ticket.incident_country == "HN" and ticket.risk_level == "critical"


def test_danger_without_a_dialable_line_goes_to_the_operator_queue(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "e" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, Digits="1")  # Guatemala: its 110 is not dialable by Twilio
    twiml = call(client, next_path(twiml), sid, SpeechResult="Zona 1")
    assert twiml.find("Dial") is None
    enqueue = twiml.find("Enqueue")
    assert enqueue is not None and enqueue.text == "hotline-es-GT" and "wait" in enqueue.attrib["waitUrl"]


@pytest.mark.parametrize("garbage", ["", "9", "x" * 5000, "🙂🙂🙂", "#"])
def test_garbage_gets_a_retry_in_the_callers_language(app: Flask, client: FlaskClient, garbage: str) -> None:
    sid = "CA" + "f" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="3")
    again = call(client, next_path(twiml), sid, SpeechResult=garbage)
    assert said(again)[0] == ("fr-FR", "Pardon, je n'ai pas compris.")
    assert said(again)[1] == said(twiml)[0]


def test_three_failed_answers_reach_a_person_or_a_voicemail(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "a" * 32
    twiml = call(client, "/twilio/voice", sid)
    for _ in range(3):
        twiml = call(client, next_path(twiml), sid, Digits="8")
    assert twiml.find("Record") is not None and twiml.find("Gather") is None
    assert "una persona" in said(twiml)[0][1]
    [ticket] = tickets(app)
    assert ticket.channel == "voice"


def test_the_queue_tells_the_caller_their_position(app: Flask, client: FlaskClient) -> None:
    twiml = call(client, "/twilio/voice/wait?lang=pt", "CA" + "b" * 32, QueuePosition="3")
    assert said(twiml) == [("pt-BR", "Você é o número 3 na fila. Por favor, não desligue.")]


def test_haitian_creole_is_spoken_with_the_french_voice(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "c" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="5")
    assert said(twiml)[0] == (
        "fr-FR",
        "Èske ou an danje kounye a? Reponn WI (1) oswa NON (2). Si ou pa konnen, reponn M PA KONNEN (3).",
    )


def test_a_retried_webhook_changes_nothing(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "9" * 32
    first = call(client, "/twilio/voice", sid)
    assert ET.tostring(call(client, "/twilio/voice", sid)) == ET.tostring(first)
    second = call(client, next_path(first), sid, Digits="2")
    again = call(client, next_path(first), sid, Digits="1")  # Twilio retrying the first answer
    assert ET.tostring(again) == ET.tostring(second)
    with app.app_context(), app.extensions["database"].session() as session:
        [conversation] = session.scalars(select(Conversation))
        assert conversation.language == "en"


def test_an_unsigned_or_forged_call_is_refused(app: Flask, client: FlaskClient) -> None:
    params = {"CallSid": "CA" + "0" * 32, "From": GUATEMALAN}
    assert twilio_post(client, "/twilio/voice", params, sign=False).status_code == 403
    response = client.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403
    assert tickets(app) == []


def test_a_voicemail_is_kept_with_the_ticket(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "7" * 32
    twiml = call(client, "/twilio/voice", sid)
    for _ in range(3):
        twiml = call(client, next_path(twiml), sid, Digits="8")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9"
    twiml = call(client, next_path(twiml, "Record"), sid, RecordingUrl=url, RecordingDuration="12")
    assert twiml.find("Hangup") is not None
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(TicketRecording.url)).all() == [url]
