"""Factories: the smallest rows a test needs, made on purpose instead of shared fixtures.

Every test database starts with the real directory and its fictional demo contacts, as `make run`
has them; `agency_of` finds a real agency, `make_agency` adds a made-up one.
"""

from __future__ import annotations

import itertools

from flask import Flask
from sqlalchemy import select

from directory.load import bump_version
from directory.models import Agency, ReferralContact
from hotline.accounts import StaffUser

_counter = itertools.count(1)


def agency_of(app: Flask, country: str | None, kind: str) -> str:
    """The id of the first agency of that country and kind in the directory."""
    with app.app_context(), app.extensions["database"].session() as session:
        query = select(Agency.id).where(Agency.kind == kind).order_by(Agency.id)
        query = query.where(Agency.country == country) if country else query.where(Agency.country.is_(None))
        found = session.scalar(query)
    assert found is not None, f"no {kind} for {country} in the directory"
    return found


def make_agency(
    app: Flask,
    *,
    country: str | None = "GT",
    kind: str = "ngo",
    channels: tuple[str, ...] = ("portal", "sms", "email"),
    contacts: tuple[tuple[str, str], ...] = (("duty@example.org", "+12025550101"),),
) -> str:
    agency_id = f"test-{kind.replace('_', '-')}-{next(_counter)}"
    with app.app_context(), app.extensions["database"].session() as session:
        session.add(
            Agency(
                id=agency_id,
                name=f"Test {kind}",
                names={"en": f"Test {kind}"},
                country=country,
                kind=kind,
                referral_channels=list(channels),
                contacts=[
                    ReferralContact(position=i, name="Duty", email=e, sms=s) for i, (e, s) in enumerate(contacts)
                ],
            )
        )
        bump_version(session)
    return agency_id


def make_user(
    app: Flask,
    *,
    role: str = "operator",
    countries: tuple[str, ...] = (),
    regional: bool = False,
    agency_id: str | None = None,
    password: str = "correct horse battery staple",
    languages: tuple[str, ...] = (),
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
            languages=list(languages),
        )
        user.set_password(password)
        session.add(user)
    return email, password
