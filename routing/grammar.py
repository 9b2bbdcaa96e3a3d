"""The indicator grammar: word families, words near each other, and negation that flips only what it governs.

A report is read once: each word is looked up (a dictionary hit, or a stem checked against the few
stems that share its first letters) for the word families it belongs to, then every pattern that
starts with one of those families is tried forward within its clause. The families and patterns are
data (rules/grammar.json), so an operator's new euphemism is a line, not code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from routing.text import MIN_STEM, normalise

GRAMMAR_PATH = Path(__file__).with_name("rules") / "grammar.json"
# Punctuation that ends a clause: negation and word patterns never reach across it.
_CLAUSE_BREAK = re.compile(r"[.;:!?\n,¡¿()\[\]\"“”]+")
# The same, keeping the breaks: re.split then gives clauses at the even places, breaks at the odd.
_CLAUSE_SPLIT = re.compile(f"({_CLAUSE_BREAK.pattern})")
_SURFACE_WORD = re.compile(r"[^\W_]+")
# The family every sum of money belongs to ("piden 4000", "say we owe 4000 more"); ages and
# counts of people have fewer digits.
NUMBER = "NUMBER"
MONEY_DIGITS = 3


@dataclass(frozen=True)
class Reading:
    """A text as the triage reads it: normalised words, the clause of each, and how each was written."""

    words: tuple[str, ...]
    clauses: tuple[int, ...]
    # The word as typed, lower-cased with its accents ("quitó"), and whether it was capitalised
    # mid-sentence; empty and False when the text could not be aligned word for word.
    surfaces: tuple[str, ...]
    capitalised: tuple[bool, ...]
    # The language the text was read as, when known: some negation words are ordinary words in
    # another language (Haitian "pa" is "para" in Caribbean Spanish: "pa montar gente en yola").
    language: str | None = None
    # The clauses asked as questions ("¿hay albergues en México?", "is there a shelter in Belize?").
    questions: frozenset[int] = frozenset()


def read_text(text: str) -> Reading:
    """Split a text into normalised words, keeping clause numbers and the typed form of each word."""
    words: list[str] = []
    clauses: list[int] = []
    surfaces: list[str] = []
    capitalised: list[bool] = []
    parts = _CLAUSE_SPLIT.split(text)
    breaks = parts[1::2]
    for number, clause in enumerate(parts[0::2]):
        first = True
        for match in _SURFACE_WORD.finditer(clause):
            typed = match.group()
            for part in _normal_parts(typed):
                words.append(part)
                clauses.append(number)
                surfaces.append(typed.casefold())
                capitalised.append(typed[:1].isupper() and not first and not typed.isupper())
                first = False
    # Clause n stands between break n-1 and break n: a question opens with "¿" or ends with "?".
    questions = frozenset(
        number
        for number in range(len(breaks) + 1)
        if (number < len(breaks) and "?" in breaks[number]) or (number > 0 and "¿" in breaks[number - 1])
    )
    return Reading(tuple(words), tuple(clauses), tuple(surfaces), tuple(capitalised), questions=questions)


@lru_cache(maxsize=100_000)
def _normal_parts(typed: str) -> tuple[str, ...]:
    # Words recur from report to report; normalising each once keeps a reading one lookup a word.
    return tuple(normalise(typed).split())


def reading_of_words(words: tuple[str, ...]) -> Reading:
    """A reading of words already normalised, as one clause and with no typed forms."""
    return Reading(words, (0,) * len(words), ("",) * len(words), (False,) * len(words))


@dataclass(frozen=True)
class Hit:
    """An indicator found by a pattern: the words it spans and whether a negation governs it."""

    indicator: str
    start: int
    end: int
    negated: bool


@dataclass(frozen=True)
class _Element:
    """One entry of a word family: words that must follow each other, each exact or a stem."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class _Veto:
    """An indicator's verb (a word of family `verbs`) whose object is a word of `family` nearby."""

    verbs: str
    family: str
    after: int
    before: int
    # Instead: every word of `verbs` in the span stands inside a phrase of `family` ("with my kids":
    # the caller's own children, with them, are no child in the clients' context).
    inside: bool = False


@dataclass(frozen=True)
class _Pattern:
    indicator: str
    seq: tuple[str, ...]
    gap: int
    starts_negative: bool
    within_clause: bool = True
    negatable: bool = True


