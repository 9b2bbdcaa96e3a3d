"""How sure the engine is of each field of a decision, with the reasons, and which fields a person should check.

Scores are 0-1 and rough by design: they rank decisions so that an operator looks first at the
shaky ones. A field below REVIEW_BELOW is "unsure", and a decision with any unsure field needs review.
The levels were set on the development split of the triage corpus (bench/triage.py), where
needs_review should be raised on most wrong decisions and few right ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from routing.classify import Classification
from routing.intake import Intake
from routing.language import LanguageResult
from routing.location import LocationResult
from routing.risk import ANSWER_EVIDENCE, RiskAssessment, RiskRules

REVIEW_BELOW = 0.6
# A report this long that shows no indicator at all may hold one the grammar does not know.
LONG_REPORT_WORDS = 14
SHORT_DETECTION_WORDS = 6


@dataclass(frozen=True)
class FieldConfidence:
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Confidence:
    fields: Mapping[str, FieldConfidence]

    @property
    def unsure(self) -> tuple[str, ...]:
        return tuple(name for name, field in self.fields.items() if field.score < REVIEW_BELOW)


def assess_confidence(
    words: tuple[str, ...],
    intake: Intake,
    language: LanguageResult,
    location: LocationResult,
    risk: RiskAssessment,
    classification: Classification,
    risk_rules: RiskRules,
) -> Confidence:
    fields = {
        "language": _language(words, language),
        "location": _location(words, location),
        "risk": _risk(words, risk),
        "case_type": _case_type(words, classification, risk, risk_rules),
    }
    return Confidence(MappingProxyType(fields))


def _language(words: tuple[str, ...], language: LanguageResult) -> FieldConfidence:
    if language.source == "detected" and len(words) < SHORT_DETECTION_WORDS:
        score = min(language.confidence, 0.65)
        return FieldConfidence(score, (f"Detected from only {len(words)} words.",))
    return FieldConfidence(language.confidence, (language.reason,))


def _location(words: tuple[str, ...], location: LocationResult) -> FieldConfidence:
    reasons = location.reasons
    if location.country is None:
        return FieldConfidence(0.1 if location.ambiguous else 0.0, reasons)
    if location.source == "stated":
        return FieldConfidence(0.95, reasons)
    if location.source == "phone":
        # The phone says where the caller is, not where it happens; a long report that names no
        # place is less sure than a short message.
        score = 0.65 if len(words) < LONG_REPORT_WORDS else 0.6
        if any("going" in reason for reason in reasons):
            score = 0.55
        return FieldConfidence(score, reasons + ("Only the phone's country places it.",))
    text = " ".join(reasons)
    if "other signals chose" in text or "is one of them" in text:
        return FieldConfidence(0.6, reasons)
    return FieldConfidence(0.85, reasons)


def _risk(words: tuple[str, ...], risk: RiskAssessment) -> FieldConfidence:
    answered = [i.key for i in risk.indicators if i.evidence == ANSWER_EVIDENCE]
    negated = [r for r in risk.reasons if r.endswith("is negated.")]
    if answered:
        score, why = 0.9, f"Answered by the caller: {', '.join(answered)}."
    elif not risk.indicators:
        if len(words) >= LONG_REPORT_WORDS:
            score, why = 0.5, "A long report with no indicator the grammar knows."
        else:
            score, why = 0.8, "A short message with no indicator."
    elif risk.level in ("critical", "high"):
        score, why = 0.8, "The level rests on indicators found in the text."
    else:
        score, why = 0.65, "Few indicators were found; the level rests on their weights alone."
    if negated:
        score -= 0.15
    return FieldConfidence(round(max(score, 0.0), 2), (why, *negated))


def _case_type(
    words: tuple[str, ...], classification: Classification, risk: RiskAssessment, rules: RiskRules
) -> FieldConfidence:
    reasons = classification.reasons
    case = classification.case_type
    if case == "trafficking":
        return FieldConfidence(0.85, reasons)
    if case == "smuggling":
        return FieldConfidence(0.8, reasons)
    if case == "both":
        # Smuggling that turned into exploitation is the hardest call; a person should confirm it.
        return FieldConfidence(0.55, reasons)
    if classification.routed_case_type != "unclear":
        return FieldConfidence(0.4, reasons)
    if len(words) >= LONG_REPORT_WORDS and any(rules.indicators[k].weight for k in risk.keys):
        return FieldConfidence(0.5, reasons)
    return FieldConfidence(0.8 if len(words) < LONG_REPORT_WORDS else 0.6, reasons)
