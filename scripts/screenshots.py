"""Take the README's screenshots: the queue, a ticket, an agency's closed referral and a chat (and the
report form and the supervisor's deadlines), each at
1280 px and at 390 px (a phone), from the demo data in a throwaway instance, into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Needs Debian's chromium (as the browser tests do). Nothing leaves the machine: the app is served on
127.0.0.1 and Chromium's calls home are switched off.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
CHAT_ANSWERS = ["2", "no", "Guatemala City, Guatemala", "no", "yes", "no", "My sister cannot leave the factory."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        os.environ.update(HOTLINE_INSTANCE=instance, HOTLINE_ENV="development", RATE_LIMIT_SCALE="100")
        base, public = _serve()
        _shoot(base, public, out)
    print(f"screenshots written to {out}")


def _serve():  # type: ignore[no-untyped-def]
    from werkzeug.serving import make_server

    from hotline import create_app, demo
    from hotline.app import mount_staff
    from hotline.migrations import upgrade
    from hotline.settings import Settings

    settings = Settings.from_env()
    upgrade(settings.database_url, settings=settings)
    public, staff = create_app(settings, surface="public"), create_app(settings, surface="staff")
    with public.app_context(), public.extensions["database"].session() as session:
        demo.seed(session)
        session.commit()
        demo.seed_cases(session, settings)
    server = make_server("127.0.0.1", 0, mount_staff(public, staff), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", public


def _shoot(base: str, app, out: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from hotline.accounts import StaffUser
    from hotline.referrals.models import Referral
    from hotline.tickets.models import Ticket
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with app.app_context(), app.extensions["database"].session() as session:
        officer = session.scalar(select(StaffUser).where(StaffUser.email == "agency.gt@example.org"))
        closed = session.scalar(
            select(Referral.id).where(Referral.agency_id == officer.agency_id, Referral.status == "closed")
        )
        ticket = session.scalar(select(Ticket.reference).where(Ticket.status == "acknowledged"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        operator = _signed_in(browser, base, "operator.gt@example.org", "demo-operator")
        _both_widths(operator, f"{base}/staff/tickets?lang=es", out, "queue")
        _both_widths(operator, f"{base}/staff/tickets/{ticket}?lang=es", out, "ticket")

        supervisor = _signed_in(browser, base, "supervisor@example.org", "demo-supervisor")
        _both_widths(supervisor, f"{base}/staff/deadlines?lang=pt", out, "deadlines")
        public = browser.new_context(locale="en-US").new_page()
        _both_widths(public, f"{base}/report?lang=ht", out, "report-form")

        agency = _signed_in(browser, base, "agency.gt@example.org", "demo-agency")
        _both_widths(agency, f"{base}/staff/referrals/{closed}?lang=es", out, "agency-referral")

        reporter = browser.new_context(locale="en-US").new_page()
        reporter.goto(f"{base}/chat?lang=en")
        reporter.click("#chat-start")
        reporter.wait_for_selector("#chat-lines li")
        for answer in CHAT_ANSWERS:
            count = reporter.locator("#chat-lines li").count()
            reporter.fill("#chat-text", answer)
            reporter.click("#chat-form button[type=submit]")
            reporter.locator("#chat-lines li").nth(count + 1).wait_for()
        chat = _signed_in(browser, base, "operator@example.org", "demo-operator")
        chat.goto(f"{base}/staff/chat/?lang=en")
        chat.click("#chats a")
        chat.wait_for_url(re.compile(r".*/staff/chat/\d+"))
        chat.fill("#reply-text", "I am here with you. Are you somewhere safe to talk?")
        chat.click("#reply-form button[type=submit]")
        chat.locator("#chat-lines li", has_text="somewhere safe").wait_for()
        reporter.locator("#chat-lines li", has_text="somewhere safe").wait_for()
        reporter.fill("#chat-text", "Yes, I am alone now.")
        reporter.click("#chat-form button[type=submit]")
        chat.locator("#chat-lines li", has_text="alone now").wait_for()
        _both_widths(chat, chat.url, out, "chat-operator")
        _both_widths(reporter, f"{base}/chat", out, "chat-reporter")
        browser.close()


def _signed_in(browser, base: str, email: str, password: str):  # type: ignore[no-untyped-def]
    import pyotp

    from hotline.demo import DEMO_TOTP_SECRET

    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" in url)
    # Each account signs in once, so its code is never one it has used already.
    page.fill("#code", pyotp.TOTP(DEMO_TOTP_SECRET).now())
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _both_widths(page, url: str, out: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(url)
        page.wait_for_load_state("load")
        page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)


if __name__ == "__main__":
    main()
