"""Input hygiene at the edge, on both databases: control characters are stripped from every way in and
the reporter's other words are kept; huge ids, deep JSON and big bodies get a clear answer in the
user's language and format, never a 500, and no error answer repeats what was sent."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.accounts import StaffEvent
from hotline.conversations.models import ConversationTurn
from hotline.db import db_session
from hotline.hygiene import MAX_JSON_DEPTH, ROW_ID_MAX, json_depth, whole_number
from hotline.tickets.models import Ticket, TicketMessage, TicketSubmission
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_twilio_sms_conversation import stored_tickets, text_in
from tests.factories import make_agency, make_user
from tests.helpers import csrf_token, message_bodies, post_form, post_report, twilio_post

NUL_TEXT = "Nos quitaron\x00 los pasaportes\x01\x1b en la finca.\tAyuda\r\n"
KEPT_TEXT = "Nos quitaron los pasaportes en la finca.\tAyuda"


def _ticket(app: Flask, reference: str) -> tuple[Ticket, list[str], list[str | None]]:
    """The ticket, its inbound message bodies and its submissions' places."""
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        bodies = message_bodies(session, TicketMessage.ticket_id == ticket.id)
        query = select(TicketSubmission.location).where(TicketSubmission.ticket_id == ticket.id)
        places = [location.get("place") for location in session.scalars(query)]
        session.expunge(ticket)
    return ticket, bodies, places


def _caller_turns(app: Flask) -> list[str]:
    with app.app_context(), app.extensions["database"].session() as session:
        query = select(ConversationTurn).where(ConversationTurn.direction == "in").order_by(ConversationTurn.id)
        return [turn.body for turn in session.scalars(query)]


