"""Details a reporter names that can link separate reports, found in their own words. Pure: text in,
normalised keys out (standard library and phonenumbers only); the caller hashes them before storing.

Kinds: a venue (bar, cantina, farm ... and its name), an address (street words and what follows), a
phone number, a vehicle plate (after "placa", "plate" ...), a person's name as typed (after
"se llama", "named", "recruiter" ...). Keys are lower-case, without accents or articles, so "el bar
La Estrella", "la cantina 'La Estrella'" and "a club called la estrella" all give venue "estrella".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

KINDS = ("venue", "address", "phone", "plate", "person")

VENUE_WORDS = (
    r"bar|cantina|club|night\s*club|nightclub|discoteca|disco|burdel|prost[ií]bulo|casa de citas|hotel|motel|"
    r"restaurante?|comedor|finca|hacienda|rancho|granja|farm|fazenda|ferme|plantaci[oó]n|plantation|maquila|"
    r"f[aá]brica|factory|usine|taller|boate|bo[iî]te|cabaret|salon|sal[oó]n"
)
NAMED = r"(?:llamad[oa]s?|que se llama|de nombre|called|named|nomm[ée]e?|appel[ée]e?|chamad[oa])"
ARTICLES = {"el", "la", "los", "las", "lo", "the", "le", "les", "l", "o", "a", "os", "as", "un", "una", "an"}
# Words that end a name: where the sentence goes on rather than naming.
STOP = {
    "en",
    "in",
    "at",
    "on",
    "near",
    "cerca",
    "donde",
    "where",
    "que",
    "which",
    "who",
    "y",
    "and",
    "e",
    "et",
    "con",
    "with",
    "por",
    "for",
    "para",
    "es",
    "is",
    "was",
    "era",
    "fue",
    "est",
    "em",
    "no",
    "de",
    "del",
    "da",
    "do",
    "du",
    "des",
    "to",
    "from",
    "desde",
    "hacia",
    "pero",
    "but",
    "mais",
    "mas",
    "nos",
    "me",
    "se",
    "they",
    "ellos",
    "ils",
    "eles",
    "un",
    "una",
}
PERSON_CUES = (
    r"se llama|llamad[oa]|de nombre|named|called|recruiter|reclutador[a]?|enganchador[a]?|"
    r"se[nñ]or|se[nñ]ora|don|do[nñ]a|mr\.?|mrs\.?|ms\.?|monsieur|madame|m\.|senhor[a]?|recrutador[a]?"
)
STREET_WORDS = r"calle|avenida|av\.|street|st\.|road|rua|rue|colonia|barrio|bairro|kil[oó]metro|km\.?"
PLATE_WORDS = r"placas?|matr[ií]cula|plate|license plate|plaque|immatriculation|placa do carro"

_venue = re.compile(rf"\b(?:{VENUE_WORDS})\b\s*,?\s*(?:{NAMED}\s+)?[\"'“«‘]?([^\n.,;:!?\"”»’()]{{2,60}})", re.I)
_venue_before = re.compile(rf"\b((?:[A-ZÁÉÍÓÚÑ][\w'-]+\s+){{1,3}})(?:{VENUE_WORDS})\b")
_quoted = re.compile(r"[\"“«‘]([^\"”»’\n]{2,40})[\"”»’]")
_person = re.compile(rf"\b(?:{PERSON_CUES})\s*:?\s+((?:[A-ZÁÉÍÓÚÑ][\w'-]+)(?:\s+[A-ZÁÉÍÓÚÑ][\w'-]+){{0,2}})")
_street = re.compile(rf"\b((?:{STREET_WORDS})\s+[^\n,;:!?()]{{1,40}})", re.I)
_plate = re.compile(rf"\b(?i:{PLATE_WORDS})\s*(?i:n[uú]mero|number|no\.?|#|:)?\s*([A-Z0-9]+(?:[ -][A-Z0-9]+){{0,2}})\b")
_phone = re.compile(r"(?<![\w+])(\+?\d[\d\s().-]{6,18}\d)(?!\w)")


@dataclass(frozen=True)
class Entity:
    kind: str
    key: str


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _name(raw: str, limit: int = 4) -> str:
    """The words of a name up to where the sentence goes on, articles left out."""
    words: list[str] = []
    for word in fold(raw).split():
        if word in STOP:
            break
        if word in ARTICLES and not words:
            continue
        words.append(word)
        if len(words) == limit:
            break
    words = [w for w in words if w not in ARTICLES]
    name = " ".join(words)
    return name if len(name) >= 3 else ""


def _phone_key(raw: str, country: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7:
        return None
    try:
        number = phonenumbers.parse(raw, country if not raw.strip().startswith("+") else None)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return digits


def extract(text: str, country: str | None = None) -> set[Entity]:
    """Every linkable detail the text names, as normalised keys."""
    found: set[Entity] = set()
    venue_spans: list[tuple[int, int]] = []
    for match in _venue.finditer(text):
        chunk = match.group(1)
        quoted = _quoted.search(text[match.start() : match.end() + 2])
        name = _name(quoted.group(1) if quoted else chunk)
        if name:
            found.add(Entity("venue", name))
            venue_spans.append(match.span())
    for match in _venue_before.finditer(text):
        name = _name(match.group(1))
        if name:
            found.add(Entity("venue", name))
            venue_spans.append(match.span())
    for match in _person.finditer(text):
        if any(start <= match.start() < end for start, end in venue_spans):
            continue
        name = _name(match.group(1), limit=3)
        if name and len(name.split()) >= 1:
            found.add(Entity("person", name))
    for match in _street.finditer(text):
        address = fold(match.group(1))
        if len(address) >= 6 and any(ch.isdigit() for ch in address):
            found.add(Entity("address", address))
    plates = set()
    for match in _plate.finditer(text):
        plate = re.sub(r"[^A-Z0-9]", "", match.group(1).upper())
        if 5 <= len(plate) <= 9 and re.search(r"\d", plate) and re.search(r"[A-Z]", plate):
            found.add(Entity("plate", plate))
            plates.add(match.span(1))
    for match in _phone.finditer(text):
        if any(start <= match.start() < end for start, end in plates):
            continue
        key = _phone_key(match.group(1), country)
        if key is not None:
            found.add(Entity("phone", key))
    return found
