"""Confidence is the share right of decisions read from the same class of evidence, drawn towards a prior."""

from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from routing.confidence import (
    REVIEW_BELOW,
    Calibration,
    Confidence,
    FieldConfidence,
    compile_calibration,
    default_calibration,
)
from routing.engine import default_rules, route
from routing.intake import Intake
from routing.snapshot import Snapshot

TUESDAY = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)


def test_a_class_seen_often_states_its_share_right() -> None:
    calibration = compile_calibration({"prior_weight": 4, "fields": {"risk": {"a floor to high": [45, 50]}}})
    score, why = calibration.score("risk", "a floor to high", 0.5)
    assert score == pytest.approx((45 + 4 * 0.5) / 54)
    assert why is not None and "45 of 50" in why


def test_a_class_seen_a_few_times_leans_on_its_prior() -> None:
    calibration = compile_calibration({"prior_weight": 4, "fields": {"risk": {"answers": [0, 1]}}})
    assert calibration.score("risk", "answers", 0.9)[0] == pytest.approx(3.6 / 5)


def test_a_class_never_seen_keeps_its_prior() -> None:
    assert Calibration(4.0, {}).score("location", "a stated place", 0.95) == (0.95, None)


def test_a_table_with_more_right_than_seen_is_refused() -> None:
    with pytest.raises(ValueError):
        compile_calibration({"fields": {"risk": {"answers": [6, 5]}}})


def test_the_engine_states_the_calibrated_share_and_says_why(small_snapshot: Snapshot) -> None:
    decision = route(Intake(channel="sms", text="info", caller_country="GT"), small_snapshot, TUESDAY)
    location = decision.confidence.fields["location"]
    assert location.condition == "the phone, a short message"
    expected, why = default_calibration().score("location", location.condition, location.prior or 0.0)
    assert location.score == round(expected, 2)
    assert why is not None and why in location.reasons


def test_a_field_below_the_review_level_is_unsure() -> None:
    confidence = Confidence(
        MappingProxyType(
            {
                "location": FieldConfidence(REVIEW_BELOW - 0.01, ("Only the phone's country places it.",)),
                "risk": FieldConfidence(REVIEW_BELOW, ("A danger floor set the level.",)),
            }
        )
    )
    assert confidence.unsure == ("location",)


def test_a_band_brought_down_because_it_is_over_says_so_in_its_own_class(small_snapshot: Snapshot) -> None:
    # A paraphrase written for this test: documents held and kept from leaving, told from safety.
    text = "No me dejaban salir y el patrón tiene mi pasaporte. Ya me escapé, estoy donde mi tía."
    rules = replace(default_rules(), reader=None)  # the rules' own reading, which the class describes
    decision = route(Intake(channel="web", text=text), small_snapshot, TUESDAY, rules)
    assert decision.risk.level == "medium"
    risk = decision.confidence.fields["risk"]
    assert risk.condition == "brought down to medium"
    assert any("got away or is safe now" in reason for reason in risk.reasons)
