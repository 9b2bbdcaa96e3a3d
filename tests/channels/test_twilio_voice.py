"""A whole call by Twilio voice: TwiML prompts in the caller's language, keypad and speech, then a person."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.calls.models import VoiceCall
from hotline.conversations.models import Conversation
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketRecording
from tests.helpers import twilio_post

GUATEMALAN = "+50255501234"
HONDURAN = "+50494501234"


def call(client: FlaskClient, path: str, sid: str, **params: str) -> ET.Element:
    response = twilio_post(client, path, {"CallSid": sid, "From": GUATEMALAN, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def silence_path(twiml: ET.Element) -> str:
    found = twiml.find("Redirect")
    assert found is not None, ET.tostring(twiml)
    return found.text or ""


def referrals(app: Flask, ticket: Ticket) -> list[Referral]:
    with app.app_context(), app.extensions["database"].session() as session:
        found = list(session.scalars(select(Referral).where(Referral.ticket_id == ticket.id).order_by(Referral.id)))
        for referral in found:
            _ = referral.agency
        session.expunge_all()
    return found


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
            _ = ticket.submissions, ticket.recordings, ticket.events, [m.body for m in ticket.messages]
        session.expunge_all()
    return found


STORIES = {
    "1": "Me obligan a trabajar sin pago en una finca y me amenazan con matar a mi familia",
    "2": "They force me to work without pay on a farm and they threaten to kill my family",
    "3": "Ils me forcent à travailler sans salaire dans une ferme et menacent de tuer ma famille",
}
NOTICES = {"1": "quedará grabado", "2": "will be recorded", "3": "sera enregistré"}


@pytest.mark.parametrize(
    ("digit", "twilio_language", "danger_words", "thanks"),
    [("1", "es-MX", "peligro", "Gracias"), ("2", "en-US", "danger", "Thank you"), ("3", "fr-FR", "danger", "Merci")],
)
def test_a_whole_call_in_the_chosen_language_makes_a_routed_ticket(
    app: Flask, client: FlaskClient, digit: str, twilio_language: str, danger_words: str, thanks: str
) -> None:
    story, notice = STORIES[digit], NOTICES[digit]
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
    twiml = call(client, next_path(twiml), sid, Digits="1")  # the authorities here may be told
    twiml = call(client, next_path(twiml), sid, SpeechResult="no" if digit == "2" else "non" if digit == "3" else "no")
    # The narrative is heard by Twilio's recogniser in the caller's language, so triage can read it.
    narrative = twiml.find("Gather")
    assert narrative is not None and narrative.attrib["input"] == "speech"
    assert narrative.attrib["language"] == twilio_language and twiml.find("Record") is None
    assert all(lang == twilio_language for lang, _text in said(twiml))
    twiml = call(client, next_path(twiml), sid, SpeechResult=story)
    spoken = " ".join(text for _lang, text in said(twiml))
    [ticket] = tickets(app)
    assert thanks in spoken and ticket.reference in spoken
    # Nobody is on shift: the caller is told so and may leave a voicemail, after a recording notice.
    assert twiml.find("Record") is not None and twiml.find("Enqueue") is None
    assert notice in spoken
    assert ticket.channel == "voice" and ticket.incident_country == "GT" and ticket.caller_country == "GT"
    assert [m.body for m in ticket.messages if m.direction == "in"] == [story]
    assert ticket.case_type == "trafficking"  # read from the narrative; the answers alone say "unclear"
    assert ticket.submissions[0].answers == {
        "in_danger_now": False,
        "minor_involved": True,
        "movement_restricted": True,
        "documents_withheld": False,
    }
    assert ticket.consent == {"share_authorities": True, "share_origin": False, "contact_back": True}
    assert ticket.risk_level in ("high", "critical")
    # The place was confirmed on the keypad: critical goes to the responder at once, high waits for review.
    assert ticket.status == ("referred" if ticket.risk_level == "critical" else "triaged")
    assert ticket.caller_phone_encrypted is not None and ticket.source_key == f"voice:{sid}"


def test_a_danger_call_about_honduras_from_a_guatemalan_phone_goes_to_hondurass_line_and_agencies(
    app: Flask, client: FlaskClient
) -> None:
    sid = "CA" + "d" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, SpeechResult="sí")  # in danger now
    [ticket] = tickets(app)
    assert ticket.risk_level == "critical"  # before the caller says anything else
    assert {r.agency.country for r in referrals(app, ticket)} == {"GT"}  # routed on the phone, for now
    twiml = call(client, next_path(twiml), sid, Digits="2")  # elsewhere
    assert "Honduras" in said(twiml)[-1][1]
    twiml = call(client, next_path(twiml), sid, Digits="3")  # Honduras, from the menu
    twiml = call(client, next_path(twiml), sid, SpeechResult="San Pedro Sula")
    # Nobody is on shift: Honduras's response line is dialled; no queue that nobody answers.
    dial = twiml.find("Dial")
    assert dial is not None and (dial.text or "").startswith("+504")
    assert twiml.find("Enqueue") is None
    [ticket] = tickets(app)
    assert ticket.incident_country == "HN" and ticket.risk_level == "critical"
    every = referrals(app, ticket)
    taken_back = [r for r in every if r.status == "withdrawn" or r.dispatch == "dropped"]
    live = [r for r in every if r not in taken_back]
    assert live and {r.agency.country for r in live} <= {"HN", None}
    assert any(r.agency.country == "HN" for r in live)
    assert taken_back and {r.agency.country for r in taken_back} == {"GT"}
    assert any(e.kind == "retriaged" for e in ticket.events)


def test_danger_with_nobody_on_shift_and_no_dialable_line_hears_the_number_then_voicemail(
    app: Flask, client: FlaskClient
) -> None:
    sid = "CA" + "e" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, Digits="1")
    twiml = call(client, next_path(twiml), sid, Digits="1")  # Guatemala: its 110 is not dialable by Twilio
    twiml = call(client, next_path(twiml), sid, SpeechResult="Zona 1")
    assert twiml.find("Dial") is None and twiml.find("Enqueue") is None
    spoken = [text for _lang, text in said(twiml)]
    assert any("Guatemala" in text and "1 1 0" in text for text in spoken)
    assert spoken[-1] == "Su mensaje quedará grabado para que nuestro equipo lo escuche."
    assert [child.tag for child in twiml][-2:] == ["Record", "Hangup"]
    with app.app_context(), app.extensions["database"].session() as session:
        [record] = session.scalars(select(VoiceCall))
        assert (record.outcome, record.in_danger, record.country) == ("no_operator", True, "GT")


def test_silence_at_the_first_prompt_repeats_it_and_never_makes_a_referral(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "5" * 32
    first = call(client, "/twilio/voice", sid)
    twiml = first
    for _ in range(2):
        twiml = call(client, silence_path(twiml), sid)
        assert said(twiml) == said(first)  # the menu again
    twiml = call(client, silence_path(twiml), sid)
    assert twiml.find("Gather") is None and twiml.find("Record") is not None
    assert tickets(app) == []
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(Referral)).all() == []


def test_the_language_menu_is_spoken_in_each_language_by_its_own_voice(app: Flask, client: FlaskClient) -> None:
    twiml = call(client, "/twilio/voice", "CA" + "4" * 32)
    menu = [(say.attrib["language"], say.attrib["voice"], say.text) for say in twiml.iter("Say")]
    assert menu == [
        ("es-MX", "Polly.Mia", "Para español, marque 1."),
        ("en-US", "Polly.Joanna", "For English, press 2."),
        ("fr-FR", "Polly.Lea", "Pour le français, tapez 3."),
        ("pt-BR", "Polly.Camila", "Para português, digite 4."),
        ("fr-FR", "Polly.Lea", "Pou kreyòl ayisyen, peze 5."),  # Creole by the French voice
    ]


def test_a_creole_narrative_is_recorded_after_a_notice(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "3" * 32
    twiml = call(client, "/twilio/voice", sid)
    for answer in ("5", "2", "1"):
        twiml = call(client, next_path(twiml), sid, Digits=answer)
    twiml = call(client, next_path(twiml), sid, SpeechResult="Zacapa")
    for answer in ("2", "2", "2", "2", "2"):  # then no and no to sharing
        twiml = call(client, next_path(twiml), sid, Digits=answer)
    assert twiml.find("Gather") is None
    tags = [child.tag for child in twiml]
    assert tags.index("Record") > max(i for i, tag in enumerate(tags) if tag == "Say")
    assert "Mesaj ou a ap anrejistre" in " ".join(text for _lang, text in said(twiml))
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE3"
    call(client, next_path(twiml, "Record"), sid, RecordingUrl=url, RecordingDuration="33")
    [ticket] = tickets(app)
    assert [r.url for r in ticket.recordings] == [url]
    assert not [m for m in ticket.messages if m.direction == "in"]  # no words invented for the recording


def test_three_failed_answers_at_the_menu_offer_a_voicemail_without_making_a_ticket(
    app: Flask, client: FlaskClient
) -> None:
    sid = "CA" + "a" * 32
    twiml = call(client, "/twilio/voice", sid)
    for _ in range(3):
        twiml = call(client, next_path(twiml), sid, Digits="8")
    assert twiml.find("Record") is not None and twiml.find("Gather") is None
    assert "una persona" in said(twiml)[0][1]
    assert tickets(app) == []  # keys pressed at random are a logged contact, not a report


@pytest.mark.parametrize("garbage", ["", "9", "x" * 5000, "🙂🙂🙂", "#"])
def test_garbage_gets_a_retry_in_the_callers_language(app: Flask, client: FlaskClient, garbage: str) -> None:
    sid = "CA" + "f" * 32
    twiml = call(client, "/twilio/voice", sid)
    twiml = call(client, next_path(twiml), sid, Digits="3")
    again = call(client, next_path(twiml), sid, SpeechResult=garbage)
    assert said(again)[0] == ("fr-FR", "Pardon, je n'ai pas compris.")
    assert said(again)[1] == said(twiml)[0]


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
