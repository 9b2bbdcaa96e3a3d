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


@pytest.mark.parametrize(
    "text",
    [
        "mi primo se fue a trabajar en un barco pesquero y no le pagan",
        "son frère est parti travailler sur un chantier à Santiago",
        "my uncle left for the coast to work on a boat last spring",
        "a señora me laisse sortir seulement le dimanche",
    ],
)
def test_a_departure_is_not_an_abandonment(text: str) -> None:
    assert "abandoned_in_danger" not in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        "estamos en la selva y el guía se fue anoche",
        "nou nan mòn nan, gid la ale kite nou",
        "after the river crossing the guides took our money and left",
        "au milieu de la forêt le passeur est parti sans rien dire",
    ],
)
def test_a_guide_who_leaves_people_in_the_wild_abandons_them(text: str) -> None:
    assert "abandoned_in_danger" in assess(text).keys


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("nou rive Dajabón maten an, nou peye pasè a pou l pase nou", "ht"),
        ("quanto custa pra atravessar pelo mato até a fronteira?", "pt"),
    ],
)
def test_words_that_mean_kill_in_spanish_are_ordinary_words_elsewhere(text: str, language: str) -> None:
    assert "in_danger_now" not in assess(text, language).keys


def test_a_threat_to_kill_is_still_danger_in_spanish() -> None:
    assert "in_danger_now" in assess("dicen que si hablo me maten a mi familia", "es").keys


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("yon mesye ba ti fi 14 an yon telefòn pou l ale lekòl", "ht", False),  # "ba" is "give"
        ("yo mete ti fi 14 an travay nan yon ba bò lanmè a", "ht", True),  # "nan yon ba": in a bar
        ("la niña de 12 años vive con su tía en Villa Nueva", "es", False),  # a town
        ("he takes girls of 13 or 14 to a villa by the beach", "en", True),  # where clients are
    ],
)
def test_a_word_of_commerce_that_is_another_word_or_a_name_is_not_sexual_exploitation(
    text: str, language: str, expected: bool
) -> None:
    assert ("sexual_exploitation" in assess(text, language).keys) is expected


@pytest.mark.parametrize(
    "text",
    [
        "el año pasado nos secuestraron en Reynosa, la familia pagó, ahora estamos a salvo en Houston",
        "they had guns and took everything at the border, but we are safe now in the shelter",
        "yo te menase nou ak zam, kounye a nou an sekirite lakay",
    ],
)
def test_a_kidnapping_or_a_weapon_over_and_people_safe_now_is_not_critical(text: str) -> None:
    assessment = assess(text)
    assert assessment.level != "critical"
    assert not {"kidnapping", "weapon"} & set(assessment.keys)


@pytest.mark.parametrize(
    "text",
    [
        "secuestraron a mi hermano en Reynosa y piden 5 mil dólares",
        # the caller is safe, the person taken is not: the words of safety come before the danger
        "estoy bien, pero secuestraron a mi hermano en Reynosa y piden 5 mil dólares",
        "i'm fine but they kidnapped my brother in Reynosa and want money",
        "we are safe now but the men with guns still hold my cousin",
    ],
)
def test_a_kidnapping_going_on_is_critical_whoever_says_they_are_safe(text: str) -> None:
    assert assess(text).level == "critical"


def test_a_young_woman_in_creole_is_not_a_minor() -> None:
    assert "minor_involved" not in assess("yon jenn fi 20 an vle al travay nan otèl Sendomeng", "ht").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for these tests: money asked to let someone go, amount before or after.
        "nos agarraron en Danlí y están pidiendo dos mil por cabeza para soltarnos",
        "they ask 3000 each to let them go",
        "yo mande 2000 dola pou yo lage l",
        # a boat adrift or sinking
        "el motor se apagó y estamos a la deriva cerca de la costa",
        "the boat is taking on water, twenty people on board",
        "o barco tá afundando, socorro",
        # someone following the caller, in French
        "il me suit depuis la gare",
        # a threat to throw the crew overboard
        "the captain says he will throw them overboard if they complain",
        # a girl of seventeen in French, written in words
        "ma nièce a dix-sept ans, le patron l'oblige à aller avec des clients",
        "ti nyès mwen gen katòz an, yon nèg fè l kouche ak gason pou lajan",
    ],
)
def test_danger_now_in_words_the_grammar_had_not_met(text: str) -> None:
    assert assess(text).level == "critical"


@pytest.mark.parametrize(
    "text",
    [
        "the captain does not let the crew get off when they dock, he keeps their pay",
        "kapitèn nan pa kite nou desann, li pa peye nou",
    ],
)
def test_a_crew_not_let_ashore_is_kept_from_leaving(text: str) -> None:
    assert "movement_restricted" in assess(text).keys


def test_seventeen_years_of_work_is_no_child() -> None:
    assert "minor_involved" not in assess("il travaille au port depuis dix-sept ans").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: the company store and a farm's name are no place of
        # confinement.
        "en el ingenio les pagan con vales pa la bodega y el capataz guarda los pasaportes",
        "they keep our papers at the tomato ranch and we work fourteen hours",
    ],
)
def test_a_company_store_or_a_ranch_by_name_is_no_one_held(text: str) -> None:
    assert "held_now" not in assess(text).keys


@pytest.mark.parametrize(
    "text",
    ["nos tienen en una bodega cerca de la terminal", "kounya nou nan yon ranch, yo fè nou travay san peye"],
)
def test_people_kept_in_a_warehouse_or_a_ranch_are_held(text: str) -> None:
    assert "movement_restricted" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test of what corpus no. 11 showed the grammar missing.
        # a gun by its slang name
        "el que maneja la lancha anda con un fierro en la cintura",
        "les gardes ont des cuernos de chivo à l'entrée",
        # hunted after an escape, in a car
        "me sali de esa casa pero el patron me anda buscando en su camioneta",
        # people shut in a truck or a trailer nobody opens
        "hay una caja seca en el patio desde anoche y nadie la abre, se oyen golpes",
        "on est dans le camion depuis des heures, on respire mal",
        # a ransom threat in plain words
        "they got my son and say pay 3000 or we never see him again",
        "on nous garde dans une maison, on sort pas avant que la famille paye",
        # a child with men who pay, and a man who abuses a girl
        "minha sobrinha de 15 anos trabalha numa boate, o dono fica com o que os homens pagam",
        "la niña de 12 que trabaja en esa casa, el patron abusa de ella",
    ],
)
def test_danger_now_in_words_corpus_eleven_showed_missing(text: str) -> None:
    assert assess(text).level == "critical"


@pytest.mark.parametrize(
    "text",
    [
        "una señora pone a pedir a dos niños en el semáforo y se queda con lo que juntan",
        "yon nonm fè timoun yo mande lajan devan makèt la chak jou",
        "a woman drops kids off each morning to beg at the lights and collects the money at night",
    ],
)
def test_children_made_to_beg_are_forced_labour_not_ransom(text: str) -> None:
    keys = assess(text).keys
    assert "forced_labour" in keys
    assert "kidnapping" not in keys


@pytest.mark.parametrize(
    "text",
    [
        # where people sleep or work is no place they are held
        "trabajo en la finca y duermo en la bodega con los demás",
        "m travay nan yon boulanjri, m dòmi nan depo a",
        "my cousin works for a man in a warehouse in Tegucigalpa",
        # a door said to be open
        "the door isnt locked but the boss says we owe him",
        # someone missing: "we don't know where he is" is not people lost in the bush
        "frè m nan pati depi yon mwa, nou pa konn kote l ye",
    ],
)
def test_where_people_sleep_or_work_and_a_missing_person_are_no_danger_now(text: str) -> None:
    keys = assess(text).keys
    assert "held_now" not in keys
    assert "abandoned_in_danger" not in keys


