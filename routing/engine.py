"""The routing engine: one intake and one directory snapshot in, one explained referral decision out."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from routing.classify import Classification, NationalityRules, classify_case, default_nationality_rules
from routing.confidence import Confidence, assess_confidence
from routing.grammar import Reading, default_grammar, read_text, reading_of_words
from routing.intake import Intake
from routing.language import LanguageResult, resolve_language
from routing.learned import PLACE, Reader, SecondReading, default_reader, place_features, second_reading
from routing.learned import features as reader_features
from routing.location import LocationResult, PlaceRules, default_place_rules, not_the_place, resolve_location
from routing.reasons import Reason, reason_key
from routing.risk import RiskAssessment, RiskRules, assess_risk, default_risk_rules
from routing.snapshot import Agency, Service, Snapshot
from routing.text import tokens

POLICY_PATH = Path(__file__).with_name("policy.json")
TARGETS = ("incident", "origin", "regional")
CONDITIONS = (
    "risk_levels",
    "groups",
    "groups_absent",
    "indicators",
    "routed_case_types",
    "location_known",
    "nationality_differs",
    "no_referral_yet",
)

# How well a candidate agency fits: fully, with something the directory does not know, or not at all.
QUALIFIES, UNKNOWN, FAILS = 0, 1, 2
# The rank of a service covering the exact region, in the caller's language, open now: none is better.
# Area and language checks kept per (agency, country, region, language) on a snapshot.
FIT_MEMO_SIZE = 200_000


@dataclass(frozen=True)
class PolicyStep:
    id: str
    when: Mapping[str, Any]
    target: str
    kinds: tuple[str, ...]
    role: str
    reason: str
    # Strict: the first kind with any routable candidate wins, even one only soft-qualified, over a
    # fully qualified agency of a later kind (a national line with unknown hours before a police tip line).
    strict_order: bool = False
    # Only agencies with a service for this case type (or whose services name none) are candidates:
    # a trafficking complaints line is not a humanitarian service for smuggled migrants.
    serves: str | None = None


@dataclass(frozen=True)
class NeverRule:
    when: Mapping[str, Any]
    kinds: frozenset[str]
    reason: str


@dataclass(frozen=True)
class Policy:
    version: str
    ack_minutes: Mapping[str, int]
    role_order: tuple[str, ...]
    steps: tuple[PolicyStep, ...]
    never: tuple[NeverRule, ...]


@dataclass(frozen=True)
class Referral:
    agency_id: str
    name: str
    country: str | None
    kind: str
    role: str
    ack_due_minutes: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Rejection:
    agency_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    language: LanguageResult
    location: LocationResult
    risk: RiskAssessment
    classification: Classification
    confidence: Confidence
    referrals: tuple[Referral, ...]
    rejected: tuple[Rejection, ...]
    policy_version: str
    # The learned reader's answers, whether or not they replaced the rules' (routing/learned.py).
    second: tuple[SecondReading, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.confidence.unsure)


@dataclass(frozen=True)
class Rules:
    """Everything the engine reads besides the intake and the directory, compiled once."""

    policy: Policy
    risk: RiskRules
    places: PlaceRules
    nationality: NationalityRules
    # The learned second reader (rules/reader.json); None reads with the rules alone.
    reader: Reader | None = None


def compile_policy(document: Mapping[str, Any]) -> Policy:
    """Validate and compile a routing policy document (the shape of policy.json)."""
    roles = tuple(document["role_order"])
    steps = []
    for entry in document["steps"]:
        unknown = set(entry["when"]) - set(CONDITIONS)
        if unknown or entry["target"] not in TARGETS or entry["role"] not in roles:
            raise ValueError(f"policy step {entry.get('id')!r} has an unknown condition, target or role")
        steps.append(
            PolicyStep(
                entry["id"],
                dict(entry["when"]),
                entry["target"],
                tuple(entry["kinds"]),
                entry["role"],
                entry["reason"],
                bool(entry.get("strict_order", False)),
                entry.get("serves"),
            )
        )
    never = tuple(NeverRule(dict(e["when"]), frozenset(e["kinds"]), e["reason"]) for e in document.get("never", ()))
    return Policy(document["version"], dict(document["ack_minutes"]), roles, tuple(steps), never)


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    with POLICY_PATH.open(encoding="utf-8") as handle:
        policy = compile_policy(json.load(handle))
    return Rules(policy, default_risk_rules(), default_place_rules(), default_nationality_rules(), default_reader())


@dataclass
class _Facts:
    """What the conditions of the policy are tested against."""

    risk_level: str
    groups: frozenset[str]
    routed_case_type: str
    location_known: bool
    nationality_differs: bool
    has_referral: bool = False
    indicators: frozenset[str] = frozenset()

    def hold(self, when: Mapping[str, Any]) -> bool:
        return all(self._holds(name, value) for name, value in when.items())

    def _holds(self, name: str, value: Any) -> bool:
        if name == "risk_levels":
            return self.risk_level in value
        if name == "groups":
            return bool(self.groups.intersection(value))
        if name == "groups_absent":
            return not self.groups.intersection(value)
        if name == "indicators":
            return bool(self.indicators.intersection(value))
        if name == "routed_case_types":
            return self.routed_case_type in value
        if name == "location_known":
            return self.location_known == value
        if name == "nationality_differs":
            return self.nationality_differs == value
        if name == "no_referral_yet":
            return (not self.has_referral) == value
        raise KeyError(name)


@dataclass
class _Fit:
    agency: Agency
    verdict: int
    reasons: list[str]
    rank: tuple[int, ...]


@dataclass
class _Chosen:
    agency: Agency
    role: str
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportReading:
    """What the rules read in a report, before the referrals are chosen."""

    words: tuple[str, ...]
    reading: Reading
    language: LanguageResult
    location: LocationResult
    risk: RiskAssessment
    classification: Classification
    # The learned reader's answers (case type, risk), whether or not they replaced the rules'.
    second: tuple[SecondReading, ...] = ()


def reading_features(
    words: tuple[str, ...],
    risk: RiskAssessment,
    classification: Classification,
    intake: Intake,
    reading: Reading | None = None,
) -> tuple[str, ...]:
    """The learned reader's features of a report the rules have read: the one recipe for routing and
    for training (bench/train_triage.py), so the model is scored on what it was trained on.

    `reading` (read_text of the same text) gives the clauses; without it the words are one clause."""
    grammar = default_grammar()
    found = grammar.occurrences(words)
    reading = reading if reading is not None and reading.words == words else reading_of_words(words)
    return reader_features(
        words,
        found.keys(),
        risk.keys,
        risk.level,
        classification.case_type,
        intake.channel,
        asks="?" in intake.text,
        capped=risk.capped is not None,
        context=context_features(reading, found, risk),
    )


# The word families of danger and control whose context the reader is shown: whether each is denied,
# said after (or before) the words of getting away or of safety, said with a word of now, or asked.
CONTEXT_FAMILIES = (
    *("LOCKED", "HOLD_VERB", "HOLD", "KIDNAP", "RANSOM", "WEAPON", "THREAT", "KILL", "VIOLENCE", "FOLLOW"),
    *("FOLLOW_VERB", "ABANDON", "NO_SUPPLIES", "DANGER", "DANGER_PLACE", "WILD_PLACE", "HEAT_SICK", "ADRIFT"),
    *("ENGINE_DIED", "CONTAINER", "FORCE", "SEX", "SEX_CONTEXT", "DOC", "DEBT", "WAGE", "MINOR", "AGE_CHILD"),
    *("LET", "LEAVE", "WATCHED", "PHONE_TAKEN", "SELL", "TAKE", "CHILD_SEX_PLACE", "SENT_IMAGES"),
)
_OVER_MARKS = ("GOT_AWAY", "SAFE_NOW", "ESCAPED", "LONG_AGO")
_NOW_MARKS = ("NOW", "STILL", "STILL_THERE")
# What the rules set aside, by the start of the note they give (routing.risk.assess_risk).
_RULES_NOTES = (("is negated", "negated"), ("is about a thing", "thing"), ("seems to be over", "over"))


def context_features(
    reading: Reading, found: Mapping[str, tuple[tuple[int, int], ...]], risk: RiskAssessment
) -> tuple[str, ...]:
    """How the report tells its dangers: a word of danger denied ("no la tienen encerrada"), told
    after getting away ("ya salí... nos encerraban") or before it, with a word of now in its clause,
    or in a question; and which signs the rules set aside. A bag of words sees none of this."""
    grammar = default_grammar()
    negations = grammar.negations(reading)
    marks = sorted(start for family in _OVER_MARKS for start, _ in found.get(family, ()))
    now_clauses = {reading.clauses[start] for family in _NOW_MARKS for start, _ in found.get(family, ())}
    out: set[str] = set()
    for family in CONTEXT_FAMILIES:
        for start, end in found.get(family, ()):
            if grammar.negated(reading, start, end, negations):
                out.add(f"x:{family}@neg")
            if any(mark < start for mark in marks):
                out.add(f"x:{family}@after_over")
            if any(mark > start for mark in marks):
                out.add(f"x:{family}@before_over")
            if reading.clauses[start] in now_clauses:
                out.add(f"x:{family}@now")
            if reading.clauses[start] in reading.questions:
                out.add(f"x:{family}@asked")
    for reason in risk.reasons:
        for said, name in _RULES_NOTES:
            if said in reason:
                out.add(f"note:{name}")
    return tuple(sorted(out))


def place_question(intake: Intake, location: LocationResult, found: tuple[str, ...]) -> tuple[str, ...] | None:
    """The features for asking whether the place the text names is where it happens, or None where
    the question changes nothing: no place read from the text, or one in the phone's own country."""
    if location.source != "text" or location.country is None or location.country == intake.caller_country:
        return None
    return place_features(found, location.evidence, intake.caller_country, "?" in intake.text)


