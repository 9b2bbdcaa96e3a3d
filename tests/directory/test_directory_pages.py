"""Staff directory pages: admins only; edits go through the forms, show in the history, bad values get a 400."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.models import Agency, DirectoryChange
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import post_form

PAGE = "/directory/agencies/gt-pnc"


def agency_form(**overrides: str) -> dict[str, str]:
    form = {
        "name_es": "Policía Nacional Civil",
        "name_en": "National Civil Police",
        "kind": "police",
        "referral_channels": "portal",
        "ack_critical": "25",
        "ack_high": "120",
        "holidays": "2025-12-24\n2025-12-25",
        "reason": "confirmed with the unit",
    }
    return {**form, **overrides}


def test_only_admins_reach_the_directory(app: Flask, staff_client: FlaskClient) -> None:
    assert staff_client.get("/directory/").status_code == 302
    sign_in(staff_client, *make_user(app, role="operator", regional=True))
    for page in ("/directory/", PAGE, f"{PAGE}/edit", f"{PAGE}/contacts", "/directory/services/gt-pnc-110/edit"):
        assert staff_client.get(page).status_code == 403, page


def test_admin_browses_by_country_and_kind(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin"))
    page = staff_client.get("/directory/?country=GT&kind=police").get_data(as_text=True)
    assert "Policía Nacional Civil" in page and "Federal" not in page
    agency = staff_client.get(PAGE).get_data(as_text=True)
    assert "110" in agency and "S003" in agency and "1784" in agency


def test_admin_edits_ack_minutes_and_a_contact_and_sees_the_history(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin"))
    saved = post_form(staff_client, f"{PAGE}/edit", agency_form())
    assert saved.status_code == 302 and saved.headers["Location"].endswith(PAGE)
    contacts = post_form(
        staff_client,
        f"{PAGE}/contacts",
        {
            "rows": "2",
            "order_0": "2",
            "name_0": "Second in line",
            "email_0": "second@example.org",
            "active_0": "yes",
            "order_1": "1",
            "name_1": "Night desk",
            "sms_1": "+12025550177",
            "active_1": "yes",
        },
    )
    assert contacts.status_code == 302
    page = staff_client.get(PAGE).get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert "agency gt-pnc: ack_minutes" in history and "confirmed with the unit" in history
    assert "contacts gt-pnc" in history and "Night desk" in history
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-pnc")
        assert agency is not None
        assert agency.ack_minutes == {"critical": 25, "high": 120}
        assert agency.holidays == ["2025-12-24", "2025-12-25"]
        assert [c.name for c in agency.contacts] == ["Night desk", "Second in line"]
        actors = set(session.scalars(select(DirectoryChange.actor).where(DirectoryChange.agency_id == "gt-pnc")))
        assert len(actors) == 1 and actors.pop().startswith("staff:")


def test_a_bad_value_gets_a_400_with_the_field_and_keeps_what_was_typed(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin"))
    response = post_form(staff_client, f"{PAGE}/edit", agency_form(ack_critical="soon", ack_high="45"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "ack_minutes.critical" in page and 'value="soon"' in page and 'value="45"' in page
    bad_sms = post_form(staff_client, f"{PAGE}/contacts", {"rows": "1", "name_0": "Desk", "sms_0": "12345"})
    assert bad_sms.status_code == 400 and "sms" in bad_sms.get_data(as_text=True)
    bad_hours = post_form(
        staff_client, "/directory/services/gt-pnc-110/edit", {"languages": "es", "areas": "GT", "hours": "weekdays"}
    )
    assert bad_hours.status_code == 400 and "hours" in bad_hours.get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(DirectoryChange).where(DirectoryChange.agency_id == "gt-pnc")).all() == []


def test_admin_edits_a_service_with_hours_and_features(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin"))
    form = {
        "languages": "es, en",
        "areas": "GT: GT-01, GT-09",
        "hours": "mo-fr 08:00-16:00\nsa 09:00-12:00",
        "interpretation": "no",
        "after_hours_referrals": "unknown",
        "feature_free": "yes",
        "feature_anonymous": "yes",
    }
    response = post_form(staff_client, "/directory/services/gt-pnc-110/edit", form)
    assert response.status_code == 302
    page = staff_client.get(PAGE).get_data(as_text=True)
    assert "service gt-pnc-110" in page[page.index('id="history"') :]
    with app.app_context(), app.extensions["database"].session() as session:
        from directory.models import AgencyService

        service = session.get(AgencyService, "gt-pnc-110")
        assert service is not None
        assert service.hours == [
            {"days": ["mo", "tu", "we", "th", "fr"], "opens": "08:00", "closes": "16:00"},
            {"days": ["sa"], "opens": "09:00", "closes": "12:00"},
        ]
        assert service.areas == [{"country": "GT", "regions": ["GT-01", "GT-09"]}]
        assert service.languages == ["es", "en"] and service.features["anonymous"] == "yes"
        assert service.features["always_open"] == "unknown"