@pytest.mark.parametrize(
    "text",
    [
        "el guia nos tiene en una bodega y dice que no salimos",
        "they are keeping us in a warehouse near the port",
    ],
)
def test_people_kept_in_a_warehouse_by_someone_are_held_now(text: str) -> None:
    assert "held_now" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        "el patron dice que ya saben donde vive mi mamá",
        "he says he knows where my family lives if I stop",
        "mèt la di l konnen kote nou rete",
        "la señora me va a reportar a migración si renuncio",
    ],
)
def test_threats_by_hint_are_threats(text: str) -> None:
    assert "threats_or_violence" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: exploitation that is over, told from safety, is medium
        # whatever control it recounts (the labelling rules' "past exploitation where the person is
        # now safe").
        "me tuvieron en una soda sin pagarme y no me dejaba salir, ya me escapé y estoy donde mi prima",
        "I worked two years in a house with no pay and they kept my passport. I got out in May, I'm with my aunt now",
        "mwen te travay nan yon restoran, patwon an te kenbe paspò m. m sove, kounye a m lakay, m an sekirite",
        "consegui fugir do bar em Cancún, o dono ficou com meu passaporte, agora tô no abrigo",
    ],
)
def test_exploitation_over_and_the_person_safe_now_is_medium(text: str) -> None:
    assessment = assess(text)
    assert assessment.level == "medium"
    assert not assessment.by_floor


@pytest.mark.parametrize(
    "text",
    [
        # a danger named after the escape goes on
        "ya me escapé de la casa pero el patrón me anda buscando en el carro",
        "I got out last night but my sister is still locked in there",
        # a boat's pilot fleeing is no one at risk getting away
        "o barco quebrou, o piloto fugiu na outra lancha, estamos sem água",
        # "they have not let anyone go"
        "estamos presos numa casa, a família pagou e eles não soltaram ninguém",
        # out of one danger and into another: lost, without water
        "m sove, men kounye a nou pèdi nan mòn nan, nou pa gen dlo",
        "I got out of the truck but we are lost in the desert with no water",
    ],
)
def test_an_escape_with_danger_after_it_or_someone_else_fleeing_stays_critical(text: str) -> None:
    assert assess(text).level == "critical"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: an offer or a solicitation not acted on yet is medium, a
        # child's included (the labelling rules' "online solicitation of a child where nothing has
        # been sent yet", "a deceptive job offer").
        "un tipo en facebook le pide fotos a mi hija de 14, ella no le ha mandado nada",
        "my nephew is 16, a man offers him work on a boat if he pays the fee first, he hasn't gone yet",
        "yon nonm ap mande pitit fi m 13 an foto sou WhatsApp, li poko voye anyen",
    ],
)
def test_an_offer_or_a_request_not_acted_on_yet_is_medium(text: str) -> None:
    assert assess(text).level == "medium"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a job offer that looks deceptive, with no sign of control
        # or danger yet, is medium, a child's included (the labelling rules' "a deceptive job offer").
        "tengo 16 años, un señor de facebook me ofrece trabajo en una casa en la capital y me paga el bus, es seguro?",
        "un homme a promis à ma nièce de 15 ans un travail de serveuse au Mexique, billet payé",
        "my cousin is 17, a man promised her a job as a waitress in Cancún, good money, free ticket",
    ],
)
def test_an_offer_with_no_sign_of_control_or_danger_is_medium(text: str) -> None:
    assessment = assess(text)
    assert assessment.level == "medium"
    assert assessment.capped and "offer" in assessment.capped


@pytest.mark.parametrize(
    "text",
    [
        # The offer went further: documents taken, a lock, a child already sending images.
        "me ofrecieron trabajo en Cancún y al llegar el patrón me quitó el pasaporte",
        "le prometieron trabajo de mesera y ahora la tienen encerrada en un cuarto",
        "li gen 15 an, yon nonm sou Instagram pwomèt li travay mannken, li deja voye foto toutouni",
    ],
)
def test_an_offer_that_went_further_keeps_its_band(text: str) -> None:
    assert assess(text).level in ("high", "critical")


def test_a_child_who_already_sent_images_is_sexually_exploited() -> None:
    # The labelling rules: a child in online exploitation with images already sent is critical.
    # Paraphrases written for this test.
    for text in (
        "mi hija de 13 ya le mandó fotos a un hombre que conoció en tiktok y ahora él la quiere ver",
        "my son is 14 and he already sent him pictures, now the man is asking for money",
    ):
        assessment = assess(text)
        assert "sexual_exploitation" in assessment.keys and assessment.level == "critical", text


def test_a_child_crossing_with_family_is_not_held_high_by_the_child_floor() -> None:
    # Paraphrases written for this test: a child among people crossing, with no sign of exploitation
    # or danger, is not a child in exploitation; the child floor does not hold the band, so the
    # learned reader may read it lower.
    for text in (
        "estamos en Necoclí con mi niño de 6 años, el guía cobra 400 por persona, ¿es seguro el bote?",
        "we paid the coyote 2000 to cross, my daughter is 9, we are at the shelter in Tijuana",
    ):
        assessment = assess(text)
        assert "minor_involved" in assessment.keys and not assessment.by_floor, text
    # A child in exploitation, or a child crossing alone, stays held by the floor.
    assert assess("mi hijo de 14 trabaja en una finca y no le pagan, el coyote lo dejó ahí").by_floor
    assert assess("el coyote dejó solo a mi hijo de 14 en la frontera, ya le pagamos").by_floor


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # Paraphrases written for this test: ordinary words the danger families had taken.
        # "aswè" is the evening ("every evening he collects the money"), not a move tonight.
        ("chak maten li mete timoun yo mande lajan nan mache a epi aswè li ranmase kòb la", "imminent_movement"),
        # "two months without anything" is without pay, not without water or food.
        ("trabajo en una finca, el capataz dice que paga al final, ya vamos dos meses sin nada", "abandoned_in_danger"),
        # "help us find him" asks for a search, not rescue now.
        ("we paid the coyote and have heard nothing since, please help us find him", "in_danger_now"),
        # "devolver a passagem" is paying back a ticket, not handing a person back for money.
        ("a agência diz que se ela não quiser tem que devolver a passagem, mil dólares", "kidnapping"),
    ],
)
def test_ordinary_words_are_not_danger(text: str, absent: str) -> None:
    assert absent not in assess(text).keys


def test_not_yet_does_not_talk_down_someone_held_now() -> None:
    assert assess("la tienen encerrada en un cuarto, todavía no se ha ido nadie a buscarla").level == "critical"


def test_coming_to_work_is_no_getting_away() -> None:
    # "me vine" is "I came", not "I got away": the documents held keep the band.
    assert assess("me vine a trabajar a Cancún y el patrón me quitó el pasaporte y no me paga").level == "high"


def test_horns_of_infidelity_are_no_weapon() -> None:
    # "le puso los cuernos" is unfaithfulness; the gun is "cuerno de chivo", or horns someone carries.
    assert "weapon" not in assess("mi novio le puso los cuernos y ahora la obliga a trabajar sin pago").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a child kept in a nightclub, a cantina, a room with men or
        # taken to a man's hotel is sexually exploited, however the age was said.
        "mi sobrina de 15 está en una cantina de Escuintla y no la dejan regresar",
        "a filha da vizinha tem 14 anos e faz duas semanas que está numa boate em Ciudad del Este",
        "my daughter is 16, she says there are men in the room and she can't leave",
        "pitit fi m ki gen 15 an, yon nonm peye l pou l vin nan otèl li chak samdi",
        "ma petite sœur de 13 ans, un homme poste des vidéos d'elle sur internet pour de l'argent",
    ],
)
def test_a_child_kept_where_men_pay_is_sexually_exploited(text: str) -> None:
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys and assessment.level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # A child working in a hotel or serving customers in a shop is no sexual exploitation.
        "mi hija de 16 trabaja limpiando cuartos en un hotel de Antigua y le pagan poco",
        "my son is 15 and helps customers at his uncle's shop after school",
    ],
)
def test_a_child_at_work_in_a_hotel_or_a_shop_is_no_sexual_exploitation(text: str) -> None:
    assert "sexual_exploitation" not in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: out of it, and safe, in the words people use.
        "trabajé tres meses sin pago en una finca de Retalhuleu, ya salí de ahí y el patrón todavía tiene mi DPI",
        "She worked a year with no pay and they kept her passport, but she got out of there and she's safe now",
        "il gardait mon passeport et je travaillais sans salaire, je suis partie et je suis chez une amie maintenant",
        "o patrão ficou com meu passaporte e não pagava, fugi em agosto e estou num abrigo",
        "madanm nan te kenbe paspò m, li pa t peye m, m soti kay li, kounye a m lib",
    ],
)
def test_exploitation_over_told_in_other_words_is_medium(text: str) -> None:
    assessment = assess(text)
    assert assessment.level == "medium" and assessment.capped, text


