"""The console, the portal and the supervisor's page in a real browser, and the locale switch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.referrals.escalation import sweep
from hotline.referrals.models import Referral
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_agency, make_user
from tests.helpers import dispatch_proposals, post_report

pytestmark = pytest.mark.browser


def test_operator_overrules_and_refers_then_the_agency_identifies_and_closes(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    body = {"channel": "api", "text": "Trabajan sin paga en una finca de Escuintla", "location": {"country": "GT"}}
    reference = post_report(app.test_client(), json=body).get_json()["reference"]
    chosen = make_agency(app, country="GT", kind="ngo")

    sign_in(page, app, base, *make_user(app, countries=("GT",)))
    page.goto(f"{base}/staff/tickets")
    screenshot(page, "10-console-queue")
    page.click(f"text={reference}")
    page.click("#claim")
    page.wait_for_selector("p.notice")
    page.click("#routing-fold > summary")
    page.select_option("#overrule-field", "risk")
    page.click("#overrule-choose")
    page.wait_for_selector("#value_risk")
    # One field at a time: only the chosen one is on the form.
    assert page.locator("#value_case_type").count() == 0
    page.select_option("#value_risk", "high")
    page.fill("#overrule-reason", "Workers locked in at night")
    page.click("#overrule")
    page.wait_for_selector("p.notice")
    assert page.inner_text("#ticket-risk") == "High"
    page.select_option("#refer-agency", chosen)
    page.fill("#refer-reason", "Labour exploitation shelter")
    page.click("#refer")
    page.click("#history-fold > summary")
    events = page.inner_text("#events")
    assert "Risk overruled" in events and "Workers locked in at night" in events and "Claimed" in events
    screenshot(page, "11-console-ticket-overruled-and-referred")
    page.click("text=Sign out")

    with app.app_context(), app.extensions["database"].session() as session:
        referral_id = session.scalar(select(Referral.id).where(Referral.agency_id == chosen))
    sign_in(page, app, base, *make_user(app, role="agency", agency_id=chosen))
    page.goto(f"{base}/staff/referrals/{referral_id}")
    page.click("#acknowledge")
    page.click("#accept")
    screenshot(page, "12-agency-next-steps")
    page.click("#identify")
    page.click("#start-assistance")
    page.select_option("#record_wish-wish", "integration")
    page.click("#record-wish")
    page.select_option("#close-outcome", "integrated")
    page.click("#close")
    assert page.inner_text("#referral-status") == "Closed"
    # A closed referral shows its outcome and, unfolded, every step the agency took on it.
    assert page.is_visible("#referral-outcome")
    assert page.is_visible("#referral-steps")
    assert page.locator("#referral-steps > li").count() >= 6
    screenshot(page, "13-agency-outcome-recorded")


def test_supervisor_sees_a_breach_on_the_queue_health_page(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    body = {
        "channel": "api",
        "text": "Me tienen encerrada",
        "location": {"country": "SV"},
        "answers": {"in_danger_now": True},
    }
    reference = post_report(app.test_client(), json=body).get_json()["reference"]
    dispatch_proposals(app)  # an operator sent every proposal; nobody acknowledges
    with app.app_context(), app.extensions["database"].session() as session:
        sweep(session, max(r.deadline_at for r in session.scalars(select(Referral))))  # type: ignore[type-var]
    sign_in(page, app, base, *make_user(app, role="supervisor", countries=("SV",)))
    page.goto(f"{base}/staff/deadlines")
    assert reference in page.inner_text("#breached + table")
    # Two referrals, both breached: the police unit and the prosecutor (the national council takes no cases).
    assert "El Salvador\t0\t0\t2" in page.inner_text("#health-country")
    screenshot(page, "14-supervisor-queue-health")


def test_staff_pages_in_french_and_portuguese_and_public_pages_in_haitian_creole(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    sign_in(page, app, base, *make_user(app, regional=True), lang="fr")
    page.goto(f"{base}/staff/tickets?lang=fr")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1") == "Dossiers" and page.is_visible("text=Se déconnecter")
    screenshot(page, "15-staff-fr")
    page.goto(f"{base}/staff/tickets?lang=pt")
    assert page.get_attribute("html", "lang") == "pt" and page.inner_text("h1") == "Casos"
    screenshot(page, "16-staff-pt")
    page.goto(f"{base}/report?lang=ht")
    assert page.get_attribute("html", "lang") == "ht"
    assert "Rapòte trafik moun oswa pasaj ilegal" in page.inner_text("h1")
    screenshot(page, "17-public-ht")