def read_report(intake: Intake, snapshot: Snapshot, rules: Rules) -> ReportReading:
    """Read the report's language, place, risk and case type with the rules (no referral yet)."""
    words = tokens(intake.text)
    reading = read_text(intake.text)
    if reading.words != words:
        reading = reading_of_words(words)
    language = resolve_language(intake.text, intake.language, intake.caller_country, snapshot.countries)
    reading = replace(reading, language=language.code)
    location = resolve_location(intake.location, words, intake.caller_country, snapshot, rules.places, reading)
    risk = assess_risk(words, intake.answers, rules.risk, reading)
    classification = classify_case(
        words, intake.answers, risk, rules.risk, snapshot, rules.places, rules.nationality, reading
    )
    if rules.reader is None:
        return ReportReading(words, reading, language, location, risk, classification)
    found = reading_features(words, risk, classification, intake, reading)
    second = tuple(
        answer
        for question, rules_answer in (("case_type", classification.case_type), ("risk", risk.level))
        if (
            answer := second_reading(
                rules.reader, question, found, rules_answer, len(words), bool(intake.answers), risk.by_floor
            )
        )
        is not None
    )
    for answer in second:
        if not answer.replaces:
            continue
        said = (
            f"The reader learned from labelled reports reads {answer.answer} ({answer.probability:.0%}; "
            f"from {', '.join(answer.why) or 'its prior'}) where the rules read {answer.rules_answer}."
        )
        if answer.question == "risk":
            risk = replace(risk, level=answer.answer, reasons=(*risk.reasons, said))
        else:
            routed = answer.answer
            if routed == "unclear" and classification.routed_case_type != "unclear":
                routed = classification.routed_case_type
            classification = replace(
                classification,
                case_type=answer.answer,
                routed_case_type=routed,
                reasons=(*classification.reasons, said),
            )
    asked = place_question(intake, location, found)
    place = (
        second_reading(rules.reader, PLACE, asked, "incident", len(words), bool(intake.answers))
        if asked is not None
        else None
    )
    if place is not None:
        second = (*second, place)
        if place.replaces:
            said = (
                f"The reader learned from labelled reports reads the place as not where it happens "
                f"({place.probability:.0%}; from {', '.join(place.why) or 'its prior'})."
            )
            location = not_the_place(location, intake.caller_country, said)
    return ReportReading(words, reading, language, location, risk, classification, second)


