"""The agency portal: only the agency's own data on every page and API; the flowchart's steps; its team,
contacts; and the users' administration."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from directory.models import Agency, AgencyService
from hotline.accounts import StaffEvent, StaffUser
from hotline.referrals.models import Referral
from hotline.tickets.people import CasePerson
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_agency, make_user
from tests.helpers import csrf_token, post_form


def _first_referral(app: Flask) -> tuple[int, str, str]:
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.scalars(select(Referral).order_by(Referral.id)).first()
        assert referral is not None
        return referral.id, referral.agency_id, referral.ticket.reference


def test_every_staff_route_refuses_another_agencys_data(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    referral_id, agency_id, _reference = _first_referral(app)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket_id = session.scalar(select(Referral.ticket_id).where(Referral.id == referral_id))
        person = CasePerson(ticket_id=ticket_id)
        session.add(person)
        session.flush()
        person_id = person.id
        service_id = session.scalar(select(AgencyService.id).where(AgencyService.agency_id == agency_id))
        owner_id = session.scalar(select(StaffUser.id).order_by(StaffUser.id))
    owner = make_user(app, role="agency", agency_id=agency_id)
    other = make_agency(app, country="HN")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=other))
    token = csrf_token(staff_client, "/referrals")
    values = {
        "reference": reference,
        "referral_id": referral_id,
        "person_id": person_id,
        "agency_id": agency_id,
        "service_id": service_id or "x",
        "user_id": owner_id or 1,
        "flow_id": "referral_national",
    }
    walked = 0
    for rule in staff_app.url_map.iter_rules():
        if rule.endpoint in ("static", "favicon") or rule.endpoint.startswith(("staff.login", "staff.logout")):
            continue  # signing in and out take no one's data, and signing out would end the walk
        arguments = {name: _value(rule, name, values, referral_id, reference) for name in rule.arguments}
        path = rule.build(arguments)[1]  # type: ignore[index]
        if rule.endpoint == "staff.flow_svg":
            path += f"?referral={referral_id}"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = staff_client.get(path)
            else:
                response = staff_client.open(
                    path, method=method, data={"csrf_token": token, "action": "accept"}, headers={"X-CSRFToken": token}
                )
            body = response.get_data(as_text=True)
            assert response.status_code != 500, (method, path)
            if rule.arguments or rule.endpoint == "staff.flow_svg":
                walked += 1
                if rule.endpoint == "staff.flow_page":
                    continue  # a flowchart definition is shared data, not another agency's
                assert response.status_code in (403, 404), (method, path, response.status_code)
            assert reference not in body, (method, path)
    assert walked >= 15
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral_id).status == "referred"  # type: ignore[union-attr]
    del owner


def _value(rule: Rule, name: str, values: dict[str, object], number: int, text: str) -> object:
    """The other agency's id for an argument we know; else a number or a reference, as the route's converter wants."""
    if name in values:
        return values[name]
    if name == "country":
        return "GT"
    if name == "year":
        return 2026
    return number if isinstance(rule._converters.get(name), IntegerConverter) else text


def test_agency_walks_its_referral_through_the_flowchart_and_identification_marks_the_people(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    file_report(client, "GT")
    referral_id, agency_id, _reference = _first_referral(app)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket_id = session.scalar(select(Referral.ticket_id).where(Referral.id == referral_id))
        session.add_all([CasePerson(ticket_id=ticket_id, sex="female"), CasePerson(ticket_id=ticket_id, sex="male")])
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency_id))
    page = f"/referrals/{referral_id}"
    act = f"{page}/act"
    post_form(staff_client, page, {}, f"{page}/acknowledge")
    assert 'value="accept"' in staff_client.get(page).get_data(as_text=True)
    assert post_form(staff_client, page, {"action": "identify"}, act).status_code == 302  # not yet: flashes, no move
    assert (
        post_form(staff_client, page, {"action": "request_info", "request_info-question": ""}, act).status_code == 400
    )
    post_form(staff_client, page, {"action": "accept"}, act)
    with app.app_context(), app.extensions["database"].session() as session:
        female = session.scalar(select(CasePerson.id).where(CasePerson.sex == "female"))
    post_form(staff_client, page, {"action": "identify", "person": str(female)}, act)
    post_form(staff_client, page, {"action": "start_assistance"}, act)
    post_form(staff_client, page, {"action": "record_wish", "record_wish-wish": "integration"}, act)
    post_form(staff_client, page, {"action": "close", "close-outcome": "integrated"}, act)
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        assert referral.path_nodes[-5:] == ["accepted", "identified", "assistance", "integration", "closed"]
        assert referral.outcome == "integrated"
        identified = {p.sex: p.identified for p in session.scalars(select(CasePerson))}
        assert identified == {"female": True, "male": False}


def test_agency_sees_its_team_and_edits_its_notification_contacts(app: Flask, staff_client: FlaskClient) -> None:
    mine, theirs = make_agency(app, country="GT"), make_agency(app, country="HN")
    colleague = make_user(app, role="agency", agency_id=mine)
    stranger = make_user(app, role="agency", agency_id=theirs)
    sign_in(staff_client, *make_user(app, role="agency", agency_id=mine))
    team = staff_client.get("/agency/team").get_data(as_text=True)
    assert colleague[0] in team and stranger[0] not in team
    form = {
        "rows": "2",
        "order_0": "1",
        "name_0": "Night duty",
        "email_0": "night@example.org",
        "sms_0": "+50255550199",
        "active_0": "yes",
        "reason": "new rota",
    }
    assert post_form(staff_client, "/agency/contacts", form).status_code == 302
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, mine)
        assert agency is not None and [c.email for c in agency.contacts] == ["night@example.org"]
    assert staff_client.get("/users").status_code == 403


def test_admin_creates_an_account_sets_its_role_and_deactivates_it(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin", regional=True))
    created = post_form(
        staff_client,
        "/users/new",
        {
            "email": "New.Operator@example.org",
            "password": "a long enough password",
            "name": "New operator",
            "role": "operator",
            "countries": "gt, hn",
            "languages": "es fr",
            "active": "yes",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    user_id = int(re.search(r"/users/(\d+)", created.headers["Location"]).group(1))  # type: ignore[union-attr]
    refused = post_form(staff_client, f"/users/{user_id}", {"name": "x", "role": "agency", "active": "yes"})
    assert refused.status_code == 400  # an agency user needs an agency
    post_form(
        staff_client,
        f"/users/{user_id}",
        {"name": "New supervisor", "role": "supervisor", "countries": "GT", "languages": "es", "reason": "promoted"},
    )
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        assert (user.email, user.role, user.countries, user.languages, user.active) == (
            "new.operator@example.org",
            "supervisor",
            ["GT"],
            ["es"],
            False,
        )
        kinds = list(session.scalars(select(StaffEvent.kind).where(StaffEvent.user_id == user_id)))
        assert kinds == ["created", "changed"]
    assert "new.operator@example.org" in staff_client.get("/users").get_data(as_text=True)
