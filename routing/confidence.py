"""How sure the engine is of each field of a decision, with the reasons, and which fields a person should check.

Each field is read as one class of evidence (its `condition`: "the phone alone places it", "a danger
floor set the level", "the case type rests on signs, not on the Palermo test"), and its score is the
share of decisions read from that class that were right on the development reports
(rules/calibration.json, written by `python -m bench.calibrate`), drawn towards a hand-set prior when
the class was seen only a few times. So a stated 0.7 means "about 7 in 10 of these were right". A
field below REVIEW_BELOW is "unsure", and a decision with any unsure field needs review.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from routing.classify import EXPLOITATION_PURPOSE, MEANS, Classification
from routing.intake import Intake
from routing.language import LanguageResult
from routing.learned import SecondReading
from routing.location import LocationResult
from routing.risk import ANSWER_EVIDENCE, RiskAssessment, RiskRules

CALIBRATION_PATH = Path(__file__).with_name("rules") / "calibration.json"
REVIEW_BELOW = 0.75
# Classes of evidence a person confirms whatever their record: their calibrated score is held under
# REVIEW_BELOW, so the decision needs review.
LOWERED_FLOOR = "the reader lowered a danger floor"
PERSON_CONFIRMS = frozenset({LOWERED_FLOOR})
# A report this long that shows no indicator at all may hold one the grammar does not know.
LONG_REPORT_WORDS = 14
SHORT_DETECTION_WORDS = 6
# A detector probability at least this high is a clear read, not a close call between two languages.
CLEAR_DETECTION = 0.99
# How risk.py ends a note on words it did not count: negated, a danger over, held then, in the past.
TAKEN_BACK_ENDINGS = ("is negated.", "seems to be over.", "got away.", "was in the past.")
# Within this many points of a band's threshold, a level set by the score alone is a close call.
BAND_EDGE = 5


@dataclass(frozen=True)
class FieldConfidence:
    score: float
    reasons: tuple[str, ...]
    condition: str = ""  # the class of evidence the field was read from (the calibration key)
    prior: float | None = None  # the hand-set score before calibration


@dataclass(frozen=True)
class Confidence:
    fields: Mapping[str, FieldConfidence]

    @property
    def unsure(self) -> tuple[str, ...]:
        return tuple(name for name, field in self.fields.items() if field.score < REVIEW_BELOW)


@dataclass(frozen=True)
class Calibration:
    """How often each class of evidence was right on the development reports: field -> condition -> (right, total)."""

    prior_weight: float
    counts: Mapping[str, Mapping[str, tuple[int, int]]]

    def score(self, field: str, condition: str, prior: float) -> tuple[float, str | None]:
        right, total = self.counts.get(field, {}).get(condition, (0, 0))
        if not total:
            return prior, None
        score = (right + self.prior_weight * prior) / (total + self.prior_weight)
        return score, f"Read from {condition}: right {right} of {total} times on the development reports."


def compile_calibration(document: Mapping[str, object]) -> Calibration:
    fields = document.get("fields", {})
    if not isinstance(fields, Mapping):
        raise ValueError("calibration 'fields' must map a field to its conditions")
    counts: dict[str, Mapping[str, tuple[int, int]]] = {}
    for name, conditions in fields.items():
        table = {condition: (int(pair[0]), int(pair[1])) for condition, pair in conditions.items()}
        if any(not 0 <= right <= total for right, total in table.values()):
            raise ValueError(f"calibration of {name!r} has a count of right decisions outside 0..total")
        counts[name] = MappingProxyType(table)
    weight = document.get("prior_weight", 4)
    return Calibration(float(weight) if isinstance(weight, int | float) else 4.0, MappingProxyType(counts))


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    if not CALIBRATION_PATH.exists():
        return Calibration(0.0, MappingProxyType({}))
    with CALIBRATION_PATH.open(encoding="utf-8") as handle:
        return compile_calibration(json.load(handle))


def assess_confidence(
    words: tuple[str, ...],
    intake: Intake,
    language: LanguageResult,
    location: LocationResult,
    risk: RiskAssessment,
    classification: Classification,
    risk_rules: RiskRules,
    calibration: Calibration | None = None,
    second: Sequence[SecondReading] = (),
) -> Confidence:
    calibration = calibration if calibration is not None else default_calibration()
    fields = {
        "language": _language(words, language),
        "location": _location(words, location, intake.caller_country),
        "risk": _risk(words, risk, risk_rules),
        "case_type": _case_type(words, classification, risk, risk_rules),
    }
    for answer in second:
        name = "location" if answer.question == "place" else answer.question
        fields[name] = _with_reader(fields[name], answer)
    return Confidence(MappingProxyType({name: _calibrated(name, field, calibration) for name, field in fields.items()}))


# The place question's answers in the English reasons of the decision JSON.
PLACE_WORDS = {"incident": "the place named as where it happens", "not": "the place named as not where it happens"}


def _with_reader(field: FieldConfidence, answer: SecondReading) -> FieldConfidence:
    """Two readers that agree leave the rules' evidence as it was; one that overruled or differs is its own class."""
    if answer.agrees:
        return field
    read, rules_read = answer.answer, answer.rules_answer
    if answer.question == "place":
        read, rules_read = PLACE_WORDS[read], PLACE_WORDS[rules_read]
    said = f"The reader learned from labelled reports reads {read} ({answer.probability:.0%})"
    if answer.replaces and answer.past_floor:
        # A danger floor read lower is a person's call: it stays under review however often the reader
        # was right (see PERSON_CONFIRMS).
        why = f"{said} and lowered the rules' {rules_read}, which a danger floor set; a person should confirm it."
        return FieldConfidence(0.5, (*field.reasons, why), LOWERED_FLOOR, field.prior)
    if answer.replaces:
        why = f"{said} and overruled the rules' {rules_read}."
        return FieldConfidence(0.6, (*field.reasons, why), "the reader overruled the rules", field.prior)
    why = f"{said}; the rules' {rules_read} stands."
    return FieldConfidence(min(field.score, 0.55), (*field.reasons, why), "the reader reads otherwise", field.prior)


