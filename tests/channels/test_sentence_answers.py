"""Whole sentences given for yes/no questions, in five languages, by voice, SMS and chat.

A sentence that contains "no" ("no me dejan salir") is not a No: the danger question stays
unanswered (possible danger, so an operator is alerted and the ticket is made at once), and its
words reach the triage, which reads someone held now. "No, ..." and "Yes, ..." are still answers.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.tickets.models import Ticket
from tests.helpers import post_form, twilio_post

# (menu digit, held now, "no, an adult", "yes, held", "don't know", where, the voice "yes, it is there")
SENTENCES = {
    "es": (
        "1",
        "No me dejan salir, me están vigilando",
        "No, gracias, ella ya es mayor de edad",
        "Sí, cierran la puerta con llave en la noche",
        "No sé",
        "Zacapa",
        "Sí, estoy en Guatemala",
    ),
    "en": (
        "2",
        "They won't let me leave, they are watching me",
        "No, she is an adult",
        "Yes, they lock the door at night",
        "I don't know",
        "Zacapa",
        "Yes, I am in Guatemala",
    ),
    "fr": (
        "3",
        "Ils ne me laissent pas sortir, ils me surveillent",
        "Non, elle est adulte",
        "Oui, ils ferment la porte à clé le soir",
        "Je ne sais pas",
        "Zacapa",
        "Oui, je suis au Guatemala",
    ),
    "pt": (
        "4",
        "Não me deixam sair, estão me vigiando",
        "Não, ela é adulta",
        "Sim, trancam a porta à noite",
        "Não sei",
        "Zacapa",
        "Sim, estou na Guatemala",
    ),
    "ht": (
        "5",
        "Yo pa kite m soti, y ap siveye m",
        "Non, li se yon granmoun",
        "Wi, yo fèmen pòt la aswè",
        "M pa konnen",
        "Zacapa",
        "Wi, mwen Guatemala",
    ),
}
LANGUAGES = sorted(SENTENCES)
EXPECTED_ANSWERS = {
    "in_danger_now": None,
    "minor_involved": False,
    "movement_restricted": True,
    "documents_withheld": None,
}
_ids = itertools.count(1)


def only_ticket(app: Flask) -> Ticket:
    with app.app_context(), app.extensions["database"].session() as session:
        [ticket] = session.scalars(select(Ticket))
        _ = ticket.submissions, ticket.events, [m.body for m in ticket.messages]  # words unsealed in the session
        session.expunge_all()
    return ticket


def assert_read_as_a_person_would(app: Flask, held_now: str, risk_before_the_rest: str) -> None:
    ticket = only_ticket(app)
    # Made at once (possible danger), and the sentence was read: someone is kept from leaving.
    assert risk_before_the_rest in ("high", "critical")
    assert "movement_restricted" in {i["key"] for i in (ticket.routing or {})["risk"]["indicators"]}
    submitted = ticket.submissions[-1].answers if ticket.submissions else {}
    assert {k: submitted.get(k, "?") for k in EXPECTED_ANSWERS} == EXPECTED_ANSWERS
    assert any(held_now in (m.body or "") for m in ticket.messages)


def sms(client: FlaskClient, body: str) -> list[str]:
    params = {"MessageSid": f"SM{next(_ids):032d}", "From": "+50255507777", "To": "+15005550006", "Body": body}
    response = twilio_post(client, "/twilio/sms", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_by_sms(app: Flask, client: FlaskClient, language: str) -> None:
    menu, held_now, adult, held, unknown, where, _confirm = SENTENCES[language]
    sms(client, "hola")
    sms(client, menu)
    sms(client, held_now)
    risk = only_ticket(app).risk_level
    for answer in (where, adult, held, unknown, unknown, unknown, "Es todo."):  # consent: don't know
        sms(client, answer)
    assert_read_as_a_person_would(app, held_now, risk)


def chat(client: FlaskClient, text: str) -> None:
    assert post_form(client, "/chat", {"text": text}, action="/chat/send").status_code == 302


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_by_chat(app: Flask, client: FlaskClient, language: str) -> None:
    menu, held_now, adult, held, unknown, where, _confirm = SENTENCES[language]
    post_form(client, "/chat", {}, action="/chat/start")
    chat(client, menu)
    chat(client, held_now)
    risk = only_ticket(app).risk_level
    for answer in (where, adult, held, unknown, unknown, unknown, "Es todo."):  # consent: don't know
        chat(client, answer)
    assert_read_as_a_person_would(app, held_now, risk)


def voice(client: FlaskClient, path: str, sid: str, **params: str) -> ET.Element:
    response = twilio_post(client, path, {"CallSid": sid, "From": "+50255501234", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def action(twiml: ET.Element, verb: str = "Gather") -> str:
    found = twiml.find(verb)
    assert found is not None, ET.tostring(twiml)
    return found.attrib["action"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_by_voice(app: Flask, client: FlaskClient, language: str) -> None:
    menu, held_now, adult, held, unknown, where, confirm = SENTENCES[language]
    sid = f"CA{next(_ids):032d}"
    twiml = voice(client, "/twilio/voice", sid)
    twiml = voice(client, action(twiml), sid, Digits=menu)
    twiml = voice(client, action(twiml), sid, SpeechResult=held_now)
    risk = only_ticket(app).risk_level
    twiml = voice(client, action(twiml), sid, SpeechResult=confirm)  # "yes, calling from Guatemala"
    assert twiml.find("Gather").attrib["input"] == "speech"  # type: ignore[union-attr] # the region next
    for answer in (where, adult, held, unknown, unknown, unknown):  # consent: don't know
        twiml = voice(client, action(twiml), sid, SpeechResult=answer)
    if twiml.find("Record") is not None:  # Haitian Creole: no recogniser, so the story is recorded
        recording = {"RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9"}
        twiml = voice(client, action(twiml, "Record"), sid, **recording, RecordingDuration="12")
    else:  # the story is heard by the speech recogniser in the caller's language
        twiml = voice(client, action(twiml), sid, SpeechResult="Es todo.")
    assert only_ticket(app).incident_country == "GT"
    assert_read_as_a_person_would(app, held_now, risk)
