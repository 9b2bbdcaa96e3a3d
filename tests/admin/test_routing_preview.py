"""Routing preview: the CLI and the staff API give the engine's decision without storing a ticket."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.tickets.models import Ticket
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import post_report

INTAKES = [
    {"channel": "sms", "text": "Somos dominicanas, nos tienen encerradas en Puntarenas y no nos pagan"},
    {"channel": "voice", "answers": {"in_danger_now": True}, "location": {"country": "HN"}},
]


def ticket_count(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_cli_preview_prints_one_decision_per_intake_in_order(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "intakes.json"
    source.write_text(json.dumps(INTAKES), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["routing", "preview", str(source)])
    assert result.exit_code == 0, result.output
    decisions = json.loads(result.output)
    assert [d["location"]["country"] for d in decisions] == ["CR", "HN"]
    assert decisions[0]["victim_nationality"] == "DO"
    # The origin country is reached through its consular service; its commission takes no cases.
    assert ("consulate", "DO") in {(r["kind"], r["country"]) for r in decisions[0]["referrals"]}
    assert decisions[1]["risk"]["level"] == "critical"
    assert all(r["reasons"] for d in decisions for r in d["referrals"])
    assert ticket_count(app) == 0


def test_cli_preview_reads_stdin_and_names_a_bad_intake(app: Flask) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["routing", "preview", "-"], input=json.dumps(INTAKES[0]))
    assert ok.exit_code == 0 and json.loads(ok.output)[0]["location"]["country"] == "CR"
    bad = runner.invoke(args=["routing", "preview", "-"], input=json.dumps([INTAKES[0], {"channel": "fax"}]))
    assert bad.exit_code != 0 and "[1].channel" in bad.output


def test_staff_api_preview_for_operators_only(app: Flask, staff_client: FlaskClient) -> None:
    sign_in(staff_client, *make_user(app, countries=("CR",)))
    page = staff_client.get("/tickets").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = staff_client.post("/api/v1/routing/preview", json=INTAKES[1], headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["risk"]["level"] == "critical"
    bad = staff_client.post(
        "/api/v1/routing/preview", json={"channel": "api", "text": "x", "mood": 1}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 400 and bad.get_json()["field"] == "[0].mood"
    assert ticket_count(app) == 0


def test_ticket_page_shows_the_routing_explanation(app: Flask, client: FlaskClient, staff_client: FlaskClient) -> None:
    reference = post_report(client, json=dict(INTAKES[0], channel="api")).get_json()["reference"]
    sign_in(staff_client, *make_user(app, regional=True))
    page = staff_client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert 'id="routing-decision"' in page
    # In the page's language (Spanish): the policy's sentence for the origin country's consular service.
    assert "el servicio consular de su cancillería la identifica" in page
    assert "risk-rules/" in page
