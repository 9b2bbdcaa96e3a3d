"""Staff sign-in: a second factor for everyone, lock-out after repeated failures, idle expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.accounts import SignInLock, StaffEvent, StaffUser
from hotline.db import utcnow
from hotline.settings import Settings
from tests.admin.test_staff_pages import sign_in, totp_code
from tests.factories import make_user
from tests.helpers import post_form


def _user(app: Flask, email: str) -> StaffUser:
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        session.expunge(user)
        return user


def _events(app: Flask, email: str) -> list[str]:
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        return list(
            session.scalars(select(StaffEvent.kind).where(StaffEvent.user_id == user.id).order_by(StaffEvent.id))
        )


def test_first_sign_in_enrols_a_second_factor_shown_as_text_and_uri(app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(app, regional=True)
    response = post_form(staff_client, "/login", {"email": email, "password": password})
    assert response.headers["Location"].endswith("/login/enrol")
    assert staff_client.get("/tickets").status_code == 302  # the password alone does not sign in
    page = staff_client.get("/login/enrol").get_data(as_text=True)
    assert "otpauth://totp/" in page and 'id="totp-secret"' in page
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    wrong = post_form(
        staff_client, "/login/enrol", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert wrong.status_code == 401 and _user(app, email).totp_secret is None
    right = post_form(staff_client, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302 and staff_client.get("/tickets").status_code == 200
    assert _user(app, email).totp_secret == secret
    assert "second_factor_enrolled" in _events(app, email)


def test_an_enrolled_user_needs_a_current_code_and_a_code_works_only_once(
    app: Flask, staff_client: FlaskClient
) -> None:
    email, password = make_user(app, regional=True)
    sign_in(staff_client, email, password)
    staff_client.post("/logout")
    user = _user(app, email)
    post_form(staff_client, "/login", {"email": email, "password": password})
    used = pyotp.TOTP(user.totp_secret).at(user.totp_last_step * 30)  # type: ignore[operator]
    replay = post_form(staff_client, "/login/code", {"code": used})
    assert replay.status_code == 401 and staff_client.get("/tickets").status_code == 302
    fresh = post_form(staff_client, "/login/code", {"code": totp_code(user.totp_secret or "", user.totp_last_step)})
    assert fresh.status_code == 302 and staff_client.get("/tickets").status_code == 200


def test_five_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(
    app: Flask, staff_client: FlaskClient
) -> None:
    email, password = make_user(app, regional=True)
    for _attempt in range(5):
        response = post_form(staff_client, "/login", {"email": email, "password": "wrong password"})
        assert response.status_code == 401
    locked = _user(app, email)
    assert locked.locked_until is not None
    assert timedelta(minutes=14) < locked.locked_until - utcnow() <= timedelta(minutes=15)
    refused = post_form(staff_client, "/login?lang=en", {"email": email, "password": password}, action="/login")
    assert refused.status_code == 401 and "After several failed attempts" in refused.get_data(as_text=True)
    assert _events(app, email).count("sign_in_failed") == 5 and "locked" in _events(app, email)
    with app.app_context(), app.extensions["database"].session() as session:
        for lock in session.scalars(select(SignInLock)):
            lock.locked_until = utcnow() - timedelta(seconds=1)
    sign_in(staff_client, email, password)
    assert staff_client.get("/tickets").status_code == 200


def test_a_lock_out_holds_only_for_the_source_that_earned_it(app: Flask, staff_app: Flask) -> None:
    email, password = make_user(app, regional=True)
    attacker = staff_app.test_client()
    elsewhere = {"REMOTE_ADDR": "203.0.113.50"}
    for _attempt in range(5):
        post_form(attacker, "/login", {"email": email, "password": "wrong password"})
    refused = post_form(attacker, "/login?lang=en", {"email": email, "password": password}, action="/login")
    assert refused.status_code == 401
    # The colleague at their own desk (another address) signs in as usual.
    colleague = staff_app.test_client()
    colleague.environ_base.update(elsewhere)
    sign_in(colleague, email, password)
    assert colleague.get("/tickets").status_code == 200
    assert "locked" in _events(app, email)


def test_the_lock_out_page_says_the_same_for_a_known_and_an_unknown_account(app: Flask, staff_app: Flask) -> None:
    email, _password = make_user(app, regional=True)
    pages = []
    for who in (email, "nobody-here@example.org"):
        client = staff_app.test_client()
        answers = [
            post_form(client, "/login?lang=en", {"email": who, "password": "wrong"}, action="/login")
            for _attempt in range(7)
        ]
        assert {answer.status_code for answer in answers} == {401}
        pages.append(
            [re.findall(r'<p class="error" role="alert">(.*?)</p>', a.get_data(as_text=True)) for a in answers]
        )
    # Before and after the fifth failure, known or unknown: the same words.
    assert pages[0] == pages[1] and len({str(page) for page in pages[0]}) == 1 and pages[0][0]


def test_wrong_codes_count_towards_the_lock_out(app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(app, regional=True)
    sign_in(staff_client, email, password)
    staff_client.post("/logout")
    post_form(staff_client, "/login", {"email": email, "password": password})
    for _attempt in range(5):
        post_form(staff_client, "/login/code", {"code": "abcdef"})
    assert _user(app, email).locked_until is not None
    assert staff_client.get("/tickets").status_code == 302


def test_an_idle_session_ends_and_the_poll_does_not_keep_it_alive(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, regional=True))
    with staff_client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=20)).isoformat()
    assert staff_client.get("/api/v1/queue?after=0").status_code == 200
    with staff_client.session_transaction() as session:
        assert session["last_seen"] < (utcnow() - timedelta(minutes=19)).isoformat()
        session["last_seen"] = (utcnow() - timedelta(minutes=31)).isoformat()
    response = staff_client.get("/tickets")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivated_users_cannot_sign_in(app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(app, regional=True)
    with app.app_context(), app.extensions["database"].session() as session:
        session.scalar(select(StaffUser).where(StaffUser.email == email)).active = False  # type: ignore[union-attr]
    response = post_form(staff_client, "/login", {"email": email, "password": password})
    assert response.status_code == 401


def test_a_cookie_from_before_sign_out_gets_the_sign_in_page(app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(app, regional=True)
    sign_in(staff_client, email, password)
    assert staff_client.get("/tickets").status_code == 200
    stolen = staff_client.get_cookie("hotline_staff")
    assert stolen is not None
    assert post_form(staff_client, "/tickets", {}, action="/logout").status_code == 302
    thief = staff_client.application.test_client()
    thief.set_cookie("hotline_staff", stolen.value)
    answer = thief.get("/tickets")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    sign_in(staff_client, email, password)  # signing in again works
    assert staff_client.get("/tickets").status_code == 200


def test_the_sign_in_page_says_the_same_for_a_locked_account_and_an_unknown_one(
    app: Flask, staff_client: FlaskClient
) -> None:
    email, password = make_user(app, regional=True)
    for _attempt in range(5):
        post_form(staff_client, "/login", {"email": email, "password": "wrong password"})
    locked = post_form(staff_client, "/login?lang=en", {"email": email, "password": password}, action="/login")
    unknown = post_form(
        staff_client, "/login?lang=en", {"email": "nobody@example.org", "password": password}, action="/login"
    )
    assert locked.status_code == unknown.status_code == 401
    assert _error(locked) == _error(unknown) and "Wrong email or password" in _error(locked)


def _error(response: TestResponse) -> str:
    found = re.search(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert found
    return found.group(1)


def test_production_answers_carry_hsts(settings: Settings) -> None:
    production = create_app(settings.with_changes(env="production"), surface="public")
    assert "max-age=" in production.test_client().get("/help").headers["Strict-Transport-Security"]
    plain = create_app(settings, surface="public")
    assert "Strict-Transport-Security" not in plain.test_client().get("/help").headers
    production.extensions["database"].engine.dispose()
    plain.extensions["database"].engine.dispose()