def test_a_pursuit_denied_after_safety_does_not_hold_the_danger() -> None:
    # "he did not follow me": no danger after the words of safety.
    denied = assess("il gardait mes papiers, je suis partie hier et je suis chez une amie, il m'a pas suivie")
    assert denied.level == "medium"
    # The same pursuit, not denied, is danger going on.
    assert (
        assess("il gardait mes papiers, je suis partie hier et je suis chez une amie, il m'a suivie").level != "medium"
    )


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: an offer in the words of someone who "can get" a job.
        "tengo 17, mi padrino dice que me consigue trabajo en una casa en Monterrey y que él paga el pasaje",
        "i'm 16 and a man says he can get me a job in a hotel in Cancún",
        "gen yon fanm nan mache a k ap chache tifi pou travay kay moun nan Sendomeng",
    ],
)
def test_an_offer_said_as_getting_a_job_is_medium(text: str) -> None:
    assessment = assess(text)
    assert "recruitment_lure" in assessment.keys and assessment.level == "medium", text


def test_looking_for_a_relative_or_for_work_is_no_recruiting() -> None:
    for text in ("m ap chache tonton m ki te travay nan batey la", "m ap chache lòt travay, patwon an pa peye m"):
        assert "recruitment_lure" not in assess(text).keys, text


def test_someone_handed_to_others_who_demand_money_is_kidnapped() -> None:
    for text in (
        "el coyote entregó a mi hermano a unos hombres que piden 4 mil dólares",
        "the guide handed him over to some men and they demand 3000 dollars",
    ):
        assessment = assess(text)
        assert "kidnapping" in assessment.keys and assessment.level == "critical", text


@pytest.mark.parametrize(
    ("text", "withheld"),
    [
        # Someone else has the papers: withheld.
        ("le patron a nos passeports et ne veut pas les rendre", True),
        ("o capataz tá com os documentos de todos os trabalhadores", True),
        ("o dono ta com meu RG e não devolve", True),
        ("el encargado tiene sus identificaciones en la oficina", True),
        # The person has their own papers: not withheld.
        ("elle a son passeport, elle peut partir quand elle veut", False),
        ("ela tá com o passaporte dela, pode voltar quando quiser", False),
    ],
)
def test_who_holds_the_papers(text: str, withheld: bool) -> None:
    assert ("documents_withheld" in assess(text).keys) is withheld, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: work to pay off the trip is debt bondage.
        "el guía nos dejó en una finca y dice que tenemos que trabajar para pagar lo que falta del viaje",
        "they make us work in the fields to pay off the trip and nobody gets paid",
        "yo fè nou travay nan jaden an pou nou peye pasaj la",
    ],
)
def test_work_to_pay_off_the_trip_is_debt_bondage(text: str) -> None:
    assert "debt_bondage" in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # French "mon" is "my", not Haitian "mòn" (a mountain); "sans rien dire" is "without a word".
        "le passeur a disparu avec l'argent avant le départ, mon mari est toujours à la maison",
        "le coyote nous a laissés à la gare sans rien dire, on a pris un bus et on est chez mon oncle",
    ],
)
def test_french_words_that_look_like_danger_are_not_abandonment(text: str) -> None:
    assert "abandoned_in_danger" not in assess(text, "fr").keys, text


def test_safe_for_now_is_not_safe() -> None:
    # Paraphrases written for this test.
    assert (
        assess("nos tienen encerrados en una bodega, estamos bien por ahora pero no nos dejan salir", "es").level
        == "critical"
    )
    assert assess("fiquei presa num quarto mas fugi, agora tô bem, tô na casa da minha tia", "pt").level == "medium"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: danger said sideways.
        "o motor da lancha morreu faz três horas, estamos no meio do mar com crianças",
        "se nos murió el motor de la lancha y no vemos la costa",
        "we are in a trailer, it has not moved for hours and we can't open from inside",
        "se nos acabó el agua y el guía no volvió, estamos en el monte",
        "the boss has the key and he only comes back at night",
        "yo pran frè m nan Ench, y ap mande 5 mil dola pou lage l",
        "ils l'ont pris à la sortie de Reynosa et ils veulent 3000 dollars",
    ],
)
def test_danger_said_sideways_is_critical(text: str) -> None:
    assert assess(text).level == "critical", text


def test_men_who_took_a_boy_to_work_are_no_kidnappers_for_a_debt_alone() -> None:
    # "levaram ele" is taking someone somewhere; a debt is no ransom.
    assessment = assess("uns homens levaram meu filho de 15 pra trabalhar no mercado e dizem que ele deve a passagem")
    assert "kidnapping" not in assessment.keys


def test_a_child_asked_for_naked_images_is_exploited_once_sent_and_medium_until_then() -> None:
    sent = assess("meu sobrinho de 13 anos mandou vídeos sem roupa pra um homem que paga recarga pra ele")
    not_yet = assess("um homem pediu fotos sem roupa da minha filha de 14, ela ainda não mandou")
    assert sent.level == "critical" and "sexual_exploitation" in sent.keys
    assert not_yet.level == "medium"


def test_a_car_engine_that_dies_on_land_is_no_boat_adrift() -> None:
    assessment = assess("se murió el motor del carro en Costa Rica, estamos esperando la grúa en la gasolinera")
    assert "in_danger_now" not in assessment.keys and assessment.level != "critical"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: whether a crossing or a plan is safe, nothing done yet.
        "mi hijo de 16 se quiere ir con un coyote en diciembre, ¿es peligroso? le piden 10 mil",
        "ma fille a 15 ans et veut rejoindre son père au Chili en passant par un passeur, est-ce dangereux ?",
        "pitit fi m gen 17 an, li vle pran yon bato pou Tik, èske li danjere?",
    ],
)
def test_asking_whether_a_crossing_is_safe_is_an_information_request(text: str) -> None:
    assessment = assess(text)
    assert assessment.level == "low" and any("information request" in r for r in assessment.reasons), text


def test_asking_whether_it_is_safe_after_paying_stays_medium() -> None:
    # The labelling rules: a coyote already paid is medium, asked as a question or not.
    assert assess("ya le pagamos la mitad al coyote y mi hijo tiene 16, ¿es seguro?").level != "low"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: figures or research asked for, a shelter or papers asked
        # for with only a child named; no incident.
        "Soy estudiante y hago mi tesis sobre niños en situación de calle en Managua, ¿tienen estadísticas?",
        "m ap fè yon rechèch sou timoun restavèk, èske nou gen chif sou apèl yo?",
        "I'm in Reynosa with my two kids, is there a shelter that takes families?",
        "quels documents faut-il pour que mon fils de 9 ans voyage avec sa tante au Costa Rica ?",
    ],
)
def test_a_question_for_figures_a_shelter_or_papers_is_an_information_request(text: str) -> None:
    assert assess(text).level == "low", text


def test_a_shelter_asked_for_beside_an_incident_keeps_its_band() -> None:
    # A child held now, asked with a shelter in the same breath: no information request.
    assert assess("tienen encerrada a mi hija de 14 en una casa, ¿hay un albergue donde llevarla?").level == "critical"


def test_an_information_request_says_it_brought_the_band_down() -> None:
    # The confidence and the reader see a band brought down, not a danger floor.
    assessment = assess("I'm in Reynosa with my two kids, is there a shelter that takes families?")
    assert assessment.capped and "information request" in assessment.capped


@pytest.mark.parametrize(
    "text",
    [
        # A child who serves customers, or sells packs of gum, is no sexual exploitation.
        "mi hijo de 14 atiende clientes en la tienda de su tío después de la escuela",
        "meu filho de 12 vende packs de chiclete no sinal",
    ],
)
def test_a_child_at_work_with_customers_is_no_sexual_exploitation(text: str) -> None:
    assert "sexual_exploitation" not in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a nurse who reports, and a patient who is ill, are not
        # "enfermée" (French, locked in).
        "Soy enfermera en el centro de salud de Higüey, vino una muchacha embarazada de 17 con una señora",
        "mi hermano está enfermo en la finca y el patrón no le paga desde marzo",
    ],
)
def test_a_nurse_or_an_illness_is_not_locked_in(text: str) -> None:
    assessment = assess(text)
    assert not {"held_now", "in_custody"} & assessment.keys, text


