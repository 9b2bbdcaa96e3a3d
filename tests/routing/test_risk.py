from routing.grammar import read_text
from routing.risk import RiskAssessment, assess_risk, compile_risk_rules, default_risk_rules
from routing.text import tokens

RULES = default_risk_rules()


def level(text: str = "", **answers: object) -> str:
    return assess_risk(tokens(text), answers, RULES).level


def test_danger_now_is_critical() -> None:
    assert level(in_danger_now=True) == "critical"


def test_a_held_or_sexually_exploited_child_is_critical() -> None:
    assert level(minor_involved=True, sexual_exploitation=True) == "critical"
    assert level("La niña está encerrada") == "critical"


def test_a_child_alone_is_at_least_high_and_two_indicators_are_high() -> None:
    assert level(minor_involved=True) == "high"
    assert level("They took her passport and she was never paid") == "high"


def test_a_question_without_indicators_is_low() -> None:
    assessment = assess_risk(tokens("¿Cuál es el horario de atención?"), {}, RULES)
    assert (assessment.level, assessment.score, assessment.indicators) == ("low", 0, ())


def test_indicators_carry_their_evidence_and_version() -> None:
    assessment = assess_risk(tokens("Pagamos al pollero"), {"minor_involved": True}, RULES)
    evidence = {i.key: i.evidence for i in assessment.indicators}
    assert evidence["minor_involved"] == "answer"
    assert evidence["paid_to_cross_border"] == "pagamos al pollero"
    assert assessment.rules_version == RULES.version


def test_an_explicit_no_silences_the_keyword() -> None:
    assert level("una niña", minor_involved=False) == "low"


def test_age_under_18_counts_as_a_minor_but_years_of_work_do_not() -> None:
    assert level("Ella tiene 15 años") == "high"
    assert level("Trabajo 5 años aquí") == "low"


def test_rules_are_validated_at_load() -> None:
    document = {
        "version": "x",
        "levels": ["low", "high"],
        "score_bands": {"high": 50},
        "indicators": [],
        "floors": [{"all": ["nope"], "level": "high", "reason": "r"}],
        "minor_age": {"below": 18, "units": [], "before": [], "after": []},
    }
    try:
        compile_risk_rules(document)
    except ValueError:
        return
    raise AssertionError("an unknown indicator in a floor rule must be refused")


def _read(text: str) -> RiskAssessment:
    return assess_risk(tokens(text), {}, RULES, read_text(text))


def _keys(text: str) -> frozenset[str]:
    return _read(text).keys


def test_a_danger_told_as_years_past_is_not_a_danger_of_now() -> None:
    # Paraphrases written for this test, one per language form of "years ago".
    past = (
        "Hace cinco años me tuvieron encerrada en una casa en Tapachula, quiero denunciar a esa gente",
        "Two years ago they kept me locked in a farm and took my passport, I want to report them",
        "L'année dernière ils m'ont enfermée dans un restaurant et pris mon passeport",
    )
    for text in past:
        assessment = _read(text)
        assert "held_now" not in assessment.keys and assessment.level != "critical", text
        assert "movement_restricted" in assessment.keys, text  # the exploitation itself still counts


def test_a_duration_up_to_now_or_a_word_of_still_keeps_the_danger_present() -> None:
    present = (
        "Hace dos años que la tienen encerrada en una casa",
        "Two years ago they brought her here and they still keep her locked up",
        "Il y a deux ans ils l'ont amenée ici et depuis ils la gardent enfermée",
    )
    for text in present:
        assert "held_now" in _keys(text), text


def test_a_present_verb_of_holding_keeps_a_danger_after_years_present() -> None:
    assert "held_now" in _keys("Hace dos años vine a trabajar y el patrón me tiene encerrada")


def test_someone_kept_from_leaving_under_violence_is_critical() -> None:
    # Paraphrases written for this test: confinement and violence in the same report, no word of "now".
    for text in (
        "the owner hits my cousin and she is not allowed to leave the house",
        "o patrão bateu nela e ela não pode sair do quarto",
        "el encargado le pega y no la deja salir del rancho",
    ):
        assessment = _read(text)
        assert {"movement_restricted", "threats_or_violence"} <= assessment.keys, (text, assessment.keys)
        assert assessment.level == "critical", text


def test_a_person_giving_their_own_or_a_relatives_age_without_a_unit_is_a_minor() -> None:
    # Paraphrases written for this test, one or more per language.
    for text in (
        "mi mamá me quiere mandar con un señor, yo tengo 14 y no me quiero ir",
        "I'm 17 and my dad says I have to go with a man from his church",
        "tenho 16, um cara me ofereceu dinheiro pra levar uma mochila",
        "mwen 15, yon nonm ap ofri m lajan pou foto",
        "mi hija d 16 se quiere ir con un novio que conoció por internet",
        "minha filha de dezesseis tá numa boate e não deixam ela sair",
        "yon fi 17 an ap travay nan yon kay san kòb",
    ):
        assert "minor_involved" in _keys(text), text
    # A figure that is money, time or a count is no age, nor is a bare figure mid-clause.
    for text in (
        "tengo 15 dólares y no me dejan salir",
        "I'm 17 minutes from the border and they took my passport",
        "tengo 14 compañeros en la finca sin pago",
        "la casa de 16 cuartos donde nos tienen",
    ):
        assert "minor_involved" not in _keys(text), text


def test_money_offered_for_a_baby_is_a_sale_of_a_child() -> None:
    for text in (
        "una señora me anda ofreciendo dinero por mi bebé, tengo siete meses de embarazo",
        "ela ofereceu 2 mil dólares pela minha bebê de 8 meses",
        "une avocate lui propose 2000 dollars pour donner le bébé à un couple",
        "yon moun ofri yo lajan pou bay tibebe a",
        "they want to sell her baby to a couple abroad",
    ):
        found = _keys(text)
        assert {"illegal_adoption", "minor_involved"} <= found, (text, found)
    assert "illegal_adoption" not in _keys("tengo un bebé y no tengo dinero para la comida")


def test_years_of_experience_asked_for_a_job_are_no_childs_age() -> None:
    for text in (
        "piden tener 2 años de experiencia y me quitaron el pasaporte",
        "exigem ter 5 anos de experiência e não pagam",
        "il faut avoir 3 ans d'expérience, ils gardent nos papiers",
    ):
        assert "minor_involved" not in _keys(text), text


def test_a_critical_band_says_whether_a_firm_danger_floor_holds_it() -> None:
    def read(text: str) -> RiskAssessment:
        return assess_risk(tokens(text), {}, RULES, read_text(text))

    # a danger named in the report: kidnapping, someone locked in now
    kidnapped = read("lo secuestraron los coyotes y piden rescate a la familia")
    locked = read("tienen a mi hermana encerrada en un cuarto y no la dejan salir")
    assert (kidnapped.level, kidnapped.by_floor) == ("critical", True)
    assert (locked.level, locked.by_floor) == ("critical", True)
    # danger read from signs of control only (a child kept begging, not let home): critical, not firm
    begging = read("a mi sobrino de 12 lo tiene un señor pidiendo en los semáforos y no lo deja ir a la casa")
    assert (begging.level, begging.by_floor) == ("critical", False)
    assert not read("¿Cuál es el horario de atención?").by_floor
    # high: a child involved is firm; papers held is a sign a model may weigh
    child = read("mi sobrina de 15 trabaja en una tortillería todo el día")
    papers = read("el patrón le quitó el pasaporte")
    assert (child.level, child.by_floor) == ("high", True)
    assert (papers.level, papers.by_floor) == ("high", False)
