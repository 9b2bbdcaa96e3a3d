"""An agency officer with more referrals than a page holds, in a real browser: the ones waiting for
acknowledgement lead page 1 and are acknowledged from there, the finished ones are a click on "Next
page" away, and the paged list passes axe-core and fits a phone, in English and in Spanish."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.referrals.models import Referral
from hotline.referrals.service import AGENCY_PAGE_SIZE
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.staff import sign_in
from tests.browser.test_accessibility import PHONE, _scrolls_sideways, _violations
from tests.factories import make_user
from tests.helpers import dispatch_proposals, post_report

pytestmark = pytest.mark.browser


def test_officer_pages_through_referrals_and_acknowledges_from_the_first(  # type: ignore[no-untyped-def]
    live_server: LiveServer, browser
) -> None:
    app, base = live_server.public, live_server.url
    body = {"channel": "api", "text": "Trabajo forzado en una finca de café", "location": {"country": "GT"}}
    assert post_report(app.test_client(), json=body).status_code == 201
    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        first = session.scalars(select(Referral).where(Referral.dispatch == "dispatched").order_by(Referral.id)).first()
        assert first is not None
        agency_id, waiting_id = first.agency_id, first.id
        # Copies of the referral, already acknowledged or closed: the agency's history.
        columns = {c.key: getattr(first, c.key) for c in Referral.__table__.columns if c.key != "id"}
        history = [Referral(**columns) for _ in range(AGENCY_PAGE_SIZE + 20)]
        for number, old in enumerate(history):
            old.status = "closed" if number % 2 else "acknowledged"
        session.add_all(history)
    officer = make_user(app, role="agency", agency_id=agency_id)

    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US").new_page()
    sign_in(page, app, base, *officer)
    page.wait_for_url(f"{base}/staff/referrals")
    rows = page.locator("#referrals tbody tr")
    assert rows.count() == AGENCY_PAGE_SIZE
    assert rows.first.locator("a").get_attribute("href") == f"/staff/referrals/{waiting_id}"
    assert page.inner_text("#referrals-pages [aria-current=page]") == "Page 1 of 2"
    assert _violations(page) == []
    screenshot(page, "paging-01-agency-referrals-page-1")

    page.click("#referrals-pages >> text=Next page")
    page.wait_for_url(f"{base}/staff/referrals?page=2")
    assert page.locator("#referrals tbody tr").count() == 21
    assert "Closed" in page.inner_text("#referrals") and "Next page" not in page.inner_text("#referrals-pages")
    screenshot(page, "paging-02-agency-referrals-page-2")
    page.click("#referrals-pages >> text=Previous page")
    page.wait_for_url(f"{base}/staff/referrals?page=1")

    page.locator("#referrals tbody tr").first.locator("button").click()
    page.wait_for_url(f"{base}/staff/referrals/{waiting_id}")
    assert page.inner_text("#referral-status") == "Acknowledged"

    page.goto(f"{base}/staff/referrals?page=2&lang=es")
    assert page.inner_text("#referrals-pages [aria-current=page]") == "Página 2 de 2"
    assert "Página anterior" in page.inner_text("#referrals-pages")
    page.set_viewport_size(PHONE)
    assert not _scrolls_sideways(page)
    assert _violations(page) == []
    screenshot(page, "paging-03-agency-referrals-phone-es")
    page.context.close()