@pytest.mark.parametrize(
    "text",
    [
        # The police's arrest, threatened or asked about, is no one held by a trafficker.
        "el encargado dice que si se va sin pagar lo denuncian por robo y lo meten preso",
        "queria saber se a pessoa sem documento pode ir no hospital sem ser presa",
    ],
)
def test_an_arrest_threatened_or_asked_about_is_not_held_now(text: str) -> None:
    assessment = assess(text)
    assert "held_now" not in assessment.keys and assessment.level != "critical", text


def test_someone_kept_prisoner_in_a_house_is_held() -> None:
    assert "held_now" in assess("minha irmã e meu sobrinho estão presos numa casa em Reynosa, pedem dez mil").keys


@pytest.mark.parametrize(
    "text",
    [
        # A drawer, a safe or a passport locked or held is a thing, not a person.
        "minha tia cuida de uma senhora, 7 dias por semana, e a senhora guarda a cédula dela numa gaveta trancada",
        "desembarcó hace una semana; el pasaporte retenido por el capitán se lo devolvieron",
    ],
)
def test_a_thing_locked_or_held_is_not_a_person_held(text: str) -> None:
    assert not {"held_now", "in_custody"} & assess(text).keys, text


def test_a_lock_told_in_the_imperfect_after_getting_away_is_over() -> None:
    # "Nos encerraban" after "ya me salí" tells what used to happen, not a danger going on.
    assessment = assess("trabajé en una maquila, ya me salí porque no pagaban y nos encerraban hasta terminar la meta")
    assert assessment.level == "medium" and assessment.capped


def test_a_lock_in_the_present_after_getting_away_is_still_danger() -> None:
    assessment = assess("ya me salí pero a mi hermana la encierran todavía en la maquila")
    assert assessment.level == "critical"


def test_many_signs_of_control_without_a_danger_of_the_moment_are_high() -> None:
    # Debt, papers, a lure and forced work add up past the top score, but nobody is held, hunted,
    # armed against or abandoned now.
    assessment = assess(
        "me prometieron trabajo de mesera, me quitaron el pasaporte, dicen que debo 3 mil dólares del pasaje "
        "y me obligan a trabajar 14 horas sin pago, pero salgo los domingos"
    )
    assert assessment.score >= 90 and assessment.level == "high", (assessment.score, assessment.reasons)


def test_an_organ_about_to_be_taken_stays_critical_on_the_score() -> None:
    assessment = assess(
        "me trajeron con la promesa de trabajo, dicen que debo 80 mil y que con un riñón se paga, "
        "no me dejan salir del depa"
    )
    assert assessment.level == "critical"


@pytest.mark.parametrize(
    "text",
    [
        "li mete n nan yon otèl, li di tann la, sa gen 2 jou li pa janm tounen",
        "nou la depi 3 semèn, li gen 2 mwa li pa peye nou",
    ],
)
def test_a_count_of_days_or_months_is_no_age(text: str) -> None:
    assert "minor_involved" not in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: exploitation told from home or from a new life.
        "trabajé 8 meses en una casa sin pago y me quitaron el pasaporte, me fui de esa casa y estoy con mi tía",
        "la patrona le quitó el pasaporte y no le pagaba, ella voltou pra casa mês passado",
        "on m'a gardé mon passeport pendant un an dans un bar à Tenosique; aujourd'hui je vis au Québec",
        "my brother spent 14 months on a boat, the captain kept his passport, he came home last week",
    ],
)
def test_exploitation_told_from_home_or_a_new_life_is_over(text: str) -> None:
    assessment = assess(text)
    assert assessment.level == "medium", (text, assessment.level, assessment.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a child said by the school grade, in five languages.
        "un hombre le pide fotos a mi hija, ella va en octavo grado",
        "my niece is in seventh grade and a man keeps messaging her",
        "ma voisine est en 5e année et elle vend dans la rue jusqu'à minuit",
        "minha sobrinha está no 8º ano e um homem oferece trabalho pra ela",
        "pitit fi m nan 6yèm ane, yon nonm ap voye mesaj ba li",
    ],
)
def test_a_school_grade_says_a_child(text: str) -> None:
    assert "minor_involved" in assess(text, "pt" if "8º" in text else None).keys, text


def test_portuguese_no_is_in_the_not_a_negation() -> None:
    # "no quarto" is "in the room": read as Portuguese, "no" denies nothing.
    assert "held_now" in assess("a menina fica no quarto trancada o dia todo", "pt").keys


def test_a_year_of_work_is_no_school_grade() -> None:
    assert "minor_involved" not in assess("llevo tres años trabajando en la finca y no me pagan").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: held said as "prendendo" (pt) and tied up, "mare" (ht).
        "socorro eles tão me prendendo num quarto",
        "yo mare kouzen m nan yon pye bwa paske li te vle ale",
    ],
)
def test_held_said_as_people_say_it(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: going on one's way, and a follow-up note, are no pursuit.
        "muitos atravessam o Darién e seguem pela América Central até o México",
        "Note de suivi : la jeune femme est à l'abri chez sa tante depuis lundi",
    ],
)
def test_going_on_or_a_follow_up_is_not_being_followed(text: str) -> None:
    assert "followed" not in assess(text).keys, text


def test_someone_followed_is_still_followed() -> None:
    assert "followed" in assess("un hombre me sigue desde la parada del bus, tengo miedo").keys


def test_a_journalist_asking_for_figures_is_an_information_request() -> None:
    assessment = assess(
        "Sou jornalista, preparo uma reportagem sobre quem atravessa o Darién e segue pela América Central. "
        "Vocês divulgam números de atendimentos?"
    )
    assert assessment.level == "low", assessment.reasons


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: danger now said in plain words the families missed.
        "they took my brother this morning and they want money, 10 thousand dollars",
        "o cara trancou a porta por fora e ta pedindo mil dolar de cada um",
        "nou nan yon bato, motè a kraze, nou pèdi nan lanmè depi ayè",
        "meu primo tá sendo seguido agora por dois caras de moto",
    ],
)
def test_danger_now_said_in_plain_words(text: str) -> None:
    assert assess(text).level == "critical", text


def test_a_child_who_says_jai_15_ans_is_a_child() -> None:
    # SMS French: "jai" for "j'ai".
    assert "minor_involved" in assess("jai 15 ans et ma tante menvoie chez un monsieur le soir").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a child sexually exploited, said by what is seen.
        "en esa casa viven unas niñas de 14 y los hombres entran y salen todo el día",
        "my niece is 13 and she sends him pictures every night, he pays her phone",
        "a recepcionista tem 16 anos e o gerente manda ela pro quarto dos hospedes de noite",
    ],
)
def test_a_child_sexually_exploited_said_by_what_is_seen(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: someone bleeding now is in danger now.
        "el patrón le pegó con un tubo a mi esposo y está sangrando, no lo dejan ir al médico",
        "mèt la bat mwen, m ap senyen nan tèt, m kache nan twalèt la",
    ],
)
def test_someone_bleeding_now_is_in_danger_now(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: an agency asking for money is no ransom, and French SMS
        # "kil" is "qu'il", not Kriol "kill".
        "pour un visa de travail au Canada, des agences demandent de l'argent, il faut passer par elles ?",
        "le patron a gardé mon passeport, il dit kil appelle l immigration si je pars",
    ],
)
def test_money_asked_by_an_agency_or_french_kil_is_no_danger_now(text: str) -> None:
    assessment = assess(text, "fr")
    assert not {"kidnapping", "in_danger_now"} & assessment.keys and assessment.level != "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: someone who wants to take a young person away to work.
        "tengo 16 y un señor de la feria me quiere llevar a trabajar de mesera a la capital",
        "a man from church wants to take my niece, she's 15, to work as a nanny in Belize City",
        "un monsieur veut emmener ma petite sœur de 14 ans travailler comme domestique à Santiago",
        "um cara quer levar minha prima de 16 pra trabalhar de modelo em São Paulo",
        "yon madanm vle mennen pitit fi m ki gen 13 an al travay lakay moun Pòtoprens",
    ],
)
def test_someone_who_wants_to_take_a_child_away_to_work_is_an_offer_at_medium(text: str) -> None:
    assessment = assess(text)
    assert "recruitment_lure" in assessment.keys and assessment.level == "medium", text


