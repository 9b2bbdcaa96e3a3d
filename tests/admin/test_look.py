"""The staff pages' shape: a favicon on both surfaces, navigation counts scoped like the pages they
count, the overrule form one field at a time, and no table column without a heading."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_user
from tests.helpers import post_form, post_report


def _report(client: FlaskClient, country: str) -> str:
    """A report whose proposals wait for an operator's review: a ticket still in the queue."""
    body = {"channel": "api", "text": f"Me tienen encerrada en {country}", "location": {"country": country}}
    return str(post_report(client, json=body).get_json()["reference"])


def _count_after(page: str, path: str) -> str | None:
    """The count on the navigation link to `path`, or None when it shows none."""
    found = re.search(rf'<a href="{path}"[^>]*>[^<]* <span class="count[^"]*">(\d+)<', page)
    return found.group(1) if found else None


def test_both_surfaces_serve_a_favicon(client: FlaskClient, staff_client: FlaskClient) -> None:
    for surface in (client, staff_client):
        icon = surface.get("/favicon.ico")
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = client.get("/report").get_data(as_text=True)
    linked = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert linked and client.get(linked.group(1)).status_code == 200


def test_the_queue_count_covers_only_the_operators_countries(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    _report(client, "GT")
    _report(client, "GT")
    _report(client, "HN")
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = staff_client.get("/tickets").get_data(as_text=True)
    assert _count_after(page, "/tickets") == "2"
    staff_client.post("/logout", data={"csrf_token": _token(page)})
    sign_in(staff_client, *make_user(app, countries=("CR",)))
    assert _count_after(staff_client.get("/tickets").get_data(as_text=True), "/tickets") is None


def test_an_agency_sees_how_many_referrals_wait_for_its_acknowledgement(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    from sqlalchemy import select

    from hotline.referrals.models import Referral

    file_report(client, "GT")
    with app.app_context(), app.extensions["database"].session() as session:
        agency_id = session.scalar(select(Referral.agency_id).where(Referral.dispatch == "dispatched"))
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency_id))
    page = staff_client.get("/referrals").get_data(as_text=True)
    assert _count_after(page, "/referrals") == "1"
    assert "<th></th>" not in page


def test_the_overrule_form_shows_one_field_at_a_time(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = _report(client, "GT")
    sign_in(staff_client, *make_user(app, regional=True))
    page = staff_client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert 'name="change"' in page and 'name="value_risk"' not in page
    assert "<th></th>" not in page
    chosen = staff_client.get(f"/tickets/{reference}?change=case_type").get_data(as_text=True)
    assert 'name="value_case_type"' in chosen
    assert not any(f'name="value_{other}"' in chosen for other in ("risk", "country", "language"))
    assert '<input type="hidden" name="field" value="case_type">' in chosen
    # A refusal (no reason) comes back with the same single field, not the chooser.
    refused = post_form(
        staff_client,
        f"/tickets/{reference}?change=risk",
        {"field": "risk", "value_risk": "critical", "reason": " "},
        f"/tickets/{reference}/overrule",
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'name="value_risk"' in body and 'name="value_country"' not in body
    # Anything else asked for shows the chooser again.
    assert 'name="change"' in staff_client.get(f"/tickets/{reference}?change=status").get_data(as_text=True)


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_agency_sees_the_steps_taken_on_its_referral_naming_its_own_people_only(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    from sqlalchemy import select

    from hotline.referrals.models import Referral

    file_report(client, "GT")
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id, agency_id = session.execute(
            select(Referral.id, Referral.agency_id).where(Referral.dispatch == "dispatched")
        ).first()  # type: ignore[misc]
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency_id))
    page = f"/referrals/{referral_id}"
    post_form(staff_client, page, {}, f"{page}/acknowledge")
    shown = staff_client.get(page).get_data(as_text=True)
    steps = shown[shown.index('id="referral-steps"') : shown.index("</ol>", shown.index('id="referral-steps"'))]
    assert steps.count("<li>") >= 2  # sent, then acknowledged
    assert "Test agency" in steps  # the officer who acknowledged, by name
    assert "staff:" not in steps
