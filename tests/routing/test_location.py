import pytest

from routing.grammar import read_text
from routing.intake import Location
from routing.location import default_place_rules, resolve_location
from routing.snapshot import Snapshot
from routing.text import tokens

RULES = default_place_rules()


def where(snapshot: Snapshot, text: str = "", caller: str | None = None, **stated: str) -> tuple:
    result = resolve_location(Location(**stated), tokens(text), caller, snapshot, RULES)
    return result.country, result.region, result.source, result.ambiguous


def test_stated_region_by_code_or_by_name(small_snapshot: Snapshot) -> None:
    assert where(small_snapshot, country="GT", region="GT-09") == ("GT", "GT-09", "stated", False)
    assert where(small_snapshot, country="GT", region="Quetzaltenango") == ("GT", "GT-09", "stated", False)


def test_text_place_is_found_accent_insensitively(small_snapshot: Snapshot) -> None:
    assert where(small_snapshot, "estoy en quetzaltenango") == ("GT", "GT-09", "text", False)


def test_an_ambiguous_name_is_settled_by_the_phone_or_reported(small_snapshot: Snapshot) -> None:
    assert where(small_snapshot, "Estoy en Colón", caller="PA")[:2] == ("PA", "PA-3")
    assert where(small_snapshot, "Estoy en Colón", caller="HN")[:2] == ("HN", "HN-CL")
    # No phone: Panama's port city of 78,000 over Honduras's department and villages, said as a guess.
    result = resolve_location(Location(), tokens("Estoy en Colón"), None, small_snapshot, RULES)
    assert (result.country, result.ambiguous) == ("PA", False)
    assert "the likeliest, by the size of the towns" in result.reasons[0]


def test_a_shared_name_with_no_town_that_dwarfs_the_others_stays_ambiguous(directory_snapshot: Snapshot) -> None:
    # Villanueva: 31,000 in Cortés (HN), 12,000 in Zacatecas (MX).
    for text in ("trabajo en una maquila en Villanueva y no me pagan",):
        result = resolve_location(Location(), tokens(text), None, directory_snapshot, RULES, read_text(text))
        assert result.country is None and result.ambiguous, text
    # Where one coalition country carries the name as its own and the others only as another name,
    # or one city dwarfs the others, that country is read (San José, Santa Ana).
    assert _country_read(directory_snapshot, "En San José tienen a una señora encerrada", None) == "CR"
    assert _country_read(directory_snapshot, "me escondí en una farmacia en Santa Ana", None) == "SV"


def test_a_province_of_the_name_in_one_coalition_country_is_read_over_villages_elsewhere(
    directory_snapshot: Snapshot,
) -> None:
    # Pedernales: a Dominican province and its town of 11,000, beside towns of 6,000 in Michoacán and
    # Ecuador. Paraphrases written for this test.
    for text in ("nos dejaron en Pedernales sin agua", "li travay nan yon bar nan Pedernales, patwon an kenbe papye l"):
        result = resolve_location(Location(), tokens(text), None, directory_snapshot, RULES, read_text(text))
        assert (result.country, result.ambiguous) == ("DO", False), text
        assert "a province of that name" in result.reasons[0]
    # A department's name is not read over a city of 50,000 or more elsewhere: Santa Rosa is a
    # Guatemalan department, and a town of 178,000 beside others in six countries.
    result = resolve_location(Location(), tokens("estamos en Santa Rosa"), None, directory_snapshot, RULES)
    assert result.country is None and result.ambiguous


