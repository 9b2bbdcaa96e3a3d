"""The whole first path in a real browser: a report, an operator sees it, the agency acknowledges it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.referrals.models import Referral
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.factories import make_user
from tests.helpers import run_jobs

pytestmark = pytest.mark.browser


def test_report_operator_and_agency_acknowledgement(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url

    page.goto(f"{base}/report?lang=en")
    screenshot(page, "01-report-form")
    page.fill("#text", "Two girls of 15 are kept in a bar in Quetzaltenango; the owner took their papers.")
    page.check("input[name=minor_involved][value=yes]")
    page.check("input[name=documents_withheld][value=yes]")
    page.select_option("#country", "GT")
    page.click("button[type=submit]")
    reference = page.inner_text("#reference")
    assert re.fullmatch(r"HT-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", page.inner_text("#passphrase"))
    screenshot(page, "02-report-received")

    operator = make_user(app, regional=True)
    sign_in(page, app, base, *operator)
    page.wait_for_url(f"{base}/staff/tickets")
    assert reference in page.content()
    screenshot(page, "03-operator-tickets")
    page.click(f"text={reference}")
    # Wait for the ticket page itself: is_visible does not wait, and on a loaded machine the click's
    # navigation may not have finished.
    page.wait_for_selector("#ticket-summary")
    # The routing explanation is folded below the summary and opens on a click, unless triage is
    # unsure of a field: then it is open already, with the notice saying what to check.
    if page.locator("#triage-check").count():
        assert page.is_visible("#routing-decision") and page.is_visible("#triage-check")
    else:
        assert not page.is_visible("#routing-decision")
        page.click("#routing-fold > summary")
        assert page.is_visible("#routing-decision")
    screenshot(page, "04-operator-ticket")

    # The engine proposed; the operator confirms one proposal and drops another, with a reason.
    with app.app_context(), app.extensions["database"].session() as session:
        proposed = session.scalars(select(Referral).where(Referral.dispatch == "proposed").order_by(Referral.id)).all()
        assert len(proposed) >= 2, [(r.agency_id, r.dispatch) for r in session.scalars(select(Referral))]
        confirmed, dropped = proposed[0].id, proposed[1].id
    page.click(f"#referral-{confirmed} button.confirm-proposal")
    page.wait_for_selector(f"#referral-{confirmed} .dispatch-form", state="detached")
    page.fill(f"#dispatch-reason-{dropped}", "Not this agency: the prosecutor comes after identification")
    page.click(f"#referral-{dropped} button[value=drop]")
    page.wait_for_selector(f"#referral-{dropped} .dispatch-dropped")
    screenshot(page, "04b-operator-proposals-decided")
    assert run_jobs(app) >= 1  # the confirmed agency's notification

    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, confirmed)
        assert referral is not None and referral.dispatch == "dispatched"
        referral_id, agency_id = referral.id, referral.agency_id
    page.click("text=Sign out")
    sign_in(page, app, base, *make_user(app, role="agency", agency_id=agency_id))
    page.wait_for_url(f"{base}/staff/referrals")
    screenshot(page, "05-agency-referrals")
    page.goto(f"{base}/staff/referrals/{referral_id}")
    page.click("#acknowledge")
    assert page.inner_text("#referral-status") == "Acknowledged"
    screenshot(page, "06-agency-acknowledged")

    page.click("text=Sign out")
    sign_in(page, app, base, *operator)
    page.goto(f"{base}/staff/tickets/{reference}")
    page.click("#history-fold > summary")
    events = page.inner_text("#events")
    for kind in ("Received", "Triaged", "Referred", "Agency notified", "Acknowledged"):
        assert kind in events
    assert page.inner_text("#ticket-status") == "Acknowledged"


def test_quick_exit_leaves_the_page_and_the_form_works_without_javascript(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/report?lang=es")
    assert page.get_attribute("#quick-exit", "href", timeout=2000).startswith("https://")
    page.fill("#text", "Hay un señor que no deja salir a su trabajadora")
    page.click("button[type=submit]")
    assert page.inner_text("#reference").startswith("HT-")
    context.close()
