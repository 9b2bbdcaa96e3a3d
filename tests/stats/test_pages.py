"""The statistics pages and exports: who may see what, suppression everywhere below admin and in every
export, "n/a" apart from 0, and charts drawn on the server as SVG beside their tables."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.stats.fixture import NO_AGENCY_COUNTRY, World, build
from tests.stats.test_indicators import justice_track

PERIOD = "from=2025-01-01&to=2026-01-01"
ROW = re.compile(r"<tr><th scope=\"row\">([^<]*)</th>(.*?)</tr>", re.S)
CELL = re.compile(r"<td class=\"num\">([^<]*)</td>")


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    """The rows of one table on a page: row label -> cells as shown (HTML-unescaped for "<3")."""
    match = re.search(rf'<table class="stats-table" id="table-{key}">(.*?)</table>', page, re.S)
    assert match, f"no table {key}"
    rows = {}
    for label, cells in ROW.findall(match.group(1)):
        rows[label.replace("&amp;", "&")] = [cell.replace("&lt;", "<") for cell in CELL.findall(cells)]
    return rows


def signed_in(app: Flask, client: FlaskClient, **user: object) -> FlaskClient:
    sign_in(client, *make_user(app, **user))  # type: ignore[arg-type]
    return client


def test_operator_may_not_see_statistics(app: Flask, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="operator", regional=True)
    for url in ("/stats/", "/stats/export.csv", "/stats/export.json", "/stats/report/GT/2025"):
        assert staff_client.get(url).status_code == 403, url


def test_signed_out_reader_is_sent_to_login(staff_client: FlaskClient) -> None:
    assert staff_client.get("/stats/").status_code == 302


def test_supervisor_sees_small_counts_suppressed_and_every_chart_as_svg(
    app: Flask, world: World, staff_client: FlaskClient
) -> None:
    signed_in(app, staff_client, role="supervisor", regional=True)
    response = staff_client.get(f"/stats/?{PERIOD}&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    funnel = table_rows(page, "funnel")
    assert funnel["Received"] == ["8"] and funnel["Referred"] == ["6"] and funnel["Acknowledged"] == ["3"]
    assert funnel["Accepted"] == ["<3"] and funnel["Closed with an outcome"] == ["<3"]
    sex = table_rows(page, "sex")
    assert sex["Female"] == ["<3", "<3"] and sex["Other"] == ["0", "0"]
    assert table_rows(page, "identified_by_country")["Jamaica"] == ["n/a", "0"]
    # Charts: inline SVG drawn here, a tile map included; no script, no tiles fetched from anywhere.
    assert page.count("<svg") >= 9
    assert 'font-weight="600"' in page and ">GT</text>" in page
    assert "<script" not in page.split("<main>")[1] and "http" not in "".join(
        re.findall(r"<svg.*?</svg>", page, re.S)
    ).replace("http://www.w3.org/2000/svg", "")


def test_admin_sees_exact_counts_on_the_page(app: Flask, world: World, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="admin", regional=True)
    page = staff_client.get(f"/stats/?{PERIOD}&lang=en").get_data(as_text=True)
    funnel = table_rows(page, "funnel")
    assert funnel["Accepted"] == ["2"] and funnel["Closed with an outcome"] == ["1"]
    ack = table_rows(page, "ack_times")
    (row,) = [cells for label, cells in ack.items() if cells[0] == "4"]
    assert row == ["4", "3", "90.0", "258.0", "2", "1"]


def _assert_no_small_count(values: list[object]) -> None:
    assert all(value not in (1, 2, "1", "2") for value in values), values


def test_csv_export_is_suppressed_even_for_admins(app: Flask, world: World, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="admin", regional=True)
    response = staff_client.get(f"/stats/export.csv?{PERIOD}&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    _assert_no_small_count([row["value"] for row in rows])
    cells = {(row["table"], row["row"], row["column"]): row["value"] for row in rows}
    assert cells[("funnel", "Received", "Tickets")] == "8"
    assert cells[("funnel", "Closed with an outcome", "Tickets")] == "<3"
    assert cells[("identified_by_country", "Jamaica", "Victims identified")] == "n/a"
    assert cells[("identified_by_country", "Honduras", "Victims identified")] == "0"
    assert cells[("sex", "Female", "People reported")] == "<3"


def test_json_export_is_suppressed_even_for_admins(app: Flask, world: World, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="admin", regional=True)
    body = staff_client.get(f"/stats/export.json?{PERIOD}&lang=en").get_json()
    assert body["suppression"] == {"small_counts": "<3", "withheld": "x", "not_available": "n/a"}
    tables = {table["key"]: table for table in body["tables"]}
    _assert_no_small_count([value for table in tables.values() for row in table["rows"] for value in row[1:]])
    funnel = dict(tables["funnel"]["rows"])
    assert funnel["Received"] == 8 and funnel["Accepted"] == "<3"
    # Durations from fewer than 3 acknowledgements would describe single cases.
    # Agency A's 4 referrals are withheld: with the total known, they would give B's "<3" away.
    ack_rows = [row for row in tables["ack_times"]["rows"] if row[2] == 3]
    assert ack_rows[0][1:] == ["x", 3, 90.0, 258.0, "<3", "<3"]
    assert dict((row[0], row[1]) for row in tables["identified_by_country"]["rows"])["Jamaica"] == "n/a"


def test_country_report_is_printable_and_suppressed_even_for_admins(
    app: Flask, world: World, staff_client: FlaskClient
) -> None:
    signed_in(app, staff_client, role="admin", regional=True)
    response = staff_client.get("/stats/report/GT/2025?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/stats/stats.css" in page and "@media print" in staff_client.get("/stats/stats.css").get_data(as_text=True)
    headline = table_rows(page, "headline")
    assert headline["Reports received by the hotline"] == ["6"]
    assert headline["Victims identified"] == ["3"]
    assert headline["Identified in their country of nationality"] == ["<3"]
    assert headline["Identified, nationality not known"] == ["0"]
    assert table_rows(page, "repatriation")["Cases where voluntary return began"] == ["<3"]
    assert table_rows(page, "assistance")["Cases that reached protection"] == ["0"]
    # The new indicators, for Guatemala in 2025: its SDG 16.2.2 rate, the flow, the justice track.
    assert table_rows(page, "sdg_country")["Guatemala"][:3] == ["18406359", "2024", "3"]
    assert table_rows(page, "flow")["From elsewhere in the region"] == ["<3", "<3"]
    assert table_rows(page, "justice")["Convictions"] == ["0"]
    all_cells = [
        cell
        for key in ("headline", "assistance", "repatriation", "funnel", "sex", "age_band", "sdg_country", "flow")
        for cells in table_rows(page, key).values()
        for cell in cells
    ]
    _assert_no_small_count(all_cells)


def test_country_report_without_a_source_shows_not_available(
    app: Flask, world: World, staff_client: FlaskClient
) -> None:
    signed_in(app, staff_client, role="supervisor", regional=True)
    page = staff_client.get(f"/stats/report/{NO_AGENCY_COUNTRY}/2025?lang=en").get_data(as_text=True)
    headline = table_rows(page, "headline")
    assert headline["Reports received by the hotline"] == ["0"]
    assert headline["Victims identified"] == ["n/a"]
    assert table_rows(page, "assistance")["Cases that reached assistance"] == ["n/a"]
    assert staff_client.get("/stats/report/ZZ/2025").status_code == 404


def test_supervisor_sees_only_the_countries_they_cover(app: Flask, world: World, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="supervisor", countries=("HN",))
    page = staff_client.get(f"/stats/?{PERIOD}&lang=en").get_data(as_text=True)
    assert table_rows(page, "funnel")["Received"] == ["<3"]
    assert "Guatemala" not in table_rows(page, "incidents_country")
    assert staff_client.get(f"/stats/?{PERIOD}&country=GT").status_code == 403
    assert staff_client.get("/stats/report/GT/2025").status_code == 403
    assert staff_client.get("/stats/report/HN/2025").status_code == 200


def test_agency_user_sees_only_its_own_time_to_acknowledge(app: Flask, world: World, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="agency", agency_id=world.agency_a)
    page = staff_client.get(f"/stats/?{PERIOD}&lang=en&agency={world.agency_b}&country=HN").get_data(as_text=True)
    assert page.count('class="stats-table"') == 1
    (cells,) = table_rows(page, "ack_times").values()
    assert cells == ["4", "3", "90.0", "258.0", "<3", "<3"]
    body = staff_client.get(f"/stats/export.json?{PERIOD}").get_json()
    assert [table["key"] for table in body["tables"]] == ["ack_times"] and len(body["tables"][0]["rows"]) == 1
    assert staff_client.get("/stats/report/GT/2025").status_code == 403


def test_a_bad_period_is_refused(app: Flask, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="supervisor", regional=True)
    assert staff_client.get("/stats/?from=2025-13-01").status_code == 400
    assert staff_client.get("/stats/?from=2025-02-01&to=2025-01-01").status_code == 400


def test_the_page_offers_the_statistics_link_to_supervisors_only(app: Flask, staff_client: FlaskClient) -> None:
    signed_in(app, staff_client, role="supervisor", regional=True)
    assert 'href="/stats/"' in staff_client.get("/stats/").get_data(as_text=True)


def test_justice_steps_appear_in_the_report_with_small_counts_suppressed(
    app: Flask, world: World, staff_client: FlaskClient
) -> None:
    justice_track(app)
    signed_in(app, staff_client, role="admin", regional=True)
    page = staff_client.get("/stats/report/GT/2025?lang=en").get_data(as_text=True)
    justice = table_rows(page, "justice")
    assert justice["Complaints filed"] == ["<3"] and justice["Convictions"] == ["<3"]
    assert justice["Investigations opened"] == ["<3"] and justice["Verdicts"] == ["<3"]
    assert "runs beside assistance" in page
