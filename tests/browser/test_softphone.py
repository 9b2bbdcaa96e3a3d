"""The softphone page in Chromium: the vendored SDK loads under the CSP, and a waiting caller shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.accounts import StaffUser
from hotline.calls import service as calls
from hotline.settings import Settings
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Keys in Twilio's shapes (the network is closed: the device is made, it never reaches Twilio)."""
    return settings.with_changes(
        twilio_account_sid="AC" + "1" * 32,
        twilio_api_key_sid="SK" + "2" * 32,
        twilio_api_key_secret="softphone-browser-secret-0123456789abcdef",
        twilio_twiml_app_sid="AP" + "3" * 32,
    )


def test_the_softphone_loads_the_vendored_sdk_with_no_csp_violation(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    violations: list[str] = []
    failed: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("requestfailed", lambda request: failed.append(request.url))
    email, password = make_user(app, role="operator", countries=("GT",), languages=("es", "en"))
    sign_in(page, app, base, email, password)
    with app.app_context(), app.extensions["database"].session() as session:
        calls.queue_caller(
            session,
            "CA" + "1" * 32,
            conversation_id=None,
            ticket_id=None,
            language="es",
            country="GT",
            risk="critical",
            in_danger=True,
        )
    # Every violation the page meets from its first byte, as the browser reports it.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => { window.__csp = (window.__csp || []).concat(e.violatedDirective); });"
    )
    page.goto(f"{base}/staff/calls/?lang=en")
    page.wait_for_function("() => window.Twilio && typeof window.Twilio.Device === 'function'")
    # The SDK made its Device with our token, under the page's CSP.
    page.wait_for_selector("#phone-state[data-state=ready]")
    assert page.inner_text("#waiting") == "Callers waiting for you: 1."
    assert page.get_attribute("#presence", "data-status") == "away"
    page.click("#go-available")
    page.wait_for_selector("#presence[data-status=available]")
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None and calls.on_shift(session, "es", "GT") == [user.id]
    integrity = page.get_attribute("script[integrity]", "integrity")
    assert integrity and integrity.startswith("sha384-")
    screenshot(page, "softphone-01-operator-available")
    assert violations == [] and page.evaluate("() => window.__csp || []") == []
    assert [url for url in failed if url.startswith(base)] == []  # only Twilio's own hosts are out of reach
