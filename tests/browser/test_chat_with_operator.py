"""A reporter chats in a real browser with buttons; an operator answers from the inbox and ends the chat;
once the reporter's browser is gone, nothing of the chat comes back."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


def answer(page, label: str | None = None, text: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Press a choice button, or type free text; wait for the answer and the next line to show."""
    count = page.locator("#chat-lines li").count()
    if label is not None:
        page.locator("#chat-choices button", has_text=label).first.click()
    else:
        assert page.locator("#chat-choices").is_hidden()  # free text: no buttons offered
        page.fill("#chat-text", text or "")
        page.click("#chat-form button[type=submit]")
    page.locator("#chat-lines li").nth(count + 1).wait_for()


def test_a_reporter_chats_with_buttons_and_an_operator_answers_from_the_inbox(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    app, base = live_server.public, live_server.url
    context = browser.new_context(locale="en-US")
    reporter = context.new_page()
    reporter.goto(f"{base}/chat?lang=en")
    reporter.click("#chat-start")
    reporter.wait_for_selector("#chat-choices button")
    lines = reporter.inner_text("#chat-lines")
    assert "Choose your language" in lines and "press 2" not in lines and "marque" not in lines
    answer(reporter, "English")
    assert reporter.locator("#chat-choices button").all_inner_texts() == ["Yes", "No", "Don't know"]
    assert "(1)" not in reporter.inner_text("#chat-lines")
    answer(reporter, "No")
    answer(reporter, text="Ciudad de Guatemala, Guatemala")
    for label in ("No", "Yes", "No", "Yes", "No"):  # child, held, documents, then the two consents
        answer(reporter, label)
    answer(reporter, text="My sister cannot leave the factory.")
    reporter.wait_for_selector("#chat-passphrase")
    assert re.search(r"HT-[0-9A-Z]{4}-[0-9A-Z]{4}", reporter.inner_text("#chat-reference"))
    # Their own lines, the questions and (later) the team are drawn apart.
    assert reporter.locator("#chat-lines li.mine").count() == 9
    assert reporter.locator("#chat-lines li.bot").count() >= 9
    screenshot(reporter, "chat-01-reporter-buttons")

    operator = browser.new_context(locale="en-US").new_page()
    sign_in(operator, app, base, *make_user(app, role="operator", countries=("GT",)))
    operator.goto(f"{base}/staff/inbox")
    operator.click("#inbox a")
    operator.wait_for_url(re.compile(r".*/staff/chat/\d+$"))
    assert "My sister cannot leave the factory." in operator.inner_text("#chat-lines")
    operator.fill("#reply-text", "I am here with you. Are you safe to talk?")
    operator.click("#reply-form button[type=submit]")
    reporter.locator("#chat-lines li.operator", has_text="I am here with you. Are you safe to talk?").wait_for()
    reporter.fill("#chat-text", "Yes, I can talk now.")
    reporter.click("#chat-form button[type=submit]")
    reporter.locator("#chat-lines li.mine", has_text="Yes, I can talk now.").wait_for()
    operator.locator("#chat-lines li", has_text="Yes, I can talk now.").wait_for()
    screenshot(reporter, "chat-02-reporter-and-operator")

    operator.click("form[action$='/close'] button")
    reporter.locator("#chat-lines li.bot", has_text="ended").wait_for()
    screenshot(reporter, "chat-03-closed-by-the-operator")
    # The chat lives in a browser-session cookie only: a browser that closes keeps nothing of it.
    cookies = context.cookies()
    assert cookies and all(cookie["expires"] == -1 for cookie in cookies)
    context.close()
    operator.context.close()

    reopened = browser.new_context(locale="en-US")
    reopened.add_cookies([c for c in cookies if c["expires"] != -1])  # what a restarted browser would keep
    page = reopened.new_page()
    page.goto(f"{base}/chat?lang=en")
    assert page.locator("#chat-start").is_visible()
    assert page.locator("#chat-lines li").count() == 0
    assert "My sister" not in page.content() and "HT-" not in page.content()
    reopened.close()


def test_quick_exit_leaves_nothing_of_the_chat_in_this_browser(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    base = live_server.url
    context = browser.new_context(locale="es-ES")
    # The quick exit's neutral page, served here: the test machine has no way out.
    context.route("https://www.google.com/**", lambda route: route.fulfill(body="<p>el tiempo</p>"))
    page = context.new_page()
    page.goto(f"{base}/chat?lang=es")
    page.click("#chat-start")
    page.wait_for_selector("#chat-choices button")
    answer(page, "Español")
    answer(page, "No")
    answer(page, text="Me tienen encerrada en Zacapa")
    page.click("#quick-exit")
    page.wait_for_url("https://www.google.com/**")
    # The forgetting travels in a beacon; the next visit to /chat in this same browser finds nothing.
    for _attempt in range(40):
        page.goto(f"{base}/chat")
        if page.locator("#chat-start").count():
            break
        page.wait_for_timeout(250)
    assert page.locator("#chat-start").is_visible()
    assert "encerrada" not in page.content()
    context.close()
