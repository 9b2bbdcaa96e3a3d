"""How sure triage was of each field of a ticket's stored decision, which fields a person should still
check, and a learned reader's second opinion: read from the decision JSON, for the console's pages.

A stored decision is whatever the engine wrote when the ticket was routed, so every key here may be
missing (decisions from before confidence existed) or from a newer engine: anything not understood
is left out rather than shown half-read. The English `reasons` of each field's confidence are never
returned: a page shows only words from the catalogs and numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The decision's confidence fields in the order the panel shows them, each with the overrule form's name for it.
OVERRULE_FIELD = {"language": "language", "location": "country", "risk": "risk", "case_type": "case_type"}
# What a second reading may answer, and the label table its answers are drawn from (hotline/labels.py).
SECOND_READING_QUESTIONS = ("case_type", "risk", "place")
# The overrule form's field each question is about ("place": is the place named where it happens?).
SECOND_READING_FIELD = {"case_type": "case_type", "risk": "risk", "place": "country"}


@dataclass(frozen=True)
class Certainty:
    """How sure the engine was of one field, as the page shows it."""

    score: float
    unsure: bool
    overruled: bool
    checked: bool = False  # an operator checked it against the report and kept it as read


@dataclass(frozen=True)
class SecondReading:
    """A learned reader's answer to one question beside the rules' answer, and whether it replaced it."""

    question: str
    answer: str
    probability: float
    rules_answer: str | None
    replaced: bool

    @property
    def field(self) -> str:
        return SECOND_READING_FIELD[self.question]


def overrule_field(field: str) -> str:
    """The overrule form's name for a confidence field ("location" is overruled as "country")."""
    return OVERRULE_FIELD[field]


def _overruled(decision: Mapping[str, Any]) -> set[str]:
    by_form_name = {form: field for field, form in OVERRULE_FIELD.items()}
    overrules = decision.get("overrules") or ()
    return {
        by_form_name[entry["field"]]
        for entry in overrules
        if isinstance(entry, Mapping) and entry.get("field") in by_form_name
    }


def _checked(decision: Mapping[str, Any]) -> set[str]:
    checked = decision.get("checked") or ()
    return {entry["field"] for entry in checked if isinstance(entry, Mapping) and entry.get("field") in OVERRULE_FIELD}


def _unsure(decision: Mapping[str, Any]) -> set[str]:
    fields = decision.get("unsure_fields") or ()
    return {field for field in fields if isinstance(field, str)} if isinstance(fields, list | tuple) else set()


def _score(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return None
    return float(value)


def certainty(decision: Mapping[str, Any] | None, field: str) -> Certainty | None:
    """How sure triage was of `field`, or None when the decision does not say (an older engine's)."""
    if not decision or not isinstance(decision.get("confidence"), Mapping):
        return None
    entry = decision["confidence"].get(field)
    score = _score(entry.get("score")) if isinstance(entry, Mapping) else None
    if score is None:
        return None
    return Certainty(score, field in _unsure(decision), field in _overruled(decision), field in _checked(decision))


def fields_to_check(decision: Mapping[str, Any] | None) -> list[str]:
    """The fields triage was unsure of that no operator has overruled since, in the panel's order.

    An overrule, or an operator keeping the field as read, is a person's answer to the field, so it is
    no longer triage's doubt to check."""
    if not decision or decision.get("needs_review") is not True:
        return []
    answered = _overruled(decision) | _checked(decision)
    return [field for field in OVERRULE_FIELD if field in _unsure(decision) and field not in answered]


def second_readings(decision: Mapping[str, Any] | None) -> list[SecondReading]:
    """The learned reader's answers that differ from the rules' (an agreement adds nothing to read);
    none on decisions from before it existed."""
    entries = decision.get("second_reading") if decision else None
    if not isinstance(entries, list):
        return []
    readings: list[SecondReading] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("question") not in SECOND_READING_QUESTIONS:
            continue
        probability, answer, rules_answer = (
            _score(entry.get("probability")),
            entry.get("answer"),
            entry.get("rules_answer"),
        )
        if probability is None or not isinstance(answer, str) or not isinstance(rules_answer, str | None):
            continue
        if answer == rules_answer:
            continue
        readings.append(
            SecondReading(entry["question"], answer, probability, rules_answer, entry.get("replaced") is True)
        )
    return readings
