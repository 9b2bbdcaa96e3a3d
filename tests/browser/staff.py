"""Signing staff in through the real pages, with both factors (the code computed as an app would)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from hotline.accounts import StaffUser
from tests.admin.test_staff_pages import totp_code


def sign_in(page, app: Flask, base: str, email: str, password: str, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/staff/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" in url)
    if page.url.endswith("/login/enrol"):
        secret, last_step = page.inner_text("#totp-secret"), None
    else:
        with app.app_context(), app.extensions["database"].session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == email))
            assert user is not None and user.totp_secret is not None
            secret, last_step = user.totp_secret, user.totp_last_step
    page.fill("#code", totp_code(secret, last_step))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