def route(intake: Intake, snapshot: Snapshot, now: datetime, rules: Rules | None = None) -> Decision:
    """Decide who gets this report, how fast they must acknowledge it, and why."""
    if now.tzinfo is None:
        raise ValueError("route() needs an aware datetime; opening hours are compared in each agency's time zone")
    rules = rules or default_rules()
    read = read_report(intake, snapshot, rules)
    words, language, location, risk, classification = (
        read.words,
        read.language,
        read.location,
        read.risk,
        read.classification,
    )
    nationality = classification.victim_nationality
    facts = _Facts(
        risk_level=risk.level,
        groups=frozenset(classification.vulnerability),
        indicators=risk.keys,
        routed_case_type=classification.routed_case_type,
        location_known=location.country is not None,
        nationality_differs=bool(nationality and location.country and nationality != location.country),
    )
    chosen: dict[str, _Chosen] = {}
    considered: dict[str, list[str]] = {}
    banned = {
        kind: Reason("policy", never.reason, sentence=never.reason)
        for never in rules.policy.never
        if facts.hold(never.when)
        for kind in never.kinds
    }
    for step in rules.policy.steps:
        if not facts.hold(step.when):
            continue
        reasons: list[str] = [Reason("policy", step.reason, sentence=step.reason)]
        if step.id == "trafficking_identification" and classification.case_type == "unclear":
            reasons.append(
                Reason(
                    "unclear_routed_as_trafficking",
                    "The case type is unclear but there are risk indicators, so it is routed as trafficking.",
                )
            )
        if step.target == "regional":
            fit = _regional_focal_point(snapshot, language.code, now)
            if location.ambiguous:
                reasons.append(
                    Reason(
                        "place_ambiguous",
                        f"The place could be in {', '.join(location.candidates)}.",
                        countries=list(location.candidates),
                    )
                )
            _choose(chosen, fit.agency, step.role, reasons + fit.reasons, rules.policy.role_order)
        else:
            country = location.country if step.target == "incident" else nationality
            region = location.region if step.target == "incident" else None
            picked, others = _pick(snapshot, step, country, region, language.code, now, banned)
            if picked is not None:
                # An origin-country referral keeps its role whatever its fit: the person's consent to
                # tell their own country (routing/dispatch.py) is asked by that role.
                role = step.role if picked.verdict == QUALIFIES or step.target == "origin" else "fallback"
                if picked.verdict != QUALIFIES:
                    reasons.append(
                        Reason(
                            "best_of_unknown",
                            "No candidate fully qualifies; this is the best one with details the directory "
                            "does not know.",
                        )
                    )
                _choose(chosen, picked.agency, role, reasons + picked.reasons, rules.policy.role_order)
            for fit in others:
                considered.setdefault(fit.agency.id, []).extend(fit.reasons)
        facts.has_referral = bool(chosen)
    if not chosen:
        raise ValueError("the directory has no agency to refer to, not even a regional focal point")
    return Decision(
        language=language,
        location=location,
        risk=risk,
        classification=classification,
        confidence=assess_confidence(
            words, intake, language, location, risk, classification, rules.risk, second=read.second
        ),
        referrals=_referrals(chosen, risk.level, rules.policy),
        rejected=tuple(
            Rejection(agency_id, tuple(dict.fromkeys(reasons)))
            for agency_id, reasons in considered.items()
            if agency_id not in chosen
        ),
        policy_version=rules.policy.version,
        second=read.second,
    )


