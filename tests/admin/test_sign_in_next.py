"""Sign-in takes a person back to the page they asked for, and never to another site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.views import safe_next
from hotline.referrals.models import Referral
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_user


def test_the_link_in_an_agencys_notice_lands_on_the_referral_after_sign_in(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    file_report(client, "GT")
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id, agency = session.execute(select(Referral.id, Referral.agency_id)).first()  # type: ignore[misc]
    asked = staff_client.get(f"/referrals/{referral_id}")
    assert asked.status_code == 302
    login_page = asked.headers["Location"]
    assert "next=" in login_page
    landed = sign_in(staff_client, *make_user(app, role="agency", agency_id=agency), login_page=login_page)
    assert landed == f"/referrals/{referral_id}"
    assert staff_client.get(landed).status_code == 200


@pytest.mark.parametrize(
    "attempt",
    ["https://evil.example/", "//evil.example/referrals/1", "/\\evil.example", "\\\\evil.example", "/%0d%0aLocation:x"],
)
def test_sign_in_refuses_to_send_anyone_to_another_site(app: Flask, staff_client: FlaskClient, attempt: str) -> None:
    landed = sign_in(staff_client, *make_user(app, countries=("GT",)), login_page=f"/login?next={quote(attempt)}")
    assert landed.startswith("/") and not landed.startswith("//") and "evil" not in landed, landed
    assert "\n" not in landed and "\r" not in landed


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/referrals/7", "/referrals/7"),
        ("/tickets?status=received", "/tickets?status=received"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/x", None),
        ("referrals/7", None),
        ("/login/code", None),
        ("/x\r\nSet-Cookie: a=b", None),
        (None, None),
    ],
)
def test_only_a_path_of_this_app_is_kept(raw: str | None, kept: str | None) -> None:
    assert safe_next(raw) == kept
