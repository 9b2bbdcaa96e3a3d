from routing.text import PhraseMatcher, normalise, tokens


def test_normalise_strips_accents_case_and_punctuation() -> None:
    assert normalise("¡Está en  COLÓN, Panamá!") == "esta en colon panama"
    assert normalise("Nicaragüenses") == "nicaraguenses"


def test_matcher_takes_the_longest_phrase_on_word_boundaries() -> None:
    matcher = PhraseMatcher([("santo domingo", "city"), ("santo domingo este", "municipality"), ("colon", "c")])
    found = matcher.find(tokens("Vivo en Santo Domingo Este, no en Colonia"))
    assert [(m.phrase, m.value) for m in found] == [("santo domingo este", "municipality")]


def test_wildcard_matches_word_endings_only_from_the_stem() -> None:
    matcher = PhraseMatcher([("encerrad*", "held")])
    assert [m.value for m in matcher.find(tokens("Están encerradas"))] == ["held"]
    assert matcher.find(tokens("encerrar")) == []
