"""Each staff member reads times in a zone: the one they chose, else their country's, else their agency's."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask, g
from flask.testing import FlaskClient
from flask_babel import force_locale, refresh
from sqlalchemy import select

from directory.models import Agency
from hotline import labels
from hotline.accounts import StaffEvent, StaffUser, staff_time_zone
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import post_form

MOMENT = datetime(2026, 12, 2, 9, 56, 50, tzinfo=UTC)


def _user(app: Flask, email: str) -> StaffUser:
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        session.expunge(user)
        return user


def _shown_to(app: Flask, user: StaffUser, locale: str = "fr") -> str:
    with app.test_request_context(), force_locale(locale):
        g.user = user
        refresh()
        return labels.when(MOMENT)


def test_a_regional_supervisor_who_picks_tegucigalpa_reads_its_time_with_the_zone_shown(
    app: Flask, staff_client: FlaskClient
) -> None:
    email, password = make_user(app, role="supervisor", regional=True)
    assert "09:56" in _shown_to(app, _user(app, email)), "with no country and no choice, times are in UTC"
    sign_in(staff_client, email, password)
    page = staff_client.get("/profile?lang=fr").get_data(as_text=True)
    assert 'value="America/Tegucigalpa"' in page and "Tegucigalpa (UTC-06:00)" in page, "city and offset, in French"
    saved = post_form(staff_client, "/profile", {"time_zone": "America/Tegucigalpa"})
    assert saved.status_code == 302
    shown = _shown_to(app, _user(app, email))
    assert "03:56" in shown and "UTC-06:00" in shown, shown
    page = staff_client.get("/profile?lang=es").get_data(as_text=True)
    assert re.search(r'<option value="America/Tegucigalpa" selected>', page)
    assert "Tegucigalpa (GMT-06:00)" in page[page.index('id="reading-zone"') :]
    with app.app_context(), app.extensions["database"].session() as session:
        user_id = _user(app, email).id
        events = session.scalars(select(StaffEvent).where(StaffEvent.user_id == user_id, StaffEvent.kind == "changed"))
        assert [event.reason for event in events] == ["time_zone None -> 'America/Tegucigalpa'"]


def test_a_zone_the_database_does_not_know_is_refused_and_nothing_changes(
    app: Flask, staff_client: FlaskClient
) -> None:
    email, password = make_user(app, role="operator", countries=("GT",))
    sign_in(staff_client, email, password)
    refused = post_form(staff_client, "/profile", {"time_zone": "America/Atlantis"})
    assert refused.status_code == 400 and 'id="form-error"' in refused.get_data(as_text=True)
    assert _user(app, email).time_zone is None
    assert "03:56" in _shown_to(app, _user(app, email)), "still Guatemala's time, from the country"


def test_an_admin_sets_a_zone_on_the_users_page_and_it_is_in_the_history(app: Flask, staff_client: FlaskClient) -> None:
    email, _password = make_user(app, role="operator", countries=("MX",))
    target = _user(app, email)
    assert "03:56" in _shown_to(app, target), "Mexico City's time, from the first country"
    sign_in(staff_client, *make_user(app, role="admin", regional=True))
    form = {"name": target.name, "role": "operator", "countries": "MX", "active": "yes", "reason": "lives in Tijuana"}
    saved = post_form(staff_client, f"/users/{target.id}", {**form, "time_zone": "America/Tijuana"})
    assert saved.status_code == 302
    assert "01:56" in _shown_to(app, _user(app, email))
    page = staff_client.get(f"/users/{target.id}").get_data(as_text=True)
    assert '<option value="America/Tijuana" selected>' in page
    assert "time_zone None -&gt; &#39;America/Tijuana&#39;. lives in Tijuana" in page
    refused = post_form(staff_client, f"/users/{target.id}?lang=fr", {**form, "time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert "un fuseau horaire IANA" in refused.get_data(as_text=True)  # the refusal in the page's language
    assert _user(app, email).time_zone == "America/Tijuana"


def test_an_agency_user_with_no_country_reads_their_agencys_country_time(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.scalars(select(Agency).where(Agency.country == "HN")).first()
        assert agency is not None, "the seeded directory has an agency in Honduras"
        agency_id = agency.id
    email, _password = make_user(app, role="agency", agency_id=agency_id)
    user = _user(app, email)
    with app.app_context(), app.extensions["database"].session() as session:
        assert staff_time_zone(session, user) == "America/Tegucigalpa"
    assert "03:56" in _shown_to(app, user)
    assert "09:56" in _shown_to(app, _user(app, make_user(app, role="admin")[0])), "no country, no agency: UTC"