def _calibrated(name: str, field: FieldConfidence, calibration: Calibration) -> FieldConfidence:
    score, why = calibration.score(name, field.condition, field.score)
    if field.condition in PERSON_CONFIRMS:
        score = min(score, REVIEW_BELOW - 0.05)
    reasons = field.reasons if why is None else (*field.reasons, why)
    return FieldConfidence(round(min(max(score, 0.0), 1.0), 2), reasons, field.condition, field.score)


def _language(words: tuple[str, ...], language: LanguageResult) -> FieldConfidence:
    if language.source == "detected" and len(words) < SHORT_DETECTION_WORDS:
        score = min(language.confidence, 0.65)
        return FieldConfidence(score, (f"Detected from only {len(words)} words.",), "detected from a few words")
    if language.source == "detected":
        clear = language.confidence >= CLEAR_DETECTION
        condition = "a clear detection" if clear else "a close detection"
        return FieldConfidence(language.confidence, (language.reason,), condition)
    return FieldConfidence(language.confidence, (language.reason,), f"language {language.source}")


def _location(words: tuple[str, ...], location: LocationResult, caller_country: str | None) -> FieldConfidence:
    reasons = location.reasons
    if location.country is None:
        if location.ambiguous:
            return FieldConfidence(0.1, reasons, "an ambiguous place")
        return FieldConfidence(0.0, reasons, "no place at all")
    if location.source == "stated":
        return FieldConfidence(0.95, reasons, "a stated place")
    if location.source == "phone":
        # The phone says where the caller is, not where it happens; a long report that names no
        # place is less sure than a short message.
        if any("going" in reason for reason in reasons):
            only_phone = (*reasons, "Only the phone's country places it.")
            return FieldConfidence(0.55, only_phone, "the phone, a destination named")
        long_report = len(words) >= LONG_REPORT_WORDS
        score = 0.6 if long_report else 0.65
        condition = "the phone, a long report" if long_report else "the phone, a short message"
        return FieldConfidence(score, (*reasons, "Only the phone's country places it."), condition)
    text = " ".join(reasons)
    differs = bool(caller_country) and caller_country != location.country
    if "the likeliest, by the size" in text:
        return FieldConfidence(0.55, reasons, "a shared name read as its likeliest town")
    if "other signals chose" in text or "is one of them" in text:
        return FieldConfidence(0.6, reasons, "a shared name settled by other signals")
    if differs:
        return FieldConfidence(0.8, reasons, "a place named, away from the phone's country")
    return FieldConfidence(0.85, reasons, "a place named")


def _risk(words: tuple[str, ...], risk: RiskAssessment, rules: RiskRules) -> FieldConfidence:
    answered = [i.key for i in risk.indicators if i.evidence == ANSWER_EVIDENCE]
    # Words taken back (negated, or danger that is over) make the level a closer call.
    taken_back = [r for r in risk.reasons if r.endswith(TAKEN_BACK_ENDINGS)]
    floor = any("That makes it" in r for r in risk.reasons)
    if answered:
        score, why, condition = 0.9, f"Answered by the caller: {', '.join(answered)}.", "answers"
    elif not risk.indicators:
        if len(words) >= LONG_REPORT_WORDS:
            score, why, condition = 0.5, "A long report with no indicator the grammar knows.", "no indicator, long"
        else:
            score, why, condition = 0.8, "A short message with no indicator.", "no indicator, short"
    elif risk.capped:
        score, why, condition = 0.65, risk.capped, f"brought down to {risk.level}"
    elif floor:
        score, why, condition = 0.8, "A danger floor set the level.", f"a floor to {risk.level}"
    else:
        edge = any(0 < threshold and abs(risk.score - threshold) < BAND_EDGE for _, threshold in rules.score_bands)
        score = 0.8 if risk.level in ("critical", "high") else 0.65
        why = "The level rests on the indicators' weights alone."
        condition = f"the score alone, {risk.level}" + (", near a band's edge" if edge else "")
    if taken_back:
        score -= 0.15
        condition += ", words taken back"
    return FieldConfidence(round(max(score, 0.0), 2), (why, *taken_back), condition)


def _case_type(
    words: tuple[str, ...], classification: Classification, risk: RiskAssessment, rules: RiskRules
) -> FieldConfidence:
    reasons = classification.reasons
    case = classification.case_type
    keys = risk.keys
    if case == "trafficking":
        palermo = bool(keys & EXPLOITATION_PURPOSE) and bool(keys & MEANS or "minor_involved" in keys)
        condition = "trafficking by the Palermo test" if palermo else "trafficking by signs"
        return FieldConfidence(0.85, reasons, condition)
    if case == "smuggling":
        return FieldConfidence(0.8, reasons, "smuggling")
    if case == "both":
        # Smuggling that turned into exploitation is the hardest call; a person should confirm it.
        return FieldConfidence(0.55, reasons, "both")
    if classification.routed_case_type != "unclear":
        return FieldConfidence(0.4, reasons, "unclear, routed as trafficking")
    if len(words) >= LONG_REPORT_WORDS and any(rules.indicators[k].weight for k in keys):
        return FieldConfidence(0.5, reasons, "unclear, a long report with weights")
    long_report = len(words) >= LONG_REPORT_WORDS
    return FieldConfidence(0.6 if long_report else 0.8, reasons, "unclear, long" if long_report else "unclear, short")