def test_wanting_to_take_someone_somewhere_is_no_offer_of_work() -> None:
    for text in ("mi tía quiere llevar a los niños al parque", "he wants to take me to the doctor tomorrow"):
        assert "recruitment_lure" not in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: held until the families pay is ransom, however it is worded.
        "we are 15 in a house in Reynosa, they say nobody goes until the families pay 3000 each",
        "nos tienen en una bodega y no nos sueltan hasta que nuestros familiares paguen",
        "ils nous gardent dans un hangar jusqu'à ce que nos familles paient",
        "yo kenbe nou nan yon depo jiskaske fanmi nou peye",
    ],
)
def test_held_until_the_family_pays_is_a_kidnapping(text: str) -> None:
    assessment = assess(text)
    assert "kidnapping" in assessment.keys and assessment.level == "critical", text


def test_working_until_a_debt_is_paid_is_no_ransom() -> None:
    assessment = assess("no la dejan salir de la finca hasta que pague la deuda del viaje")
    assert "kidnapping" not in assessment.keys and assessment.level == "high"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: an age with its unit set off by commas, and a child in the
        # diminutive.
        "una muchacha de la iglesia, 14 años, la tienen trabajando en una cantina",
        "une voisine, 16 ans, travaille chez une dame sans être payée",
        "hay unas niñitas vendiendo flores en el semáforo hasta la medianoche",
    ],
)
def test_an_age_set_off_by_commas_and_a_child_in_the_diminutive_are_a_minor(text: str) -> None:
    assert "minor_involved" in assess(text).keys, text


def test_a_duration_set_off_by_commas_is_no_age() -> None:
    assert "minor_involved" not in assess("trabajé allí, 15 años, y nunca me pagaron bien").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a child, and further on in a long sentence, nudity or sex.
        "Una alumna de sexto grado me dijo que un señor que conoció en un juego en línea le paga recargas"
        " por fotos desnuda y ya le ha mandado algunas",
        "my nephew is 11 and the neighbour makes him take off his clothes and films him for money",
        "ti fi a gen 13 an, yon nèg sou entènèt ap peye l pou l retire rad li devan kamera a",
    ],
)
def test_a_child_and_nudity_further_on_is_sexual_exploitation_and_critical(text: str) -> None:
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys and assessment.level == "critical", text


def test_a_child_asked_for_nude_photos_who_sent_none_is_medium() -> None:
    assessment = assess(
        "mi hija de 13 años, un hombre de Facebook le pide fotos desnuda, todavía no le ha mandado nada"
    )
    assert assessment.level == "medium"


def test_someone_after_you_is_followed_unless_no_one_is() -> None:
    # Paraphrases written for this test.
    for text in ("escapei da fazenda e eles estão atrás de mim numa moto", "me salí de la casa y andan detrás de mí"):
        assert "followed" in assess(text).keys, text
    assert "followed" not in assess("já estamos no abrigo, ninguém está atrás da gente").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a padlock on the door where people are kept.
        "as meninas não saem, o portão fica com cadeado o dia todo",
        "they keep the workers in a shed with a padlock on the door",
        "les enfants restent dans la maison, la porte est fermée à clé de l'extérieur",
        "yo mete timoun yo nan yon chanm, pòt la fèmen ak kadna",
    ],
)
def test_a_padlocked_door_is_people_locked_in(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a foreign man, children, and a room or the night.
        "en el hostal hay un gringo que cada noche mete a su cuarto a unos niños de la playa",
        "an old tourist takes two little girls up to his room every night",
        "un touriste canadien ramène des petites filles dans sa villa le soir",
        "um turista velho leva meninos pro quarto dele à noite",
    ],
)
def test_a_foreign_man_with_children_at_night_or_in_his_room_is_child_sex_tourism(text: str) -> None:
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys and assessment.level == "critical", text


def test_migrants_with_children_in_a_shelter_room_are_no_child_sex_tourism() -> None:
    assert (
        "sexual_exploitation"
        not in assess("hay muchos extranjeros con niños en el albergue, dormimos en el cuarto").keys
    )


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a man who gives a child's mother money for the child.
        "mi vecinita tiene 13, un señor de 50 se la lleva los sábados y le da dinero a la mamá",
        "a man picks up the girl next door, she's 12, every weekend and gives her mother money",
        "a menina tem 11 anos, um homem vem buscar ela de noite e dá dinheiro pra mãe dela",
    ],
)
def test_a_man_who_pays_a_childs_mother_for_the_child_is_sexual_exploitation(text: str) -> None:
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys and assessment.level == "critical", text


def test_money_every_week_or_month_is_no_price_per_head() -> None:
    for text in (
        "la niña de 12 años trabaja en casa de una señora y le mandan dinero a la mamá cada mes",
        "o patrão paga 200 dólares cada mês pra ela",
    ):
        assert "paid_to_cross_border" not in assess(text).keys, text
    assert "paid_to_cross_border" in assess("pedem 5 mil dólares por cabeça pra soltar a gente").keys


def test_a_child_kept_from_leaving_is_high_and_a_child_locked_in_critical() -> None:
    # Paraphrases written for this test: the labelling rules put restricted movement at high and
    # someone locked in or held now at critical, a child's included.
    kept = assess("mi sobrina de 14 trabaja de doméstica en una casa y no la dejan salir ni los domingos")
    assert "movement_restricted" in kept.keys and kept.level == "high"
    assert assess("tienen a mi sobrina de 14 encerrada en un cuarto y no la dejan salir").level == "critical"


def test_an_old_man_at_home_with_the_children_at_night_is_no_child_sex_tourism() -> None:
    # A paraphrase written for this test: age alone makes no one a foreign client.
    assert "sexual_exploitation" not in assess("mi papá ya está viejo, los niños duermen en su cuarto en la noche").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: the caller's own children, with them on holiday, are no
        # child among tourists or at a hotel.
        "I'm a tourist at the hotel with my kids, we stay in a room at night",
        "nous sommes en vacances à l'hôtel avec nos enfants, le soir ils dorment dans la chambre",
        "estamos de turistas en un hotel de Roatán con mis niños, todo bien",
        "nou nan yon otèl Punta Cana ak timoun mwen yo, se vakans",
    ],
)
def test_a_tourist_with_their_own_children_is_no_child_sexual_exploitation(text: str) -> None:
    assert "sexual_exploitation" not in assess(text).keys, text


def test_a_child_with_a_tourist_at_a_hotel_is_still_sexual_exploitation_beside_the_callers_children() -> None:
    # The veto takes out only the caller's own children: another child in the same report still counts.
    text = "I am at the hotel with my kids and a tourist took a little girl to his room at night"
    assessment = assess(text)
    assert "sexual_exploitation" in assessment.keys and assessment.level == "critical"
    assert "sexual_exploitation" in assess("un turista gringo se lleva a las niñas a su cuarto en la noche").keys
    assert "sexual_exploitation" in assess("yo kenbe yon tifi 14 an nan yon otèl, mwen la ak timoun mwen yo").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: locked out of the house is no one held.
        "mi padrastro me dejó encerrada fuera de la casa toda la noche por llegar tarde",
        "my stepdad locked me out last night so i slept at my friend's",
        "ma tante m'a enfermée dehors parce que je suis rentrée tard",
    ],
)
def test_locked_out_is_no_one_held(text: str) -> None:
    assert not {"held_now", "movement_restricted"} & assess(text).keys, text


