"""Case type (trafficking, smuggling, both, unclear), the victim's nationality and vulnerability groups."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from routing.grammar import Reading, default_grammar
from routing.location import PlaceRules, place_mentions
from routing.risk import ANSWER_EVIDENCE, TOPIC_QUESTIONS, RiskAssessment, RiskRules
from routing.snapshot import Snapshot
from routing.text import PhraseMatcher

NATIONALITY_PATH = Path(__file__).with_name("rules") / "nationality.json"

# Palermo Protocol Art. 3 (seeds 001:154-159): trafficking is an act, by some means, for the purpose
# of exploitation. A report of someone being exploited implies the act (someone recruited,
# moved or harbours them), so the test is purpose plus means, or purpose alone for a child.
EXPLOITATION_PURPOSE = frozenset({"sexual_exploitation", "forced_labour", "debt_bondage", "sold_or_bought"})
MEANS = frozenset(
    {
        "threats_or_violence",
        "deceived_about_job",
        "documents_withheld",
        "movement_restricted",
        "debt_bondage",
        "isolated",
    }
)
# Signals that say nothing about whether a crime is happening: a border or a group a person
# belongs to. They do not turn an inquiry into a case to route as trafficking.
NOT_CASE_SIGNALS = frozenset({"crossed_border"})
# People held for money, and the signs that they are migrants on their way.
HELD_FOR_MONEY = frozenset({"kidnapping"})
MIGRATION_CONTEXT = frozenset({"irregular_migrant", "crossed_border"})

# Signs of someone's control or a danger from people, that make a report possible trafficking where
# nothing says smuggling.
CONTROL_WITHOUT_A_CASE = frozenset({"weapon", "followed", "in_custody"})
# Money demanded for people held or threatened ("nos tienen encerrados, piden 3 mil por cabeza", "they
# want five thousand dollars or they kill him") is holding them for money, kidnapping by another name.
HELD_WHILE_MONEY_DEMANDED = frozenset({"held_now", "in_custody", "movement_restricted", "in_danger_now"})

CASE_TYPES = ("trafficking", "smuggling", "both", "unclear")


def _on_the_way(words: tuple[str, ...]) -> bool:
    """Whether the report says the people are migrants or were on their way ("he was crossing with a
    group", "nou te sou wout pou Gwatemala", "tava indo pros EUA") or names a town of the route where
    migrants are held for ransom (Reynosa, Tapachula): the grammar's family ON_THE_WAY."""
    return bool(default_grammar().occurrences(words).get("ON_THE_WAY"))


@dataclass(frozen=True)
class NationalityRules:
    version: str
    demonyms: PhraseMatcher[str]


@dataclass(frozen=True)
class Classification:
    case_type: str
    routed_case_type: str  # what the engine routes as; "unclear" with indicators routes as trafficking
    victim_nationality: str | None
    vulnerability: tuple[str, ...]
    reasons: tuple[str, ...]


@lru_cache(maxsize=1)
def default_nationality_rules() -> NationalityRules:
    with NATIONALITY_PATH.open(encoding="utf-8") as handle:
        document = json.load(handle)
    phrases: list[tuple[str, str]] = [
        (demonym, country) for country, names in document["demonyms"].items() for demonym in names
    ]
    # Country names that contain a demonym ("República Dominicana") must not read as nationality.
    phrases.extend((phrase, "") for phrase in document["neutral_phrases"])
    return NationalityRules(document["version"], PhraseMatcher(phrases))


def classify_case(
    words: tuple[str, ...],
    answers: Mapping[str, object],
    risk: RiskAssessment,
    risk_rules: RiskRules,
    snapshot: Snapshot,
    place_rules: PlaceRules,
    nationality_rules: NationalityRules,
    reading: Reading | None = None,
) -> Classification:
    keys = risk.keys
    indicators = risk_rules.indicators
    minor = "minor_involved" in keys
    purpose = keys & EXPLOITATION_PURPOSE
    means = keys & MEANS
    trafficking_signals = {k for k in keys if indicators[k].trafficking}
    smuggling_signals = {k for k in keys if indicators[k].smuggling}
    # Migrants held for ransom on the way ("nos secuestraron en la frontera, piden dinero a la
    # familia") were being smuggled when they were taken: both.
    held_for_money = keys & HELD_FOR_MONEY or (
        keys & {"money_demanded"} if keys & HELD_WHILE_MONEY_DEMANDED else frozenset()
    )
    held_migrants = held_for_money if keys & MIGRATION_CONTEXT or _on_the_way(words) else frozenset()
    # A seasoned operator treats any sign of exploitation or control as possible trafficking to
    # identify; the Palermo test (purpose with means, or purpose alone for a child) is then the
    # strong form, reported in the reasons.
    trafficking = bool(trafficking_signals)
    if not trafficking_signals and not smuggling_signals and keys & CONTROL_WITHOUT_A_CASE:
        # "un hombre armado nos vigila", "me siguen desde la terminal", "me tienen en un cuarto": a
        # danger or a hold with no word of a crossing is someone's control over a person: possible
        # trafficking (most such development reports are labelled so).
        trafficking = True
        trafficking_signals = set(keys & CONTROL_WITHOUT_A_CASE)
    told_minor = any(i.key == "minor_involved" and i.evidence != ANSWER_EVIDENCE for i in risk.indicators)
    if told_minor and not trafficking_signals and not smuggling_signals and risk.level in ("high", "critical"):
        # "mi sobrina de 14 trabaja todo el día en una tortillería": a child at the centre of a report
        # that is no question (its band held high by the child) is possible trafficking to identify.
        trafficking = True
        trafficking_signals = {"minor_involved"}
    reasons: list[str] = []
    topic = risk.capped in TOPIC_QUESTIONS and risk.level == "low"
    if topic:
        # "I'm writing a thesis on restavèk children, do you have figures?", "I watched a film about
        # girls sold into bars, does it happen?": a question about a topic names the topic's signs, not
        # a case (a question about a crossing planned is still smuggling's).
        trafficking, trafficking_signals, smuggling_signals = False, set(), set()
        purpose, held_migrants = frozenset(), frozenset()
        reasons.append("The report asks about a topic, not a case: no case type.")
    if purpose and (means or minor):
        how = "a child, so no means are needed" if minor and not means else f"means: {', '.join(sorted(means))}"
        reasons.append(f"Exploitation ({', '.join(sorted(purpose))}) with {how}: trafficking in persons.")
    elif trafficking:
        reasons.append(
            f"Signs of exploitation or control ({', '.join(sorted(trafficking_signals))}): possible trafficking."
        )
    if smuggling_signals:
        reasons.append(
            "Someone was paid to take people across a border ("
            + ", ".join(sorted(smuggling_signals))
            + "): smuggling of migrants."
        )
    if held_migrants and not smuggling_signals:
        reasons.append(
            "Migrants on their way are held for money ("
            + ", ".join(sorted(held_migrants | (keys & MIGRATION_CONTEXT)))
            + "): they were being smuggled when they were taken."
        )
        smuggling_signals = set(held_migrants)
    if smuggling_signals and (trafficking or trafficking_signals):
        case_type = "both"
        if not trafficking:
            reasons.append(
                "A smuggled person now shows signs of coercion or exploitation ("
                + ", ".join(sorted(trafficking_signals))
                + "); smuggled people can become trafficking victims."
            )
    elif smuggling_signals:
        case_type = "smuggling"
    elif trafficking:
        case_type = "trafficking"
    else:
        case_type = "unclear"
    routed = case_type
    case_signals = {
        k
        for k in keys
        if not topic and k not in NOT_CASE_SIGNALS and (not indicators[k].group or k == "minor_involved")
    }
    if case_type == "unclear":
        if case_signals:
            routed = "trafficking"
            reasons.append(
                "The case type is unclear but there are indicators ("
                + ", ".join(sorted(case_signals))
                + "); it is routed as possible trafficking."
            )
        else:
            reasons.append("No trafficking or smuggling indicator: an information request.")
    nationality, nationality_reason = _victim_nationality(
        words, answers, snapshot, place_rules, nationality_rules, reading
    )
    if nationality_reason:
        reasons.append(nationality_reason)
    groups = tuple(dict.fromkeys(g for k in _by_weight(risk) if (g := indicators[k].group)))
    return Classification(case_type, routed, nationality, _minor_first(groups), tuple(reasons))


def _by_weight(risk: RiskAssessment) -> list[str]:
    return [indicator.key for indicator in risk.indicators]


def _minor_first(groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(groups, key=lambda g: (g != "minor", groups.index(g))))


def _victim_nationality(
    words: tuple[str, ...],
    answers: Mapping[str, object],
    snapshot: Snapshot,
    place_rules: PlaceRules,
    rules: NationalityRules,
    reading: Reading | None = None,
) -> tuple[str | None, str | None]:
    answered = answers.get("victim_nationality")
    if isinstance(answered, str) and len(answered.strip()) == 2:
        code = answered.strip().upper()
        return code, f"The caller gave the victim's nationality as {code}."
    found: list[tuple[int, str, str]] = []
    for match in rules.demonyms.find(words):
        if match.value:
            found.append((match.start, match.value, " ".join(words[match.start : match.end])))
    for mention in place_mentions(words, snapshot, place_rules, origin=True, reading=reading):
        countries = mention.countries
        if len(countries) == 1:
            found.append((mention.start, countries[0], mention.key))
    if not found:
        return None, None
    found.sort()
    _, country, evidence = found[0]
    others = sorted({c for _, c, _ in found} - {country})
    reason = f"The text gives the victim's nationality as {country} ('{evidence}')."
    if others:
        reason += f" It also mentions {', '.join(others)}; the first mention is used."
    return country, reason
