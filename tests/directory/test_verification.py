"""Verification: stale and never-verified records, one-click "verified today", the CSV sheet and its re-import."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.base import utcnow
from directory.load import bump_version
from directory.models import Agency, AgencyService, DirectoryChange
from directory.snapshot import current_snapshot
from directory.verification import CURRENT, STALE, UNVERIFIED, verification_sheet, verification_status
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import csrf_token, post_form

PAGE = "/directory/verification"


def set_verified(app: Flask, agency_id: str, days_ago: int, by: str = "staff:99") -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, agency_id)
        assert agency is not None
        agency.last_verified_at = utcnow() - timedelta(days=days_ago)
        agency.last_verified_by = by


def changes(app: Flask, record_prefix: str) -> list[DirectoryChange]:
    with app.app_context(), app.extensions["database"].session() as session:
        found = session.scalars(
            select(DirectoryChange).where(DirectoryChange.record.startswith(record_prefix)).order_by(DirectoryChange.id)
        ).all()
        session.expunge_all()
        return list(found)


def sheet_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write_sheet(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def test_a_record_is_unverified_then_current_then_stale_after_a_year(app: Flask) -> None:
    now = utcnow()
    agency = Agency(id="x", name="x", kind="police")
    assert verification_status(agency, now) == UNVERIFIED
    agency.last_verified_at = now - timedelta(days=364)
    assert verification_status(agency, now) == CURRENT
    agency.last_verified_at = now - timedelta(days=366)
    assert verification_status(agency, now) == STALE


def test_stale_command_lists_unverified_and_stale_records_country_by_country(app: Flask) -> None:
    set_verified(app, "gt-pnc", days_ago=400)
    set_verified(app, "gt-eri", days_ago=10)
    result = app.test_cli_runner().invoke(args=["directory", "stale"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    gt = lines.index(next(line for line in lines if line.startswith("GT (")))
    block = lines[gt + 1 : next(i for i in range(gt + 1, len(lines)) if not lines[i].startswith("  "))]
    listed = {line.split()[0]: line.split()[1] for line in block}
    assert listed["gt-pnc"] == "stale" and listed["gt-igm"] == "unverified"
    assert "gt-eri" not in listed
    assert "since" in next(line for line in block if line.split()[0] == "gt-pnc")
    assert lines[-1].endswith("records to verify")
    headings = [line.split()[0] for line in lines if line and not line.startswith(" ") and "(" in line]
    assert headings[-1] == "regional" and headings[:-1] == sorted(headings[:-1])


def test_verified_today_is_one_click_recorded_with_who_and_makes_a_name_only_record_routable(
    app: Flask, staff_app: Flask, staff_client: FlaskClient
) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        # As in region.json: listed by name only (the demo fixture gives it referral channels).
        agency = session.get(Agency, "gt-igm")
        assert agency is not None and not agency.provenance.get("source")
        agency.referral_channels, agency.contacts = [], []
        bump_version(session)
    with app.app_context(), app.extensions["database"].session() as session:
        assert not current_snapshot(session).agencies_by_id["gt-igm"].routable
    user = make_user(app, role="supervisor")
    sign_in(staff_client, *user)
    page = staff_client.get(PAGE).get_data(as_text=True)
    assert 'id="verify-gt-igm"' in page and 'id="country-GT"' in page
    clicked = post_form(staff_client, PAGE, {}, action=f"{PAGE}/gt-igm")
    assert clicked.status_code == 302
    assert 'id="verify-gt-igm"' not in staff_client.get(PAGE).get_data(as_text=True)
    [change] = changes(app, "verification gt-igm")
    assert change.before == {"last_verified_at": None, "last_verified_by": None}
    assert change.after["last_verified_by"] == change.actor and change.actor.startswith("staff:")
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-igm")
        assert agency is not None and agency.last_verified_by == change.actor
        assert current_snapshot(session).agencies_by_id["gt-igm"].routable


def test_operators_cannot_verify(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="operator", regional=True))
    assert staff_client.get(PAGE).status_code == 403
    assert staff_client.get(f"{PAGE}/sheet.csv").status_code == 403


def test_the_sheet_round_trips_unchanged_and_applies_only_the_changed_fields(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["directory", "sheet", "-"])
    assert exported.exit_code == 0, exported.output
    rows = sheet_rows(exported.stdout)
    assert {"gt-pnc", "gt-pnc/gt-pnc-110"} <= {row["record"] for row in rows}
    untouched = tmp_path / "untouched.csv"
    untouched.write_text(exported.stdout, encoding="utf-8")
    same = runner.invoke(args=["directory", "apply-sheet", str(untouched)])
    assert same.exit_code == 0 and "0 records changed, 0 verified" in same.output
    assert changes(app, "agency ") == [] and changes(app, "service ") == []

    for row in rows:
        if row["record"] == "gt-pnc":
            row["acronym"] = "PNC"
            row["verified"] = "yes"
        if row["record"] == "gt-pnc/gt-pnc-110":
            row["hours"] = "24/7"
            row["kind"] = "shelter"  # read-only on the sheet: ignored
    edited = tmp_path / "edited.csv"
    edited.write_text(write_sheet(rows), encoding="utf-8")
    applied = runner.invoke(args=["directory", "apply-sheet", "--by", "partner:gt-ministry", str(edited)])
    assert applied.exit_code == 0, applied.output
    assert "2 records changed, 1 verified" in applied.output
    [agency_change] = changes(app, "agency gt-pnc")
    assert agency_change.after == {"acronym": "PNC"} and agency_change.actor == "partner:gt-ministry"
    [service_change] = changes(app, "service gt-pnc-110")
    assert service_change.before == {"hours": None} and service_change.after == {"hours": "24/7"}
    assert [c.agency_id for c in changes(app, "verification ")] == ["gt-pnc"]
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-pnc")
        assert agency is not None and agency.kind == "police" and agency.last_verified_by == "partner:gt-ministry"
        assert "gt-pnc,GT,police" in verification_sheet(session, utcnow()).replace('"', "")


def test_a_sheet_with_a_bad_row_changes_nothing_and_names_the_row(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    rows = sheet_rows(runner.invoke(args=["directory", "sheet", "-"]).stdout)
    for row in rows:
        if row["record"] == "gt-pnc":
            row["acronym"] = "PNC"
            row["verified"] = "yes"
        if row["record"] == "gt-pnc/gt-pnc-110":
            row["hours"] = "every day at noon"
    bad = tmp_path / "bad.csv"
    bad.write_text(write_sheet(rows), encoding="utf-8")
    result = runner.invoke(args=["directory", "apply-sheet", str(bad)])
    assert result.exit_code != 0
    assert "nothing applied" in result.output and "gt-pnc/gt-pnc-110" in result.output and "hours" in result.output
    assert changes(app, "agency ") == [] and changes(app, "verification ") == []
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-pnc")
        service = session.get(AgencyService, "gt-pnc-110")
        assert agency is not None and agency.acronym != "PNC" and agency.last_verified_at is None
        assert service is not None and service.hours is None


def test_coordinator_downloads_and_uploads_the_sheet_on_the_page(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, role="admin"))
    download = staff_client.get(f"{PAGE}/sheet.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = sheet_rows(download.get_data(as_text=True))
    for row in rows:
        if row["record"] == "mx-pf":
            row["verified"] = "sí"
    token = csrf_token(staff_client, PAGE)
    upload = staff_client.post(
        f"{PAGE}/sheet",
        data={"csrf_token": token, "sheet": (io.BytesIO(write_sheet(rows).encode()), "sheet.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    # The staff surface speaks Spanish unless asked otherwise.
    assert "Hoja aplicada: 0 registros cambiados, 1 verificados." in staff_client.get(PAGE).get_data(as_text=True)
    assert [c.agency_id for c in changes(app, "verification ")] == ["mx-pf"]
    empty = staff_client.post(f"{PAGE}/sheet", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 400 and 'id="form-error"' in empty.get_data(as_text=True)
    garbled = staff_client.post(
        f"{PAGE}/sheet",
        data={"csrf_token": token, "sheet": (io.BytesIO(b"record,verified\r\nno-such-agency,yes\r\n"), "s.csv")},
        content_type="multipart/form-data",
    )
    assert garbled.status_code == 400 and "no-such-agency" in garbled.get_data(as_text=True)


def test_a_sheet_that_is_not_csv_text_is_refused_whole(app: Flask, tmp_path: Path) -> None:
    binary = tmp_path / "sheet.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    result = app.test_cli_runner().invoke(args=["directory", "apply-sheet", str(binary)])
    assert result.exit_code != 0 and "nothing applied" in result.output
    nameless = app.test_cli_runner().invoke(args=["directory", "apply-sheet", "--by", "", str(binary)])
    assert nameless.exit_code != 0 and "--by" in nameless.output
    assert changes(app, "verification ") == []
