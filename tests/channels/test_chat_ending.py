"""A chat's ending is seen on both sides: the operator's close reaches the reporter in their language
and their next message is kept, not a 404; a reporter who leaves is shown to the operator; the chat
lives in a browser-session cookie only, as the page promises."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.conversations.models import Conversation
from hotline.db import utcnow
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_chat import send
from tests.factories import make_user
from tests.helpers import csrf_token, message_bodies, post_form

ANSWERS = ["1", "no", "San Salvador, El Salvador", "no", "sí", "no sé", "sí", "no"]
ANSWERS += ["Mi primo trabaja sin paga en una panadería."]


def chat_to_the_end(app: Flask, client: FlaskClient) -> int:
    response = post_form(client, "/chat", {}, action="/chat/start")
    assert response.status_code == 302
    for answer in ANSWERS:
        send(client, answer)
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalars(select(Conversation.id)).one()


def operator_opens(staff_app: Flask, staff_client: FlaskClient, chat_id: int) -> None:
    email, password = make_user(staff_app, role="operator", countries=("SV",))
    sign_in(staff_client, email, password)
    staff_client.get(f"/chat/{chat_id}")


def test_the_operator_closing_tells_the_reporter_and_their_next_message_is_kept(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    chat_id = chat_to_the_end(app, client)
    operator_opens(staff_app, staff_client, chat_id)
    token = csrf_token(staff_client, f"/chat/{chat_id}")
    assert staff_client.post(f"/chat/{chat_id}/close", data={"csrf_token": token}).status_code == 302
    polled = client.get("/chat/messages").get_json()
    assert polled["state"] == "closed"
    assert "terminó" in polled["lines"][-1]["text"]  # in Spanish, the reporter's language
    page = client.get("/chat").get_data(as_text=True)
    assert "terminó" in page and 'id="chat-closed"' in page
    response = post_form(client, "/chat", {"text": "Una cosa más: se llama Don Tito."}, action="/chat/send")
    assert response.status_code == 302
    with app.app_context(), app.extensions["database"].session() as session:
        words = message_bodies(session)
        assert "Una cosa más: se llama Don Tito." in words
    assert "HT-" in client.get("/chat/messages").get_json()["lines"][-1]["text"]  # "we added it to HT-…"


def test_a_reporter_who_leaves_is_shown_to_the_operator(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    chat_id = chat_to_the_end(app, client)
    operator_opens(staff_app, staff_client, chat_id)
    assert staff_client.get(f"/chat/{chat_id}/messages").get_json()["reporter"] == "here"
    # The page stops polling (a closed tab, a lost phone): the heartbeat is missed.
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.get(Conversation, chat_id)
        assert conversation is not None
        stale = (utcnow() - timedelta(minutes=5)).isoformat()
        conversation.host = {**conversation.host, "seen_at": stale}
        session.commit()
    assert staff_client.get(f"/chat/{chat_id}/messages").get_json()["reporter"] == "gone quiet"
    client.get("/chat/messages")
    assert staff_client.get(f"/chat/{chat_id}/messages").get_json()["reporter"] == "here"
    # The tab is closed: the page says so as it goes.
    assert post_form(client, "/chat", {}, action="/chat/leave").status_code == 204
    assert staff_client.get(f"/chat/{chat_id}/messages").get_json()["reporter"] == "left"
    assert "salió del chat" in staff_client.get(f"/chat/{chat_id}").get_data(as_text=True)  # operator reads es


def test_the_chat_cookie_dies_with_the_browser(app: Flask, client: FlaskClient) -> None:
    client.get("/chat")
    token = csrf_token(client, "/chat")
    response = client.post("/chat/start", data={"csrf_token": token})
    cookies = [value for name, value in response.headers.items() if name.lower() == "set-cookie"]
    [chat_cookie] = [cookie for cookie in cookies if cookie.startswith("hotline_public=")]
    assert "expires" not in chat_cookie.lower() and "max-age" not in chat_cookie.lower()


def test_quick_exit_makes_this_browser_forget_the_chat_at_once(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    chat_id = chat_to_the_end(app, client)
    operator_opens(staff_app, staff_client, chat_id)
    assert "Mi primo" in client.get("/chat").get_data(as_text=True)
    assert post_form(client, "/chat", {}, action="/chat/forget").status_code == 204
    page = client.get("/chat").get_data(as_text=True)
    assert 'id="chat-start"' in page and "Mi primo" not in page and "HT-" not in page
    assert client.get("/chat/messages").get_json() == {"state": "closed", "lines": []}
    # The words stay with the case, and the operator sees the reporter has gone.
    assert staff_client.get(f"/chat/{chat_id}/messages").get_json()["reporter"] == "left"
    with app.app_context(), app.extensions["database"].session() as session:
        assert "Mi primo trabaja sin paga en una panadería." in message_bodies(session)
