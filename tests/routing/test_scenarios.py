"""The scenario table: every case in tests/routing/cases/*.json routed against the directory snapshot.

Each case states only what must hold whatever the directory's agency ids are: language, location,
risk level, case type, victim nationality and the set of (kind, country, role) of the referrals.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from routing.engine import decision_to_json, route
from routing.intake import Intake, Location
from routing.snapshot import Snapshot

CASES_DIR = Path(__file__).with_name("cases")
DEFAULT_NOW = "2026-05-12T15:00:00+00:00"  # a Tuesday, 09:00 in Central America


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            cases.append((f"{path.stem}: {case['name']}", case))
    return cases


CASES = load_cases()


def make_intake(data: dict[str, Any]) -> Intake:
    return Intake(
        channel=data["channel"],
        text=data.get("text", ""),
        language=data.get("language"),
        caller_country=data.get("caller_country"),
        location=Location(**data.get("location", {})),
        answers=MappingProxyType(dict(data.get("answers", {}))),
        reporter_role=data.get("reporter_role"),
    )


def test_the_table_is_large_enough_and_names_are_unique() -> None:
    names = [name for name, _ in CASES]
    assert len(names) >= 80
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_scenario(name: str, case: dict[str, Any], directory_snapshot: Snapshot) -> None:
    decision = decision_to_json(
        route(make_intake(case["intake"]), directory_snapshot, datetime.fromisoformat(case.get("now", DEFAULT_NOW)))
    )
    expect = case["expect"]
    code, source = expect["language"].split()
    country, region, location_source = (None if part == "-" else part for part in expect["location"].split())
    actual = {
        "language": (decision["language"]["code"], decision["language"]["source"]),
        "location": (decision["location"]["country"], decision["location"]["region"], decision["location"]["source"]),
        "ambiguous": decision["location"]["ambiguous"],
        "risk": decision["risk"]["level"],
        "case_type": decision["case_type"],
        "nationality": decision["victim_nationality"],
        "referrals": sorted(f"{r['kind']} {r['country'] or '-'} {r['role']}" for r in decision["referrals"]),
    }
    wanted = {
        "language": (code, source),
        "location": (country, region, location_source),
        "ambiguous": expect.get("ambiguous", False),
        "risk": expect["risk"],
        "case_type": expect["case_type"],
        "nationality": expect["nationality"],
        "referrals": sorted(expect["referrals"]),
    }
    assert actual == wanted
    assert decision["referrals"], "every decision refers to someone"


def test_no_policy_body_or_name_only_record_is_ever_sent_a_case(directory_snapshot: Snapshot) -> None:
    """Commissions and task forces are informed, never sent a case; name-only records wait for verification.

    The regional focal point's triage (role "regional") is the one rung a policy body may hold.
    """
    sent = 0
    for _, case in CASES:
        decision = route(
            make_intake(case["intake"]), directory_snapshot, datetime.fromisoformat(case.get("now", DEFAULT_NOW))
        )
        for referral in decision.referrals:
            if referral.role == "regional":
                continue
            agency = directory_snapshot.agencies_by_id[referral.agency_id]
            assert agency.routable, (case["name"], referral.agency_id)
            sent += 1
    assert sent > 80
    unroutable = [a.id for a in directory_snapshot.agencies if not a.routable]
    assert {"gt-cit", "mx-cit", "us-task-force"} <= set(unroutable)


def test_a_kidnapping_of_migrants_reaches_police_beside_the_immediate_responder(
    directory_snapshot: Snapshot,
) -> None:
    """Issue 16: migrants kidnapped (by their smugglers or anyone) are no longer left to migration alone.

    Wherever the directory lists a routable police force in the incident country, a kidnapping
    reported there is referred to it, and the critical risk alerts the immediate responder too.
    """
    reached = 0
    for _, case in CASES:
        decision = route(
            make_intake(case["intake"]), directory_snapshot, datetime.fromisoformat(case.get("now", DEFAULT_NOW))
        )
        country = decision.location.country
        if "kidnapping" not in decision.risk.keys or country is None:
            continue
        if not any(a.routable for a in directory_snapshot.agencies_of(country, "police")):
            continue
        kinds = {r.kind for r in decision.referrals if r.country == country}
        assert "police" in kinds, case["name"]
        assert kinds & {"response_team", "police", "emergency"}, case["name"]
        assert decision.risk.level == "critical", case["name"]
        reached += 1
    assert reached >= 6
