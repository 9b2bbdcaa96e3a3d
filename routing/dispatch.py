"""Dispatch: which of the engine's referrals go out at once, which wait for an operator, and which are
held because the person did not agree to them. Pure: policy as data, reasons as message keys.

`plan_dispatch` reads a routing decision (the JSON of `routing.engine.decision_to_json`), what the
person consented to and their words, and marks each referral with
  "dispatch": "auto" | "review" | "held",
  "needs_consent": the consent key that decides it, where one does,
  "held_reason": why it is held (a key: "consent_refused", "consent_not_given", "fear_of_return"),
  "override": the legal ground when a child or imminent danger lets it go without consent,
  "swap_kind": where an override sends it to another kind of agency of the same country.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from routing.text import normalise

POLICY_FILE = Path(__file__).resolve().parent / "dispatch_policy.json"
CONSENT_KEYS = ("contact_back", "share_authorities", "share_origin", "share_identity")
CHILD_GROUND = "best_interests_of_the_child"
DANGER_GROUND = "imminent_danger_to_life"


@dataclass(frozen=True)
class DispatchPolicy:
    version: str
    review_minutes: Mapping[str, int]
    auto: tuple[Mapping[str, Any], ...]
    immediate_responder_kinds: frozenset[str]
    child_protection_kinds: frozenset[str]
    fear_of_return: tuple[str, ...]


@cache
def dispatch_policy(path: Path = POLICY_FILE) -> DispatchPolicy:
    document = json.loads(path.read_text(encoding="utf-8"))
    phrases = tuple(normalise(p) for words in document["fear_of_return"].values() for p in words)
    return DispatchPolicy(
        version=document["version"],
        review_minutes=dict(document["review_minutes"]),
        auto=tuple(document["auto"]),
        immediate_responder_kinds=frozenset(document["immediate_responder_kinds"]),
        child_protection_kinds=frozenset(document["child_protection_kinds"]),
        fear_of_return=phrases,
    )


def fears_return(text: str, consent: Mapping[str, Any], policy: DispatchPolicy) -> bool:
    """A stated fear of return or a request for asylum, in the words or ticked on a form."""
    if consent.get("fear_of_return") is True:
        return True
    words = f" {normalise(text)} "
    return any(f" {phrase} " in words for phrase in policy.fear_of_return)


def location_confident(decision: Mapping[str, Any]) -> bool:
    location = decision["location"]
    confidence = location.get("confidence")
    if confidence is not None:
        return bool(location["country"]) and float(confidence) >= 0.8
    return bool(location["country"]) and location["source"] in ("stated", "text") and not location["ambiguous"]


def plan_dispatch(
    decision: dict[str, Any], consent: Mapping[str, Any], text: str, policy: DispatchPolicy | None = None
) -> dict[str, Any]:
    """Mark each referral of the decision with how it is dispatched; returns the same decision."""
    policy = policy or dispatch_policy()
    for referral in decision["referrals"]:
        referral.update(plan_referral(decision, referral["kind"], referral["role"], consent, text, policy))
    present = {(r["kind"], r.get("country")) for r in decision["referrals"]}
    for referral in decision["referrals"]:
        if referral.get("swap_kind") and (referral["swap_kind"], referral.get("country")) in present:
            # The child's country's child protection is already referred (the child pathway's own
            # step); the consular referral waits for the consent it was not given.
            referral.update(dispatch="held", held_reason="consent_not_given", override=None, swap_kind=None)
    risk = decision["risk"]["level"]
    decision["dispatch"] = {
        "policy_version": policy.version,
        "review_minutes": policy.review_minutes.get(risk),
        "fear_of_return": fears_return(text, consent, policy),
    }
    return decision


def plan_referral(
    decision: Mapping[str, Any],
    kind: str,
    role: str,
    consent: Mapping[str, Any],
    text: str,
    policy: DispatchPolicy | None = None,
) -> dict[str, Any]:
    """How one referral of this kind and role would be dispatched for this decision."""
    policy = policy or dispatch_policy()
    risk = decision["risk"]["level"]
    indicators = {indicator["key"] for indicator in decision["risk"]["indicators"]}
    return _plan_one(
        {"kind": kind, "role": role},
        risk,
        consent,
        policy,
        minor="minor" in decision.get("vulnerability", ()) or "minor_involved" in indicators,
        in_danger=risk == "critical" or "in_danger_now" in indicators,
        fear=fears_return(text, consent, policy),
        confident=location_confident(decision),
    )


def _plan_one(
    referral: Mapping[str, Any],
    risk: str,
    consent: Mapping[str, Any],
    policy: DispatchPolicy,
    *,
    minor: bool,
    in_danger: bool,
    fear: bool,
    confident: bool,
) -> dict[str, Any]:
    kind, role = referral["kind"], referral["role"]
    plan: dict[str, Any] = {"needs_consent": None, "held_reason": None, "override": None, "swap_kind": None}
    if role == "origin_country":
        plan["needs_consent"] = "share_origin"
        if fear:
            return {**plan, "dispatch": "held", "held_reason": "fear_of_return"}
        if consent.get("share_origin") is not True:
            if minor:
                # The child's own country's child protection, on the child's best interests.
                swap = None if kind in policy.child_protection_kinds else "child_protection"
                return {**plan, "dispatch": "review", "override": CHILD_GROUND, "swap_kind": swap}
            reason = "consent_refused" if consent.get("share_origin") is False else "consent_not_given"
            return {**plan, "dispatch": "held", "held_reason": reason}
    elif consent.get("share_authorities") is False:
        plan["needs_consent"] = "share_authorities"
        if minor and kind in policy.child_protection_kinds:
            plan["override"] = CHILD_GROUND
        elif in_danger and kind in policy.immediate_responder_kinds:
            plan["override"] = DANGER_GROUND
        else:
            return {**plan, "dispatch": "held", "held_reason": "consent_refused"}
    auto = any(
        risk in rule.get("risk_levels", ())
        and (confident or not rule.get("location_confident"))
        and role in rule.get("roles", ())
        and kind in rule.get("kinds", ())
        for rule in policy.auto
    )
    return {**plan, "dispatch": "auto" if auto else "review"}