class Grammar:
    """Word families and patterns compiled for one pass over a reading."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version: str = document["version"]
        self.scope = int(document.get("scope", 3))
        self.breakers = frozenset(normalise(w) for w in document.get("scope_breakers", ()))
        self.negation_after = frozenset(normalise(w) for w in document.get("negation_after", ()))
        # Negation words that are nouns after a determiner: French "personne le menace" (nobody threatens
        # him) denies, "une personne blessée" (an injured person) does not.
        self.noun_after: dict[str, frozenset[str]] = {
            normalise(word): frozenset(normalise(d) for d in determiners)
            for word, determiners in document.get("negation_noun_after", {}).items()
        }
        self.vetoes: dict[str, list[_Veto]] = {}
        for entry in document.get("object_vetoes", ()):
            for family in (entry["verbs"], entry["family"]):
                if family not in document["concepts"]:
                    raise ValueError(f"object veto names unknown family {family!r}")
            veto = _Veto(
                entry["verbs"],
                entry["family"],
                int(entry.get("after", 0)),
                int(entry.get("before", 0)),
                bool(entry.get("inside", False)),
            )
            for indicator in entry["indicators"]:
                self.vetoes.setdefault(indicator, []).append(veto)
        # Words that leave a family in a text read as some languages ("maten" is Haitian "morning";
        # the negation "pa" is Caribbean Spanish "para").
        self.not_in_family_in: dict[str, dict[str, frozenset[str]]] = {
            family: {normalise(word): frozenset(languages) for word, languages in words.items()}
            for family, words in document.get("not_in_family_in", {}).items()
        }
        # Words that leave a family where written as part of a name ("Villa Nueva" is a town).
        self.not_in_family_as_name: dict[str, frozenset[str]] = {
            family: frozenset(normalise(word) for word in words)
            for family, words in document.get("not_in_family_as_name", {}).items()
        }
        self._language_families = tuple(sorted({*self.not_in_family_in, *self.not_in_family_as_name}))
        self._exact: dict[str, set[str]] = {}
        self._stems: dict[str, list[tuple[str, str]]] = {}
        self._multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        families = dict(document["concepts"])
        patterns = []
        for entry in document["patterns"]:
            seq = tuple(entry["seq"])
            for element in seq:
                if element not in families and element != NUMBER:
                    if element.isupper():
                        raise ValueError(f"pattern for {entry['indicator']!r} names unknown family {element!r}")
                    families[element] = [element]  # a literal word in a pattern is a family of one
            patterns.append(
                _Pattern(
                    entry["indicator"],
                    seq,
                    int(entry.get("gap", 3)),
                    seq[0] == "NEG" or not entry.get("negatable", True),
                    bool(entry.get("clause", True)),
                )
            )
        for family, entries in families.items():
            for entry in entries:
                self._add(family, entry)
        self.patterns = tuple(patterns)
        self._by_first: dict[str, list[_Pattern]] = {}
        for pattern in patterns:
            self._by_first.setdefault(pattern.seq[0], []).append(pattern)
        self.indicators = frozenset(p.indicator for p in patterns)

    def _add(self, family: str, entry: str) -> None:
        words = []
        for word in entry.split():
            stem = word.endswith("*")
            parts = normalise(word.rstrip("*")).split()
            if stem and parts:
                if len(parts[-1]) < MIN_STEM:
                    raise ValueError(f"stem too short in grammar entry {entry!r}")
                parts[-1] += "*"
            words.extend(parts)
        if not words:
            return
        if len(words) > 1:
            self._multi.setdefault(words[0].rstrip("*")[:MIN_STEM] if words[0].endswith("*") else words[0], []).append(
                (tuple(words), family)
            )
            return
        word = words[0]
        if word.endswith("*"):
            self._stems.setdefault(word[:MIN_STEM], []).append((word[:-1], family))
        else:
            self._exact.setdefault(word, set()).add(family)

    @lru_cache(maxsize=50_000)  # noqa: B019 - one Grammar per process, built once
    def families_of(self, word: str) -> frozenset[str]:
        """The families a single word belongs to."""
        found = set(self._exact.get(word, ()))
        if word.isdigit() and len(word) >= MONEY_DIGITS:
            found.add(NUMBER)
        for stem, family in self._stems.get(word[:MIN_STEM], ()):
            if word.startswith(stem):
                found.add(family)
        return frozenset(found)

    @lru_cache(maxsize=50_000)  # noqa: B019 - one Grammar per process, built once
    def _phrases_from(self, word: str) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The multi-word entries whose first word this word can be, each with the rest to check."""
        return tuple(
            (entry[1:], family)
            for key in (word, word[:MIN_STEM])
            for entry, family in self._multi.get(key, ())
            if _fits(word, entry[0])
        )

    @lru_cache(maxsize=50_000)  # noqa: B019 - one Grammar per process, built once
    def _phrases_at(self, word: str, following: str) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The multi-word entries these two words can open, each with the words left to check.

        Most entries that a common word opens ("de", "la", "me") fail on the second word: keyed on
        the pair, they are ruled out once per pair of words, not once per occurrence."""
        return tuple((rest[1:], family) for rest, family in self._phrases_from(word) if _fits(following, rest[0]))

    @lru_cache(maxsize=256)  # noqa: B019 - risk, classification and confidence read the same words
    def occurrences(self, words: tuple[str, ...]) -> Mapping[str, tuple[tuple[int, int], ...]]:
        """Where each family occurs: family -> ((start, end), ...), left to right.

        One pass over the words: each word's families and the phrases each pair of words can open are
        memoised, so a report costs a few dictionary lookups per word however large the lexicon grows.
        """
        found: dict[str, list[tuple[int, int]]] = {}
        last = len(words) - 1
        for position, word in enumerate(words):
            for family in self.families_of(word):
                found.setdefault(family, []).append((position, position + 1))
            if position == last:
                continue
            for rest, family in self._phrases_at(word, words[position + 1]):
                end = position + 2 + len(rest)
                if end <= len(words) and all(_fits(w, e) for w, e in zip(words[position + 2 : end], rest, strict=True)):
                    found.setdefault(family, []).append((position, end))
        for spans in found.values():
            spans.sort()
        return MappingProxyType({family: tuple(spans) for family, spans in found.items()})

    def find(self, reading: Reading) -> list[Hit]:
        """Every indicator the patterns find, negated or not, in the order of their first word."""
        words, clauses = reading.words, reading.clauses
        found = self._in_language(self.occurrences(words), reading)
        hits: list[Hit] = []
        negations = [start for start, _ in found.get("NEG", ())]
        for first, patterns in self._by_first.items():
            for start, end in found.get(first, ()):
                for pattern in patterns:
                    elements = _extend(pattern, found, clauses, start, end)
                    if elements is None:
                        continue
                    span = (elements[0][0], elements[-1][1])
                    # A negation word that is part of a matched element ("no water", "pa gen dlo")
                    # belongs to it; one between the elements or before them negates the pattern.
                    own = {p for s, e in elements for p in range(s, e)}
                    outside = [p for p in negations if p not in own]
                    negated = not pattern.starts_negative and self.negated(reading, span[0], span[1], outside)
                    hits.append(Hit(pattern.indicator, span[0], span[1], negated))
        hits.sort(key=lambda h: (h.start, h.end))
        return hits

    def _in_language(
        self, found: Mapping[str, tuple[tuple[int, int], ...]], reading: Reading
    ) -> Mapping[str, tuple[tuple[int, int], ...]]:
        """`found` without the one-word spans that are ordinary words in the text's language, or part
        of a name."""
        dropped: dict[str, tuple[tuple[int, int], ...]] = {}
        for family in self._language_families:
            spans = found.get(family)
            if spans is None:
                continue
            kept = tuple((s, e) for s, e in spans if not (e == s + 1 and self._ordinary(family, reading, s)))
            if len(kept) != len(spans):
                dropped[family] = kept
        return {**found, **dropped} if dropped else found

    def _ordinary(self, family: str, reading: Reading, position: int) -> bool:
        """Whether the word at `position` is outside `family` here: an ordinary word of the text's
        language, or part of a name (capitalised inside a sentence)."""
        word = reading.words[position]
        languages = self.not_in_family_in.get(family, {}).get(word)
        if languages and reading.language in languages:
            return True
        named = reading.capitalised
        return word in self.not_in_family_as_name.get(family, ()) and position < len(named) and named[position]

    def vetoed(self, words: tuple[str, ...], indicator: str, start: int, end: int) -> bool:
        """Whether the verb in words[start:end] has a thing, not a person, for its object (or, for
        a veto `inside`, whether its every word of the family stands inside a phrase that vetoes it)."""
        vetoes = self.vetoes.get(indicator)
        if not vetoes or end <= start:
            return False
        found = self.occurrences(words)
        spanned = set().union(*(self.families_of(word) for word in words[start:end]))
        for veto in vetoes:
            if veto.inside:
                # A phrase of the family counts as well as a word of it ("fè m" of FORCE).
                if self._only_inside(words, veto.verbs, veto.family, start, end):
                    return True
                continue
            if veto.verbs not in spanned:
                continue
            for at, _ in found.get(veto.family, ()):
                if end <= at < end + veto.after or start - veto.before <= at < start:
                    return True
        return False

    def _only_inside(self, words: tuple[str, ...], family: str, outer: str, start: int, end: int) -> bool:
        """Whether words[start:end] hold a word of `family` and every one stands inside a phrase of
        `outer` ("timoun" inside "ak timoun mwen yo")."""
        found = self.occurrences(words)
        # Each word of the family, and each phrase of it ("fè m" of FORCE), inside the span.
        members = [p for p in range(start, end) if family in self.families_of(words[p])]
        members += [p for s, e in found.get(family, ()) if start <= s and e <= end for p in range(s, e)]
        if not members:
            return False
        covered = {p for s, e in found.get(outer, ()) for p in range(s, e)}
        return all(p in covered for p in members)

    def negations(self, reading: Reading) -> list[int]:
        words = reading.words
        return [
            position
            for position, word in enumerate(words)
            if "NEG" in self.families_of(word)
            and not self._ordinary("NEG", reading, position)
            and not (position > 0 and words[position - 1] in self.noun_after.get(word, ()))
        ]

    def negated(self, reading: Reading, start: int, end: int, negations: Iterable[int]) -> bool:
        """Whether a negation governs words[start:end]: before it within the scope, or inside it."""
        words, clauses = reading.words, reading.clauses
        if end < len(words) and words[end] in self.negation_after and clauses[end] == clauses[end - 1]:
            return True  # "il nous enferme pas": French puts the negation after the verb
        for position in negations:
            if position >= end or clauses[position] != clauses[start]:
                continue
            if start <= position < end:
                return True
            if start - position > self.scope:
                continue
            if start - position > 1 and _a_condition_before(reading, position):
                continue  # "si no pago me matan", "if I don't pay they kill me": it denies the condition
            if not any(words[between] in self.breakers for between in range(position + 1, start)):
                return True
        return False


# Words of a condition: a negation just after one ("si no pago", "if I don't pay", "si m pa peye",
# "se eu não pagar") denies the condition's verb, not what is said to follow from it ("…me matan").
# Portuguese "se" only in a Portuguese text: in Spanish it is the reflexive ("se fue, no la tienen").
_CONDITIONAL = frozenset({"si", "if"})


def _a_condition_before(reading: Reading, position: int) -> bool:
    before = reading.words[max(0, position - 3) : position]
    return bool(_CONDITIONAL.intersection(before)) or (reading.language == "pt" and "se" in before)


def _fits(word: str, entry: str) -> bool:
    return word.startswith(entry[:-1]) if entry.endswith("*") else word == entry


def _extend(
    pattern: _Pattern, found: Mapping[str, tuple[tuple[int, int], ...]], clauses: tuple[int, ...], start: int, end: int
) -> list[tuple[int, int]] | None:
    """The spans of the pattern's elements from words[start:end] on, or None when the others are not near."""
    clause = clauses[start]
    elements = [(start, end)]
    for element in pattern.seq[1:]:
        following = [
            (s, e)
            for s, e in found.get(element, ())
            if end <= s <= end + pattern.gap and (not pattern.within_clause or clauses[s] == clause)
        ]
        if not following:
            return None
        elements.append(following[0])
        end = following[0][1]
    return elements


@lru_cache(maxsize=1)
def default_grammar() -> Grammar:
    with GRAMMAR_PATH.open(encoding="utf-8") as handle:
        return Grammar(json.load(handle))