def test_locked_in_still_holds_beside_the_words_for_out() -> None:
    for text in ("they locked us in the warehouse, there is no way out", "me tienen encerrada afuera de la ciudad"):
        assert "held_now" in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: exploitation named as the topic of a film or school work,
        # asked about, is an information request.
        "I watched a movie on Netflix about girls forced to work in bars, does that really happen in Belize?",
        "m sot gade yon fim kote yo fòse fi travay nan ba, èske sa konn rive vre?",
    ],
)
def test_exploitation_named_as_the_topic_of_a_film_is_an_information_request(text: str) -> None:
    assert assess(text).level == "low", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a danger of the moment beside words of research or the news.
        "soy periodista y tienen secuestrado a mi camarógrafo en Reynosa, ¿qué hago?",
        "I am a journalist and they kidnapped my driver, what do I do?",
        "vi en las noticias que secuestraron a mi primo, ¿a quién llamo?",
    ],
)
def test_a_danger_of_the_moment_beside_research_or_the_news_is_no_information_request(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a film or a show made of a child is no topic of a film.
        "they make my 15 year old daughter do a show on webcam for men, what do I do?",
        "obrigam minha filha de 14 a fazer um filme com homens, o que eu faço?",
    ],
)
def test_a_child_made_to_do_a_show_or_a_film_is_no_information_request(text: str) -> None:
    assert assess(text).level == "critical", text


def test_a_danger_of_the_moment_beside_the_news_stays_critical() -> None:
    # A word of now keeps the danger the reporter's own, whatever the news said.
    assert (
        assess("salió en las noticias pero ahora mismo tienen secuestrado a mi hermano, ¿qué hago?").level == "critical"
    )


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: an office, a program or a shop that closed ("fèmen"), and
        # wage deductions ("les retenues"), are nobody held.
        "nou peye ajans lan 2000 dola, kounye a biwo a fèmen e pèsonn pa reponn",
        "m tande pwogram nan fèmen, èske se vre?",
        "le patron nous paie moins à cause des retenues, mais on rentre chez nous le soir",
    ],
)
def test_an_office_closed_or_wages_held_back_is_nobody_held(text: str) -> None:
    assessment = assess(text)
    assert not {"held_now", "in_custody", "movement_restricted"} & assessment.keys, text
    assert assessment.level != "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: work that "kills" someone, or a threat told laughing.
        "mi jefa me mata de trabajo, diez horas parada, pero paga cada viernes",
        "ce boulot me tue de fatigue et de travail, mais je suis payé",
        "meu pai disse que me mata se eu chegar tarde kkkk ele é muito bravo",
    ],
)
def test_work_that_kills_or_a_threat_told_laughing_is_no_danger_now(text: str) -> None:
    assessment = assess(text)
    assert "in_danger_now" not in assessment.keys and assessment.level != "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a danger supposed in a question "what if", not told.
        "consegui um emprego em Cancún. e se lá tirarem meu passaporte ou me trancarem, o que eu faço?",
        "je pars travailler au Panama. et si on me prend mon passeport, qui j'appelle ?",
        "m pral travay Sen Domeng, epi si patwon an pran paspò m, kisa pou m fè?",
    ],
)
def test_a_danger_supposed_in_a_what_if_question_is_not_told(text: str) -> None:
    assessment = assess(text)
    assert not {"held_now", "in_custody", "documents_withheld"} & assessment.keys, text
    assert assessment.level in ("low", "medium"), text


@pytest.mark.parametrize(
    "text",
    [
        # Look-alikes that stay critical: a real lock, a real threat, a question beside a danger told.
        "yo fèmen nou nan yon kay, nou pa ka soti",
        "me quieren matar, ayúdenme por favor",
        "si me escapo me matan, tengo miedo",
        "y si me encuentran? estoy encerrada en un cuarto en Tapachula",
    ],
)
def test_a_danger_told_beside_those_look_alikes_stays_critical(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a wage promised, then less paid, in five languages.
        "en la finca nos prometieron 250 quetzales por día y nos pagan 90",
        "the boss promised us 60 dollars a day, when payday came he only gave us 25",
        "on m'avait promis 15 000 pesos par mois, je reçois 6 000",
        "a agência prometeu 1.200 dólares por mês e só pagou 300",
        "patwon an te pwomèt nou 400 dola pa mwa, kounye a li ban nou 150",
    ],
)
def test_a_wage_promised_and_less_paid_is_deception(text: str) -> None:
    assessment = assess(text)
    assert "deceived_about_job" in assessment.keys and assessment.level == "medium", text


def test_a_wage_only_offered_is_no_deception_yet() -> None:
    assert "deceived_about_job" not in assess("me prometen 500 dólares al mes en un hotel, ¿es seguro ir?").keys


def test_they_have_someone_in_a_house_is_someone_held() -> None:
    # Paraphrases written for this test; a thing they have in a house is nobody held.
    assert "in_custody" in assess("the men have my nephew in a house near the border and want 2000").keys
    assert assess("they have my nephew in a house near the border and want 2000").level == "critical"
    assert "in_custody" not in assess("they have a shop in the house next to the church").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a job offered with a contract and no fee asked.
        "me ofrecieron trabajo de cocinero en Roatán, me mandaron el contrato y no piden nada, ¿es confiable?",
        "yon lekòl nan Okap ofri m travay, m siyen yon kontra, yo pa mande m okenn kòb",
        "I got an offer to work at a resort in Belize, they gave me a contract and are not asking for any money",
    ],
)
def test_an_offer_with_a_contract_and_no_fee_is_no_deception(text: str) -> None:
    assert "deceived_about_job" not in assess(text).keys, text


def test_an_offer_with_a_contract_and_a_fee_is_still_deception() -> None:
    text = "me ofrecieron trabajo en Cancún con contrato escrito, pero piden 3 mil pesos por los papeles"
    assert "deceived_about_job" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: Portuguese "pai" (father) and "país" are no pay, and a
        # line open 24 hours is no worker's day.
        "mãe, tô bem, amanhã a gente segue, não fala nada pro pai",
        "oferecem trabalho de babá mas não dizem o país, isso é normal?",
        "ustedes atienden 24 horas? es gratis la llamada?",
    ],
)
def test_a_father_a_country_or_a_line_open_all_day_is_no_unpaid_work(text: str) -> None:
    assert "forced_labour" not in assess(text).keys, text


def test_a_workday_of_twenty_four_hours_is_still_long_hours() -> None:
    assert "forced_labour" in assess("la patrona me tiene trabajando 24 horas por día sin descanso").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: the caller who has their own passport, Friday, a lodging
        # included and tomorrow are no document taken, no one sold.
        "I have my passport with me, we leave tomorrow for the coffee farm",
        "eu tenho meu passaporte comigo, só quero saber dos meus direitos",
        "vendredi les patrons ont payé la moitié",
        "logement compris, on travaille six jours",
    ],
)
def test_my_own_passport_friday_or_lodging_included_is_no_sign(text: str) -> None:
    assert not {"documents_withheld", "sold_or_bought"} & assess(text).keys, text


def test_a_wage_agreed_and_less_given_is_deception() -> None:
    text = "o combinado era 600 dólares por mês e ela só me deu 150 até agora"
    assert "deceived_about_job" in assess(text).keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: money demanded with a threat of harm, people who cannot
        # breathe in a truck, a boat that capsized, a closed trailer.
        "the men who crossed my cousin want 3000 more or they hurt him, he is in a house in Sonoyta",
        "piden otros 2 mil dólares o si no le hacen daño a mi hermano",
        "on est dans un camion frigo, on n'arrive plus à respirer, le chauffeur roule toujours",
        "a lancha virou perto de Necoclí e falta uma criança",
        "on est 15 dans un camion, la remorque fermée depuis ce matin",
    ],
)
def test_a_ransom_by_threat_no_air_a_capsized_boat_or_a_closed_trailer_is_critical(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Look-alikes: a price or a door closed, in an ordinary sentence.
        "they want 200 dollars for the room or we leave",
        "el camión tiene la puerta cerrada porque es de noche",
    ],
)
def test_a_price_or_a_closed_door_alone_is_not_critical(text: str) -> None:
    assert assess(text).level != "critical", text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: the captors call the family for money, or say they have him.
        "nos tienen en una bodega en Tuxtla, llaman a nuestras familias para que manden 3 mil",
        "kouzen m te Piedras Negras, moun ap rele m ak telefòn li, yo di se yo ki genyen l, voye 2000 dola",
        "ils l'ont pris à la gare de Tapachula, ils m'ont appelé ce matin, il pleurait, ils veulent 2000 dollars",
    ],
)
def test_captors_calling_the_family_for_money_are_a_kidnapping(text: str) -> None:
    assert "kidnapping" in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: a boat overdue at sea.
        "my brother left on a boat from Port-de-Paix on Monday and it has not arrived in the Turks yet",
        "o barco saiu de Necoclí ontem e ainda não chegou, ninguém atende",
        "bato a te kite Okap samdi, li poko rive, nou pa tande anyen",
    ],
)
def test_a_boat_that_has_not_arrived_is_danger_now(text: str) -> None:
    assert assess(text).level == "critical", text


