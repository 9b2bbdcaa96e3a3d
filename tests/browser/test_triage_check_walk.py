"""An operator in Spanish sees which tickets need their triage checked, reads how sure triage was, and
goes from the notice straight to the overrule form for the doubtful field."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from hotline.tickets.models import Ticket
from tests.browser.conftest import SCREENSHOTS, LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user
from tests.helpers import dispatch_proposals, post_report

pytestmark = pytest.mark.browser


def test_operator_sees_an_unsure_triage_and_goes_to_overrule_it(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    body = {"channel": "api", "text": "La tienen trabajando en una casa en Escuintla", "location": {"country": "GT"}}
    reference = post_report(app.test_client(), json=body).get_json()["reference"]
    dispatch_proposals(app)
    # The engine's decision as stored, given the doubt under test (the engine's own scores vary with its rules).
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.routing
        decision = copy.deepcopy(ticket.routing)
        decision["confidence"] = {
            "language": {"score": 0.97, "reasons": ["Detected from many words."]},
            "location": {"score": 0.95, "reasons": ["A stated place."]},
            "risk": {"score": 0.45, "reasons": ["A level set by the score alone."]},
            "case_type": {"score": 0.4, "reasons": ["Unclear, routed as trafficking."]},
        }
        decision.update(needs_review=True, unsure_fields=["risk", "case_type"])
        decision["second_reading"] = [
            {
                "question": "case_type",
                "answer": "trafficking",
                "probability": 0.82,
                "rules_answer": "unclear",
                "replaced": False,
            }
        ]
        ticket.routing = decision

    sign_in(page, app, base, *make_user(app, countries=("GT",)), lang="es")
    page.goto(f"{base}/staff/tickets?lang=es")
    badge = page.locator("#queue tr", has_text=reference).locator(".check-triage")
    assert badge.inner_text() == "Verificar triaje"
    screenshot(page, "triage-unsure-queue")
    page.click(f"text={reference}")
    page.wait_for_selector("#ticket-summary")
    # The fold is open on its own: the notice is seen without a click.
    notice = page.locator("#triage-check")
    assert notice.is_visible()
    assert "nivel de riesgo" in notice.inner_text() and "tipo de caso" in notice.inner_text()
    assert "dudoso" in page.inner_text("#certainty-risk")
    shown = page.inner_text("#routing-decision")
    assert "set by the score alone" not in shown and "routed as trafficking" not in shown, "no English reason"
    page.locator("#routing-decision h2").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, document.querySelector('#routing-decision').getBoundingClientRect().top - 8)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "triage-unsure.png"))

    # The doubtful field's link opens the overrule form with that field chosen.
    notice.locator("a", has_text="nivel de riesgo").click()
    page.wait_for_selector("#value_risk")
    assert page.locator("#value_case_type").count() == 0
    screenshot(page, "triage-unsure-overrule-form")

    # Checked against the report, the reading is right: the operator keeps it, and the doubt is answered.
    page.goto(f"{base}/staff/tickets/{reference}?lang=es")
    page.click("#keep-triage")
    page.wait_for_selector("#ticket-summary")
    assert page.locator("#triage-check").count() == 0
    assert "verificado por un operador" in (page.text_content("#certainty-risk") or "")  # in the folded panel
    screenshot(page, "triage-kept")
    page.goto(f"{base}/staff/tickets?lang=es")
    assert page.locator("#queue tr", has_text=reference).locator(".check-triage").count() == 0
