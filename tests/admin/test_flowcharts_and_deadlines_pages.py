"""Supervisors see breaches; flowcharts are checked from the command line and drawn with a referral's path."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.referrals.escalation import sweep
from hotline.referrals.models import Referral
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import post_report

ROOT = Path(__file__).resolve().parents[2]
CRITICAL = {
    "channel": "api",
    "text": "Me tienen encerrada",
    "location": {"country": "SV"},
    "answers": {"in_danger_now": True},
}


def test_supervisor_sees_a_breach_and_an_operator_may_not(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = post_report(client, json=CRITICAL).get_json()["reference"]
    with app.app_context(), app.extensions["database"].session() as session:
        due = max(r.deadline_at for r in session.scalars(select(Referral)))
        sweep(session, due)  # type: ignore[arg-type]
    sign_in(staff_client, *make_user(app, role="operator", countries=("SV",)))
    assert staff_client.get("/deadlines").status_code == 403
    staff_client.post("/logout")
    sign_in(staff_client, *make_user(app, role="supervisor", countries=("SV",)))
    page = staff_client.get("/deadlines?lang=en").get_data(as_text=True)
    breached = page[page.index('id="breached"') : page.index('id="about-to-breach"')]
    assert reference in breached and "Escalated" in breached


SVG = "{http://www.w3.org/2000/svg}"


def test_flow_picture_highlights_the_referrals_state(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    post_report(client, json=CRITICAL)
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.scalars(select(Referral)).first()
        assert referral is not None
        referral_id, flow_id, status = referral.id, referral.flow_id, referral.status
    sign_in(staff_client, *make_user(app, regional=True))
    response = staff_client.get(f"/flows/{flow_id}.svg?referral={referral_id}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.get_data())
    assert svg.tag.endswith("svg")
    assert "current" in response.get_data(as_text=True)
    # The Graphviz drawing `make diagrams` committed, its node ids classed for this referral.
    classes = {group.get("id"): (group.get("class") or "").split() for group in svg.iter(f"{SVG}g")}
    assert "visited" in classes["node-received"]
    assert [node for node, names in classes.items() if "current" in names] == [f"node-{status}"]
    assert staff_client.get("/flows/unknown.svg").status_code == 404
    assert staff_client.get(f"/flows/{flow_id}").status_code == 200


def test_flows_check_names_the_node_of_a_broken_flow(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = runner.invoke(args=["flows", "check", str(ROOT / "routing/flows/referral_national.json")])
    assert good.exit_code == 0, good.output
    broken = json.loads((ROOT / "routing/flows/referral_national.json").read_text())
    referred = next(node for node in broken["nodes"] if node["id"] == "referred")
    referred["transitions"][0]["to"] = "nowhere"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(args=["flows", "check", str(path)])
    assert result.exit_code != 0
    assert "referred" in result.output and "nowhere" in result.output


def test_sla_sweep_command_reports_what_it_did(app: Flask, client: FlaskClient) -> None:
    post_report(client, json=CRITICAL)
    result = app.test_cli_runner().invoke(args=["sla-sweep"])
    assert result.exit_code == 0 and "0 referral(s) past a deadline" in result.output
