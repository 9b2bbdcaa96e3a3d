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


def test_agency_ack_override_and_origin_country_consulate() -> None:
    pa = make_agency("pa-response", "PA", "response_team", referral={"ack_minutes": {"high": 60}})
    cr = make_agency("cr-coord", "CR", "coordinating_body")
    consulate = make_agency("cr-consular", "CR", "consulate")
    decision = route(
        intake(
            location=Location("PA"),
            answers={"sexual_exploitation": True, "documents_withheld": True, "victim_nationality": "CR"},
        ),
        snapshot(pa, cr, consulate),
        TUESDAY_9AM_GT,
    )
    by_id = {r.agency_id: r for r in decision.referrals}
    assert by_id["pa-response"].ack_due_minutes == 60
    assert by_id["cr-consular"].role == "origin_country"
    assert "cr-coord" not in by_id


def test_policy_bodies_are_passed_over_with_the_reason() -> None:
    commission = make_agency("us-commission", "US", "coordinating_body")
    line = make_agency("us-line", "US", "hotline")
    decision = route(
        intake(location=Location("US"), answers={"forced_labour": True, "documents_withheld": True}),
        snapshot(commission, line),
        TUESDAY_9AM_GT,
    )
    assert [(r.agency_id, r.role) for r in decision.referrals] == [("us-line", "primary")]
    rejected = {r.agency_id: r.reasons for r in decision.rejected}
    assert any("never sent a case" in reason for reason in rejected["us-commission"])


def test_a_body_that_runs_case_intake_is_routed_to() -> None:
    commission = make_agency("gt-commission", "GT", "coordinating_body", referral={"takes_cases": True})
    decision = route(
        intake(location=Location("GT"), answers={"forced_labour": True, "documents_withheld": True}),
        snapshot(commission),
        TUESDAY_9AM_GT,
    )
    assert ("gt-commission", "GT", "primary") in roles(decision)


def test_name_only_records_are_listed_but_not_routed_to() -> None:
    named = make_agency("gt-named", "GT", "prosecutor", services=[])
    named["provenance"] = {"source": None, "note": "not in seeds; name only, no contacts"}
    with_contact = dict(named, id="gt-contacted", referral={"channels": ["portal"]})
    answers = {"forced_labour": True, "documents_withheld": True}
    alone = route(intake(location=Location("GT"), answers=answers), snapshot(named), TUESDAY_9AM_GT)
    assert "gt-named" not in {r.agency_id for r in alone.referrals}
    assert any("listed by name only" in reason for r in alone.rejected for reason in r.reasons)
    contacted = route(intake(location=Location("GT"), answers=answers), snapshot(with_contact), TUESDAY_9AM_GT)
    assert "gt-contacted" in {r.agency_id for r in contacted.referrals}


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
        "second_reading",
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
        "reason_keys",
    }
    # Each reason is also a message key with parameters, beside the same English sentence.
    for referral in document["referrals"]:
        assert [key["text"] for key in referral["reason_keys"]] == referral["reasons"]
        assert all(key["code"] for key in referral["reason_keys"]), referral["reason_keys"]
    assert document["referrals"][0]["role"] == "regional"


def test_a_kidnapping_reaches_police_beside_the_response_team() -> None:
    decision = route(
        intake(
            channel="sms", text="Los polleros tienen secuestrados a unos migrantes en Quetzaltenango y piden dinero"
        ),
        snapshot(make_agency("gt-response", "GT", "response_team"), make_agency("gt-police", "GT", "police")),
        TUESDAY_9AM_GT,
    )
    assert {("gt-response", "GT", "primary"), ("gt-police", "GT", "primary")} <= roles(decision)
    police = next(r for r in decision.referrals if r.agency_id == "gt-police")
    assert any("kidnapped" in reason for reason in police.reasons)


def test_smuggled_migrants_in_need_reach_a_humanitarian_service_that_serves_smuggling() -> None:
    # Shelters are tried before NGOs: the trafficking-only shelter is passed over for the NGO that serves smuggling.
    trafficking_shelter = make_agency(
        "gt-trafficking-shelter",
        "GT",
        "shelter",
        services=[make_service("gt-ts-svc", "GT", case_types=["trafficking"])],
    )
    migrant_ngo = make_agency(
        "gt-migrant-ngo", "GT", "ngo", services=[make_service("gt-ngo-svc", "GT", case_types=["smuggling"])]
    )
    text = "El coyote nos dejó abandonados en Quetzaltenango, mi compañero está herido"
    decision = route(
        intake(channel="sms", text=text),
        snapshot(make_agency("gt-migration", "GT", "migration"), trafficking_shelter, migrant_ngo),
        TUESDAY_9AM_GT,
    )
    assert ("gt-migrant-ngo", "GT", "additional") in roles(decision)
    assert "gt-trafficking-shelter" not in {r.agency_id for r in decision.referrals}
    passed_over = {r.agency_id: r.reasons for r in decision.rejected}
    assert any("handle trafficking, not smuggling" in reason for reason in passed_over["gt-trafficking-shelter"])


def test_smuggled_migrants_who_are_safe_are_not_sent_to_humanitarian_services() -> None:
    shelter = make_agency(
        "gt-migrant-shelter", "GT", "shelter", services=[make_service("gt-shelter-svc", "GT", case_types=["smuggling"])]
    )
    decision = route(
        intake(channel="sms", text="Pagué a un coyote para cruzar a Quetzaltenango y ya estoy bien"),
        snapshot(make_agency("gt-migration", "GT", "migration"), shelter),
        TUESDAY_9AM_GT,
    )
    assert decision.classification.routed_case_type == "smuggling"
    assert "gt-migrant-shelter" not in {r.agency_id for r in decision.referrals}