def test_a_parcel_not_arrived_by_boat_is_no_danger() -> None:
    assert assess("my package has not arrived yet, it comes by boat").level != "critical"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: kept from leaving, with no other sign, is at least high.
        "patwon an pa kite m soti, m travay lakay li",
        "the owner won't let my sister leave the house where she works",
        "o dono da fazenda não deixa a gente sair",
    ],
)
def test_someone_kept_from_leaving_is_at_least_high(text: str) -> None:
    assessment = assess(text)
    assert "movement_restricted" in assessment.keys and assessment.level in ("high", "critical"), text


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: threats or blows, with no other sign, are at least high.
        "mi patrona me pega cuando se enoja",
        "the foreman threatens us every day at the farm",
        "patwon an menase m chak jou",
    ],
)
def test_threats_or_blows_are_at_least_high(text: str) -> None:
    assessment = assess(text)
    assert "threats_or_violence" in assessment.keys and assessment.level in ("high", "critical"), text


def test_golpe_in_portuguese_is_a_scam_not_a_blow() -> None:
    assessment = assess("vi um anúncio de vaga em Cancún, pedem 300 reais de taxa antes, é golpe?", language="pt")
    assert "threats_or_violence" not in assessment.keys
    assert "deceived_about_job" in assessment.keys and assessment.level == "medium"


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: wages owed, late, cut, or less than promised.
        "the hotel owes my brother two months of pay, he left last week",
        "la patrona me debe cuatro quincenas y ya no contesta",
        "mon salaire n'est pas versé, salaire non versé depuis deux mois",
        "eles tiram do meu salário o quarto e a comida",
        "yo peye nou mwatye sa yo te pwomet nou an",
    ],
)
def test_wages_owed_late_cut_or_short_are_a_sign_of_exploitation(text: str) -> None:
    assessment = assess(text)
    assert {"forced_labour", "deceived_about_job"} & assessment.keys and assessment.level == "medium", text


def test_a_debt_the_worker_owes_is_not_wages_owed() -> None:
    assert "forced_labour" not in assess("I owe my landlord two months of rent").keys


@pytest.mark.parametrize(
    "text",
    [
        # Paraphrases written for this test: paid someone to be taken across, said in other forms.
        "le pagamos 3000 dólares a un señor para que nos pasara a Texas y ya no contesta",
        "we paid a guy five thousand to take their daughter north",
    ],
)
def test_paid_to_be_taken_across_in_other_forms_is_smuggling(text: str) -> None:
    assert "paid_to_cross_border" in assess(text).keys, text


@pytest.mark.parametrize(
    "text",
    [
        # Look-alikes of the figures of speech and suppositions set aside above, that stay critical:
        # a threat made on a condition and asked about, a lock "against my will", blows that may kill.
        "e se eu sair eles me matam, o que eu faço?",
        "yo fèmen m kont volonte m nan yon kay",
        "me van a matar de tanto golpe, ayúdenme",
    ],
)
def test_a_conditional_threat_a_lock_against_my_will_or_blows_stay_critical(text: str) -> None:
    assert assess(text).level == "critical", text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: a threat made on a condition that is denied ("if I don't
        # pay") is a threat all the same; the negation denies the condition, not the threat.
        ("si no pago me matan, ayúdenme", "es"),
        ("if we don't pay they kill him", "en"),
        ("si m pa peye yo touye m", "ht"),
        ("se não pagar me matam", "pt"),
    ],
)
def test_a_threat_on_a_denied_condition_is_danger_now(text: str, language: str) -> None:
    assert assess(text, language=language).level == "critical", text


def test_a_denial_after_a_reflexive_se_still_denies() -> None:
    assert "held_now" not in assess("ella se fue ayer, no la tienen encerrada", language="es").keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Paraphrases written for this test. French "dont" (of whom) and "personne" after a determiner
        # (a person) deny nothing; "personne le menace" (nobody threatens him) still denies.
        ("un groupe de 8 migrants dont 3 enfants attend au bord de la route", "minor_involved"),
        ("nous sommes 9 dont 3 enfants, une personne blessée à la jambe", "injured_or_ill"),
    ],
)
def test_french_dont_and_a_person_are_no_negation(text: str, expected: str) -> None:
    assert expected in assess(text, language="fr").keys, text


def test_french_nobody_threatens_still_denies_the_threat() -> None:
    keys = assess("mon frère est libre, personne le menace, il veut juste rentrer", language="fr").keys
    assert "threats_or_violence" not in keys


@pytest.mark.parametrize(
    "text",
    [
        "the men at the farm say we cant leave until the harvest is done",
        "she cannot leave the house, the lady keeps her papers",
    ],
)
def test_cant_without_the_apostrophe_keeps_someone_in(text: str) -> None:
    assert "movement_restricted" in assess(text, language="en").keys, text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("le passeur nous a laissées au bord de la route", "fr"),
        ("yon gason blese grav nan kamyon an, l ap pèdi san", "ht"),
        ("my friend is seriously injured, the truck turned over near the river", "en"),
        ("nos llaman y dicen que si queremos ver a mi hijo con vida tenemos que pagar 5 mil", "es"),
        ("they called, if we want to see him again we have to deposit 3000", "en"),
        ("on est 12 dans la montagne, plus de nourriture depuis hier", "fr"),
    ],
)
def test_dangers_told_in_other_words_are_read(text: str, language: str) -> None:
    assert assess(text, language=language).level in ("high", "critical"), text


@pytest.mark.parametrize(
    ("text", "language"),
    [("le passeur a vendu ma sœur à un homme", "fr"), ("o coiote vendeu minha irmã para um homem", "pt")],
)
def test_a_relative_sold_is_sold(text: str, language: str) -> None:
    assert "sold_or_bought" in assess(text, language=language).keys, text


@pytest.mark.parametrize(
    "text",
    [
        "she sold my car to her brother last year",
        "el vendió su casa a mi hermano",
        "my cousin was seriously injured in a car accident two years ago, he is fine now",
    ],
)
def test_look_alikes_of_those_dangers_are_not_read(text: str) -> None:
    keys = assess(text).keys
    assert "sold_or_bought" not in keys and "kidnapping" not in keys, (text, keys)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: a hard job that pays on time is a complaint about work.
        ("trabajo en una fábrica en San Miguel, el jefe grita y pagan poco, pero sí pagan cada quincena", "es"),
        ("my boss is hard on us, 12 hours a day and low pay, but he pays on time every friday. is that legal?", "en"),
    ],
)
def test_a_hard_job_that_pays_on_time_is_a_complaint_about_work(text: str, language: str) -> None:
    risk = assess(text, language=language)
    assert risk.level == "low" and "forced_labour" not in risk.keys, (text, risk.keys)


def test_a_job_that_pays_others_on_time_is_no_excuse_for_a_passport_kept() -> None:
    text = "no me pagan desde hace dos meses y el jefe tiene mi pasaporte, pero si pagan a los otros"
    risk = assess(text, language="es")
    assert risk.level == "high" and {"documents_withheld", "forced_labour"} <= risk.keys


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: a child and men served at night, a man at night for money,
        # girls sold to tourists.
        ("perto da praça tem uma casa com meninas de 14 anos atendendo homens toda noite", "pt"),
        ("j'ai 14 ans, ma tante m'envoie chez un monsieur le soir et il lui donne de l'argent", "fr"),
        ("gen yon nèg k ap vann tifi 14 an bay touris yo sou plaj la", "ht"),
    ],
)
def test_a_child_and_men_at_night_is_a_child_sexually_exploited(text: str, language: str) -> None:
    assert assess(text, language=language).level == "critical", text


