"""Factories: the smallest rows a test needs, made on purpose instead of shared fixtures."""

from __future__ import annotations

import itertools

from flask import Flask

from directory.models import Agency
from hotline.accounts import StaffUser

_counter = itertools.count(1)


def make_agency(
    app: Flask,
    *,
    country: str | None = "GT",
    kind: str = "coordinating_body",
    regional_focal_point: bool = False,
    notify_email: str | None = "duty@example.org",
    notify_sms: str | None = "+12025550101",
    agency_id: str | None = None,
) -> str:
    agency_id = agency_id or f"test-{kind}-{next(_counter)}"
    with app.app_context(), app.extensions["database"].session() as session:
        session.add(
            Agency(
                id=agency_id,
                name=f"Test {kind} {agency_id}",
                country=country,
                kind=kind,
                regional_focal_point=regional_focal_point,
                notify_email=notify_email,
                notify_sms=notify_sms,
            )
        )
    return agency_id


def make_user(
    app: Flask,
    *,
    role: str = "operator",
    countries: tuple[str, ...] = (),
    regional: bool = False,
    agency_id: str | None = None,
    password: str = "correct horse battery staple",
) -> tuple[str, str]:
    email = f"user{next(_counter)}@example.org"
    with app.app_context(), app.extensions["database"].session() as session:
        user = StaffUser(
            email=email,
            name=f"Test {role}",
            role=role,
            countries=list(countries),
            regional=regional,
            agency_id=agency_id,
        )
        user.set_password(password)
        session.add(user)
    return email, password