def _choose(
    chosen: dict[str, _Chosen], agency: Agency, role: str, reasons: list[str], role_order: tuple[str, ...]
) -> None:
    existing = chosen.get(agency.id)
    if existing is None:
        chosen[agency.id] = _Chosen(agency, role, list(reasons))
        return
    # One agency chosen by two steps keeps the stronger role and both explanations.
    if role_order.index(role) < role_order.index(existing.role):
        existing.role = role
    existing.reasons.extend(r for r in reasons if r not in existing.reasons)


def _referrals(chosen: dict[str, _Chosen], level: str, policy: Policy) -> tuple[Referral, ...]:
    referrals = []
    for entry in chosen.values():
        agency = entry.agency
        override = agency.ack_minutes.get(level)
        minutes = override if override is not None else policy.ack_minutes[level]
        reasons = list(entry.reasons)
        reasons.append(
            Reason(
                "acknowledge_within_own" if override is not None else "acknowledge_within",
                f"Acknowledge within {minutes} minutes ({level} risk"
                + (", this agency's own deadline)." if override is not None else ")."),
                minutes=minutes,
                risk=level,
            )
        )
        referrals.append(
            Referral(agency.id, agency.name, agency.country, agency.kind, entry.role, minutes, tuple(reasons))
        )
    order = {role: position for position, role in enumerate(policy.role_order)}
    return tuple(sorted(referrals, key=lambda r: order[r.role]))


