"""A chat reporter who is held back by the limit keeps what they wrote: it comes back into the box, with why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline import create_app
from hotline.jobs.queue import redis_connection
from hotline.settings import Settings
from tests.browser.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def limited_server(settings: Settings) -> Iterator[LiveServer]:
    public = create_app(settings.with_changes(rate_limit_scale=1), surface="public")
    staff = create_app(settings.with_changes(rate_limit_scale=1), surface="staff")
    with public.app_context():
        redis_connection().flushdb()
    with LiveServer(public, staff) as server:
        yield server


def test_a_limited_chat_message_comes_back_into_the_box(limited_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    base = limited_server.url
    context = browser.new_context(locale="en-US")
    reporter = context.new_page()
    reporter.goto(f"{base}/chat?lang=en")
    reporter.click("#chat-start")
    reporter.wait_for_selector("#chat-lines li")
    token = reporter.get_attribute("#chat-form input[name=csrf_token]", "value")
    # The chat's allowance (60 a minute from one address) used up by this browser's own session.
    for _ in range(60):
        context.request.post(f"{base}/chat/send", form={"csrf_token": token, "text": "2"})
    assert reporter.is_hidden("#chat-unsent")
    reporter.fill("#chat-text", "They took my passport and I cannot leave")
    reporter.click("#chat-form button[type=submit]")
    reporter.wait_for_selector("#chat-unsent", state="visible")
    assert reporter.input_value("#chat-text") == "They took my passport and I cannot leave"
    assert "a lot in a short time" in reporter.inner_text("#chat-unsent")
    screenshot(reporter, "chat-limited-words-kept")
    context.close()
