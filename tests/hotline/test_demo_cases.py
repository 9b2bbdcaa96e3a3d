"""`seed-demo` files fictional reports and carries them through the real services, so each role's
pages show something: a supervisor, operators with languages, tickets at every stage."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from hotline import demo
from hotline.accounts import StaffUser
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket


def test_demo_data_reaches_every_stage_and_is_filed_once(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    with app.app_context(), app.extensions["database"].session() as session:
        demo.seed(session)
        session.commit()
        assert demo.seed_cases(session, settings) == len(demo.DEMO_CASES)
        assert demo.seed_cases(session, settings) == 0  # a restart files nothing twice
        assert session.scalar(select(func.count(Ticket.id))) == len(demo.DEMO_CASES)
        statuses = set(session.scalars(select(Ticket.status)))
        assert {"acknowledged", "assisted", "closed"} <= statuses and len(statuses) >= 4, statuses
        officer = session.scalar(select(StaffUser).where(StaffUser.email == "agency.gt@example.org"))
        assert officer is not None
        theirs = set(session.scalars(select(Referral.status).where(Referral.agency_id == officer.agency_id)))
        assert {"acknowledged", "assistance", "closed"} <= theirs, theirs
        roles = {user.role: user for user in session.scalars(select(StaffUser))}
        assert "supervisor" in roles and roles["operator"].languages
