"""The web chat runs the same questions, then an operator answers from the staff console."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.conversations.models import Conversation
from hotline.tickets.models import Ticket
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import csrf_token, post_form


def send(client: FlaskClient, text: str) -> None:
    response = post_form(client, "/chat", {"text": text}, action="/chat/send")
    assert response.status_code == 302


def lines(client: FlaskClient, after: int = 0) -> list[dict[str, object]]:
    return client.get(f"/chat/messages?after={after}").get_json()["lines"]


def test_a_chat_runs_the_flow_then_an_operator_answers(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    page = client.get("/chat").get_data(as_text=True)
    assert "chat-start" in page and "https://" not in page.split("quick-exit")[-1].split("</header>")[-1]
    post_form(client, "/chat", {}, action="/chat/start")
    assert "Choose your language" in lines(client)[0]["text"] and "marque" not in lines(client)[0]["text"]
    assert client.get("/chat/messages").get_json()["choices"][:2] == ["Español", "English"]
    for answer in [
        "English",
        "No",
        "San Salvador, El Salvador",
        "No",
        "Yes",
        "Don't know",
        "Yes",
        "No",
        "My cousin works without pay in a bakery.",
    ]:
        send(client, answer)
    page = client.get("/chat").get_data(as_text=True)
    reference = re.search(r"HT-[0-9A-Z]{4}-[0-9A-Z]{4}", page)
    assert reference and 'id="chat-passphrase"' in page
    assert 'id="chat-passphrase"' not in client.get("/chat").get_data(as_text=True)  # shown once
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference.group(0)))
        assert ticket is not None and ticket.channel == "chat" and ticket.incident_country == "SV"
        conversation = session.scalar(select(Conversation))
        assert conversation is not None and conversation.state == "waiting"
        chat_id = conversation.id

    email, password = make_user(staff_app, role="operator", countries=("SV",))
    sign_in(staff_client, email, password)
    assert f"/chat/{chat_id}" in staff_client.get("/chat/").get_data(as_text=True)
    staff_client.get(f"/chat/{chat_id}")
    token = csrf_token(staff_client, f"/chat/{chat_id}")
    staff_client.post(f"/chat/{chat_id}/reply", data={"text": "Hello, I am here. Are you safe?", "csrf_token": token})
    assert lines(client)[-1]["text"] == "Hello, I am here. Are you safe?"
    page = staff_client.get(f"/chat/{chat_id}").get_data(as_text=True)
    assert 'value="emergency"' in page and "call your country&#39;s emergency number" in page  # in English
    staff_client.post(f"/chat/{chat_id}/reply", data={"text": "", "canned": "emergency", "csrf_token": token})
    assert (
        lines(client)[-1]["text"]
        == "If you or someone else is in danger right now, call your country's emergency number."
    )
    send(client, "Yes, I am at home.")
    replies = staff_client.get(f"/chat/{chat_id}/messages").get_json()["lines"]
    assert replies[-1]["text"] == "Yes, I am at home."
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference.group(0)))
        assert ticket is not None
        assert [m.body for m in ticket.messages][-1:] == ["Yes, I am at home."]
        assert "Hello, I am here. Are you safe?" in [m.body for m in ticket.messages]


def test_an_operator_of_another_country_does_not_see_the_chat(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    post_form(client, "/chat", {}, action="/chat/start")
    for answer in ["1", "no", "San Salvador, El Salvador", "no", "no", "no", "sí", "no", "Algo pasa en el barrio."]:
        send(client, answer)
    email, password = make_user(staff_app, role="operator", countries=("PA",))
    sign_in(staff_client, email, password)
    assert 'id="no-chats"' in staff_client.get("/chat/").get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        chat_id = session.scalars(select(Conversation.id)).one()
    assert staff_client.get(f"/chat/{chat_id}").status_code == 403


def test_the_chat_needs_a_session_and_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    assert client.post("/chat/send", data={"text": "hola"}).status_code in (400, 404)
    assert client.post("/chat/start").status_code == 400


def test_agency_users_cannot_open_the_chat_console(staff_app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(staff_app, role="agency", agency_id="gt-pnc")
    sign_in(staff_client, email, password)
    assert staff_client.get("/chat/").status_code == 403


def test_the_passphrase_is_never_in_the_readable_session_cookie(app: Flask, client: FlaskClient) -> None:
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    post_form(client, "/chat", {}, action="/chat/start")
    for answer in ["2", "no", "San Salvador, El Salvador", "no", "yes", "don't know", "yes", "no", "Work without pay."]:
        send(client, answer)
    cookie = client.get_cookie("hotline_public")
    assert cookie is not None
    assert not any("passphrase" in key for key in serializer.loads(cookie.value))
    page = client.get("/chat").get_data(as_text=True)
    assert 'id="chat-passphrase"' in page