def _pick(
    snapshot: Snapshot,
    step: PolicyStep,
    country: str | None,
    region: str | None,
    language: str,
    now: datetime,
    banned: Mapping[str, str],
) -> tuple[_Fit | None, list[_Fit]]:
    """The agency a step refers to (or None), and the candidates it passed over."""
    passed_over: list[_Fit] = []
    best_unknown: _Fit | None = None
    for kind in step.kinds:
        if kind in banned:
            passed_over.extend(_Fit(a, FAILS, [banned[kind]], ()) for a in snapshot.agencies_of(country, kind))
            continue
        candidates = snapshot.agencies_of(country, kind)
        passed_over.extend(_Fit(a, FAILS, [_not_routable(a)], ()) for a in candidates if not a.routable)
        if step.serves is not None:
            passed_over.extend(
                _Fit(a, FAILS, [_serves_other_cases(a, step.serves)], ())
                for a in candidates
                if a.routable and not _serves(a, step.serves)
            )
            candidates = tuple(a for a in candidates if _serves(a, step.serves))
        fits = sorted(
            (_fit(snapshot, agency, country, region, language, now) for agency in candidates if agency.routable),
            key=lambda f: (f.verdict, f.rank, f.agency.id),
        )
        qualified = [f for f in fits if f.verdict == QUALIFIES]
        if qualified:
            passed_over.extend(f for f in fits if f is not qualified[0])
            if best_unknown is not None:
                passed_over.append(best_unknown)
            return qualified[0], passed_over
        unknown = [f for f in fits if f.verdict == UNKNOWN]
        if unknown and best_unknown is None:
            best_unknown = unknown[0]
            passed_over.extend(f for f in fits if f is not best_unknown)
            if step.strict_order:
                return best_unknown, passed_over
        else:
            passed_over.extend(fits)
    return best_unknown, passed_over


def _serves(agency: Agency, case_type: str) -> bool:
    return any(not service.case_types or case_type in service.case_types for service in agency.services)


def _serves_other_cases(agency: Agency, case_type: str) -> str:
    named = ", ".join(sorted({t for service in agency.services for t in service.case_types})) or "no listed services"
    return f"{agency.name}: its services handle {named}, not {case_type}."


def _not_routable(agency: Agency) -> str:
    if not agency.takes_cases:
        text = f"{agency.name}: a policy and coordination body; it is informed, never sent a case."
        return Reason("agency.takes_no_cases", text, agency=agency.id)
    text = f"{agency.name}: listed by name only, with no source and no contact; not routed to until verified."
    return Reason("agency.unverified", text, agency=agency.id)


def _regional_focal_point(snapshot: Snapshot, language: str, now: datetime) -> _Fit:
    # Never dropped: the best regional focal point is referred even when closed or monolingual,
    # with its shortcomings stated; failing any, a regional body, then any coordinating body.
    for pool in _focal_pools(snapshot):
        if pool:
            fits = [_fit(snapshot, agency, None, None, language, now) for agency in pool]
            return min(fits, key=lambda f: (f.verdict, f.rank, f.agency.id))
    raise ValueError("the directory has no regional focal point, regional body or coordinating body")