def test_a_batey_named_cuchilla_is_no_knife_and_kidnappings_in_the_plural_are_a_topic() -> None:
    # Paraphrases written for this test.
    assert "weapon" not in assess("soy maestro en el batey Cuchilla, los niños no vienen a la escuela", "es").keys
    assert "weapon" in assess("el capataz tiene una cuchilla y nos amenaza", "es").keys
    assert "kidnapping" not in assess("I write about kidnappings of migrants on the route, can we talk?", "en").keys
    assert "kidnapping" in assess("secuestraron a mi hermano anoche en el bus, piden 5 mil", "es").keys


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: a job offered for a fee for the papers is a recruitment fee.
        ("dicen que hay trabajo en un hotel de Cancún, cobran 800 dólares para la visa", "es"),
        ("there is work in a factory in Canada, the agent wants 1000 dollars for the work permit first", "en"),
        ("gen travay nan Panama, fòk ou peye 400 dola pou papye yo", "ht"),
    ],
)
def test_a_job_offered_for_a_fee_for_the_papers_is_a_deceptive_offer(text: str, language: str) -> None:
    risk = assess(text, language=language)
    assert "deceived_about_job" in risk.keys and risk.level == "medium", (text, risk.keys, risk.level)


def test_a_visa_paid_at_an_embassy_is_no_recruitment_fee() -> None:
    assert (
        "deceived_about_job"
        not in assess("I paid 160 dollars for the visa at the embassy, can I work there?", "en").keys
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: a passport or a phone taken, in other words.
        ("a patroa tira o celular dela e só deixa sair com ela", "pt"),
        ("ils ont pris nos téléphones et on attend dans la maison", "fr"),
        ("o patrão tirou o passaporte dela e ela trabalha sem salário", "pt"),
    ],
)
def test_papers_or_a_phone_taken_in_other_words_are_kept(text: str, language: str) -> None:
    keys = assess(text, language=language).keys
    assert "documents_withheld" in keys and "weapon" not in keys, (text, keys)


def test_shots_are_still_a_weapon() -> None:
    assert "weapon" in assess("ouvimos tiros perto da casa onde eles estão", "pt").keys


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: asking whether a smuggler's price or offer can be trusted,
        # nothing paid or done yet, is asking whether a plan is safe.
        ("un hombre me ofrece pasarme a Texas por 9 mil dólares, ¿cómo sé si es de fiar?", "es"),
        ("yon nèg di l ap fè m travèse pou 300 dola, èske se bon pri sa?", "ht"),
        ("a guy offers to take us across for 5000 each, is that a fair price?", "en"),
    ],
)
def test_asking_whether_a_smuggler_can_be_trusted_is_an_information_request(text: str, language: str) -> None:
    assert assess(text, language=language).level == "low", text


def test_a_smuggler_already_paid_is_no_mere_question() -> None:
    text = "ya le pagamos la mitad al coyote para pasarnos por 9 mil dólares, ¿es de fiar?"
    assert assess(text, language="es").level != "low"


def test_a_job_that_pays_on_time_does_not_talk_down_an_injury() -> None:
    # Paraphrase written for this test: a hard job that pays, and a worker hurt at it.
    text = "pagan poco, pero sí pagan cada quincena, y tengo la mano herida por la máquina y no me llevan al médico"
    risk = assess(text, language="es")
    assert risk.level != "low" and "injured_or_ill" in risk.keys


def test_paying_a_hospital_for_someone_alive_is_no_ransom() -> None:
    # Paraphrase written for this test: money paid and someone alive, with no one held.
    assert "kidnapping" not in assess("tuvimos que pagar el hospital, gracias a Dios está con vida", "es").keys
    assert "kidnapping" not in assess("we had to pay the clinic but thank God he is alive", "en").keys


@pytest.mark.parametrize(
    ("text", "language", "key"),
    [
        # Paraphrases written for this test: a relative's thing sold, and a worker asking what papers cost.
        ("I sold my son's bike yesterday", "en", "sold_or_bought"),
        ("m ap travay nan Sendomeng, konbyen kòb pou m peye pou papye yo nan migrasyon?", "ht", "deceived_about_job"),
    ],
)
def test_a_relatives_thing_sold_or_the_cost_of_papers_asked_is_no_sale_or_fee(
    text: str, language: str, key: str
) -> None:
    assert key not in assess(text, language=language).keys, text


def test_a_camp_a_school_or_a_road_closed_in_haitian_locks_no_one_in() -> None:
    # Paraphrases written for this test: "fèmen" is to close as well as to lock.
    for text in ("yo fèmen kan an, kounye a nou pa konn ki kote pou n ale", "yo fèmen wout la ak kawotchou"):
        assert "held_now" not in assess(text, "ht").keys, text
    for text in ("yo fèmen nou nan kan an, yo pa kite nou soti", "yo fèmen l nan yon chanm"):
        assert "held_now" in assess(text, "ht").keys, text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: the same questions, asked with no question mark.
        ("we in Tecun Uman, a guy charge 300 quetzales to cross the river, is that fair", "en"),
        ("a man say $500 each he take us to Tapachula, is it safe to go with him", "en"),
        ("yon nèg ap fè nou travèse pou 200 dola, eske m ka fe l konfyans", "ht"),
    ],
)
def test_a_question_about_a_crossing_asked_without_a_question_mark_is_still_asked(text: str, language: str) -> None:
    assert assess(text, language=language).level == "low", text


def test_a_payment_denied_is_no_payment_made() -> None:
    # Paraphrases written for this test.
    assert assess("um cara leva a gente por 3000 pesos, ainda não paguei, é perigoso?", "pt").level == "low"
    assert assess("he wants 4000 to take us across, we have not paid yet, is it safe?", "en").level == "low"
    assert assess("ya le pagamos la mitad al coyote, ¿es seguro?", "es").level != "low"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: getting someone a job, or no need to pay, is no unpaid work.
        ("yon nonm di l ap fè m jwenn travay nan yon otèl", "ht"),
        ("m pa bezwen peye anyen, se li menm k ap peye bis la", "ht"),
        ("no tienes que pagar nada, la agencia paga todo", "es"),
        ("you dont have to pay anything, the company covers it", "en"),
    ],
)
def test_a_job_found_or_nothing_to_pay_is_no_forced_labour(text: str, language: str) -> None:
    assert "forced_labour" not in assess(text, language=language).keys, text


def test_work_made_or_unpaid_is_still_forced_labour() -> None:
    assert "forced_labour" in assess("patwon an fè m travay 16 è chak jou", "ht").keys
    assert "forced_labour" in assess("trabajo todo el día y no me pagan nada", "es").keys
    assert "forced_labour" in assess("m pa janm touche, yo pa peye m", "ht").keys


def test_a_trip_paid_back_from_the_wages_is_a_recruitment_lure() -> None:
    # Paraphrases written for this test.
    for text, language in (
        ("a man say i can go to pick coffee, transport free and i pay him back from the salary", "en"),
        ("li peye tikè a, m ap remèt li sou salè m apre", "ht"),
    ):
        assert "recruitment_lure" in assess(text, language=language).keys, text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Paraphrases written for this test: left by the smuggler, money gone, no danger named.
        ("el coyote nos dejó en la terminal de Danlí y se fue con la plata, estamos bien", "es"),
        ("o guia largou a gente na rodoviária e sumiu com o dinheiro", "pt"),
        ("kowòt la pran kòb la e li kite nou nan tèminal la", "ht"),
    ],
)
def test_a_smugglers_abandonment_with_no_danger_named_is_medium(text: str, language: str) -> None:
    assert assess(text, language=language).level == "medium", text


def test_shooting_told_as_such_is_a_weapon() -> None:
    # Paraphrases written for this test; pulling hair, profiting, throwing a phone, withdrawing money
    # or taking a passport is no shot.
    assert "weapon" in assess("il y a des hommes qui tirent près de la rivière, on est cachés", "fr").keys
    assert "weapon" in assess("estão atirando perto do rio, estamos escondidos", "pt").keys
    assert "weapon" in assess("gen moun k ap tire sou moun nan zòn nan, nou kache", "ht").keys
    for text, language in (
        ("elle tire les cheveux de sa soeur", "fr"),
        ("ils tirent profit de ces filles", "fr"),
        ("ele atirou o celular no chão e gritou", "pt"),
        ("ele tirou o passaporte dela", "pt"),
        ("patwon an ap tire lajan sou salè m chak mwa", "ht"),
    ):
        assert "weapon" not in assess(text, language).keys, text
