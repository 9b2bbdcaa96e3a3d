"""A second reader learned from labelled reports: case type, risk band and whether the place named is
where it happens, from the words and the rules' signs.

The indicator grammar reads what it was written to read, and misses what it was not (a plain report
of unpaid work with no word of force reads as "unclear"). This reader is a linear model (multinomial
logistic regression) over the report's word stems, the grammar's word families, the indicators the
rules fired and the rules' own answers, trained by `python -m bench.train_triage` on the
development reports and shipped as data (rules/reader.json). Scoring is a dictionary lookup per
feature, so it stays pure and fast, and it is explainable: the features that weighed most for its
answer are given as its reasons.

The engine asks it only where the rules are unsure (see `routing.engine`): its answer replaces the
rules' when it is confident enough and no danger floor of the rules says otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

READER_PATH = Path(__file__).with_name("rules") / "reader.json"
# Words shorter than this carry little meaning alone ("la", "me", "pa"); they enter only in pairs.
MIN_WORD = 3
# Words are cut to this many letters, so "obligan", "obligaron" and "obligada" are one feature.
STEM_LETTERS = 5
# Words at least this long also give their runs of this many letters, edges marked ("<ence",
# "rada>"): the ends of words and the spellings of five languages that the cut stem misses
# ("trancaram", "fèmen", "lockd"). On ten pools held out in turn they read risk 0.7 points better
# and 8 fewer critical reports as low or medium (bench/results/triage-reader-cross-round7.txt).
# Only the risk head is trained on them (bench/train_triage.py GRAM_HEADS); the others ignore them.
GRAM_WORD = 5
GRAM = 5
GRAM_PREFIX = "c:"
# The features that say how a report's words of danger are told (routing.engine.context_features);
# like the runs of letters, only the risk head is trained on them.
CONTEXT_PREFIXES = ("x:", "note:")


def stem(word: str) -> str:
    if word.isdigit():
        return "#" if len(word) < 3 else "#money"
    return word[:STEM_LETTERS]


def features(
    words: Sequence[str],
    families: Iterable[str],
    indicators: Iterable[str],
    level: str,
    case_type: str,
    channel: str,
    asks: bool = False,
    capped: bool = False,
    context: Iterable[str] = (),
) -> tuple[str, ...]:
    """The report as the reader sees it: a set of named features (the same at training and at routing).

    `asks` says the text has a question mark, `capped` that the rules held the band down (an offer,
    exploitation that is over, nothing sent yet: routing.risk): two shapes of a report that its words
    alone do not carry; `context` names how its words of danger are told (routing.engine.context_features)."""
    found: set[str] = {f"rules_level:{level}", f"rules_case:{case_type}", f"channel:{channel}"}
    if asks:
        found.add(ASKS)
    if capped:
        found.add("rules_capped")
    stems = [stem(w) for w in words]
    for position, word in enumerate(words):
        if len(word) >= MIN_WORD or word.isdigit():
            found.add(f"w:{stems[position]}")
        if position:
            found.add(f"p:{stems[position - 1]}_{stems[position]}")
        if len(word) >= GRAM_WORD and not word.isdigit():
            marked = f"<{word}>"
            found.update(f"{GRAM_PREFIX}{marked[i : i + GRAM]}" for i in range(len(marked) - GRAM + 1))
    found.update(f"family:{f}" for f in families)
    found.update(context)
    keys = sorted(indicators)
    found.update(f"sign:{k}" for k in keys)
    if not keys:
        found.add("sign:none")
    return tuple(sorted(found))


# The third question: is the place the text names where it happens? The rules' answer is always
# "incident"; the reader may say "not" (a question about working in a country, a town on the way),
# and the location then falls back to the phone's country (routing.location.not_the_place).
PLACE = "place"
ASKS = "q:mark"
PLACE_LABELS = ("incident", "not")


def place_features(
    found: Iterable[str], evidence: Iterable[str], caller_country: str | None, asks: bool
) -> tuple[str, ...]:
    """The report's features for the place question: the reading's, the shape of the places named
    (routing.location.text_evidence), whether a phone places the caller, and a question mark."""
    extra = {f"loc:{item}" for item in evidence}
    extra.add("phone:yes" if caller_country else "phone:no")
    if asks:
        extra.add(ASKS)
    return tuple(sorted({*found, *extra}))


@dataclass(frozen=True)
class Head:
    """One question the reader answers (case type, risk band): a linear model over the features."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    def probabilities(self, found: Iterable[str]) -> dict[str, float]:
        # One lookup per feature, in C: a report has hundreds of features, most unknown to a head.
        rows = [row for row in map(self.weights.get, found) if row is not None]
        # Column sums in one pass (zip(*rows) transposes in C): route() calls this twice a report.
        totals = (
            [bias + sum(column) for bias, column in zip(self.bias, zip(*rows, strict=True), strict=True)]
            if rows
            else list(self.bias)
        )
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        whole = sum(exps)
        return {label: e / whole for label, e in zip(self.labels, exps, strict=True)}

    def why(self, found: Iterable[str], label: str, count: int = 3) -> tuple[str, ...]:
        """The features that pushed hardest towards `label` against the other answers."""
        index = self.labels.index(label)
        pulls: list[tuple[float, str]] = []
        for name in found:
            row = self.weights.get(name)
            if row is None:
                continue
            others = [w for i, w in enumerate(row) if i != index]
            pull = row[index] - sum(others) / len(others)
            if pull > 0:
                pulls.append((pull, name))
        pulls.sort(reverse=True)
        return tuple(name for _, name in pulls[:count])


