"""What the person agrees to share, asked by SMS, voice and chat after the safety questions (issue 13's
gap): the answers become the ticket's consent, which holds or proposes referrals as the web form's do;
a non-answer keeps the policy's default; the danger path is never delayed by them."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.outbox import OutboxMessage
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent
from tests.helpers import post_form, twilio_post

DOMINICAN = "Soy dominicana y me tienen trabajando sin pago en una casa, no me dejan salir"
_ids = itertools.count(1)


def sms(client: FlaskClient, body: str, sender: str = "+50255507777") -> list[str]:
    params = {"MessageSid": f"SM{next(_ids):032d}", "From": sender, "To": "+15005550006", "Body": body}
    response = twilio_post(client, "/twilio/sms", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]


def only_ticket(app: Flask) -> tuple[Ticket, list[Referral], list[str]]:
    with app.app_context(), app.extensions["database"].session() as session:
        [ticket] = session.scalars(select(Ticket))
        found = list(session.scalars(select(Referral).where(Referral.ticket_id == ticket.id).order_by(Referral.id)))
        for referral in found:
            _ = referral.agency
        events = list(session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)))
        session.expunge_all()
    return ticket, found, events


def origin_states(found: list[Referral]) -> list[tuple[str, str, str | None]]:
    return [(r.agency.country, r.dispatch, r.held_reason) for r in found if r.role == "origin_country"]


@pytest.mark.parametrize(
    ("share_origin", "expected", "consent"),
    [
        ("sí", [("DO", "proposed", None)], {"share_authorities": True, "share_origin": True}),
        ("no", [("DO", "held", "consent_refused")], {"share_authorities": True, "share_origin": False}),
        # A sentence that is no plain yes or no keeps the default: not asked, so the origin waits.
        ("no entiendo", [("DO", "held", "consent_not_given")], {"share_authorities": True}),
    ],
)
def test_an_sms_reporter_decides_whether_their_own_country_is_told(
    app: Flask, client: FlaskClient, share_origin: str, expected: list[tuple[str, str, str | None]], consent: dict
) -> None:
    sms(client, DOMINICAN)
    for answer in ("no", "Ciudad de Guatemala", "no", "no"):  # not in danger, where, no child, documents
        replies = sms(client, answer)
    assert "autoridades del país donde está pasando" in replies[0]
    assert "de otro país" in sms(client, "sí")[0]
    done = sms(client, share_origin)
    ticket, found, _events = only_ticket(app)
    assert ticket.reference in done[0]  # the story came first: the consent was the last thing asked
    assert ticket.consent == {**consent, "contact_back": True}
    assert origin_states(found) == expected


def test_refusing_the_authorities_by_sms_holds_every_referral_and_sends_nothing(
    app: Flask, client: FlaskClient
) -> None:
    for answer in ("hola", "1", "no", "Quetzaltenango", "no", "no", "no", "no", "no"):
        sms(client, answer)
    sms(client, "Me pagan menos de lo prometido en una maquila y me amenazan con despedirme.")
    ticket, found, _events = only_ticket(app)
    assert ticket.consent == {"share_authorities": False, "share_origin": False, "contact_back": True}
    assert found and {(r.dispatch, r.held_reason) for r in found} == {("held", "consent_refused")}
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.referral_id.is_not(None))).all() == []


def test_the_danger_path_is_never_delayed_by_consent_questions(app: Flask, client: FlaskClient) -> None:
    replies = sms(client, "hola") + sms(client, "1") + sms(client, "sí") + sms(client, "Zacapa")
    assert not any("autoridades" in reply for reply in replies)
    ticket, found, _events = only_ticket(app)
    assert not {"share_authorities", "share_origin"} & set(ticket.consent or {})
    assert ticket.risk_level == "critical" and found  # routed at once, with nothing held for consent
    held = [
        r for r in found if r.role != "origin_country" and r.held_reason in ("consent_refused", "consent_not_given")
    ]
    assert held == []


def test_consent_given_after_an_early_ticket_holds_the_proposals_it_no_longer_allows(
    app: Flask, client: FlaskClient
) -> None:
    sms(client, "hola")
    sms(client, "1")
    sms(client, "No me dejan salir, me están vigilando")  # possible danger: the ticket is made now
    _ticket, before, _events = only_ticket(app)
    proposed = [r.id for r in before if r.dispatch == "proposed"]
    assert proposed
    for answer in ("Escuintla", "no", "no", "no", "no", "no", "Trabajo sin paga en una finca."):
        sms(client, answer)
    ticket, after, events = only_ticket(app)
    assert ticket.consent == {"share_authorities": False, "share_origin": False, "contact_back": True}
    assert "consent_recorded" in events
    states = {r.id: (r.dispatch, r.held_reason) for r in after}
    # What had already gone (imminent danger) stays gone; nothing still waiting goes without consent.
    assert all(states[i] in {("held", "consent_refused"), ("proposed", None)} for i in proposed)
    assert any(states[i] == ("held", "consent_refused") for i in proposed)
    for referral in after:
        if referral.dispatch == "proposed":
            assert referral.agency.kind in ("response_team", "police", "emergency", "child_protection")


def voice(client: FlaskClient, path: str, sid: str, **params: str) -> ET.Element:
    response = twilio_post(client, path, {"CallSid": sid, "From": "+50255501234", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def gather(twiml: ET.Element) -> str:
    found = twiml.find("Gather")
    assert found is not None, ET.tostring(twiml)
    return found.attrib["action"]


def test_a_caller_refuses_the_authorities_on_the_keypad(app: Flask, client: FlaskClient) -> None:
    sid = f"CA{next(_ids):032d}"
    twiml = voice(client, "/twilio/voice", sid)
    for digits in ("1", "2", "1"):  # Spanish, not in danger, it happens in Guatemala (the phone's country)
        twiml = voice(client, gather(twiml), sid, Digits=digits)
    twiml = voice(client, gather(twiml), sid, SpeechResult="Zacapa")
    for digits in ("2", "2", "2"):
        twiml = voice(client, gather(twiml), sid, Digits=digits)
    spoken = " ".join(say.text or "" for say in twiml.iter("Say"))
    assert "autoridades del país donde está pasando" in spoken and "marque" not in spoken.lower()
    twiml = voice(client, gather(twiml), sid, Digits="2")  # no
    twiml = voice(client, gather(twiml), sid, Digits="3")  # does not know: the default stays
    voice(client, gather(twiml), sid, SpeechResult="Me pagan menos de lo prometido en una maquila.")
    ticket, found, _events = only_ticket(app)
    assert ticket.consent == {"share_authorities": False, "contact_back": True}
    assert found and {(r.dispatch, r.held_reason) for r in found} == {("held", "consent_refused")}


def chat(client: FlaskClient, text: str) -> None:
    assert post_form(client, "/chat", {"text": text}, action="/chat/send").status_code == 302


def test_a_chat_reporter_answers_the_consent_questions_with_buttons(app: Flask, client: FlaskClient) -> None:
    post_form(client, "/chat", {}, action="/chat/start")
    for answer in ("Español", "No", "Ciudad de Guatemala", "No", "No", "No"):
        chat(client, answer)
    polled = client.get("/chat/messages").get_json()
    assert polled["lines"][-1]["text"] == (
        "¿Podemos pasar lo que nos cuenta a las autoridades del país donde está pasando?"
    )
    assert polled["choices"] == ["Sí", "No", "No sé"]
    page = client.get("/chat").get_data(as_text=True)
    assert 'value="No sé"' in page and "(1)" not in page
    chat(client, "Sí")
    chat(client, "No sé")
    assert client.get("/chat/messages").get_json()["choices"] == []  # the story is free text
    chat(client, DOMINICAN)
    ticket, found, _events = only_ticket(app)
    assert ticket.consent == {"share_authorities": True}  # "don't know" keeps the default
    assert origin_states(found) == [("DO", "held", "consent_not_given")]
