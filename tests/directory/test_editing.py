"""Editing the directory: every edit is checked, recorded with who/before/after, and moves the version on."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from directory.editing import set_referral_contacts, update_agency, update_service
from directory.load import DirectoryError
from directory.models import Agency, AgencyService, DirectoryChange, DirectoryVersion
from directory.snapshot import current_snapshot


def version(session: Any) -> int:
    return session.get(DirectoryVersion, 1).number


def test_agency_edit_is_recorded_and_bumps_the_version(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        before_version = version(session)
        old_minutes = dict(session.get(Agency, "gt-pnc").ack_minutes)  # type: ignore[union-attr]
        change = update_agency(
            session, "gt-pnc", {"ack_minutes": {"critical": 20, "high": 90}}, "staff:7", reason="agreed by phone"
        )
        assert change is not None
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-pnc")
        assert agency is not None and agency.ack_minutes == {"critical": 20, "high": 90}
        recorded = session.scalars(select(DirectoryChange).where(DirectoryChange.agency_id == "gt-pnc")).one()
        assert recorded.actor == "staff:7" and recorded.record == "agency gt-pnc"
        assert recorded.before == {"ack_minutes": old_minutes}
        assert recorded.after == {"ack_minutes": {"critical": 20, "high": 90}}
        assert "agreed by phone" in recorded.summary
        assert version(session) == before_version + 1
        assert current_snapshot(session).agencies_by_id["gt-pnc"].ack_minutes["critical"] == 20


def test_an_edit_that_changes_nothing_records_nothing(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        kind = session.get(Agency, "gt-pnc").kind  # type: ignore[union-attr]
        before_version = version(session)
        assert update_agency(session, "gt-pnc", {"kind": kind}, "staff:7") is None
        assert version(session) == before_version
        assert session.scalars(select(DirectoryChange).where(DirectoryChange.agency_id == "gt-pnc")).all() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "secret_police"}, "kind"),
        ({"ack_minutes": {"critical": 0}}, "referral.ack_minutes"),
        ({"ack_minutes": {"urgent": 10}}, "referral.ack_minutes"),
        ({"referral_channels": ["fax"]}, "referral.channels"),
        ({"holidays": ["25/12/2025"]}, "referral.holidays"),
        ({"names": {}}, "name"),
        ({"country": "US"}, "country"),
    ],
)
def test_a_bad_agency_edit_names_the_field_and_changes_nothing(app: Flask, changes: dict[str, Any], field: str) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        before_version = version(session)
        with pytest.raises(DirectoryError) as refused:
            update_agency(session, "gt-pnc", changes, "staff:7")
        assert refused.value.record == "gt-pnc" and refused.value.field == field
        session.rollback()
        assert version(session) == before_version
        assert session.get(Agency, "gt-pnc").kind == "police"  # type: ignore[union-attr]


def test_service_edit_checks_regions_and_records_hours(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        with pytest.raises(DirectoryError) as refused:
            update_service(session, "gt-pnc-110", {"areas": [{"country": "GT", "regions": ["GT-99"]}]}, "staff:7")
        assert refused.value.field == "areas" and "GT-99" in refused.value.message
        session.rollback()
        hours = [{"days": ["mo", "tu"], "opens": "08:00", "closes": "16:00"}]
        change = update_service(session, "gt-pnc-110", {"hours": hours, "interpretation": "no"}, "staff:7")
        assert change is not None and change.before == {"hours": None, "interpretation": "unknown"}
    with app.app_context(), app.extensions["database"].session() as session:
        service = session.get(AgencyService, "gt-pnc-110")
        assert service is not None and service.hours == hours and service.interpretation == "no"


def test_contacts_are_replaced_in_order_and_checked(app: Flask) -> None:
    ladder = [
        {"name": "Night desk", "email": "night@example.org", "sms": "+12025550150", "active": True},
        {"name": "Supervisor", "email": "boss@example.org", "sms": None, "active": False},
    ]
    with app.app_context(), app.extensions["database"].session() as session:
        with pytest.raises(DirectoryError) as refused:
            set_referral_contacts(session, "gt-pnc", [{"name": "Desk", "sms": "5550150"}], "staff:7")
        assert refused.value.field == "sms"
        session.rollback()
        change = set_referral_contacts(session, "gt-pnc", ladder, "staff:7")
        assert change is not None and change.after == ladder
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-pnc")
        assert agency is not None
        assert [(c.position, c.name, c.active) for c in agency.contacts] == [
            (0, "Night desk", True),
            (1, "Supervisor", False),
        ]
        assert [c.name for c in agency.active_contacts] == ["Night desk"]
