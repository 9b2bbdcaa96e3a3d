from routing.language import detect_language, resolve_language
from routing.snapshot import Country

COUNTRIES = {"BZ": Country("BZ", {}, "America/Belize", ("en", "es"), True)}


def test_stated_language_wins_and_drops_the_region_subtag() -> None:
    result = resolve_language("Mi hermana está encerrada en una casa", "pt-BR", "BZ", COUNTRIES)
    assert (result.code, result.source, result.confidence) == ("pt", "stated", 1.0)


def test_each_served_language_is_detected() -> None:
    samples = {
        "es": "Mi hermana está encerrada en una casa y no la dejan salir",
        "en": "My sister is locked in a house and they will not let her leave",
        "fr": "Ma soeur est enfermée dans une maison et ils ont pris son passeport",
        "pt": "Minha irmã está presa numa casa e não a deixam sair",
        "ht": "Mwen bezwen èd, yo pran paspò mwen epi yo pa peye m",
    }
    for code, text in samples.items():
        detected = detect_language(text)
        assert detected is not None and detected[0] == code, (code, detected)


def test_short_texts_are_not_guessed() -> None:
    assert detect_language("AYUDA") is None
    assert detect_language("info") is None
    result = resolve_language("info", None, "BZ", COUNTRIES)
    assert (result.code, result.source) == ("en", "country_default")
    assert resolve_language("hola", None, None, COUNTRIES).source == "fallback"
