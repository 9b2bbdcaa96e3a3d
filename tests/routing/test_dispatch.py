"""Dispatch planning: auto only where the policy says, review otherwise, held without consent,
overrides for children and imminent danger, and fear of return blocking the origin country."""

from __future__ import annotations

import copy
from typing import Any

from routing.dispatch import CHILD_GROUND, DANGER_GROUND, plan_dispatch


def decision(
    risk: str = "medium",
    *,
    source: str = "text",
    indicators: tuple[str, ...] = (),
    referrals: tuple[tuple[str, str], ...] = (("response_team", "primary"),),
) -> dict[str, Any]:
    return {
        "location": {"country": "GT", "region": None, "source": source, "ambiguous": False},
        "risk": {"level": risk, "indicators": [{"key": key} for key in indicators]},
        "vulnerability": [],
        "referrals": [{"agency_id": f"{kind}-{role}", "kind": kind, "role": role} for kind, role in referrals],
    }


def plans(made: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(r["dispatch"], r["held_reason"], r["override"]) for r in made["referrals"]]


def test_only_a_confident_critical_report_goes_out_without_review_and_only_to_the_responder() -> None:
    both = (("response_team", "primary"), ("prosecutor", "additional"))
    assert plans(plan_dispatch(decision("critical", referrals=both), {}, "")) == [
        ("auto", None, None),
        ("review", None, None),
    ]
    assert plans(plan_dispatch(decision("critical", source="phone"), {}, "")) == [("review", None, None)]
    assert plans(plan_dispatch(decision("high"), {}, "")) == [("review", None, None)]


def test_the_origin_country_needs_consent_and_a_child_goes_to_its_child_protection() -> None:
    origin = (("response_team", "primary"), ("coordinating_body", "origin_country"))
    adult = plan_dispatch(decision(referrals=origin), {}, "")
    assert plans(adult)[1] == ("held", "consent_not_given", None)
    assert plans(plan_dispatch(decision(referrals=origin), {"share_origin": False}, ""))[1][1] == "consent_refused"
    agreed = plan_dispatch(decision(referrals=origin), {"share_origin": True}, "")
    assert plans(agreed)[1] == ("review", None, None)
    child = plan_dispatch(decision(referrals=origin, indicators=("minor_involved",)), {}, "")
    assert plans(child)[1] == ("review", None, CHILD_GROUND)
    assert child["referrals"][1]["swap_kind"] == "child_protection"


def test_fear_of_return_blocks_the_origin_country_even_with_consent_in_any_language() -> None:
    origin = (("coordinating_body", "origin_country"),)
    for words in ("No quiero volver, tengo miedo", "I want asylum", "mwen pa vle retounen", "Não quero voltar"):
        made = plan_dispatch(copy.deepcopy(decision(referrals=origin)), {"share_origin": True}, words)
        assert plans(made) == [("held", "fear_of_return", None)], words
        assert made["dispatch"]["fear_of_return"]


def test_refused_authorities_hold_all_but_the_minimum_with_their_legal_ground() -> None:
    three = (("response_team", "primary"), ("child_protection", "additional"), ("prosecutor", "additional"))
    made = plan_dispatch(
        decision("critical", indicators=("minor_involved", "in_danger_now"), referrals=three),
        {"share_authorities": False},
        "",
    )
    assert plans(made) == [
        ("auto", None, DANGER_GROUND),
        ("review", None, CHILD_GROUND),
        ("held", "consent_refused", None),
    ]
