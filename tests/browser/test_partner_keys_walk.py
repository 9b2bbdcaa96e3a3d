"""An administrator, in a real browser, makes a partner key, the partner files a report with it over
HTTP, the administrator revokes it, and the partner's next request is refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

REPORT = {"channel": "api", "text": "Trabajan sin paga en una finca de Escuintla", "location": {"country": "GT"}}


def _file(base: str, key: str) -> tuple[int, dict[str, str]]:
    """POST a report as a partner's system would, over a socket."""
    request = urllib.request.Request(
        f"{base}/api/v1/reports",
        data=json.dumps(REPORT).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}", "Accept-Language": "es"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_an_admin_makes_a_key_it_works_and_once_revoked_it_is_refused(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    sign_in(page, app, base, *make_user(app, role="admin", regional=True))
    page.click("nav >> text=API keys")
    page.fill("#partner", "Refugio Esperanza")
    page.fill("#key-reason", "convenio firmado el 2 de diciembre")
    page.click("#create-key")
    page.wait_for_selector("#issued-key")
    key = page.input_value("#new-key")
    assert key.startswith("hp_")
    screenshot(page, "60-partner-key-made")

    status, body = _file(base, key)
    assert status == 201 and body["status"] == "received"

    public_id = key.split("_")[1]
    page.goto(f"{base}/staff/partner-keys")
    assert key not in page.content()
    page.fill(f"#reason-{public_id}", "el socio perdió su portátil")
    page.click(f"#revoke-{public_id}")
    page.wait_for_selector("p.notice")
    assert "revoked" in page.inner_text("p.notice")
    screenshot(page, "61-partner-key-revoked")

    status, body = _file(base, key)
    assert status == 401 and body["error"] == "invalid_key" and "revocada" in body["message"]