def _focal_pools(snapshot: Snapshot) -> Iterator[tuple[Agency, ...]]:
    # Lazily: the fallbacks scan every agency, and a directory with a focal point never needs them.
    yield snapshot.regional_focal_points
    yield tuple(a for a in snapshot.agencies if a.kind == "regional_body")
    yield tuple(a for a in snapshot.agencies if a.kind == "coordinating_body")


def _fit(
    snapshot: Snapshot, agency: Agency, country: str | None, region: str | None, language: str, now: datetime
) -> _Fit:
    """How well the agency's best service fits this report."""
    local = now.astimezone(agency.zone)
    holiday = local.date() in agency.holidays
    best: tuple[int, tuple[int, int, int], tuple[_Check, _Check, _Check]] | None = None
    for area, spoken, service in _static_checks(snapshot, agency, country, region, language):
        least = max(area[0], spoken[0])
        # Services come best area and language first, so once even open hours could not beat the
        # best found, no later service can either.
        if best is not None and (least, (area[1], spoken[1], 0)) >= best[:2]:
            break
        hours = _hours_fit(service, local, holiday)
        verdict = max(least, hours[0])
        rank = (area[1], spoken[1], hours[1])
        if best is None or (verdict, rank) < best[:2]:
            best = (verdict, rank, (area, spoken, hours))
    assert best is not None
    verdict, rank, checks = best
    # Sentences are written only for the service that represents the agency: formatting them for
    # every service of every candidate would cost more than the decision itself.
    clock = f"{local:%a %H:%M} {agency.time_zone}"
    reasons: list[str] = []
    for _, _, code, template, raw in checks:
        params = {name: _shown(value) for name, value in raw.items()}
        reasons.append(
            Reason(
                code,
                f"{agency.name}: " + template.format(**params, clock=clock),
                agency=agency.id,
                weekday=local.weekday(),
                time=f"{local:%H:%M}",
                zone=agency.time_zone,
                **params,
            )
        )
    return _Fit(agency, verdict, reasons, rank)


def _static_checks(
    snapshot: Snapshot, agency: Agency, country: str | None, region: str | None, language: str
) -> tuple[tuple[_Check, _Check, Service | None], ...]:
    """Each service's area and language checks, which do not change with the clock, best first.

    Memoised on the snapshot (which never changes): a critical report weighs a dozen agencies of
    a dozen services each, and only their opening hours depend on the moment.
    """
    key = (agency.id, country, region, language)
    memo = snapshot.fit_memo
    found = memo.get(key)
    if found is None:
        rows = [(_area_fit(s, country, region), _language_fit(s, language), s) for s in agency.services or (None,)]
        # Stable: services that tie keep the directory's order, as the first listed wins a tie.
        rows.sort(key=lambda row: (max(row[0][0], row[1][0]), row[0][1], row[1][1]))
        if len(memo) >= FIT_MEMO_SIZE:
            memo.clear()
        found = memo[key] = tuple(rows)
    return found


# A check's outcome: verdict, rank (lower is better), and its explanation as a message key, an English
# template and the values for both (sets of regions or languages joined only when explained).
_Check = tuple[int, int, str, str, dict[str, Any]]


def _shown(value: object) -> object:
    # Sets of regions or languages are sorted and joined only for the service that is explained.
    return ", ".join(sorted(value)) if isinstance(value, frozenset | set) else value


def _area_fit(service: Service | None, country: str | None, region: str | None) -> _Check:
    if country is None:
        return QUALIFIES, 1, "area.whole_region", "serves the whole region.", {}
    if service is None:
        return UNKNOWN, 2, "area.no_services", "lists no services, so its area is unknown.", {}
    for area in service.areas:
        if area.country != country:
            continue
        if area.national:
            return QUALIFIES, 1, "area.country", "covers all of {country}.", {"country": country}
        if region in area.regions:
            return QUALIFIES, 0, "area.region", "covers {region}.", {"region": region}
        if region is None:
            return (
                UNKNOWN,
                2,
                "area.region_unknown",
                "covers only {regions} and the incident's region is unknown.",
                {"regions": area.regions},
            )
        return (
            FAILS,
            3,
            "area.other_regions",
            "covers {regions}, not {region}.",
            {"regions": area.regions, "region": region},
        )
    return FAILS, 3, "area.other_country", "does not serve {country}.", {"country": country}


