"""Every public page (the agency's acknowledge page among them) and the staff pages pass axe-core
(vendored by axe-playwright-python) with no violation, and none of them scrolls sideways on a 390 px
wide phone."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from hotline.accounts import StaffUser
from hotline.outbox import OutboxMessage
from hotline.referrals.models import Referral
from tests.browser.conftest import LiveServer
from tests.browser.staff import sign_in
from tests.channels.test_acknowledgement_channels import ack_path
from tests.factories import make_user
from tests.helpers import dispatch_proposals, post_report, run_jobs

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
# Language, danger, place, child, held, documents, the two consents (authorities, own country), the story.
CHAT_ANSWERS = [
    *("2", "no", "Ciudad de Guatemala, Guatemala", "no", "yes", "no", "yes", "no"),
    "My sister cannot leave the factory.",
]


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]
    ]


def _scrolls_sideways(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def _check(pages, found: dict[str, list[str]], name: str) -> None:  # type: ignore[no-untyped-def]
    """Each page as it stands in every viewport: axe on the wide one, the sideways test on the phone."""
    wide, phone = pages
    for page in (wide, phone):
        page.wait_for_load_state("load")
    problems = _violations(wide)
    if _scrolls_sideways(phone):
        problems.append(f"scrolls sideways at {PHONE['width']} px")
    problems += [f"at {PHONE['width']} px: {p}" for p in _violations(phone)]
    if problems:
        found[name] = problems


def _open(pages, url: str) -> None:  # type: ignore[no-untyped-def]
    for page in pages:
        page.goto(url)


def _contexts(browser):  # type: ignore[no-untyped-def]
    wide = browser.new_context(viewport=WIDE, locale="en-US").new_page()
    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True).new_page()
    return wide, phone


def test_public_pages_have_no_accessibility_violations_and_fit_a_phone(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    pages = _contexts(browser)
    found: dict[str, list[str]] = {}
    for path in ("/report?lang=en", "/report?lang=ht", "/follow-up?lang=en", "/help?lang=en", "/chat?lang=en"):
        _open(pages, base + path)
        _check(pages, found, path)
    # The pages a reporter reaches by doing: a report received, a refused form, a chat under way.
    for page in pages:
        page.goto(f"{base}/report?lang=en")
        page.fill("#text", "My sister cannot leave the factory in Escuintla, Guatemala.")
        page.click("form button[type=submit]")
        page.wait_for_selector("#reference")
    _check(pages, found, "report received")
    for page in pages:
        page.goto(f"{base}/follow-up?lang=en")
        page.click("form button[type=submit]")
    _check(pages, found, "follow-up refused")
    for page in pages:
        page.goto(f"{base}/chat?lang=en")
        page.click("#chat-start")
        page.wait_for_selector("#chat-lines li")
    _check(pages, found, "chat")
    for page in pages:
        page.context.close()
    assert found == {}


def test_staff_pages_have_no_accessibility_violations_and_fit_a_phone(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    app, base = live_server.public, live_server.url
    # A report whose referral the agency has, and a chat waiting for an operator.
    body = {"channel": "api", "text": "Trabajan sin paga en una finca de Escuintla", "location": {"country": "GT"}}
    reference = post_report(app.test_client(), json=body).get_json()["reference"]
    dispatch_proposals(app)
    reporter = browser.new_context(locale="en-US").new_page()
    reporter.goto(f"{base}/chat?lang=en")
    reporter.click("#chat-start")
    reporter.wait_for_selector("#chat-lines li")
    for answer in CHAT_ANSWERS:
        count = reporter.locator("#chat-lines li").count()
        reporter.fill("#chat-text", answer)
        reporter.click("#chat-form button[type=submit]")
        reporter.locator("#chat-lines li").nth(count + 1).wait_for()
    reporter.wait_for_selector("#chat-passphrase")
    # The reporter's own lines, the questions and the team's are read against their own backgrounds:
    # a chat with every kind of line must pass too (white words on no background once passed unseen).
    found_in_chat = _violations(reporter)
    assert not found_in_chat, found_in_chat
    for line in reporter.locator("#chat-lines li.mine").all():
        colour, background = line.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert colour != background and background != "rgba(0, 0, 0, 0)", (colour, background)

    pages = _contexts(browser)
    found: dict[str, list[str]] = {}
    _open(pages, f"{base}/staff/login?lang=en")
    _check(pages, found, "sign-in")
    supervisor = make_user(app, role="supervisor", regional=True, languages=("en", "es"))
    for page in pages:
        sign_in(page, app, base, *supervisor)
    staff = {
        "queue": "/staff/tickets",
        "ticket": f"/staff/tickets/{reference}",
        "ticket, overrule chosen": f"/staff/tickets/{reference}?change=risk",
        "inbox": "/staff/inbox",
        "chats": "/staff/chat/",
        "deadlines": "/staff/deadlines",
        "statistics": "/staff/stats/",
        "early warning": "/staff/early-warning",
    }
    for name, path in staff.items():
        _open(pages, base + path)
        _check(pages, found, name)
    for page in pages:
        page.goto(f"{base}/staff/chat/")
        page.click("#chats a")
        page.wait_for_url(re.compile(r".*/staff/chat/\d+$"))
    _check(pages, found, "chat")

    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.scalars(select(Referral).where(Referral.dispatch == "dispatched")).first()
        assert referral is not None
        referral_id, agency_id = referral.id, referral.agency_id
    officer = make_user(app, role="agency", agency_id=agency_id)
    for page in pages:
        page.context.clear_cookies()
        sign_in(page, app, base, *officer)
    agency_pages = {"agency referrals": "/staff/referrals", "agency referral": f"/staff/referrals/{referral_id}"}
    for name, path in agency_pages.items():
        _open(pages, base + path)
        _check(pages, found, name)
    for page in (*pages, reporter):
        page.context.close()
    assert found == {}


def test_the_acknowledge_calls_directory_users_and_profile_pages_pass_and_fit_a_phone(  # type: ignore[no-untyped-def]
    live_server: LiveServer, browser
) -> None:
    app, base = live_server.public, live_server.url
    body = {"channel": "api", "text": "Trabajo forzado en una finca de café", "location": {"country": "HN"}}
    reference = post_report(app.test_client(), json=body).get_json()["reference"]
    dispatch_proposals(app)
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).first()
        assert message is not None
        agency_id = session.get(Referral, message.referral_id).agency_id  # type: ignore[union-attr]
    ack = ack_path(app, message)
    pages = _contexts(browser)
    found: dict[str, list[str]] = {}
    _open(pages, f"{base}{ack}?lang=en")
    assert reference in pages[0].content()
    _check(pages, found, "acknowledge")
    _open(pages, f"{base}{ack}?lang=es")
    _check(pages, found, "acknowledge, es")
    wide = pages[0]
    wide.click("form button[type=submit]")
    wide.wait_for_selector("#ack-done")
    found_when_done = _violations(wide)
    assert not found_when_done, found_when_done

    admin = make_user(app, role="admin", regional=True, languages=("en",))
    for page in pages:
        sign_in(page, app, base, *admin)
    with app.app_context(), app.extensions["database"].session() as session:
        admin_id = session.scalar(select(StaffUser.id).where(StaffUser.email == admin[0]))
    staff = {
        "calls": "/staff/calls/",
        "directory": "/staff/directory/",
        "directory agency": f"/staff/directory/agencies/{agency_id}",
        "directory agency edit": f"/staff/directory/agencies/{agency_id}/edit",
        "directory contacts": f"/staff/directory/agencies/{agency_id}/contacts",
        "directory verification": "/staff/directory/verification",
        "users": "/staff/users",
        "user": f"/staff/users/{admin_id}",
        "new user": "/staff/users/new",
        "profile": "/staff/profile",
        "partner keys": "/staff/partner-keys",
    }
    for name, path in staff.items():
        _open(pages, base + path)
        _check(pages, found, name)
    for page in pages:
        page.context.close()
    assert found == {}
