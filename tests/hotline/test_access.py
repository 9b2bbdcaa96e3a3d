"""The access policy: each rule's row check and its SQL filter agree, for every kind of user."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.access import may_see_referral, may_see_ticket, visible_referrals, visible_tickets
from hotline.accounts import StaffUser
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket
from tests.helpers import dispatch_proposals, post_report

USERS = [
    StaffUser(email="a", name="gt op", role="operator", countries=["GT"], regional=False),
    StaffUser(email="b", name="hn sup", role="supervisor", countries=["HN", "SV"], regional=False),
    StaffUser(email="c", name="regional", role="operator", countries=[], regional=True),
    StaffUser(email="d", name="agency", role="agency", agency_id="gt-eri", countries=[], regional=False),
    StaffUser(email="e", name="nobody", role="operator", countries=[], regional=False),
]


def test_row_checks_and_sql_filters_agree(app: Flask, client: FlaskClient) -> None:
    for country in ("GT", "HN", "PA", None):
        body = {"channel": "api", "text": "lo obligan a trabajar sin pago"}
        if country:
            body["location"] = {"country": country}  # type: ignore[assignment]
        assert post_report(client, json=body).status_code == 201
    # One proposal stays undispatched: its agency must not see it.
    with app.app_context(), app.extensions["database"].session() as session:
        kept = session.scalars(select(Referral).where(Referral.agency_id != "gt-eri")).first()
        assert kept is not None and kept.dispatch == "proposed"
        kept_id = kept.id
    dispatch_proposals(app)
    with app.app_context(), app.extensions["database"].session() as session:
        session.get(Referral, kept_id).dispatch = "proposed"  # type: ignore[union-attr]
    with app.app_context(), app.extensions["database"].session() as session:
        tickets = session.scalars(select(Ticket)).all()
        referrals = session.scalars(select(Referral)).all()
        assert any(r.agency_id == "gt-eri" for r in referrals)
        for user in USERS:
            seen = set(session.scalars(select(Ticket.id).where(visible_tickets(user))))
            assert seen == {t.id for t in tickets if may_see_ticket(user, t)}, user.name
            seen = set(session.scalars(select(Referral.id).where(visible_referrals(user))))
            assert seen == {r.id for r in referrals if may_see_referral(user, r)}, user.name
        by_name = {u.name: u for u in USERS}
        assert {t.incident_country for t in tickets if may_see_ticket(by_name["gt op"], t)} == {"GT"}
        assert not any(may_see_ticket(by_name["agency"], t) for t in tickets)
        assert {r.agency_id for r in referrals if may_see_referral(by_name["agency"], r)} == {"gt-eri"}
        assert not any(r.id == kept_id for r in referrals if may_see_referral(USERS[3], r))
        assert all(may_see_ticket(by_name["regional"], t) for t in tickets)
        assert not any(may_see_ticket(by_name["nobody"], t) for t in tickets)