def _language_fit(service: Service | None, language: str) -> _Check:
    if service is not None and language in service.languages:
        return QUALIFIES, 0, "language.spoken", "works in {language}.", {"language": language}
    interpretation = service.interpretation if service is not None else "unknown"
    if interpretation == "yes":
        return QUALIFIES, 1, "language.interpretation", "offers interpretation for {language}.", {"language": language}
    if service is None or not service.languages:
        return UNKNOWN, 2, "language.unknown", "its languages are unknown.", {}
    both = {"spoken": service.languages, "language": language}
    if interpretation == "unknown":
        template = "works in {spoken}, not {language}; whether it offers interpretation is unknown."
        return UNKNOWN, 2, "language.other_interpretation_unknown", template, both
    return (
        FAILS,
        3,
        "language.other_no_interpretation",
        "works in {spoken}, not {language}, and offers no interpretation.",
        both,
    )


def _hours_fit(service: Service | None, local: datetime, holiday: bool) -> _Check:
    is_open = False if holiday else (service.hours.is_open(local) if service is not None else None)
    after_hours = service.after_hours_referrals if service is not None else "unknown"
    if is_open:
        return QUALIFIES, 0, "hours.open", "is open now ({clock}).", {}
    state = "holiday" if holiday else ("closed" if is_open is False else "unknown")
    said = {"state": state, "closed": CLOSED_WORDS[state]}
    if after_hours == "yes":
        return QUALIFIES, 1, "hours.after_hours", "{closed} ({clock}) but takes referrals after hours.", said
    if after_hours == "no" and is_open is False:
        return FAILS, 3, "hours.no_after_hours", "{closed} ({clock}) and takes no referrals after hours.", said
    template = "{closed} ({clock}); whether it takes referrals after hours is unknown."
    return UNKNOWN, 2, "hours.after_hours_unknown", template, said


CLOSED_WORDS = {"holiday": "closed for a holiday", "closed": "closed now", "unknown": "opening hours unknown"}


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """The decision in the documented JSON shape for the core, the console and the tests."""
    language, location, risk, classification = (
        decision.language,
        decision.location,
        decision.risk,
        decision.classification,
    )
    return {
        "language": {"code": language.code, "source": language.source, "confidence": round(language.confidence, 2)},
        "location": {
            "country": location.country,
            "region": location.region,
            "source": location.source,
            "ambiguous": location.ambiguous,
        },
        "risk": {
            "level": risk.level,
            "score": risk.score,
            "indicators": [{"key": i.key, "weight": i.weight, "evidence": i.evidence} for i in risk.indicators],
            "rules_version": risk.rules_version,
        },
        "case_type": classification.case_type,
        "victim_nationality": classification.victim_nationality,
        "vulnerability": list(classification.vulnerability),
        "referrals": [
            {
                "agency_id": r.agency_id,
                "name": r.name,
                "country": r.country,
                "kind": r.kind,
                "role": r.role,
                "ack_due_minutes": r.ack_due_minutes,
                "reasons": list(r.reasons),
                "reason_keys": [reason_key(reason) for reason in r.reasons],
            }
            for r in decision.referrals
        ],
        "rejected": [
            {
                "agency_id": r.agency_id,
                "reasons": list(r.reasons),
                "reason_keys": [reason_key(reason) for reason in r.reasons],
            }
            for r in decision.rejected
        ],
        "policy_version": decision.policy_version,
        "confidence": {
            name: {"score": round(field.score, 2), "reasons": list(field.reasons)}
            for name, field in decision.confidence.fields.items()
        },
        "needs_review": decision.needs_review,
        "unsure_fields": list(decision.confidence.unsure),
        "second_reading": [
            {
                "question": answer.question,
                "answer": answer.answer,
                "probability": round(answer.probability, 2),
                "rules_answer": answer.rules_answer,
                "replaced": answer.replaces,
            }
            for answer in decision.second
        ],
    }
