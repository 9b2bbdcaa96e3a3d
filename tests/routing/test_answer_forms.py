"""Answer forms the reader knows as classes, with phrasings written for these tests."""

from __future__ import annotations

import pytest

from routing.answers import NARRATIVE, NO, UNKNOWN, YES, read_answer


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("tem sim", YES),
        ("estão sim", YES),
        ("levaram sim", YES),
        ("tem não", NO),
        ("não pode", NO),
        ("ahora sí", YES),
        ("todavía no", NO),
        ("agora não", NO),
        ("uhum", YES),
        ("nops", NO),
        ("hard to tell", UNKNOWN),
        ("je connais pas", UNKNOWN),
        ("yeah they took it", YES),
    ],
)
def test_echoed_verbs_time_words_and_informal_forms_are_plain_answers(text: str, kind: str) -> None:
    assert read_answer(text).kind == kind


@pytest.mark.parametrize(
    "text",
    ["No, pero mañana regresa el patrón", "sim, mas só até ele voltar", "oui mais il revient ce soir"],
)
def test_a_but_takes_a_plain_answer_back_into_narrative(text: str) -> None:
    answer = read_answer(text)
    assert answer.kind == NARRATIVE
    assert answer.narrative == text


def test_spanish_ya_before_a_verb_is_not_an_english_yes() -> None:
    assert read_answer("ya me escapé").kind == NARRATIVE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("va, dale", YES),
        ("pues fíjese que no sé", UNKNOWN),
        ("not rn", NO),
        ("couldn't tell you", UNKNOWN),
        ("plus maintenant, je suis chez ma cousine", NO),
        ("é claro que sim, já falei", YES),
        ("nada disso", NO),
        ("pode falar, tô sozinha", YES),
        ("pa gen okenn timoun", NO),
        ("pa kounye a", NO),
        ("kisa m konnen", UNKNOWN),
    ],
)
def test_answers_seasoned_operators_hear_in_every_language(text: str, kind: str) -> None:
    assert read_answer(text).kind == kind


def test_a_time_word_answer_keeps_what_follows_as_narrative() -> None:
    answer = read_answer("plus maintenant, je suis chez ma cousine")
    assert answer.value is False and answer.narrative == "je suis chez ma cousine"