@dataclass(frozen=True)
class Reader:
    version: str
    heads: Mapping[str, Head]
    # Above this probability the reader's answer may replace the rules' (per head).
    thresholds: Mapping[str, float]
    # How far it may: "any" (any answer), "raise-only" (a risk band only upwards: the rules' danger
    # floors stand), "keep-critical" (any band, but a critical reading of the rules stands: the floors
    # for kidnapping, weapons, people held now... are never talked down), "soften-critical" (as
    # keep-critical, except that a critical band resting only on floors that read danger from signs
    # of control, "kept from leaving", may come down to high and no further; a critical band a firm
    # floor holds comes down only as `firm_top_below` says, and a lower band a firm floor holds, such
    # as high for a child involved, only by an answer at least as sure as `firm_floor_thresholds`
    # asks), "unclear-only" (a case type only where the rules found none).
    modes: Mapping[str, str]
    # In "soften-critical", how sure the reader must be to read a band below the one a firm floor
    # under the top band holds (high for a child involved): a family crossing with its children asking
    # for a shelter, a student asking for figures on children in the bateyes, a job offered to a
    # sixteen-year-old that nothing has come of yet. Absent, such a band is never lowered.
    firm_floor_thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    # In "soften-critical", a critical band a firm floor holds comes down only when the reader gives
    # the top band less than this chance: the floor's words in a report that, read whole, is like
    # those labelled below critical ("podemos salir, pero sin papeles", a migrant waiting for an
    # appointment). Such an answer is flagged for review (routing.confidence). Absent, never. Below
    # this chance, a critical band no firm floor holds may also come down further than high (a
    # journalist asking about kidnappings on the route).
    firm_top_below: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class SecondReading:
    """The reader's answer to one question, and whether it replaces the rules' answer."""

    question: str
    answer: str
    probability: float
    rules_answer: str
    replaces: bool
    why: tuple[str, ...]
    # The answer replaces a critical band that a firm floor of the rules held.
    past_floor: bool = False

    @property
    def agrees(self) -> bool:
        return self.answer == self.rules_answer


MODES = ("any", "raise-only", "keep-critical", "soften-critical", "unclear-only")


# Fewer words than this and the reader only gives its view: it learned from written reports.
MIN_REPORT_WORDS = 5


# How sure the reader must be that a report the rules read as a case is no case ("unclear").
UNCLEAR_OVER_SIGNS = 0.5


