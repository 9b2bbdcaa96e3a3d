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
    result = resolve_location(Location(), tokens("Estoy en Colón"), None, small_snapshot, RULES)
    assert result.ambiguous and {"HN", "PA"} <= set(result.candidates)


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


def test_a_journey_still_ahead_keeps_the_phone_country(small_snapshot: Snapshot) -> None:
    assert _country_read(small_snapshot, "quiero ir a Panamá a trabajar, es legal la agencia?", "HN") == "HN"
    assert _country_read(small_snapshot, "m vle ale nan Panama pou m travay", "HT") == "HT"
