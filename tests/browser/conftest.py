"""A real browser (Debian's Chromium driven by Playwright) against the app served on a real socket."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hotline import create_app
from hotline.app import mount_staff
from hotline.settings import Settings
from tests.conftest import require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without these Chromium calls home at start and is refused by a closed network, many times over.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, public: Flask, staff: Flask) -> None:
        self.public = public
        self.server = make_server("127.0.0.1", 0, mount_staff(public, staff), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, templates) -> str:  # type: ignore[no-untyped-def]
    # One database is enough to prove the pages; the services below them run on both elsewhere.
    return templates.sqlite()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    public = create_app(settings, surface="public")
    staff = create_app(settings, surface="staff")
    with LiveServer(public, staff) as server:
        yield server


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    require(Path(CHROMIUM).exists(), "Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