def second_reading(
    reader: Reader,
    question: str,
    found: Sequence[str],
    rules_answer: str,
    words: int,
    answered: bool = False,
    floored: bool = False,
) -> SecondReading | None:
    """What the reader answers to `question` for these features, and whether it overrides the rules.

    `words` is the report's length; `answered` says the reporter also answered the conversation's
    questions, which the reader never saw in training: then it may only raise a risk band and only
    name a case type the rules left unclear, never talk an answer down (the place question is not
    about the answers and reads as without them). `floored` says a firm floor of the rules holds
    their band (routing.risk.RiskAssessment.by_floor).
    """
    head = reader.heads.get(question)
    if head is None:
        return None
    chances = head.probabilities(found)
    answer = max(head.labels, key=lambda label: chances[label])
    probability = chances[answer]
    mode = reader.modes.get(question, "any")
    if answered and question != PLACE:
        # A case type only where the rules found none. The answers say nothing of where it happens
        # (a stated place is never asked about), so the place question reads as without them.
        mode = "raise-only" if question == "risk" else "unclear-only"
    replaces = (
        words >= MIN_REPORT_WORDS and answer != rules_answer and probability >= reader.thresholds.get(question, 1.01)
    )
    if replaces and mode == "unclear-only":
        replaces = rules_answer == "unclear"
    if replaces and mode == "raise-only":
        replaces = head.labels.index(answer) > head.labels.index(rules_answer)
    if replaces and mode == "keep-critical":
        replaces = rules_answer != "critical"
    past_floor = False
    if replaces and mode == "soften-critical":
        below = reader.firm_top_below.get(question)
        unlikely = below is not None and chances[rules_answer] < below
        if rules_answer == "critical" and floored:  # a firm floor: down only when critical is unlikely
            replaces = past_floor = unlikely
        elif rules_answer == "critical":  # signs of control, or the score: to high, lower only as above
            replaces = answer == "high" or unlikely
        elif floored:  # a firm floor holds the band (a child involved): upwards, or down only when sure
            replaces = head.labels.index(answer) > head.labels.index(rules_answer) or (
                probability >= reader.firm_floor_thresholds.get(question, 1.01)
            )
    if replaces and question == "case_type" and answer == "unclear" and rules_answer != "unclear":
        # Signs the rules read as a case are not talked away on a near coin toss: "unclear" replaces
        # them only when the reader is more sure of it than of anything else together.
        replaces = probability >= UNCLEAR_OVER_SIGNS
    # The reasons are worked out only for an answer that is applied (the costlier half of the reading).
    why = head.why(found, answer) if replaces else ()
    return SecondReading(question, answer, probability, rules_answer, replaces, why, past_floor)


def compile_reader(document: Mapping[str, object]) -> Reader:
    heads: dict[str, Head] = {}
    raw_heads = document["heads"]
    if not isinstance(raw_heads, Mapping):
        raise ValueError("reader 'heads' must map a question to its model")
    for name, head in raw_heads.items():
        labels = tuple(head["labels"])
        bias = tuple(float(b) for b in head["bias"])
        if len(bias) != len(labels):
            raise ValueError(f"reader head {name!r} has {len(bias)} biases for {len(labels)} labels")
        weights = {}
        for feature, row in head["weights"].items():
            if len(row) != len(labels):
                raise ValueError(f"reader head {name!r}: feature {feature!r} has the wrong number of weights")
            weights[feature] = tuple(float(w) for w in row)
        heads[name] = Head(labels, bias, weights)  # a plain dict: looked up ~60 times a report
    thresholds = document.get("thresholds", {})
    if not isinstance(thresholds, Mapping):
        raise ValueError("reader 'thresholds' must map a question to a probability")
    modes = document.get("modes", {})
    if not isinstance(modes, Mapping) or any(mode not in MODES for mode in modes.values()):
        raise ValueError(f"reader 'modes' must map a question to one of {', '.join(MODES)}")
    firm = document.get("firm_floor_thresholds", {})
    if not isinstance(firm, Mapping) or any(not 0 < float(t) <= 1.01 for t in firm.values()):
        raise ValueError("reader 'firm_floor_thresholds' must map a question to a probability")
    top = document.get("firm_top_below", {})
    if not isinstance(top, Mapping) or any(not 0 <= float(t) <= 1 for t in top.values()):
        raise ValueError("reader 'firm_top_below' must map a question to a probability")
    return Reader(
        str(document["version"]),
        MappingProxyType(heads),
        MappingProxyType(dict(thresholds)),
        MappingProxyType(dict(modes)),
        MappingProxyType({question: float(t) for question, t in firm.items()}),
        MappingProxyType({question: float(t) for question, t in top.items()}),
    )


@lru_cache(maxsize=1)
def default_reader() -> Reader | None:
    if not READER_PATH.exists():
        return None
    with READER_PATH.open(encoding="utf-8") as handle:
        return compile_reader(json.load(handle))
