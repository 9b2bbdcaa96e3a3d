"""The second-factor secret is clear only in memory: the database holds it encrypted."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from hotline.accounts import StaffUser
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user


def test_the_totp_secret_is_stored_encrypted(app: Flask, staff_client: FlaskClient) -> None:
    email, password = make_user(app)
    sign_in(staff_client, email, password)  # enrols a second factor on the first sign-in
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None and user.totp_secret is not None
        stored = session.execute(text("SELECT totp_secret FROM staff_user WHERE id = :id"), {"id": user.id}).scalar()
    assert stored is not None and user.totp_secret not in stored
    assert len(stored) > 100  # a Fernet token, not a 32-character base32 secret
