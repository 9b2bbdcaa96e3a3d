"""Which language to answer and refer in: the caller's choice, else the text's, else the country's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from routing.snapshot import Country
from routing.text import tokens

SERVED_LANGUAGES = ("es", "en", "fr", "pt", "ht")
FALLBACK_LANGUAGE = "es"

# The detector is only asked about texts of at least this many words: on one or two words
# ("AYUDA", "info", "hola") it guesses with high confidence and is often wrong, while the
# caller's country is a better prior for such short texts.
MIN_WORDS_TO_DETECT = 3
# Below this probability the detector's answer is treated as no answer.
MIN_DETECTION_CONFIDENCE = 0.80
# Enough text to judge; reading more only costs time (the detector is linear in bytes).
MAX_DETECTION_CHARS = 600

# Fixed confidences for answers that do not come from the detector, so operators can compare them.
STATED_CONFIDENCE = 1.0
COUNTRY_DEFAULT_CONFIDENCE = 0.5
FALLBACK_CONFIDENCE = 0.2


@dataclass(frozen=True)
class LanguageResult:
    code: str
    source: str  # "stated" | "detected" | "country_default" | "fallback"
    confidence: float
    reason: str


class _Classifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@lru_cache(maxsize=1)
def _detector() -> _Classifier:
    # The one third-party import in routing: py3langid's bundled naive Bayes model, loaded once per
    # process (about 0.8 s) with normalised probabilities, and restricted to the languages we serve
    # so that, say, Galician or Catalan never win over Spanish.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SERVED_LANGUAGES))
    return identifier


def detect_language(text: str) -> tuple[str, float] | None:
    """The served language the text is written in, with the detector's probability.

    None when the text is too short to judge or the detector is unsure.
    """
    if len(tokens(text)) < MIN_WORDS_TO_DETECT:
        return None
    code, probability = _detector().classify(text[:MAX_DETECTION_CHARS])
    if probability < MIN_DETECTION_CONFIDENCE:
        return None
    return code, round(float(probability), 2)


def resolve_language(
    text: str,
    stated: str | None,
    caller_country: str | None,
    countries: Mapping[str, Country],
) -> LanguageResult:
    """Explicit choice first, then detection, then the caller's country's first language, then Spanish."""
    if stated:
        # "es-GT" and "ES" both mean Spanish; a language we do not serve is still honoured, so the
        # engine can look for interpretation.
        code = stated.strip().lower().replace("_", "-").split("-")[0]
        if code:
            return LanguageResult(code, "stated", STATED_CONFIDENCE, f"The caller chose {code}.")
    detected = detect_language(text) if text else None
    if detected is not None:
        code, probability = detected
        return LanguageResult(code, "detected", probability, f"The text reads as {code} (p={probability:.2f}).")
    country = countries.get(caller_country) if caller_country else None
    if country is not None and country.languages:
        code = country.languages[0]
        return LanguageResult(
            code,
            "country_default",
            COUNTRY_DEFAULT_CONFIDENCE,
            f"Too little text to detect a language; {code} is the first language of {country.code}.",
        )
    return LanguageResult(
        FALLBACK_LANGUAGE,
        "fallback",
        FALLBACK_CONFIDENCE,
        "No stated language, too little text and no known caller country; defaulting to Spanish.",
    )
