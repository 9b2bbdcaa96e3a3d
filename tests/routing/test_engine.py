from datetime import UTC, datetime
from types import MappingProxyType

from routing.engine import decision_to_json, route
from routing.intake import Intake, Location
from routing.snapshot import snapshot_from_document
from tests.routing.conftest import gazetteer_for
from tests.routing.factories import WEEKDAYS, make_agency, make_directory, make_service

TUESDAY_9AM_GT = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)
TUESDAY_MIDNIGHT_GT = datetime(2026, 5, 12, 6, 0, tzinfo=UTC)
OFFICE = [{"days": WEEKDAYS, "opens": "08:00", "closes": "16:00"}]
FOCAL = make_agency(
    "corett",
    None,
    "regional_body",
    focal_point=True,
    services=[make_service("triage", "SV", languages=["es", "en"], interpretation="yes")],
)


def snapshot(*agencies):
    document = make_directory([FOCAL, *agencies])
    return snapshot_from_document(document, gazetteer_for(["GT", "HN", "PA", "CR", "SV"]), "t")


def roles(decision) -> set[tuple[str, str | None, str]]:
    return {(r.agency_id, r.country, r.role) for r in decision.referrals}


def intake(**fields) -> Intake:
    answers = fields.pop("answers", {})
    return Intake(channel=fields.pop("channel", "voice"), answers=MappingProxyType(answers), **fields)


def test_critical_goes_to_the_response_team_with_the_shortest_deadline(small_snapshot) -> None:
    decision = route(intake(caller_country="GT", answers={"in_danger_now": True}), small_snapshot, TUESDAY_9AM_GT)
    primary = [r for r in decision.referrals if r.role == "primary"]
    assert primary[0].kind == "response_team" and primary[0].ack_due_minutes == 15


def test_without_a_response_team_critical_goes_to_the_police() -> None:
    snap = snapshot(make_agency("gt-police", "GT", "police"), make_agency("gt-coord", "GT", "coordinating_body"))
    decision = route(intake(caller_country="GT", answers={"in_danger_now": True}), snap, TUESDAY_9AM_GT)
    assert ("gt-police", "GT", "primary") in roles(decision)


def test_adult_smuggling_never_reaches_child_protection(small_snapshot) -> None:
    decision = route(
        intake(caller_country="MX", answers={"paid_to_cross_border": True}), small_snapshot, TUESDAY_9AM_GT
    )
    assert {r.kind for r in decision.referrals} == {"migration"}
    assert decision.referrals[0].ack_due_minutes == 1440  # a paid crossing under way is medium risk


def test_closed_office_without_after_hours_referrals_is_rejected_with_reasons() -> None:
    closed = make_agency(
        "gt-response", "GT", "response_team", services=[make_service("s", "GT", hours=OFFICE, after_hours="no")]
    )
    open_police = make_agency("gt-police", "GT", "police")
    decision = route(
        intake(caller_country="GT", answers={"in_danger_now": True}), snapshot(closed, open_police), TUESDAY_MIDNIGHT_GT
    )
    assert ("gt-police", "GT", "primary") in roles(decision)
    rejected = {r.agency_id: r.reasons for r in decision.rejected}
    assert any("takes no referrals after hours" in reason for reason in rejected["gt-response"])


def test_holiday_closes_an_office() -> None:
    office = make_agency(
        "gt-response",
        "GT",
        "response_team",
        services=[make_service("s", "GT", hours=OFFICE, after_hours="no")],
        referral={"holidays": ["2026-05-12"]},
    )
    decision = route(
        intake(caller_country="GT", answers={"forced_labour": True, "threats_or_violence": True}),
        snapshot(office),
        TUESDAY_9AM_GT,
    )
    assert "gt-response" in {r.agency_id for r in decision.rejected}


def test_unknown_hours_are_a_fallback_not_a_rejection() -> None:
    unknown = make_agency(
        "gt-response", "GT", "response_team", services=[make_service("s", "GT", hours=None, after_hours="unknown")]
    )
    decision = route(
        intake(caller_country="GT", answers={"forced_labour": True, "threats_or_violence": True}),
        snapshot(unknown),
        TUESDAY_9AM_GT,
    )
    assert ("gt-response", "GT", "fallback") in roles(decision)


def test_language_needs_speakers_or_interpretation() -> None:
    spanish_only = make_agency(
        "gt-response", "GT", "response_team", services=[make_service("s", "GT", languages=["es"])]
    )
    decision = route(
        intake(caller_country="GT", language="fr", answers={"forced_labour": True, "threats_or_violence": True}),
        snapshot(spanish_only),
        TUESDAY_9AM_GT,
    )
    assert "gt-response" in {r.agency_id for r in decision.rejected}
    # Nothing qualifies, so the regional focal point (which interprets) takes it rather than drop it.
    assert ("corett", None, "regional") in roles(decision)


def test_regional_service_must_cover_the_region() -> None:
    local = make_agency("gt-quetzal", "GT", "response_team", services=[make_service("s", "GT", regions=["GT-09"])])
    national = make_agency("gt-national", "GT", "response_team")
    snap = snapshot(local, national)
    near = route(
        intake(location=Location("GT", "GT-09"), answers={"forced_labour": True, "threats_or_violence": True}),
        snap,
        TUESDAY_9AM_GT,
    )
    far = route(
        intake(location=Location("GT", "GT-05"), answers={"forced_labour": True, "threats_or_violence": True}),
        snap,
        TUESDAY_9AM_GT,
    )
    assert ("gt-quetzal", "GT", "primary") in roles(near)
    assert ("gt-national", "GT", "primary") in roles(far)
    assert "gt-quetzal" in {r.agency_id for r in far.rejected}


def test_agency_ack_override_and_origin_country() -> None:
    pa = make_agency("pa-response", "PA", "response_team", referral={"ack_minutes": {"high": 60}})
    cr = make_agency("cr-coord", "CR", "coordinating_body")
    decision = route(
        intake(
            location=Location("PA"),
            answers={"sexual_exploitation": True, "documents_withheld": True, "victim_nationality": "CR"},
        ),
        snapshot(pa, cr),
        TUESDAY_9AM_GT,
    )
    by_id = {r.agency_id: r for r in decision.referrals}
    assert by_id["pa-response"].ack_due_minutes == 60
    assert by_id["cr-coord"].role == "origin_country"


def test_json_has_exactly_the_documented_shape(small_snapshot) -> None:
    document = decision_to_json(route(intake(channel="sms", text="info"), small_snapshot, TUESDAY_9AM_GT))
    assert set(document) == {
        "language",
        "location",
        "risk",
        "case_type",
        "victim_nationality",
        "vulnerability",
        "referrals",
        "rejected",
        "policy_version",
        "confidence",
        "needs_review",
        "unsure_fields",
    }
    assert set(document["confidence"]) == {"language", "location", "risk", "case_type"}
    assert all(0 <= field["score"] <= 1 and field["reasons"] for field in document["confidence"].values())
    assert document["needs_review"] is bool(document["unsure_fields"])
    assert set(document["referrals"][0]) == {
        "agency_id",
        "name",
        "country",
        "kind",
        "role",
        "ack_due_minutes",
        "reasons",
    }
    assert document["referrals"][0]["role"] == "regional"
