"""An operator answers an SMS reporter from the inbox in a real browser; a chat the operator ends
tells the reporter, and a reporter who closes the tab is shown to the operator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.tickets.models import TicketEvent
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.channels.test_twilio_sms_conversation import text_in
from tests.factories import make_user

pytestmark = pytest.mark.browser
CHAT_ANSWERS = ["1", "no", "San Salvador, El Salvador", "no", "no", "no", "sí", "no", "Mi prima trabaja sin paga."]


def test_an_operator_answers_a_texter_from_the_inbox(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    texter = app.test_client()
    story = "Nos tienen encerradas en una casa y nos quitaron los pasaportes a todas"
    for words in [story, "no", "Managua", "no", "sí", "no"]:  # then what they agree to share
        text_in(texter, words)
    operator = browser.new_context(locale="es-ES").new_page()
    sign_in(operator, app, base, *make_user(app, role="operator", countries=("NI",), languages=("es",)), lang="es")
    operator.goto(f"{base}/staff/inbox")
    operator.wait_for_selector("#inbox tr.waiting")
    screenshot(operator, "inbox-01-waiting")
    operator.click("#inbox tr.waiting a")
    operator.wait_for_url(re.compile(r".*/staff/tickets/HT-.*"))
    operator.fill("#reply-text", "Hola, soy Ana. ¿Puede escribir ahora sin riesgo?")
    operator.click("#send-reply")
    operator.wait_for_selector("#replies")
    assert "¿Puede escribir ahora sin riesgo?" in operator.inner_text("#replies")
    operator.locator("#reply-title").scroll_into_view_if_needed()
    screenshot(operator, "inbox-02-reply-sent")
    operator.goto(f"{base}/staff/inbox")
    operator.wait_for_selector("#inbox-empty")
    operator.context.close()


def test_an_ended_chat_tells_the_reporter_and_a_closed_tab_tells_the_operator(
    live_server: LiveServer, browser  # type: ignore[no-untyped-def]
) -> None:
    app, base = live_server.public, live_server.url
    reporter = browser.new_context(locale="es-ES").new_page()
    reporter.goto(f"{base}/chat?lang=es")
    reporter.click("#chat-start")
    reporter.wait_for_selector("#chat-lines li")
    for answer in CHAT_ANSWERS:
        count = reporter.locator("#chat-lines li").count()
        reporter.fill("#chat-text", answer)
        reporter.click("#chat-form button[type=submit]")
        reporter.locator("#chat-lines li").nth(count + 1).wait_for()
    # The page reloads itself to show the passphrase: that is not the reporter leaving.
    reporter.wait_for_selector("#chat-passphrase")
    reporter.wait_for_load_state("networkidle")
    with app.app_context(), app.extensions["database"].session() as session:
        kinds = session.scalars(select(TicketEvent.kind)).all()
    assert "received" in kinds and "reporter_left_chat" not in kinds
    operator = browser.new_context(locale="es-ES").new_page()
    sign_in(operator, app, base, *make_user(app, role="operator", countries=("SV",), languages=("es",)), lang="es")
    operator.goto(f"{base}/staff/chat/")
    operator.click("#chats a")
    operator.wait_for_url(re.compile(r".*/staff/chat/\d+$"))
    assert "tiene el chat abierto" in operator.inner_text("#reporter-presence")
    operator.click("form[action$='/close'] button")
    reporter.locator("#chat-lines li", has_text="Esta conversación terminó").wait_for()
    screenshot(reporter, "chat-04-ended-by-operator")
    reporter.fill("#chat-text", "Gracias. Otra cosa: el dueño se llama Don Tito.")
    reporter.click("#chat-form button[type=submit]")
    reporter.locator("#chat-lines li", has_text="Agregamos su mensaje").wait_for()
    reporter.context.close()

    # A second chat whose reporter closes the tab: the operator's page says so.
    leaver = browser.new_context(locale="es-ES").new_page()
    leaver.goto(f"{base}/chat?lang=es")
    leaver.click("#chat-start")
    leaver.wait_for_selector("#chat-lines li")
    for answer in CHAT_ANSWERS:
        count = leaver.locator("#chat-lines li").count()
        leaver.fill("#chat-text", answer)
        leaver.click("#chat-form button[type=submit]")
        leaver.locator("#chat-lines li").nth(count + 1).wait_for()
    operator.goto(f"{base}/staff/chat/")
    operator.click("#chats a")
    operator.wait_for_url(re.compile(r".*/staff/chat/\d+$"))
    leaver.close(run_before_unload=True)
    operator.locator("#reporter-presence", has_text="salió del chat").wait_for()
    screenshot(operator, "chat-05-reporter-left")
    leaver.context.close()
    operator.context.close()
