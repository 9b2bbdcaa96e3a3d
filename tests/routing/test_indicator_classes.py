"""Indicator classes read from phrasings written for these tests, none from the triage corpus.

Each class is a mechanism (ages in words, a smuggler's regional names, danger in transit, sexual
exploitation by its commerce, a negation word that is another language's preposition), so every
case here is a paraphrase a different writer might send, and each class has a look-alike that must
not fire.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.grammar import read_text
from routing.risk import RiskAssessment, assess_risk, default_risk_rules
from routing.text import tokens

RULES = default_risk_rules()


def assess(text: str, language: str | None = None) -> RiskAssessment:
    return assess_risk(tokens(text), {}, RULES, replace(read_text(text), language=language))


@pytest.mark.parametrize(
    "text",
    [
        "my niece is fourteen and works all day in a tortilla shop",
        "mi sobrina tiene catorce años y no la dejan ir a la escuela",
        "ma nièce a neuf ans, elle fait tout le ménage",
        "minha prima tem dezesseis anos e trabalha sem salário",
        "ti kouzin mwen gen katòz an, li travay kay moun",
        "my daughter 15 is at a party with men she does not know",
    ],
)
def test_ages_in_words_and_after_a_kinship_word_are_a_minor(text: str) -> None:
    assert "minor_involved" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        "il a acheté un téléphone neuf pour sept personnes",
        "my son called 15 minutes ago, he is fine",
        "i have a set of 12 keys for the office",
    ],
)
def test_number_look_alikes_are_not_ages(text: str) -> None:
    assert "minor_involved" not in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        "le dimos 80 mil pesos a un yolero pa llevarlo a Puerto Rico",
        "nou te bay yon bouskon 2000 dola pou mennen nou",
        "we paid a man at the bus station in Peñas Blancas to take us across",
        "un hombre cobra pa montar gente en yola, sale el sábado",
    ],
)
def test_a_paid_crossing_is_read_through_regional_names_and_distance(text: str) -> None:
    assert "paid_to_cross_border" in assess(text, "es" if " pa " in text else None).keys


@pytest.mark.parametrize(
    "text",
    [
        "estamos en una yola y está entrando agua, somos 30",
        "o barco tá afundando perto da costa",
        "le capitaine a éteint le moteur au milieu de la mer",
        "nos metieron en un tráiler y ya no hay aire",
    ],
)
def test_danger_in_transit_is_critical(text: str) -> None:
    assessment = assess(text)
    assert "abandoned_in_danger" in assessment.keys
    assert assessment.level == "critical"


@pytest.mark.parametrize(
    "text",
    [
        "mi hija 14 la tiene un señor en un cuarto y los hombres pagan para entrar",
        "la obligan a hacer videos frente a la cámara, tiene 13 años",
        "pitit fi m 15 an, yon nèg fè l fè videyo devan kamera",
        "my sister is thirteen and a man makes her stay the night with tourists",
    ],
)
def test_a_child_in_sexual_exploitation_is_critical_whatever_the_euphemism(text: str) -> None:
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys
    assert assessment.level == "critical"


def test_a_video_for_school_is_not_sexual_exploitation() -> None:
    assert "sexual_exploitation" not in assess("meu filho fez um vídeo para a escola sobre a câmara municipal").keys


def test_pa_negates_in_creole_but_is_para_in_caribbean_spanish() -> None:
    spanish = "un señor cobra 150 mil pesos pa montar gente en yola"
    assert "paid_to_cross_border" in assess(spanish, "es").keys
    assert "paid_to_cross_border" not in assess(spanish, "ht").keys


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("el dueño le retiene la quincena para que no se vaya", "held_now"),
        ("telefòn li fèmen depi ayè", "movement_restricted"),
        ("l ap vann sirèt nan bis la", "sold_or_bought"),
        ("the older boys make him hold stuff for them", "held_now"),
        ("la siguen llamando para que pague", "followed"),
        ("le chef nous enferme pas mais il garde nos permis", "movement_restricted"),
    ],
)
def test_a_verb_with_a_thing_for_object_or_negated_after_it_is_no_confinement_sale_or_pursuit(
    text: str, indicator: str
) -> None:
    assert indicator not in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        "they kept my first two paychecks as a deposit and said I lose them if I quit",
        "le patron garde la paie du premier mois comme garantie",
        "o dono fica com todo o dinheiro que as meninas ganham vendendo na rua",
        "yon madanm pran tout lajan timoun yo fè nan lari a",
    ],
)
def test_earnings_kept_by_someone_else_are_forced_labour(text: str) -> None:
    assert "forced_labour" in assess(text).keys


def test_a_locked_person_is_still_held() -> None:
    assert "held_now" in assess("la tienen encerrada en un cuarto").keys