def test_the_api_stores_text_and_place_without_nul(app: Flask, client: FlaskClient) -> None:
    body = {
        "channel": "api",
        "text": NUL_TEXT,
        "location": {"country": "GT", "place": "Fin\x00ca \ud800El Rosario"},
        "answers": {"documents_withheld\x00": True},
    }
    response = post_report(client, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    ticket, bodies, places = _ticket(app, response.get_json()["reference"])
    assert bodies == [KEPT_TEXT]
    assert places == ["Finca \ufffdEl Rosario"]
    assert ticket.incident_place == "Finca \ufffdEl Rosario"


def test_the_web_form_stores_text_and_place_without_nul(app: Flask, client: FlaskClient) -> None:
    form = {"text": NUL_TEXT, "country": "GT", "place": "Zaca\x00pa", "in_danger_now": "no"}
    response = post_form(client, "/report", form)
    assert response.status_code == 200, response.get_data(as_text=True)
    reference = re.search(r'id="reference">([^<]+)<', response.get_data(as_text=True))
    assert reference is not None
    _ticket_row, bodies, places = _ticket(app, reference.group(1))
    assert bodies == [KEPT_TEXT]
    assert places == ["Zacapa"]


def test_a_follow_up_is_stored_without_nul(app: Flask, client: FlaskClient) -> None:
    filed = post_report(client, json={"channel": "api", "text": "first words", "location": {"country": "GT"}})
    reference, passphrase = filed.get_json()["reference"], filed.get_json()["follow_up_passphrase"]
    form = {"reference": reference, "passphrase": passphrase + "\x00", "text": "more\x00 words\x07"}
    response = post_form(client, "/follow-up", form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _ticket(app, reference)[1] == ["first words", "more words"]


def test_a_chat_message_is_stored_without_nul(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/chat")
    client.post("/chat/start", data={"csrf_token": token})
    response = client.post("/chat/send", data={"csrf_token": token, "text": "hola\x00 ayuda\x1f"})
    assert response.status_code == 302
    assert _caller_turns(app) == ["hola ayuda"]


def test_sms_bodies_are_stored_without_nul_and_their_signature_still_checks(app: Flask, client: FlaskClient) -> None:
    # Twilio signs the parameters as sent, NUL included: the check must use them, the store must not.
    for answer in ["hola", "1", "2", "Managua", "2", "2", "2", "1", "1", "Me deben tres\x00 meses de sueldo.\x1b"]:
        text_in(client, answer)
    [reply] = text_in(client, "Nos cambiaron\x00 de casa.")
    [ticket] = stored_tickets(app)
    assert ticket.reference in reply
    assert [m.body for m in ticket.messages] == ["Me deben tres meses de sueldo.", "Nos cambiaron de casa."]


def test_json_nested_a_thousand_deep_is_a_400_in_the_users_language(app: Flask, client: FlaskClient) -> None:
    deep = "[" * 1000 + "]" * 1000
    response = post_report(client, data=deep, content_type="application/json", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "json_too_deep",
        "message": f"Le JSON est trop imbriqué : au plus {MAX_JSON_DEPTH} niveaux.",
    }
    nested = '{"channel": "api", "text": "x", "location": ' + '{"a": ' * 1000 + "1" + "}" * 1001
    assert post_report(client, data=nested, content_type="application/json").status_code == 400


def test_brackets_inside_strings_do_not_count_as_depth(app: Flask, client: FlaskClient) -> None:
    text = "[{" * 500 + " they wrote this"
    response = post_report(client, json={"channel": "api", "text": text, "location": {"country": "GT"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert json_depth('{"a": "[[[[\\"[[[", "b": [[1]]}') == 3


def test_huge_ids_and_counters_are_404_or_ignored(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    token = csrf_token(client, "/chat")
    client.post("/chat/start", data={"csrf_token": token})
    for after in ("9223372036854775808", "-1", "²", "99999999999999999999"):
        response = client.get(f"/chat/messages?after={after}")
        assert response.status_code == 200 and response.get_json()["lines"], after
    sign_in(staff_client, *make_user(staff_app, role="agency", agency_id=make_agency(staff_app)))
    for path in (
        "/referrals/99999999999999999999",
        f"/referrals/{ROW_ID_MAX + 1}",
        "/referrals/" + "9" * 5000,
        "/referrals/9223372036854775807",
    ):
        response = staff_client.get(path, headers={"Accept-Language": "pt"})
        assert response.status_code == 404, path
        assert "Esta página não existe." in response.get_data(as_text=True)
    assert staff_client.get(f"/referrals/{ROW_ID_MAX}").status_code == 404  # in range, just not there


def test_a_control_character_in_a_path_names_nothing(app: Flask, staff_app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(staff_app, role="operator", regional=True))
    response = staff_client.get("/tickets/HT-AAAA%00<b>marker</b>")
    assert response.status_code == 404
    assert "marker" not in response.get_data(as_text=True)


def test_too_large_a_body_is_a_413_in_the_users_language_and_format(app: Flask, client: FlaskClient) -> None:
    big = "x" * (300 * 1024)
    api = post_report(client, data=big, content_type="application/json", headers={"Accept-Language": "es"})
    assert api.status_code == 413
    assert api.get_json() == {"error": "request_entity_too_large", "message": "Lo que envió es demasiado grande."}
    page = client.post("/report", data={"text": big}, headers={"Accept-Language": "fr"})
    assert page.status_code == 413 and "Ce que vous avez envoyé est trop volumineux." in page.get_data(as_text=True)
    assert big[:100] not in page.get_data(as_text=True)


def test_a_twilio_webhook_answers_twiml_with_a_retry_on_bad_input(app: Flask, client: FlaskClient) -> None:
    big = {"MessageSid": "SM" + "2" * 32, "From": "+50255550123", "Body": "x" * (300 * 1024)}
    sms = twilio_post(client, "/twilio/sms", big)
    assert sms.status_code == 200 and sms.mimetype == "text/xml"
    assert [m.text for m in ET.fromstring(sms.get_data()).iter("Message")] == [
        "Perdone, no pudimos leer su mensaje. Por favor, envíelo de nuevo."
    ]
    voice = twilio_post(client, "/twilio/voice/answer", {"CallSid": "CA1", "SpeechResult": "x" * (300 * 1024)})
    assert voice.status_code == 200 and voice.mimetype == "text/xml"
    spoken = ET.fromstring(voice.get_data())
    assert [s.text for s in spoken.iter("Say")] == ["Perdone, tuvimos un problema. Intentemos de nuevo."]
    assert [r.text for r in spoken.iter("Redirect")] == ["/twilio/voice"]
    wrong_method = client.get("/twilio/sms")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "text/xml"


def test_whole_number_accepts_only_what_fits_an_id_column() -> None:
    assert whole_number("0") == 0 and whole_number(str(ROW_ID_MAX)) == ROW_ID_MAX
    for refused in ("", "-1", "+1", " 1", "1.0", "²", "١٢", str(ROW_ID_MAX + 1), "9" * 5000):
        try:
            whole_number(refused)
        except ValueError:
            continue
        raise AssertionError(f"{refused!r} was accepted")


def test_the_error_page_survives_a_failed_database_transaction(
    app: Flask, staff_app: Flask, staff_client: FlaskClient
) -> None:
    @staff_app.get("/test-only/failed-flush")
    def failed_flush() -> str:
        # A row the database refuses (no such user), then the error a view would raise.
        db_session().add(StaffEvent(user_id=ROW_ID_MAX, actor="test", kind="test", reason="test"))
        db_session().flush()
        return "unreachable"

    sign_in(staff_client, *make_user(staff_app, role="operator", regional=True))
    response = staff_client.get("/test-only/failed-flush", headers={"Accept-Language": "es"})
    assert response.status_code == 500
    assert "Algo falló de nuestro lado." in response.get_data(as_text=True)
    assert staff_client.get("/tickets").status_code == 200
