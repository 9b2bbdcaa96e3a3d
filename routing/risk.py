"""Risk level of a report from its triage answers and the cues in its text, by rules kept as data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from routing.grammar import Grammar, Reading, default_grammar, reading_of_words
from routing.text import PhraseMatcher, words_text

RULES_PATH = Path(__file__).with_name("rules") / "risk.json"
ANSWER_EVIDENCE = "answer"
# The value of a neutral phrase: it only stops a shorter cue inside it from firing
# ("hermana menor" is a younger sister, not a minor).
_NEUTRAL = ""
LURE = frozenset({"recruitment_lure", "deceived_about_job"})
# What a bare figure after "is"/"tiene" counts when it is not an age: "is 15 minutes away".
NOT_AGE_UNITS = frozenset(
    {
        "minutes",
        "minutos",
        "min",
        "km",
        "kilometers",
        "miles",
        "millas",
        "dollars",
        "dolares",
        "pesos",
        "percent",
        "horas",
        "hours",
        "heures",
        "days",
        "dias",
        "jours",
        "people",
        "personas",
        "personnes",
        "pessoas",
        "moun",
        "mil",
        "thousand",
        "meses",
        "months",
        "mois",
        "semanas",
        "weeks",
        "semaines",
        # Days, nights, hours, weeks and months, and money, in the singular and in Haitian Creole
        # ("sa gen 2 jou", "li gen 3 semèn"): a count of them is no age.
        *("day", "dia", "jour", "jou", "night", "nights", "noche", "noches", "nuit", "nuits", "noite", "noites"),
        *("nwit", "hour", "hora", "heure", "h", "hr", "hrs", "week", "semana", "semaine", "semen"),
        *("month", "mes", "mwa", "dola", "dolar", "goud", "gourdes", "gouds", "reais", "quetzales", "lempiras"),
        *("colones", "cordobas", "lukas", "pesos", "vez", "veces", "fois", "fwa", "times"),
    }
)
# Dangers that words of safety now ("ya está a salvo", "on va bien") put in the past.
PAST_WHEN_SAFE = ("abandoned_in_danger", "held_now", "in_danger_now", "possible_danger")
# Dangers that words of safety put in the past only when they are the last word on it: "nos
# secuestraron en Reynosa, ahora estamos a salvo" is over; "estoy bien, pero secuestraron a mi
# hermano" and "we are safe now but the men with guns still hold my cousin" are not.
PAST_WHEN_SAFE_LAST = ("kidnapping", "weapon")
# Word families of danger that, after the words of safety, keep those dangers present.
# ("FOR_NOW": "tô bem por enquanto, mas não deixam sair", safe only for now.)
_DANGER_AFTER_SAFE = (
    "KIDNAP",
    "RANSOM",
    "WEAPON",
    "HOLD",
    "HOLD_VERB",
    "LOCKED",
    "THREAT",
    "DEMAND",
    "KILL",
    "FOR_NOW",
)
# States of the moment that a report told years past puts in the past: held, kept somewhere, taken.
PAST_WHEN_TOLD_AS_PAST = (*PAST_WHEN_SAFE, "in_custody", "taken_by_someone")
# The grammar's mark of a report told as past ("hace cinco años", "two years ago"): no risk indicator.
PAST_TIME = "past_time"
# After a mark of the past, these words make it a duration up to now: "hace dos años que la tienen".
_DURATION_AFTER = frozenset({"que", "qu", "since"})
# A phrase that opens with its own negation ("no me dejan salir") is not negated by it.
_NEGATION_OPENERS = frozenset(
    {"no", "not", "nao", "ne", "pa", "sin", "without", "sans", "sem", "san", "never", "nunca"}
)


@dataclass(frozen=True)
class IndicatorRule:
    key: str
    weight: int
    answer: str | None
    trafficking: bool
    smuggling: bool
    group: str | None
    implies: tuple[str, ...]


@dataclass(frozen=True)
class FloorRule:
    """The level is at least `level` when all `required` indicators and `min_trafficking` hold."""

    required: frozenset[str]
    min_trafficking: int
    level: str
    reason: str
    # A firm floor names a danger a model talks down only when very sure, and then a person confirms it
    # (kidnapping, a weapon, someone held now, a child involved: routing.learned firm_floor_thresholds
    # and firm_top_below); one that is not reads it from signs a model may weigh (RiskAssessment.by_floor).
    # By default the critical floors are firm and the others are not; risk.json may say otherwise.
    firm: bool = True


@dataclass(frozen=True)
class MinorAgeRule:
    below: int
    units: frozenset[str]
    before: frozenset[str]
    after: tuple[tuple[str, ...], ...]
    # "hace 12 años", "depuis 15 ans": a number of years after these is a duration, not an age.
    duration_before: frozenset[str] = frozenset()
    # "she's 16", "my brother is 15": an age with no unit after these words.
    bare_after: frozenset[str] = frozenset()
    # "fourteen", "catorce", "katòz": ages written in words, read as their figures.
    number_words: Mapping[str, int] = field(default_factory=dict)
    # Number words that are also ordinary words ("neuf", "set", "dis") count only before a unit: "neuf ans".
    number_words_before_unit: Mapping[str, int] = field(default_factory=dict)
    # "dix-sept", "di set": two words that make one number.
    number_pairs: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # "yo tengo 14 y...", "I'm 17 and...", "tenho 17, um cara...": a person giving their own age, with no
    # unit, when the figure ends its clause or a conjunction follows it.
    first_person: tuple[tuple[str, ...], ...] = ()
    # "mi hija d 16", "minha filha de 16": a relative "of" a figure under the age is a child's age.
    relatives: frozenset[str] = frozenset()
    # "una muchacha de la iglesia, 14 años, ...": words for a person that an age set off by commas
    # may follow (with the kinship words); after anything else "15 años" may be how long.
    persons: frozenset[str] = frozenset()


# What may follow a bare age a person gives for themselves: "tengo 14 y no me quiero ir".
_AFTER_OWN_AGE = frozenset({"y", "e", "and", "et", "ak", "epi", "pero", "but", "mas", "men", "mais", "i", "yo"})


@dataclass(frozen=True)
class Combination:
    """Indicators that together mean another: held while money is demanded is kidnapping for ransom."""

    required: frozenset[str]
    implies: str
    reason: str


@dataclass(frozen=True)
class RiskRules:
    version: str
    levels: tuple[str, ...]
    score_bands: tuple[tuple[str, int], ...]  # highest band first
    indicators: Mapping[str, IndicatorRule]
    floors: tuple[FloorRule, ...]
    minor_age: MinorAgeRule
    cues: PhraseMatcher[str]
    combinations: tuple[Combination, ...] = ()


@dataclass(frozen=True)
class Indicator:
    key: str
    weight: int
    evidence: str  # "answer", the matched words, or "implied by <key>"


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    score: int
    indicators: tuple[Indicator, ...]
    rules_version: str
    reasons: tuple[str, ...]
    # A firm danger floor of this band applies (kidnapping, a weapon, someone held now...): the band
    # rests on a danger named in the report, not on the score or on signs of control alone, and the
    # learned reader may not talk it down ("soften-critical" in routing/learned.py).
    by_floor: bool = False
    # Why the band was brought down to medium whatever the signs (exploitation over and the person safe,
    # or an offer not acted on yet), or None.
    capped: str | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(i.key for i in self.indicators)


def compile_risk_rules(document: Mapping[str, Any]) -> RiskRules:
    """Validate and compile a risk rules document (the shape of rules/risk.json)."""
    levels = tuple(document["levels"])
    indicators: dict[str, IndicatorRule] = {}
    phrases: list[tuple[str, str]] = []
    for entry in document["indicators"]:
        rule = IndicatorRule(
            key=entry["key"],
            weight=int(entry["weight"]),
            answer=entry.get("answer"),
            trafficking=bool(entry.get("trafficking", False)),
            smuggling=bool(entry.get("smuggling", False)),
            group=entry.get("group"),
            implies=tuple(entry.get("implies", ())),
        )
        if rule.key in indicators:
            raise ValueError(f"indicator {rule.key!r} is defined twice")
        indicators[rule.key] = rule
        for language_phrases in entry.get("phrases", {}).values():
            phrases.extend((phrase, rule.key) for phrase in language_phrases)
    phrases.extend((phrase, _NEUTRAL) for phrase in document.get("neutral_phrases", ()))
    for rule in indicators.values():
        unknown = set(rule.implies) - indicators.keys()
        if unknown:
            raise ValueError(f"indicator {rule.key!r} implies unknown {sorted(unknown)}")
    floors = []
    for entry in document["floors"]:
        floor = FloorRule(
            frozenset(entry["all"]),
            int(entry.get("min_trafficking", 0)),
            entry["level"],
            entry["reason"],
            bool(entry.get("firm", entry["level"] == levels[-1])),
        )
        if floor.level not in levels or not floor.required <= indicators.keys():
            raise ValueError(f"floor rule {entry!r} names an unknown level or indicator")
        floors.append(floor)
    combinations = []
    for entry in document.get("combinations", ()):
        combination = Combination(frozenset(entry["all"]), entry["implies"], entry["reason"])
        if not combination.required | {combination.implies} <= indicators.keys():
            raise ValueError(f"combination {entry!r} names an unknown indicator")
        combinations.append(combination)
    bands = sorted(document["score_bands"].items(), key=lambda band: band[1], reverse=True)
    age = document["minor_age"]
    return RiskRules(
        version=document["version"],
        levels=levels,
        score_bands=tuple((level, int(threshold)) for level, threshold in bands),
        indicators=indicators,
        floors=tuple(floors),
        minor_age=MinorAgeRule(
            below=int(age["below"]),
            units=frozenset(age["units"]),
            before=frozenset(age["before"]),
            after=tuple(tuple(phrase.split()) for phrase in age["after"]),
            duration_before=frozenset(age.get("duration_before", ())),
            bare_after=frozenset(age.get("bare_after", ())),
            number_words=MappingProxyType({word: int(n) for word, n in age.get("number_words", {}).items()}),
            number_words_before_unit=MappingProxyType(
                {word: int(n) for word, n in age.get("number_words_before_unit", {}).items()}
            ),
            number_pairs=MappingProxyType(
                {(pair.split()[0], pair.split()[1]): int(n) for pair, n in age.get("number_pairs", {}).items()}
            ),
            first_person=tuple(tuple(phrase.split()) for phrase in age.get("first_person", ())),
            relatives=frozenset(age.get("relatives", ())),
            persons=frozenset(age.get("persons", ())),
        ),
        cues=PhraseMatcher(phrases),
        combinations=tuple(combinations),
    )


@lru_cache(maxsize=1)
def default_risk_rules() -> RiskRules:
    with RULES_PATH.open(encoding="utf-8") as handle:
        return compile_risk_rules(json.load(handle))


# Word families that, beside a child named anywhere in the report, say the child is sexually exploited:
# images already sent, a cantina, a boate, a room with men, a man's hotel (grammar.json).
CHILD_SEX_FAMILIES = ("SENT_IMAGES", "CHILD_SEX_PLACE")


def assess_risk(
    words: tuple[str, ...],
    answers: Mapping[str, object],
    rules: RiskRules,
    reading: Reading | None = None,
    grammar: Grammar | None = None,
) -> RiskAssessment:
    """Score the report and set its level; `words` is the tokenised text (routing.text.tokens).

    `reading` (routing.grammar.read_text of the same text) adds clauses, so a negation stops at a
    comma; without it the words are read as one clause.
    """
    grammar = grammar or default_grammar()
    reading = reading if reading is not None and reading.words == words else reading_of_words(words)
    fired: dict[str, Indicator] = {}
    notes: list[str] = []
    denied = {key for key, rule in rules.indicators.items() if rule.answer and answers.get(rule.answer) is False}
    for key, rule in rules.indicators.items():
        if rule.answer and answers.get(rule.answer) is True:
            fired[key] = Indicator(key, rule.weight, ANSWER_EVIDENCE)
    if "in_danger_now" in answers and answers["in_danger_now"] is None and "in_danger_now" not in fired:
        # "Don't know" (or a sentence instead of yes/no) on the danger question is possible danger.
        fired["possible_danger"] = Indicator("possible_danger", rules.indicators["possible_danger"].weight, "answer")
    negations = grammar.negations(reading)
    supposed = _supposed(reading, grammar)
    neutral: set[int] = set()
    # The caller's explicit "no" outranks a keyword guess from the same report.
    for match in rules.cues.find(words):
        if not match.value:
            neutral.update(range(match.start, match.end))
            continue
        if match.value in fired or match.value in denied:
            continue
        if grammar.vetoed(words, match.value, match.start, match.end):
            notes.append(f"'{words_text(words, match.start, min(len(words), match.end + 2))}' is about a thing.")
            continue
        if match.value in SUPPOSED_DANGERS and match.start in supposed:
            notes.append(f"'{words_text(words, match.start, match.end)}' is asked about, not told.")
            continue
        if match.phrase.split()[0] not in _NEGATION_OPENERS and grammar.negated(
            reading, match.start, match.end, negations
        ):
            notes.append(f"'{words_text(words, max(0, match.start - 2), match.end)}' is negated.")
            continue
        fired[match.value] = Indicator(
            match.value, rules.indicators[match.value].weight, words_text(words, match.start, match.end)
        )
    past: list[tuple[int, int]] = []
    for hit in grammar.find(reading):
        key = hit.indicator
        if key == PAST_TIME:
            if not hit.negated and (hit.end >= len(words) or words[hit.end] not in _DURATION_AFTER):
                past.append((hit.start, hit.end))
            continue
        if key not in rules.indicators or key in fired or key in denied or hit.start in neutral:
            continue
        if grammar.vetoed(words, key, hit.start, hit.end):
            continue
        if key in SUPPOSED_DANGERS and hit.start in supposed:
            notes.append(f"'{words_text(words, hit.start, hit.end)}' is asked about, not told.")
            continue
        if hit.negated:
            notes.append(f"'{words_text(words, max(0, hit.start - 2), hit.end)}' is negated.")
            continue
        fired[key] = Indicator(key, rules.indicators[key].weight, words_text(words, hit.start, hit.end))
    if "minor_involved" not in fired and "minor_involved" not in denied:
        age = (
            _minor_age_evidence(words, rules.minor_age)
            or _bracketed_age(reading, rules.minor_age)
            or _own_or_relatives_age(reading, rules.minor_age)
        )
        if age:
            fired["minor_involved"] = Indicator("minor_involved", rules.indicators["minor_involved"].weight, age)
    occurrences = grammar.occurrences(words)
    if (
        "minor_involved" in fired
        and "sexual_exploitation" not in fired
        and "sexual_exploitation" not in denied
        # "nou nan yon otel ak timoun mwen yo": the caller's own children, with them, are no child
        # kept in a hotel (the grammar's veto on the child-and-clients patterns, read over the report).
        and not grammar.vetoed(words, "sexual_exploitation", 0, len(words))
    ):
        # "mi hija de 13 ya le mandó fotos": a child who has already sent images to someone asking for
        # them is sexually exploited online (the labelling rules), however the age was said; so is a
        # child kept in a cantina or a boate, or in a room with men ("minha filha de 16 tá numa boate").
        signs = [
            (start, end)
            for family in CHILD_SEX_FAMILIES
            for start, end in occurrences.get(family, ())
            if not grammar.negated(reading, start, end, negations)
        ]
        if signs:
            fired["sexual_exploitation"] = Indicator(
                "sexual_exploitation", rules.indicators["sexual_exploitation"].weight, words_text(words, *signs[0])
            )
    for key in list(fired):
        for implied in rules.indicators[key].implies:
            if implied not in fired and implied not in denied:
                fired[implied] = Indicator(implied, rules.indicators[implied].weight, f"implied by {key}")
    for combination in rules.combinations:
        if combination.required <= fired.keys() and combination.implies not in fired.keys() | denied:
            implied_rule = rules.indicators[combination.implies]
            fired[combination.implies] = Indicator(
                combination.implies, implied_rule.weight, "implied by " + " and ".join(sorted(combination.required))
            )
            notes.append(combination.reason)
            for implied in implied_rule.implies:
                if implied not in fired and implied not in denied:
                    fired[implied] = Indicator(
                        implied, rules.indicators[implied].weight, f"implied by {combination.implies}"
                    )
    if answers.get("movement_restricted") is True and "held_now" not in fired:
        fired["held_now"] = Indicator("held_now", rules.indicators["held_now"].weight, ANSWER_EVIDENCE)
    held = fired.get("held_now")
    if held is not None and held.evidence != ANSWER_EVIDENCE:
        escaped = [s for s, _ in occurrences.get("ESCAPED", ())]
        if escaped:
            # "Me tuvieron encerrada pero me escapé": held then, not now.
            del fired["held_now"]
            notes.append(f"'{words[escaped[0]]}': the person held seems to have got away.")
    if _a_regular_offer(fired, occurrences, rules):
        # "Me ofrecieron trabajo… dan contrato escrito, no piden nada", "yo fè m siyen yon kontra, yo pa
        # mande m okenn kòb": an offer with a contract and no fee asked is no deception.
        del fired["deceived_about_job"]
        notes.append("The offer comes with a contract and asks no fee: no sign of deception.")
    fair_job = _a_fair_job(fired, occurrences, rules)
    if fair_job:
        # "trabajo en una maquila, el supervisor grita… pero sí pagan", "pay come every friday tho",
        # "ganha pouco mas volta pra casa todo dia": low pay, long hours or a harsh boss, in a job that
        # pays on time or that the worker goes home from, is a complaint about work, not exploitation.
        for key in [key for key in fired if rules.indicators[key].trafficking]:
            del fired[key]
        notes.append("The job pays on time or the worker goes home: a complaint about work, not exploitation.")
    safe = occurrences.get("SAFE_NOW", ())
    if safe:
        # "Lo abandonaron en Chiapas, ya está en casa y a salvo": the danger is over.
        last_safe = safe[-1][0]
        danger_after = any(
            start > last_safe for family in _DANGER_AFTER_SAFE for start, _ in occurrences.get(family, ())
        )
        for key in PAST_WHEN_SAFE if danger_after else (*PAST_WHEN_SAFE, *PAST_WHEN_SAFE_LAST):
            if key in fired and fired[key].evidence != ANSWER_EVIDENCE:
                del fired[key]
                notes.append(f"'{words_text(words, *safe[0])}': the danger seems to be over.")
    if past and not occurrences.get("STILL"):
        # "Hace cinco años me tuvieron encerrada": told as past, with no word of now or still, the
        # dangers of the moment were then; the exploitation itself still counts.
        for key in PAST_WHEN_TOLD_AS_PAST:
            if key in fired and fired[key].evidence != ANSWER_EVIDENCE:
                del fired[key]
                notes.append(f"'{words_text(words, *past[0])}': the danger was in the past.")
    score = min(100, sum(indicator.weight for indicator in fired.values()))
    level, reasons, by_floor = _level(score, fired.keys(), rules, {k: i.evidence for k, i in fired.items()})
    capped = None
    if by_floor and level == "high" and _a_child_on_the_road(fired):
        # "Estamos en Necoclí, mi niño tiene 6, ¿es seguro el bote?": a child crossing with their
        # family, with no sign of exploitation or danger, is no child in exploitation (the labelling
        # rules' high), so the child floor does not hold the band; the crossing's own signs set it,
        # and the learned reader may read it lower.
        by_floor = False
    if rank_of(level, rules) > rank_of(SAFE_CAP, rules) and not answered(fired):
        if _over_and_safe(occurrences, words):
            # "Ya me escapé, estoy en casa de una amiga; todavía tiene mi pasaporte": exploitation that
            # is over, told from safety, is medium whatever signs of control it recounts, unless a
            # danger is named after the words of safety ("me escapé pero me anda buscando").
            capped = f"The person has got away or is safe now: exploitation that is over is {SAFE_CAP}."
        elif occurrences.get("NOT_YET") and not fired.keys() & NOW_DANGERS:
            # "Tengo 17, me ofrecen trabajo en Panamá... todavía no me voy", "li poko voye anyen": an
            # offer or a solicitation not acted on yet is medium, a child's included.
            capped = f"Nothing has been sent or done yet: an offer or a request not acted on is {SAFE_CAP}."
        elif _an_offer_only(fired, rules):
            # "Tengo 16, un señor de Facebook me ofrece trabajo en la capital, ¿es seguro?": a job offer
            # that looks deceptive, with no sign of control or danger yet, is medium, a child's
            # included (the labelling rules' "a deceptive job offer").
            capped = f"Only an offer, with no sign of control or danger yet: a deceptive offer is {SAFE_CAP}."
        if capped:
            level, by_floor = SAFE_CAP, False
            reasons = (*reasons, capped)
    if fair_job and level != rules.levels[0] and not answered(fired):
        level, capped, by_floor = rules.levels[0], None, False
        reasons = (*reasons, "A complaint about work in a job that pays or lets the worker go home: low.")
    hypothetical = occurrences.get("IF") or occurrences.get("HYPOTHETICAL")
    if occurrences.get("LAW_QUESTION") and hypothetical and level != "critical" and not answered(fired):
        # "If my boss makes me do unpaid overtime, is that trafficking?": a question about the law
        # on a case that may not be one is an information request, whatever it mentions.
        level, capped = rules.levels[0], None
        reasons = (*reasons, "The report asks whether something is a crime: an information request.")
    # "is it safe to go with him", "eske m ka fe l konfyans": asked by its words, without a question mark.
    asks = bool(reading.questions) or bool(occurrences.get("ASKED_BY_FORM"))
    if asks and not answered(fired) and level != rules.levels[0]:
        asked = _an_information_request(fired, occurrences)
        if asked:
            # "I'm writing a thesis on restavèk children, do you have figures?", "estoy en Tijuana con mi
            # hija de 5 años, ¿hay albergues?": a question that reports no incident is an information
            # request, whatever child or topic it names.
            level, capped = rules.levels[0], asked
            reasons = (*reasons, asked)
    ordered = tuple(sorted(fired.values(), key=lambda i: (-i.weight, i.key)))
    by_floor = by_floor and level != rules.levels[0]
    return RiskAssessment(level, score, ordered, rules.version, reasons + tuple(notes), by_floor, capped)


# The band of exploitation that is over, told from safety (the labelling rules' "past exploitation where
# the person is now safe").
SAFE_CAP = "medium"
# Dangers of the moment that no "not yet" talks down.
NOW_DANGERS = frozenset(
    {"kidnapping", "weapon", "held_now", "in_danger_now", "abandoned_in_danger", "followed", "in_custody"}
)
# The signs without which many signs of control do not add up to the top band: the dangers of the
# moment, and an organ about to be taken.
_DANGERS_FOR_THE_SCORE = NOW_DANGERS | {"organ_removal"}
# Word families that, after the last word of escape or safety, say the danger goes on.
_DANGER_AFTER_ESCAPE = (
    *_DANGER_AFTER_SAFE,
    *("FOLLOW", "SEARCH_ME", "STILL_THERE", "ABANDON", "NO_SUPPLIES", "DANGER", "ADRIFT", "HEAT_SICK"),
)


# The signs of an offer: an offer is not yet exploitation.
OFFER_SIGNS = frozenset({"recruitment_lure", "deceived_about_job"})
# Signs beside an offer that say it has gone further than an offer.
_BEYOND_AN_OFFER = NOW_DANGERS | {"possible_danger", "imminent_movement", "injured_or_ill"}


def _a_regular_offer(
    fired: Mapping[str, Indicator], occurrences: Mapping[str, tuple[tuple[int, int], ...]], rules: RiskRules
) -> bool:
    """A job offer, the only sign, said to come with a contract or to ask no money (the grammar's
    REGULAR_OFFER), with no fee, advance or charge named (FEE_ASKED)."""
    trafficking = {key for key in fired if rules.indicators[key].trafficking}
    regular = occurrences.get("REGULAR_OFFER", ())
    if trafficking != {"deceived_about_job"} or fired["deceived_about_job"].evidence == ANSWER_EVIDENCE or not regular:
        return False
    said_regular = {p for start, end in regular for p in range(start, end)}
    # "yo pa mande m okenn kòb", "not asking for any money": a fee denied inside the words of a
    # regular offer is no fee asked.
    return all(start in said_regular for start, _ in occurrences.get("FEE_ASKED", ()))


# The signs a complaint about work can carry: pay that is low or late, hours, a harsh boss.
_WORK_COMPLAINT = frozenset({"forced_labour", "deceived_about_job"})


def _a_fair_job(
    fired: Mapping[str, Indicator], occurrences: Mapping[str, tuple[tuple[int, int], ...]], rules: RiskRules
) -> bool:
    """Signs of a hard job only, in a job said to pay on time or that the worker goes home from every
    day (the grammar's PAID_AND_FREE): beside them only who the worker is (a child, a migrant), no sign
    of control, a crossing, an injury or a danger of the moment."""
    if not occurrences.get("PAID_AND_FREE") or answered(fired):
        return False
    others = {key for key in fired if key not in _WORK_COMPLAINT and not rules.indicators[key].group}
    return bool(fired.keys() & _WORK_COMPLAINT) and others <= {"crossed_border"}


def _an_offer_only(fired: Mapping[str, Indicator], rules: RiskRules) -> bool:
    trafficking = {key for key in fired if rules.indicators[key].trafficking}
    return bool(trafficking) and trafficking <= OFFER_SIGNS and not fired.keys() & _BEYOND_AN_OFFER


# Signs that a question may name as who is asking or travelling, with no incident: a child, people on
# the road.
_ASKER_SIGNS = frozenset({"minor_involved", "irregular_migrant", "crossed_border"})
# Signs of a crossing being planned or priced: a smuggler named, a price asked.
_PLANNED_CROSSING_SIGNS = frozenset({"smuggler_involved", "paid_to_cross_border", "money_demanded"})


# A question about a topic, not a case: its signs are the topic's (routing.classify reads no case type).
RESEARCH_ASKED = "The report asks for figures or research: an information request."
MEDIA_ASKED = "The report asks about a film, the news or school work: an information request."
TOPIC_QUESTIONS = frozenset({RESEARCH_ASKED, MEDIA_ASKED})


def _an_information_request(
    fired: Mapping[str, Indicator], occurrences: Mapping[str, tuple[tuple[int, int], ...]]
) -> str | None:
    """Why a question reports no incident (asked of a report with a question clause), or None."""
    # A danger of the moment is never an information request, whatever else the report asks about:
    # "soy periodista y tienen secuestrado a mi camarógrafo, ¿qué hago?", "vi en las noticias que
    # secuestraron a mi primo". (A danger named only as the topic of a film or research is left to
    # the reader, which may lower a critical band it gives under 10%.)
    if fired.keys() & NOW_DANGERS:
        return None
    if occurrences.get("RESEARCH"):
        return RESEARCH_ASKED
    if occurrences.get("MEDIA") and "sexual_exploitation" not in fired:
        # "I watched a movie about girls forced to work in bars, does that happen?": what the caller
        # saw or studies. Not a child's "show" or "filme" for men: a film made of someone is no topic.
        return MEDIA_ASKED
    if occurrences.get("ASKS_SERVICE") and fired.keys() <= _ASKER_SIGNS:
        return "The report asks for a shelter or papers, with no incident: an information request."
    if (
        occurrences.get("SAFETY_Q")
        # "ya le pagamos la mitad, ¿es seguro?": paid is medium; "ainda não paguei" is not paid.
        and not _said_at(occurrences, "PAID_PAST")
        and fired.keys() <= _ASKER_SIGNS | _PLANNED_CROSSING_SIGNS
    ):
        # "mi hijo de 17 se quiere ir con un coyote, ¿es peligroso?": a question about a crossing or a
        # plan, nothing done to anyone yet (the labelling rules' questions about hiring a coyote).
        return "The report asks whether a crossing or a plan is safe, with no incident: an information request."
    return None


def _said_at(occurrences: Mapping[str, tuple[tuple[int, int], ...]], *families: str) -> list[int]:
    """Where the families occur with no negation right before them, or one word before them ("eles
    não soltaram ninguém", "il m'a pas suivie", "ainda não paguei", "todavía no le pagamos" deny it)."""
    denied = {end for _, end in occurrences.get("NEG", ())}
    return [
        start
        for family in families
        for start, _ in occurrences.get(family, ())
        if start not in denied and start - 1 not in denied
    ]


# Signs of a crossing, and of the people crossing, that say nothing of exploitation or danger.
_CROSSING_SIGNS = frozenset({"smuggler_involved", "paid_to_cross_border", "crossed_border"})
_CROSSING_ONLY = _CROSSING_SIGNS | {"minor_involved", "irregular_migrant", "pregnant"}


def _a_child_on_the_road(fired: Mapping[str, Indicator]) -> bool:
    """A child among people crossing a border, and nothing else: no exploitation, no danger."""
    keys = set(fired)
    return "minor_involved" in keys and keys <= _CROSSING_ONLY and bool(keys & _CROSSING_SIGNS)


def rank_of(level: str, rules: RiskRules) -> int:
    return rules.levels.index(level)


# The dangers of the moment, and being kept, that a question "what if…" only supposes: "¿y si allá me
# quitan el pasaporte o me encierran?", "et si le passeur nous abandonne dans la jungle, on fait quoi ?".
# Not a threat of harm, a weapon or a pursuit: "¿y si me voy y me matan?", "e se eu sair eles me matam,
# o que eu faço?" tell a threat made on a condition, which is a danger of the moment.
SUPPOSED_DANGERS = frozenset(
    {"held_now", "abandoned_in_danger", "abandoned_by_smuggler", "in_custody", "movement_restricted"}
    | {"documents_withheld"}
)


def _supposed(reading: Reading, grammar: Grammar) -> frozenset[int]:
    """The words a question's "what if" governs ("y si", "et si", "e se", "epi si", "what if"): from it
    to the end of its clause, when that clause or the next is asked as a question."""
    words, clauses = reading.words, reading.clauses
    inside: set[int] = set()
    for start, end in grammar.occurrences(words).get("WHAT_IF", ()):
        clause = clauses[start]
        if clause not in reading.questions and clause + 1 not in reading.questions:
            continue
        position = end
        while position < len(words) and clauses[position] == clause:
            inside.add(position)
            position += 1
    return frozenset(inside)


def answered(fired: Mapping[str, Indicator]) -> bool:
    return any(indicator.evidence == ANSWER_EVIDENCE for indicator in fired.values())


def _over_and_safe(occurrences: Mapping[str, tuple[tuple[int, int], ...]], words: tuple[str, ...]) -> bool:
    """Whether the report says the person got away or is safe now, with no danger named after it.

    A danger told after the escape in the imperfect ("ya me salí porque... nos encerraban", "j'ai fui,
    il m'enfermait", "escapei, ele trancava o galpão") is the story of what was, not a danger going on."""
    marks = _said_at(occurrences, "GOT_AWAY", "SAFE_NOW")
    if not marks:
        return False
    last = max(marks)
    return not any(
        start > last and not _imperfect(words[start]) for start in _said_at(occurrences, *_DANGER_AFTER_ESCAPE)
    )


# The endings of the imperfect, the tense of what used to happen, in Spanish, Portuguese and French
# ("encerraban", "trancava", "enfermait"); "acaban" (run out, now) is not one.
_IMPERFECT_ENDINGS = ("aba", "aban", "ava", "avam", "ait", "aient")
_NOT_IMPERFECT = ("acab",)


def _imperfect(word: str) -> bool:
    return len(word) >= 6 and word.endswith(_IMPERFECT_ENDINGS) and not word.startswith(_NOT_IMPERFECT)


def trafficking_indicator_keys(assessment: RiskAssessment, rules: RiskRules) -> frozenset[str]:
    return frozenset(k for k in assessment.keys if rules.indicators[k].trafficking)


def _level(
    score: int, keys: Any, rules: RiskRules, evidence: Mapping[str, str] | None = None
) -> tuple[str, tuple[str, ...], bool]:
    """The band, why, and whether a firm danger floor of that band applies."""
    # Two indicators read from the same words are one sign, not two.
    evidence = evidence or {}
    rank = {level: position for position, level in enumerate(rules.levels)}
    level = next((band for band, threshold in rules.score_bands if score >= threshold), rules.levels[0])
    reasons = [f"Score {score} puts the report at {level} or above."]
    trafficking_count = len(
        {
            evidence.get(k, k) if evidence.get(k) != ANSWER_EVIDENCE else k
            for k in keys
            if rules.indicators[k].trafficking
        }
    )
    if LURE <= set(keys) and evidence.get("recruitment_lure") != evidence.get("deceived_about_job"):
        # A job offer that is also a recruitment lure is one sign read twice, not two.
        trafficking_count -= 1
    floored = set()
    reached = set()
    for floor in rules.floors:
        if floor.required <= keys and trafficking_count >= floor.min_trafficking:
            reached.add(floor.level)
            if floor.firm:
                floored.add(floor.level)
            if rank[floor.level] > rank[level]:
                level = floor.level
                reasons.append(f"{floor.reason} That makes it {floor.level}.")
    top = rules.levels[-1]
    if level == top and top not in reached and not set(keys) & _DANGERS_FOR_THE_SCORE:
        # Many signs of control add up past the top band's score, but danger now is what makes a
        # report critical (the labelling rules): with none of the dangers of the moment named, it is high.
        level = rules.levels[-2]
        reasons.append(f"No danger of the moment is named: {level}.")
    if not keys:
        reasons = ["No risk indicator was found; treated as an information request."]
    # A firm floor of this band applies, whether or not the score had already reached it.
    return level, tuple(reasons), level in floored


def _bracketed_age(reading: Reading, rule: MinorAgeRule) -> str | None:
    # "one of my students (17)", "mi sobrina, 15, ...", "une fille de notre communauté, 15 ans, ...":
    # a figure under 18, alone or with its unit, standing as a clause right after a word is how
    # people write an age.
    words, clauses = reading.words, reading.clauses
    for position, word in enumerate(words):
        if not word.isdigit() or int(word) >= rule.below or position == 0:
            continue
        end = position + 1
        if end < len(words) and words[end] in rule.units and clauses[end] == clauses[position]:
            # "..., 15 años, ...": an age after a word for a person, else perhaps how long
            said_of = {w for w, c in zip(words[:position], clauses, strict=False) if c == clauses[position - 1]}
            if not said_of & (rule.persons | rule.relatives):
                continue
            end += 1
        alone = clauses[position - 1] != clauses[position] and (end == len(words) or clauses[end] != clauses[position])
        if alone:
            return words_text(words, position - 1, end)
    return None


def _own_or_relatives_age(reading: Reading, rule: MinorAgeRule) -> str | None:
    """A bare figure under the age that a person gives as their own ("tengo 14 y no me quiero ir",
    "I'm 17 and...") or a relative's ("mi hija d 16", "minha filha de dezesseis")."""
    words, clauses = _figures(reading.words, rule), reading.clauses
    for position, word in enumerate(words):
        if not word.isdigit() or int(word) >= rule.below or position == 0:
            continue
        following = words[position + 1] if position + 1 < len(words) else ""
        if following in NOT_AGE_UNITS:
            continue
        before = words[max(0, position - 2) : position]
        if before[-1:] in (("de",), ("d",)) and len(before) == 2 and before[0] in rule.relatives:
            return words_text(words, position - 2, position + 1)
        ends = position + 1 == len(words) or clauses[position + 1] != clauses[position] or following in _AFTER_OWN_AGE
        for phrase in rule.first_person:
            if ends and tuple(words[position - len(phrase) : position]) == phrase:
                return words_text(words, position - len(phrase), position + 1)
    return None


def _figures(words: tuple[str, ...], rule: MinorAgeRule, pairs: bool = False) -> tuple[str, ...]:
    """The words with ages written in words replaced by their figures ("catorce años" -> "14 años");
    with `pairs`, a number of two words becomes one figure ("dix-sept ans" -> "17 ans"), so the
    result is shorter than the words and no longer lines up with their clauses."""
    if not any(word in rule.number_words or word in rule.number_words_before_unit for word in words):
        return words
    figures: list[str] = []
    skip = False
    for position, word in enumerate(words):
        if skip:
            skip = False
            continue
        following = words[position + 1] if position + 1 < len(words) else ""
        pair = rule.number_pairs.get((word, following)) if pairs else None
        if pair is not None:
            figures.append(str(pair))
            skip = True
            continue
        number = rule.number_words.get(word)
        if number is None and following in rule.units:
            number = rule.number_words_before_unit.get(word)
        figures.append(word if number is None else str(number))
    return tuple(figures)


def _minor_age_evidence(words: tuple[str, ...], rule: MinorAgeRule) -> str | None:
    # "tiene 15 años", "a 14-year-old girl", "elle a 16 ans": a number under 18 followed by an age
    # unit, and framed as an age (a verb or preposition before it, or "old" after it), so
    # "5 años trabajando" is not read as a child. Ages written in words count as their figures.
    words = _figures(words, rule, pairs=True)
    for position, word in enumerate(words):
        if not word.isdigit() or int(word) >= rule.below:
            continue
        previous = words[position - 1] if position else ""
        if previous in rule.duration_before:
            continue
        following = words[position + 1] if position + 1 < len(words) else ""
        if previous in rule.bare_after and following not in NOT_AGE_UNITS:
            return words_text(words, position - 1, position + 1)
        if (
            position >= 2
            and previous == "a"
            and words[position - 2].isdigit()
            and int(words[position - 2]) < rule.below
        ):
            return words_text(words, position - 2, position + 1)  # "señoritas de 15 a 17"
        if following not in rule.units:
            continue
        framed_before = position > 0 and words[position - 1] in rule.before
        framed_after = any(words[position + 2 : position + 2 + len(after)] == after for after in rule.after)
        if framed_before or framed_after:
            start = position - 1 if framed_before else position
            return words_text(words, start, position + 2)
    return None
