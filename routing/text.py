"""Accent-insensitive text helpers: normalising, tokenising and matching known phrases in free text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NORMAL = re.compile(r"[0-9a-z]+(?: [0-9a-z]+)*")

# Letters that NFKD does not decompose into a base letter plus a mark, but that callers type
# for plain letters all the same.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ı": "i"})

# A phrase token ending in "*" matches any word that starts with the rest; shorter stems than this
# would match too many unrelated words.
MIN_STEM = 3


def normalise(text: str) -> str:
    """Casefold, strip accents and collapse punctuation and whitespace to single spaces.

    "¡Está en  Colón!" -> "esta en colon". The gazetteer keys use the same function, so a name
    typed with or without accents finds the same place.
    """
    if _NORMAL.fullmatch(text):
        # Already normal (gazetteer keys, rule phrases): the snapshot build meets a quarter million.
        return text
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", stripped.translate(_FOLD)).strip()


# Routing, the language detector and the answer reader ask for one report's words within one
# decision; a few texts are enough to keep, and a report's words are not kept for long after it.
@lru_cache(maxsize=64)
def tokens(text: str) -> tuple[str, ...]:
    """The normalised words of a text (memoised for the decision at hand)."""
    normalised = normalise(text)
    return tuple(normalised.split(" ")) if normalised else ()


@dataclass(frozen=True)
class Match(Generic[T]):
    """One phrase found in a token sequence: tokens[start:end] matched `phrase`, which means `value`."""

    start: int
    end: int
    phrase: str
    value: T


class _Node(Generic[T]):
    """One word position in the phrase trie."""

    __slots__ = ("exact", "stems", "value", "phrase")

    def __init__(self) -> None:
        self.exact: dict[str, _Node[T]] = {}
        # Stems by their first MIN_STEM letters, so a word only meets the stems it could match.
        self.stems: dict[str, list[tuple[str, _Node[T]]]] = {}
        self.value: T | None = None
        self.phrase: str | None = None


class PhraseMatcher(Generic[T]):
    """Finds known phrases in tokenised text, whole words only, leftmost-longest, without overlaps.

    Built once per rule set or directory snapshot as a trie of words, so a scan costs a dictionary
    lookup per word however many phrases there are (the gazetteer has tens of thousands). A word
    ending in "*" is a stem; stems are few and are checked one by one at their node.
    """

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._root: _Node[T] = _Node()
        self._size = 0
        for phrase, value in phrases:
            words = _pattern_words(phrase)
            if not words:
                continue
            node = self._root
            for word in words:
                node = self._child(node, word, phrase)
            if node.phrase is None:
                # The first phrase wins when two rules list the same words.
                node.value, node.phrase = value, phrase
                self._size += 1

    @staticmethod
    def _child(node: _Node[T], word: str, phrase: str) -> _Node[T]:
        if not word.endswith("*"):
            return node.exact.setdefault(word, _Node())
        stem = word[:-1]
        if len(stem) < MIN_STEM:
            raise ValueError(f"stem too short in phrase {phrase!r}; use at least {MIN_STEM} letters")
        bucket = node.stems.setdefault(stem[:MIN_STEM], [])
        for existing, child in bucket:
            if existing == stem:
                return child
        child = _Node()
        bucket.append((stem, child))
        return child

    def __len__(self) -> int:
        return self._size

    def find(self, words: tuple[str, ...]) -> list[Match[T]]:
        """Every match in `words` (already normalised by `tokens`), left to right."""
        found: list[Match[T]] = []
        root = self._root
        position = 0
        while position < len(words):
            word = words[position]
            if word not in root.exact and word[:MIN_STEM] not in root.stems:
                position += 1  # most words open no phrase at all
                continue
            best = self._longest(root, words, position, position)
            if best is None:
                position += 1
            else:
                end, node = best
                found.append(Match(position, end, node.phrase or "", node.value))  # type: ignore[arg-type]
                position = end
        return found

    def _longest(self, root: _Node[T], words: tuple[str, ...], start: int, at: int) -> tuple[int, _Node[T]] | None:
        # Depth first with a stack, stems before the exact word at each node: the first path to
        # reach the furthest word wins, as a recursive walk in that order would choose.
        best: tuple[int, _Node[T]] | None = None
        stack = [(root, at)]
        while stack:
            node, at = stack.pop()
            if node.phrase is not None and at > start and (best is None or at > best[0]):
                best = (at, node)
            if at == len(words):
                continue
            word = words[at]
            exact = node.exact.get(word)
            if exact is not None:
                stack.append((exact, at + 1))
            if node.stems:
                stems = [child for stem, child in node.stems.get(word[:MIN_STEM], ()) if word.startswith(stem)]
                stack.extend((child, at + 1) for child in reversed(stems))
        return best


def _pattern_words(phrase: str) -> tuple[str, ...]:
    # Normalise word by word so a trailing "*" survives, and "l'enfant" becomes "l enfant" as in text.
    words: list[str] = []
    for word in phrase.split():
        parts = normalise(word.rstrip("*")).split()
        if word.endswith("*") and parts:
            parts[-1] += "*"
        words.extend(parts)
    return tuple(words)


def words_text(words: tuple[str, ...], start: int, end: int) -> str:
    """The normalised words tokens[start:end] as one string, used as readable evidence."""
    return " ".join(words[start:end])