def test_neighbourhoods_resorts_and_local_spellings_are_places(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test, with places from directory/data/local_places.json that
    # cities5000 does not carry: Port-au-Prince's communes, a Dominican batey, Panama City's
    # neighbourhoods, a Kreyòl spelling.
    assert _country_read(directory_snapshot, "gen yon gang nan Martissant k ap fòse timoun yo travay", None) == "HT"
    assert _country_read(directory_snapshot, "nou nan Ansapit, konbyen pou travèse?", None) == "HT"
    assert _country_read(directory_snapshot, "en el batey Consuelo no le pagan a los braceros", None) == "DO"
    assert _country_read(directory_snapshot, "trabajo en una casa en Costa del Este y no me dejan salir", None) == "PA"
    assert _country_read(directory_snapshot, "nou nan mitan forè Daryen an, gid la kite nou", None) == "PA"
    # After a word of neighbourhood, a local place is that neighbourhood, not a street named after it.
    assert _country_read(directory_snapshot, "gen yon kay nan katye Martissant kote yo fèmen timoun", None) == "HT"
    assert _country_read(directory_snapshot, "hay una casa en el barrio Calidonia donde las encierran", None) == "PA"
    # Someone called by a town's name ("yon mesye yo rele Santiago") is a person.
    assert (
        _country_read(directory_snapshot, "m ap travay kay yon mesye yo rele Santiago, li kenbe paspò m", None) is None
    )
    # A brand and a drink are not the San José bus terminal nicknamed after them.
    assert _country_read(directory_snapshot, "me dieron una Coca Cola y me dormí en el carro", None) is None


def test_origin_is_not_the_location(small_snapshot: Snapshot) -> None:
    assert where(small_snapshot, "Soy de Honduras", caller="GT") == ("GT", None, "phone", False)


def test_common_words_are_not_places(small_snapshot: Snapshot) -> None:
    assert where(small_snapshot, "Gracias, el coyote nos dejó en la frontera") == (None, None, "none", False)


def _country_read(snapshot: Snapshot, text: str, caller: str) -> str | None:
    # With the reading of the text, as route() passes it, so ordinary words ("dona") are no places.
    return resolve_location(Location(), tokens(text), caller, snapshot, RULES, read_text(text)).country


def test_a_finished_journey_puts_the_place_where_the_person_now_is(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: an arrival verb, or leaving to work, before a destination cue.
    assert _country_read(small_snapshot, "vim pro Panamá trabalhar e a dona ficou com meu passaporte", "BR") == "PA"
    assert _country_read(small_snapshot, "je suis arrivée au Guatemala et on m'a pris mon passeport", "HT") == "GT"
    assert _country_read(small_snapshot, "se fue para Panamá a trabajar y no le pagan", "HN") == "PA"


def test_being_brought_somewhere_is_a_journey_over(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: "me trouxe pra", "nos trajo a", "brought me to" say where
    # the person was taken and is now, not where they want to go.
    assert (
        _country_read(small_snapshot, "meu namorado me trouxe pra Guatemala e me obriga a sair com homens", "BR")
        == "GT"
    )
    assert _country_read(small_snapshot, "el señor nos trajo a Panamá y no nos paga", "CO") == "PA"
    assert _country_read(small_snapshot, "he brought me to Mexico and keeps my passport", "US") == "MX"
    # Still ahead: "me va a traer a", "quiere llevarme a" keep the phone's country.
    assert _country_read(small_snapshot, "un señor dice que me puede llevar a Panamá a trabajar", "HN") == "HN"


def test_a_street_or_a_neighbourhood_named_after_a_place_is_not_that_place(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: colonias, streets and rues named after countries and towns.
    assert _country_read(small_snapshot, "me tienen en un cuarto en la colonia Guatemala", "HN") == "HN"
    assert _country_read(small_snapshot, "trabajo en un bar de la calle México y no me pagan", "PA") == "PA"
    assert _country_read(small_snapshot, "on est dans une maison rue Panama, on ne peut pas sortir", "HT") == "HT"
    # The same names with no street word are the places.
    assert _country_read(small_snapshot, "me tienen en un cuarto en Guatemala", "HN") == "GT"


def test_where_a_recruiter_recruits_is_where_it_happens(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: the place recruited in, before any word of work or purpose,
    # is where it happens; the job's place after "para trabajar" is a destination.
    text = "un hombre recluta muchachas en Jinotega para trabajar de meseras en Panamá"
    assert _country_read(small_snapshot, text, None) == "NI"
    text = "femme recrutée à Port-au-Prince par une agence pour du travail de ménage au Panama"
    assert _country_read(small_snapshot, text, None) == "HT"
    # Once they went and arrived, it happens where the job was.
    text = "reclutado en Huehuetenango para trabajo en Chiapas; al llegar le quitaron el documento"
    assert _country_read(small_snapshot, text, None) == "MX"


def test_a_country_asked_about_is_a_topic_not_the_place(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: "is there ... in <country>?" asks about the country.
    assert _country_read(small_snapshot, "¿hay albergues en México?", "SV") == "SV"
    assert _country_read(small_snapshot, "eske gen kay akèy pou timoun nan Meksik?", None) is None
    assert _country_read(small_snapshot, "is there a hotline in Costa Rica?", None) is None
    # Said, not asked, or asked with no "is there", the country is where it happens.
    assert _country_read(small_snapshot, "hay muchachas encerradas en México", "SV") == "MX"
    assert _country_read(small_snapshot, "estoy en México, ¿me pueden ayudar?", "SV") == "MX"


def test_an_ordinary_word_that_is_only_a_small_towns_other_name_is_no_place(small_snapshot: Snapshot) -> None:
    # "carro" is another name of a Zacatecas village: "en carro" is by car. Written for this test.
    assert _country_read(small_snapshot, "nos lleva en carro hasta la frontera", "PA") == "PA"


def test_a_journey_still_ahead_keeps_the_phone_country(small_snapshot: Snapshot) -> None:
    assert _country_read(small_snapshot, "quiero ir a Panamá a trabajar, es legal la agencia?", "HN") == "HN"
    assert _country_read(small_snapshot, "m vle ale nan Panama pou m travay", "HT") == "HT"


def test_a_currency_or_identity_document_settles_a_shared_town_name_over_the_phone(small_snapshot: Snapshot) -> None:
    # Paraphrases written for this test (never from the corpus): Colón is a department of Honduras
    # and a province of Panama; the money or the papers the report speaks of say which.
    assert _country_read(small_snapshot, "Estoy en Colón, me pagan 200 lempiras por semana", "PA") == "HN"
    assert _country_read(small_snapshot, "trabajo en Colón y el encargado me paga en balboas", "HN") == "PA"
    text = "mi prima está en Colón, le quitaron la identidad y le deben lempiras"
    assert _country_read(small_snapshot, text, "PA") == "HN"


def test_a_country_cue_names_no_place_by_itself(small_snapshot: Snapshot) -> None:
    # Dollars paid to a smuggler anywhere, quetzales saved at home: the phone still places the report.
    assert _country_read(small_snapshot, "le pagamos 5000 quetzales al coyote y nos dejó tirados", "MX") == "MX"
    assert _country_read(small_snapshot, "me quitaron el DPI y no me dejan salir", "HN") == "HN"


def test_identity_documents_settle_escuintla(directory_snapshot: Snapshot) -> None:
    # Escuintla is a Guatemalan department and a town in Chiapas.
    assert _country_read(directory_snapshot, "en Escuintla el patrón le quitó el DPI a mi hermana", "MX") == "GT"
    text = "estoy en Escuintla, no tengo CURP y me tienen trabajando sin pago"
    assert _country_read(directory_snapshot, text, "GT") == "MX"
    assert _country_read(directory_snapshot, "en Escuintla nos cobran la renta en quetzales", "MX") == "GT"


def test_a_name_made_of_everyday_words_is_a_phrase_unless_cued(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: Gracias a Dios is a Honduran department and a thanksgiving.
    assert _country_read(directory_snapshot, "Gracias a Dios que mi hermana se escapó del patrón", "GT") == "GT"
    text = "gracias a dios nos soltaron, pero a mi primo lo tienen sin pago"
    assert _country_read(directory_snapshot, text, "SV") == "SV"
    assert _country_read(directory_snapshot, "ella está bien gracias a dios pero la siguen amenazando", "NI") == "NI"
    # After a location cue it is the department.
    assert _country_read(directory_snapshot, "a mi hija la tienen en Gracias a Dios, en la Mosquitia", "GT") == "HN"


def test_a_name_a_town_carries_beats_another_towns_other_name(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test. "Monterrey" is also the Spanish name of Monterey, California:
    # a relative calling from a US phone still means the city in Nuevo León.
    text = "mi prima está en Monterrey en una casa y no la dejan salir"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    # "Villanueva" is an old name of Tallahassee, a far bigger town than any Villanueva: it must not
    # win on size over the towns that carry the name (which one stays a question).
    text = "en la fábrica de Villanueva nos hacen trabajar doble turno sin pago"
    assert _country_read(directory_snapshot, text, None) != "US"
    assert _country_read(directory_snapshot, text, "HN") == "HN"


def test_naco_beside_santo_domingo_is_the_dominican_neighbourhood(directory_snapshot: Snapshot) -> None:
    text = "sè m nan Sendomeng, li nan yon kay masaj nan Naco, yo pa kite l soti"
    assert _country_read(directory_snapshot, text, "US") == "DO"


def test_the_side_of_a_border_they_are_on_wins_over_the_towns_of_the_way(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test. A Colombian phone, the towns of the crossing, then where they are.
    text = "el lanchero nos llevó de Necoclí a Capurganá y ya estamos en la selva del lado de Panamá sin agua"
    assert _country_read(directory_snapshot, text, "CO") == "PA"
    assert _country_read(directory_snapshot, "a gente já tá do lado do Panamá, o guia sumiu", "CO") == "PA"
    # A demonym after "lado"/"côté"/"bò", or before "side".
    assert _country_read(directory_snapshot, "estamos en Paso Canoas del lado panameño, el coyote se fue", "CR") == "PA"
    assert _country_read(directory_snapshot, "on est à Paso Canoas côté panaméen, le passeur est parti", None) == "PA"
    text = "I'm in Phoenix, my son is in the desert south of Sásabe, on the Mexican side, with no water"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    # "Al lado de" is next to, not a side of a border; a town next to a church stays the town.
    assert _country_read(directory_snapshot, "nos tienen en Tapachula al lado de la iglesia", "GT") == "MX"


def test_a_place_left_behind_is_neither_the_incident_nor_beats_the_phone(directory_snapshot: Snapshot) -> None:
    # "Saímos de Villahermosa" in a truck: with a phone, the phone; with none, the country left.
    text = "a gente tá dentro de um caminhão, saímos de Villahermosa, não sei onde estamos"
    assert _country_read(directory_snapshot, text, "GT") == "GT"
    assert _country_read(directory_snapshot, "we left Tapachula hours ago in the back of a truck, no air", None) == "MX"


def test_the_darien_jungle_by_its_names_is_panama_whatever_the_phone(directory_snapshot: Snapshot) -> None:
    assert _country_read(directory_snapshot, "estamos no meio da selva do Darién, o guia fugiu", "CO") == "PA"
    assert _country_read(directory_snapshot, "we are stuck in the Darien Gap, the guide left us", "CO") == "PA"


def test_the_callers_own_place_gives_way_to_a_relatives_in_another_country(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: a relative abroad calls about someone held elsewhere.
    text = "a mi esposo lo tienen en Reynosa y piden cuatro mil dólares, yo estoy aquí en Houston"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    text = "they have my cousin in a house in Nuevo Laredo and want eight thousand. I'm in Charlotte"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    # The caller speaking of themselves, or of someone in the same country, keeps their place.
    assert _country_read(directory_snapshot, "estoy aquí en Tapachula y me quitaron el pasaporte", "GT") == "MX"
    text = "I'm in Tapachula and my sister is locked in a house in Tuxtla"
    assert _country_read(directory_snapshot, text, "GT") == "MX"


def test_a_department_after_a_town_says_which_town_or_stands_for_it(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test. A town of that name in the department's country is meant.
    assert _country_read(directory_snapshot, "nos tienen en una bodega en San Marcos, Ocotepeque", "GT") == "HN"
    # A village the gazetteer knows only in California, before a Honduran department: the department.
    text = "eu tô em Agua Caliente, Ocotepeque, na fronteira, o rapaz que leva a gente sumiu"
    assert _country_read(directory_snapshot, text, None) == "HN"


def test_a_country_named_is_the_country_not_a_town_that_shares_its_name(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test. "Costa Rica" is also a town in Sinaloa; named beside San
    # José it says which San José, and "Canadá" is Canada, not La Cañada in Querétaro.
    text = "onde fica o escritório da OIM em San José? estou aqui na Costa Rica sem dinheiro"
    assert _country_read(directory_snapshot, text, None) == "CR"
    text = "my mom is in San Miguel and a man here offers her work in Canada for free, is it real"
    assert _country_read(directory_snapshot, text, "SV") == "SV"
    # A coalition town that carries a country's name as its own is still that town.
    assert _country_read(directory_snapshot, "trabajo en una finca en Liberia y no me pagan", "NI") == "CR"


def test_where_someone_is_now_after_an_escape_or_a_return_is_not_where_it_happened(
    directory_snapshot: Snapshot,
) -> None:
    # Paraphrases written for this test: the exploitation is placed where it happened.
    text = "me tenían trabajando en un bar en Managua, logré escaparme y ahora estoy en Tegucigalpa con mi tía"
    assert _country_read(directory_snapshot, text, None) == "NI"
    text = "they kept my passport at a hotel in Cancún, I ran away and now I'm in Belize City, safe"
    assert _country_read(directory_snapshot, text, None) == "MX"
    text = "Yo te fè m travay nan yon ba nan Panama, m te chape, kounya m nan San José Costa Rica"
    assert _country_read(directory_snapshot, text, None) == "PA"
    text = "trabajé en una finca de café en Costa Rica y no me pagaron, ya regresé a Chiriquí"
    assert _country_read(directory_snapshot, text, None) == "CR"
    # With nothing else named, where they are now still places the report; so does "now" with no escape.
    assert _country_read(directory_snapshot, "me escapé y ahora estoy en Tegucigalpa", None) == "HN"
    text = "salimos de Managua y ahora estamos encerrados en un cuarto en Tegucigalpa"
    assert _country_read(directory_snapshot, text, None) == "HN"


def test_a_relative_abroad_who_says_where_they_live_is_not_the_place(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test.
    text = "my brother works in a warehouse in Monterrey, they took his phone and he can't leave. I live in Dallas"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    text = "kouzen m nan Tapachula, yo mande twa mil dola pou lage l, m nan Orlando m pa konn sa pou m fè"
    assert _country_read(directory_snapshot, text, "US") == "MX"
    # "Manman m nan Jakmèl" is where the mother is, not where the caller is.
    text = "Manman m nan Jakmèl, gen yon nonm nan katye a k ap chèche timoun pou mennen Miami"
    assert _country_read(directory_snapshot, text, "US") == "HT"


def test_small_towns_and_other_names_far_from_the_routes_are_not_places(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test. "August" is a month before a Californian town of 8,000;
    # "West End" is another name of a Washington neighbourhood, and Roatán's West End is meant.
    text = "in August a man came to our village and took three girls to work in a bar, the owner keeps them"
    assert _country_read(directory_snapshot, text, "HN") == "HN"
    text = "I'm on Roatán in West End and the boy next door works every night in the kitchen"
    assert _country_read(directory_snapshot, text, "US") == "HN"
    # A big city's other name still counts ("Miyami"), and so do Haiti's and Colombia's small towns.
    text = "matant mwen ap travay kay yon fanmi Miyami, yo kenbe paspò l"
    assert _country_read(directory_snapshot, text, None) == "US"
    assert _country_read(directory_snapshot, "estamos en Acandí esperando la lancha, el guía no aparece", None) == "CO"


def test_a_city_the_frequency_lists_take_for_a_word_is_a_place_in_lower_case(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: wordfreq counts "puebla", "chiapas" and "la romana" as
    # everyday words only because the places are so often written; typed in lower case in a chat
    # they are still the places.
    assert _country_read(directory_snapshot, "estoy en la terminal de puebla y no se a donde ir", "") == "MX"
    assert _country_read(directory_snapshot, "mi hermano corta cana en un batey cerca de la romana", "") == "DO"
    assert _country_read(directory_snapshot, "me trajeron a trabajar a chiapas sin pago", "") == "MX"
    # A word that is a town too stays a word: "el progreso de la obra" names no El Progreso.
    assert _country_read(directory_snapshot, "el patron no paga y el progreso de la obra es lento", "SV") == "SV"


def test_where_a_planned_trip_would_lead_or_pass_is_not_the_place(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: a plan to go, then the way ("a", "pou", "por", "via").
    for text, phone in (
        ("mi hija de 17 se quiere ir con un coyote a Estados Unidos por Guatemala, ¿es peligroso?", "HN"),
        ("pitit fi m gen 15 an, li vle ale Chili pa Panama ak yon gid", "HT"),
        ("my brother wants to go to Mexico through Guatemala with a guide", "SV"),
    ):
        assert where(directory_snapshot, text, phone)[0] == phone, text
    # Where the person is now still counts: "está en Tapachula" is no trip.
    assert where(directory_snapshot, "mi hijo se quiere ir, ahora está en Tapachula con un coyote", "HN")[0] == "MX"


def test_a_town_misspelt_by_one_letter_is_still_the_town(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: one letter left out, added or sounded another way.
    assert (
        _country_read(directory_snapshot, "my cousin in soyapngo is 16 and the gang wants him to carry for them", "US")
        == "SV"
    )
    assert _country_read(directory_snapshot, "nou bloke nan Tapachoula, gid la pati ak kòb nou", "HT") == "MX"
    assert _country_read(directory_snapshot, "mi hermano trabaja sin pago en una finca en Choluteka", "US") == "HN"


def test_a_misspelling_is_guessed_only_where_a_place_is_expected(directory_snapshot: Snapshot) -> None:
    # Without a location cue or a capital, a word that is no word is not taken for a town; nor is
    # a word of the languages (French "cachette" is one letter from Argentina's Caucete), nor a town
    # far from the region's routes.
    assert _country_read(directory_snapshot, "soyapngo la pandilla lo quiere para cargar", "US") == "US"
    assert _country_read(directory_snapshot, "il m'a enfermée et pris mon passeport, j'écris en cachette", "HT") == "HT"


def test_where_someone_was_born_is_an_origin(directory_snapshot: Snapshot) -> None:
    # A paraphrase written for this test: the boy is in Panama, born in Brazil's Santa Catarina.
    text = "um menino de 14 anos, nascido em Santa Catarina, está sozinho no abrigo"
    assert _country_read(directory_snapshot, text, "PA") == "PA"


def test_where_someone_called_from_is_where_they_were(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: "from" after a word of calling or writing is no origin.
    text = "mi hermano se fue con un coyote de Huehue, ayer habló desde Chihuahua y ya no contesta"
    assert _country_read(directory_snapshot, text, "GT") == "MX"
    text = "my uncle left in June; the last message we got was from Puerto Cortés, nothing since"
    assert _country_read(directory_snapshot, text, None) == "HN"
    # Where someone comes from stays an origin.
    assert _country_read(directory_snapshot, "vienen de Chihuahua y los tienen encerrados en una bodega", "GT") == "GT"


def test_tecun_is_tecun_uman_and_speaking_spanish_is_no_place(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: "Tecún" is Tecún Umán; "pale panyòl" is speaking Spanish,
    # not the Dominican Republic.
    assert _country_read(directory_snapshot, "the van stopped by Tecún and the driver took our phones", "HN") == "GT"
    assert _country_read(directory_snapshot, "m pa konn pale panyòl, yo kenbe paspò m", "HT") == "HT"


def test_a_place_someone_went_to_and_is_in_now_is_the_place(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: gone there, and "now" something happens there.
    text = "minha sobrinha foi pra Cancún com um namorado e agora ele tranca ela no apartamento"
    assert _country_read(directory_snapshot, text, "BR") == "MX"
    # Only wanting to go is still a destination.
    text = "minha sobrinha quer ir pra Cancún com um namorado, agora ela só fala disso"
    assert _country_read(directory_snapshot, text, "BR") == "BR"


def test_where_someone_is_now_after_escaping_says_it_in_many_ways(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: past exploitation is placed where it happened, not where the
    # person now lives safe ("chez nous à", "lives with us in", "con mi familia en").
    text = "ma cousine a pu s'enfuir du bar à Cancún, elle est chez nous à Miami maintenant"
    assert _country_read(directory_snapshot, text, None) == "MX"
    text = "she was held in a house in Tenancingo but got out last year, she lives with us in Houston now"
    assert _country_read(directory_snapshot, text, None) == "MX"


def test_a_phone_from_outside_the_coalition_does_not_pick_its_own_town_over_a_province(
    directory_snapshot: Snapshot,
) -> None:
    # Paraphrases written for this test: a Colombian or US phone in the Darién is in Panama's
    # province, not in the Colombian or US town of that name; a Mexican phone in León stays in Mexico.
    assert _country_read(directory_snapshot, "nous sommes dans le Darién, le guide est parti", "CO") == "PA"
    assert _country_read(directory_snapshot, "my brother is in the Darien, the guide left them yesterday", "US") == "PA"
    assert (
        _country_read(directory_snapshot, "ando en León en la central camionera con una niña que llora", "MX") == "MX"
    )


def test_the_same_words_typed_otherwise_are_read_again(directory_snapshot: Snapshot) -> None:
    # Where it happens and where someone is from share one scan of a report's places (the last
    # report's is kept); a report with the same words typed otherwise (here a capital, which alone
    # lets a misspelt town count) is still read by how it is typed, whichever comes first.
    capital, lower = "la pandilla Soyapngo lo quiere", "la pandilla soyapngo lo quiere"
    for first, second in ((capital, lower), (lower, capital), (capital, capital), (lower, lower)):
        assert _country_read(directory_snapshot, first, "US") == ("SV" if first == capital else "US")
        assert _country_read(directory_snapshot, second, "US") == ("SV" if second == capital else "US")


def test_a_place_beyond_the_directory_is_where_it_happens_when_nothing_it_serves_is_named(
    directory_snapshot: Snapshot,
) -> None:
    # Paraphrases written for this test: a town of a country the directory does not serve, after a
    # location cue, is where it happens (the regional focal point takes it), over the country of a
    # job offered there or a town on the way; once read as no place at all, or as the offer's.
    assert (
        _country_read(directory_snapshot, "aqui em Goiânia uma mulher recruta moças pra bares de Cancún", None) == "BR"
    )
    assert (
        _country_read(directory_snapshot, "a woman in Havana is recruiting girls for hostess work in Cancún", None)
        == "CU"
    )
    assert _country_read(directory_snapshot, "m nan Nassau, patwon an kenbe paspò m, m pa ka soti", None) == "BS"
    assert (
        _country_read(directory_snapshot, "trabajo en una casa en Madrid y la señora tiene mi pasaporte", "DO") == "ES"
    )
    # A name of several capitalised words needs no cue.
    assert _country_read(directory_snapshot, "uma agência de Governador Valadares oferece vagas", None) == "BR"


def test_a_place_the_directory_serves_comes_before_one_beyond_it(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: exploitation in a served country, the person now abroad or
    # the agency in their home town; a lone first name or an ordinary word is no town beyond.
    text = "vim para Punta Cana com uma proposta de recepcionista, a agência em Goiânia cobrou a taxa"
    assert _country_read(directory_snapshot, text, None) == "DO"
    text = "enfant, j'ai travaillé sans salaire chez une famille à Cap-Haïtien; je suis à Montréal depuis 5 ans"
    assert _country_read(directory_snapshot, text, None) == "HT"
    assert _country_read(directory_snapshot, "mi amiga Regina no contesta desde el viernes", None) is None
    assert _country_read(directory_snapshot, "nos tienen en la pizca de chile sin paga", "MX") == "MX"
    assert _country_read(directory_snapshot, "ela mora perto da praia e não pode sair de casa", "BR") == "BR"


def test_the_city_of_a_name_in_lower_case_is_that_city(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: "ciudad de panama", "cidade da guatemala" typed without
    # capitals are the capitals, not a phrase of ordinary words.
    assert (
        _country_read(directory_snapshot, "trabajo en un bar en la ciudad de panama y me quitaron el pasaporte", None)
        == "PA"
    )
    assert _country_read(directory_snapshot, "to aqui na cidade da guatemala e o coiote sumiu", None) == "GT"


def test_where_the_caller_says_they_are_comes_before_a_town_behind_them(directory_snapshot: Snapshot) -> None:
    # Paraphrase written for this test: "I am in" a town of the phone's country, a town across the
    # border named after it as where money was taken.
    text = "I am in Ouanaminthe near the bridge, the men took my money to cross to Dajabón and now want more"
    assert _country_read(directory_snapshot, text, "HT") == "HT"


def test_a_name_shared_by_many_countries_says_nothing_of_which_town_is_meant(directory_snapshot: Snapshot) -> None:
    # "San Vicente" is a town in seven countries, Colombia and Panama among them: it does not choose
    # Colombia's Darién over Panama's; the phone does.
    text = "on est à la station de San Vicente au Darién, le guide veut encore 50 dollars"
    assert _country_read(directory_snapshot, text, "PA") == "PA"


def test_a_town_said_to_be_where_it_happens_comes_before_where_the_caller_lives(directory_snapshot: Snapshot) -> None:
    # Paraphrase written for this test.
    text = "vivo en Dajabón pero esto pasa del otro lado en Ouanaminthe, un hombre tiene niños trabajando"
    assert _country_read(directory_snapshot, text, "DO") == "HT"


@pytest.mark.parametrize(
    ("text", "caller", "expected"),
    [
        # Paraphrases written for this test: a hospital, a school or a street named after a person.
        ("en el hospital Manuel Amador Guerrero de Colón atendimos a una joven encerrada en un bar", "PA", "PA"),
        ("Trabajo en el hospital Manuel Amador Guerrero en Colón, llegó una muchacha golpeada", None, "PA"),
        ("la maestra de la escuela José Santos Guardiola en Roatán dice que una alumna no vuelve", None, "HN"),
    ],
)
def test_a_place_inside_a_persons_name_is_a_surname(
    directory_snapshot: Snapshot, text: str, caller: str | None, expected: str
) -> None:
    assert _country_read(directory_snapshot, text, caller) == expected


def test_a_town_whose_name_begins_with_a_first_name_is_still_a_town(directory_snapshot: Snapshot) -> None:
    # Paraphrases written for this test: the whole name is the town's, or the run begins with "San".
    assert _country_read(directory_snapshot, "trabajo en un bar en Pedro Santana y no me pagan", None) == "DO"
    assert _country_read(directory_snapshot, "Guerrero es donde la tienen, en un rancho de Chilpancingo", None) == "MX"
    assert _country_read(directory_snapshot, "estamos en San Marcos Ocotepeque, el coyote nos dejó", None) == "HN"


def test_a_caller_in_one_country_with_the_incident_in_another_keeps_the_incident(
    directory_snapshot: Snapshot,
) -> None:
    # Paraphrase written for this test: where the caller is, said with a cue, names a country and a
    # town of it; the daughter is held elsewhere.
    text = "Estoy en Honduras, en San Pedro Sula, y mi hija está encerrada en Tapachula"
    assert _country_read(directory_snapshot, text, "HN") == "MX"


def test_a_countrys_name_before_side_puts_the_person_on_that_side(directory_snapshot: Snapshot) -> None:
    # Paraphrase written for this test: where they are, over the town the smuggler would take them to.
    text = "we at Agua Caliente honduras side, a man say 400 each he take us all the way to Tapachula"
    assert _country_read(directory_snapshot, text, "HN") == "HN"


def test_home_again_is_a_place_returned_to_not_where_it_happened(directory_snapshot: Snapshot) -> None:
    # Paraphrase written for this test: the work was in Belize, the worker is home in Les Cayes now.
    text = "m te travay nan yon bato nan Belize, yo pa t peye m. Kounya m tounen lakay mwen Okay"
    assert _country_read(directory_snapshot, text, None) == "BZ"


def test_places_the_gazetteer_lacked(directory_snapshot: Snapshot) -> None:
    assert _country_read(directory_snapshot, "estamos num barco perto de Sapodilla Cayes", "BR") == "BZ"
    assert _country_read(directory_snapshot, "trabajamos en una finca de piña en Pital", None) == "CR"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Paraphrases written for this test: a town named like a person, with more names after it.
        ("trabajamos en una finca en David Chiriquí sin pago", "PA"),
        ("estamos en Vicente Noble Barahona, el capataz no nos paga", "DO"),
        ("la tienen en una casa en Miguel Hidalgo CDMX", "MX"),
    ],
)
def test_a_town_named_after_a_person_is_still_the_town(directory_snapshot: Snapshot, text: str, expected: str) -> None:
    assert _country_read(directory_snapshot, text, None) == expected
