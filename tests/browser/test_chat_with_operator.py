"""A reporter chats in a real browser; an operator answers from the staff console in another."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_a_reporter_chats_with_an_operator(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    reporter = browser.new_context(locale="en-US").new_page()
    reporter.goto(f"{base}/chat?lang=en")
    reporter.click("#chat-start")
    reporter.wait_for_selector("#chat-lines li")
    assert "For English, press 2" in reporter.inner_text("#chat-lines")
    for answer in [
        "2",
        "no",
        "Ciudad de Guatemala, Guatemala",
        "no",
        "yes",
        "no",
        "My sister cannot leave the factory.",
    ]:
        count = reporter.locator("#chat-lines li").count()
        reporter.fill("#chat-text", answer)
        reporter.click("#chat-form button[type=submit]")
        reporter.locator("#chat-lines li").nth(count + 1).wait_for()  # the answer and the next question
    reporter.wait_for_selector("#chat-passphrase")
    reference = reporter.inner_text("#chat-reference")
    assert re.search(r"HT-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    screenshot(reporter, "chat-01-reporter-waiting")

    operator = browser.new_context(locale="en-US").new_page()
    sign_in(operator, app, base, *make_user(app, role="operator", countries=("GT",)))
    operator.goto(f"{base}/staff/chat/")
    operator.click("#chats a")
    operator.wait_for_url(re.compile(r".*/staff/chat/\d+$"))
    assert "My sister cannot leave the factory." in operator.inner_text("#chat-lines")
    operator.fill("#reply-text", "I am here with you. Are you safe to talk?")
    operator.click("#reply-form button[type=submit]")
    screenshot(operator, "chat-02-operator-console")

    reporter.locator("#chat-lines li", has_text="I am here with you. Are you safe to talk?").wait_for()
    reporter.fill("#chat-text", "Yes, I can talk now.")
    reporter.click("#chat-form button[type=submit]")
    operator.locator("#chat-lines li", has_text="Yes, I can talk now.").wait_for()
    screenshot(reporter, "chat-03-reporter-answered")
    reporter.context.close()
    operator.context.close()
