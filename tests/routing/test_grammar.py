"""The grammar's one pass over a report finds what a scan of every entry at every word finds."""

from __future__ import annotations

import json
from pathlib import Path

from routing.grammar import _fits, default_grammar
from routing.text import tokens

CORPUS = Path(__file__).resolve().parent.parent / "triage_corpus"


def _every_entry_at_every_word(words: tuple[str, ...]) -> dict[str, tuple[tuple[int, int], ...]]:
    # The plain reading: each word's families, and every multi-word entry that can open at the word
    # checked in full there (not first ruled out by the pair of words, as occurrences() does).
    grammar = default_grammar()
    found: dict[str, list[tuple[int, int]]] = {}
    for position, word in enumerate(words):
        for family in grammar.families_of(word):
            found.setdefault(family, []).append((position, position + 1))
        for rest, family in grammar._phrases_from(word):
            end = position + 1 + len(rest)
            if end <= len(words) and all(_fits(w, e) for w, e in zip(words[position + 1 : end], rest, strict=True)):
                found.setdefault(family, []).append((position, end))
    return {family: tuple(sorted(set(spans))) for family, spans in found.items()}


def test_phrases_are_found_where_they_start_and_where_a_report_ends() -> None:
    grammar = default_grammar()
    texts = [
        "me tienen encerrada y no me dejan salir",
        "no me dejan salir",  # a phrase that ends the report
        "no me dejan",  # one that the report cuts short
        "they took my passport and i cannot leave the house",
        "yo fèmen nou nan yon kay, nou pa ka soti",
        "ils ont pris nos passeports et on ne peut pas sortir",
        "não me deixam sair de casa",
    ]
    with (CORPUS / "dev.jsonl").open(encoding="utf-8") as handle:
        texts += [json.loads(line)["text"] for line in handle]
    multi_word = 0
    for text in texts:
        words = tokens(text)
        found = {family: tuple(sorted(set(spans))) for family, spans in grammar.occurrences(words).items()}
        assert found == _every_entry_at_every_word(words), text
        multi_word += any(end - start > 1 for spans in found.values() for start, end in spans)
    assert multi_word > 100  # the reports exercise the entries of several words, not only single words
