from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from routing.snapshot import snapshot_from_document
from tests.routing.factories import make_agency, make_directory, make_service

GT = ZoneInfo("America/Guatemala")


def test_document_becomes_an_indexed_snapshot(small_snapshot) -> None:
    assert [a.id for a in small_snapshot.agencies_of("GT", "response_team")] == ["gt-response"]
    assert [a.id for a in small_snapshot.regional_focal_points] == ["corett-secretariat"]
    assert small_snapshot.agencies_by_id["gt-police"].time_zone == "America/Guatemala"
    assert small_snapshot.countries["BZ"].languages == ("en", "es")


def test_weekly_hours_run_in_local_time_and_across_midnight() -> None:
    service = make_service("night", "GT", hours=[{"days": ["mo"], "opens": "22:00", "closes": "06:00"}])
    document = make_directory([make_agency("gt-night", "GT", "ngo", services=[service])])
    hours = snapshot_from_document(document, {}, "t").agencies_by_id["gt-night"].services[0].hours
    assert hours.is_open(datetime(2026, 5, 11, 23, 0, tzinfo=GT))  # Monday night
    assert hours.is_open(datetime(2026, 5, 12, 5, 0, tzinfo=GT))  # early Tuesday
    assert not hours.is_open(datetime(2026, 5, 12, 7, 0, tzinfo=GT))


def test_unknown_hours_are_unknown_not_closed() -> None:
    document = make_directory([make_agency("gt-x", "GT", "ngo", services=[make_service("s", "GT", hours=None)])])
    hours = snapshot_from_document(document, {}, "t").agencies_by_id["gt-x"].services[0].hours
    assert hours.is_open(datetime(2026, 5, 12, 10, 0, tzinfo=GT)) is None


def test_unknown_kind_and_schema_are_refused() -> None:
    with pytest.raises(ValueError):
        snapshot_from_document(make_directory([make_agency("x", "GT", "wizard")]), {}, "t")
    with pytest.raises(ValueError):
        snapshot_from_document({"schema": "other/1"}, {}, "t")
