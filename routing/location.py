"""Where the incident is: the stated location, else places named in the text, else the caller's phone country."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from routing.grammar import Reading, default_grammar
from routing.intake import Location
from routing.snapshot import Place, Snapshot
from routing.text import Match, PhraseMatcher, normalise

RULES_DIR = Path(__file__).with_name("rules")
_ARTICLES = frozenset({"el", "la", "los", "las", "le", "les", "the", "o", "a", "os", "as"})
_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# Words written with a capital in every phrase ("Gracias a Dios", "thank God"): their capital does
# not make a phrase a name.
_ALWAYS_CAPITALISED = frozenset({"dios", "god", "dieu", "deus", "bondye", "jesus", "cristo", "christ", "senor"})


# A word at least this frequent (Zipf scale: 4 = once in 10,000 words) in Spanish, English, French
# or Portuguese is an ordinary word before it is a town ("quito", "tela", "valle", "progreso"); it
# is read as a place only after a location cue or when typed with a capital mid-sentence.
ORDINARY_ZIPF = 3.6
ORDINARY_LANGUAGES = ("es", "en", "fr", "pt")


@dataclass(frozen=True)
class PlaceRules:
    min_length: int
    common_words: frozenset[str]
    location_cues: frozenset[tuple[str, ...]]
    origin_cues: frozenset[tuple[str, ...]]
    longest_cue: int
    destination_cues: frozenset[tuple[str, ...]] = frozenset()
    person_cues: frozenset[tuple[str, ...]] = frozenset()
    # "colonia Kennedy", "calle México", "rue Panama": a neighbourhood or a street named after a
    # place, not the place.
    street_cues: frozenset[tuple[str, ...]] = frozenset()
    capital_words: frozenset[str] = frozenset()
    offer_stems: tuple[str, ...] = ()
    # "from" after a word of calling or writing is where someone was when they called (_heard_from).
    heard_from_cues: frozenset[str] = frozenset()
    heard_from_words: frozenset[str] = frozenset()
    # Words of now after a place someone went to: they are there now ("y ahora", "e agora", "kounye a").
    journey_now_words: frozenset[str] = frozenset()
    offer_window: int = 0
    # "se quiere ir con un coyote a Estados Unidos por México", "li vle ale pou Ozetazini": a place
    # after a word of the way ("a", "pou", "por"), a few words after a plan to go, is where the trip
    # would lead or pass, not where anything happens.
    plan_cues: frozenset[tuple[str, ...]] = frozenset()
    plan_window: int = 0
    trip_words: frozenset[str] = frozenset()
    # "recluta muchachas en Jinotega", "recrutée à Port-au-Prince": the place a recruiter works in is
    # where it happens, unless work or a purpose comes first ("recruits girls to work in Panama").
    recruit_stems: tuple[str, ...] = ()
    purpose_words: frozenset[str] = frozenset()
    arrival_words: frozenset[str] = frozenset()
    # "hay", "is there", "èske gen": a question about what there is in a country ("¿hay albergues en
    # México?") names it as a topic.
    topic_cues: frozenset[tuple[str, ...]] = frozenset()
    weak_cues: frozenset[tuple[str, ...]] = frozenset()
    # A journey that is over: "vim pro Panamá", "I came to", "foi pra Cancún trabalhar".
    arrival_verbs: frozenset[str] = frozenset()
    departure_verbs: frozenset[str] = frozenset()
    work_words: frozenset[str] = frozenset()
    # Words of one country's daily life (its currency, its identity document): evidence for which
    # country a shared town name means, never a place by themselves.
    country_cues: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    country_cue_firsts: frozenset[str] = frozenset()
    # "del lado de Panamá", "on the Mexican side": the side of a border the person is on now.
    side_cues: frozenset[tuple[str, ...]] = frozenset()
    # "a gente saiu de Necoclí": a place left behind, neither the incident's nor a nationality.
    left_cues: frozenset[tuple[str, ...]] = frozenset()
    side_words: frozenset[str] = frozenset()
    # "yo estoy aquí en Houston", "I'm in Charlotte": where the caller is, and the words of a relative
    # ("mi esposo", "my cousin", "sè m") that say the report is about someone else.
    self_cues: frozenset[tuple[str, ...]] = frozenset()
    # "ahora estoy en", "kounya m nan" after a word of escape ("me escapé", "m chape"): where someone
    # is now that the exploitation is over, which counts only when nothing else places the report.
    now_cues: frozenset[tuple[str, ...]] = frozenset()
    escape_stems: tuple[str, ...] = ()
    relative_words: frozenset[tuple[str, ...]] = frozenset()
    # Outside the coalition and its route neighbours (Haiti, Colombia), a town counts from a size.
    route_neighbours: frozenset[str] = frozenset()
    foreign_town_min_population: int = 0
    # One-word demonyms by country ("mexicano", "panamen*"), for "lado mexicano", "Mexican side".
    demonyms: PhraseMatcher[str] | None = None
    # Names the frequency lists count as everyday words only because the place is so often written
    # ("puebla", "chiapas", "punta cana", "santo domingo"): a place in lower case, cued or not.
    place_first_names: frozenset[str] = frozenset()
    # "esto pasa en", "it happens in": a town named just after one is where it happens.
    happen_words: frozenset[str] = frozenset()
    # First names ("Manuel", "Vicente"): a run of capitalised words that begins with one is a person's
    # name, and a place's name inside it is a surname ("el hospital Manuel Amador Guerrero").
    given_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlaceMention:
    """A place name found in the text, with every place it may mean."""

    start: int
    end: int
    key: str
    places: tuple[Place, ...]
    after_location_cue: bool
    destination: bool = False
    offered: bool = False  # named in a job or trip offer: where the job would be
    left: bool = False  # a place someone left ("we left Tapachula hours ago")
    own: bool = False  # where the caller says they are ("I'm in Charlotte")
    beyond: bool = False  # in a country the directory does not serve ("em Goiânia", "in Havana")

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.country for p in self.places))

    @property
    def names_a_country(self) -> bool:
        return any(p.kind == "country" for p in self.places)


@dataclass(frozen=True)
class LocationResult:
    country: str | None
    region: str | None
    source: str  # "stated" | "text" | "phone" | "none"
    ambiguous: bool
    candidates: tuple[str, ...]
    reasons: tuple[str, ...]
    # What a place read from the text rests on, for the learned reader's question "is the place the
    # text names where it happens?" (routing/learned.py): how many places, each one's kind and cue
    # and the words before it. Empty unless the source is "text"; never shown or stored.
    evidence: tuple[str, ...] = ()


def text_evidence(words: tuple[str, ...], found: list[PlaceMention]) -> tuple[str, ...]:
    """The shape of the places a report names (not which places they are): the reader's view of them."""
    named = [m for m in found if not m.destination]
    shape = {f"n{min(len(named), 3)}"}
    if len(named) < len(found):
        shape.add("destination")
    for mention in named:
        shape.add("cued" if mention.after_location_cue else "uncued")
        shape.add("country" if mention.names_a_country else "town")
        shape.update(flag for flag in ("offered", "own", "left") if getattr(mention, flag))
        shape.update(f"before{back}:{words[mention.start - back]}" for back in (1, 2) if mention.start >= back)
    return tuple(sorted(shape))


def not_the_place(location: LocationResult, caller_country: str | None, why: str) -> LocationResult:
    """The location once the place the text names is read as not where it happens (a question about
    working in a country, a town on the way): the phone's country if there is one, else unknown."""
    said = f"{why} The text names {location.country}, but reads as not where it happens."
    if caller_country:
        using = f"Using the caller's phone country {caller_country}."
        return LocationResult(caller_country, None, "phone", False, (), (*location.reasons, said, using))
    return LocationResult(None, None, "none", False, (), (*location.reasons, said, "No other place and no phone."))


@lru_cache(maxsize=1)
def default_place_rules() -> PlaceRules:
    with (RULES_DIR / "places.json").open(encoding="utf-8") as handle:
        places = json.load(handle)
    with (RULES_DIR / "nationality.json").open(encoding="utf-8") as handle:
        nationality = json.load(handle)
    origin = frozenset(tuple(normalise(cue).split()) for cue in nationality["origin_cues"])
    location = frozenset(tuple(normalise(cue).split()) for cue in places["location_cues"])
    destination = frozenset(tuple(normalise(cue).split()) for cue in places["destination_cues"])
    person = frozenset(tuple(normalise(cue).split()) for cue in places["person_cues"])
    street = frozenset(tuple(normalise(cue).split()) for cue in places.get("street_cues", ()))
    topic = frozenset(tuple(normalise(cue).split()) for cue in places.get("topic_cues", ()))
    plan = frozenset(tuple(normalise(cue).split()) for cue in places.get("plan_cues", ()))
    side = frozenset(tuple(normalise(cue).split()) for cue in places.get("side_cues", ()))
    # A place someone went back to ("ya regresé a Chiriquí", "back in Cali") counts as one left.
    left = frozenset(
        tuple(normalise(cue).split()) for cue in (*places.get("left_cues", ()), *places.get("returned_cues", ()))
    )
    now = frozenset(tuple(normalise(cue).split()) for cue in places.get("now_cues", ()))
    own = frozenset(tuple(normalise(cue).split()) for cue in places.get("self_cues", ()))
    country_cues = {
        tuple(normalise(cue).split()): country
        for country, cues in places.get("country_cues", {}).items()
        for cue in cues
    }
    ordinary_word("hola")  # load the frequency lists now, not during the first report
    return PlaceRules(
        min_length=int(places["min_length"]),
        common_words=frozenset(normalise(w) for w in places["common_words"]),
        place_first_names=frozenset(normalise(w) for w in places.get("place_first_names", ())),
        location_cues=location,
        origin_cues=origin,
        longest_cue=max(
            len(cue)
            for cue in origin | location | destination | person | street | side | left | own | now | topic | plan
        ),
        destination_cues=destination,
        person_cues=person,
        street_cues=street,
        capital_words=frozenset(normalise(w) for w in places["capital_words"]),
        offer_stems=tuple(normalise(w) for w in places["offer_stems"]),
        heard_from_cues=frozenset(normalise(w) for w in places.get("heard_from_cues", ())),
        heard_from_words=frozenset(normalise(w) for w in places.get("heard_from_words", ())),
        journey_now_words=frozenset(normalise(w) for w in places.get("journey_now_words", ())),
        offer_window=int(places["offer_window"]),
        plan_cues=plan,
        plan_window=int(places.get("plan_window", 0)),
        trip_words=frozenset(normalise(w) for w in places.get("trip_words", ())),
        recruit_stems=tuple(normalise(w) for w in places.get("recruit_stems", ())),
        purpose_words=frozenset(normalise(w) for w in places.get("purpose_words", ())),
        arrival_words=frozenset(normalise(w) for w in places.get("arrival_words", ())),
        topic_cues=topic,
        weak_cues=frozenset(tuple(normalise(cue).split()) for cue in places["weak_location_cues"]),
        arrival_verbs=frozenset(normalise(w) for w in places.get("arrival_verbs", ())),
        departure_verbs=frozenset(normalise(w) for w in places.get("departure_verbs", ())),
        work_words=frozenset(normalise(w) for w in places.get("work_words", ())),
        country_cues=country_cues,
        country_cue_firsts=frozenset(cue[0] for cue in country_cues),
        side_cues=side,
        side_words=frozenset(normalise(w) for w in places.get("side_words", ())),
        left_cues=left,
        self_cues=own,
        now_cues=now,
        route_neighbours=frozenset(places.get("route_neighbours", ())),
        foreign_town_min_population=int(places.get("foreign_town_min_population", 0)),
        escape_stems=tuple(normalise(w) for w in places.get("escape_stems", ())),
        relative_words=frozenset(tuple(normalise(w).split()) for w in places.get("relative_words", ())),
        happen_words=frozenset(normalise(w) for w in places.get("happen_words", ())),
        given_names=frozenset(normalise(w) for w in places.get("given_names", ())),
        demonyms=PhraseMatcher(
            (form, country) for country, forms in nationality["demonyms"].items() for form in forms if " " not in form
        ),
    )


@lru_cache(maxsize=20_000)
def ordinary_word(typed: str, zipf: float = ORDINARY_ZIPF) -> bool:
    """Whether a word, as typed (accents kept), is common in Spanish, English, French or Portuguese
    (at least `zipf` on wordfreq's scale)."""
    from wordfreq import zipf_frequency

    return any(zipf_frequency(typed, language) >= zipf for language in ORDINARY_LANGUAGES)


# The longest country cue, in words ("pesos dominicanos").
_LONGEST_COUNTRY_CUE = 3


def country_cues(words: tuple[str, ...], rules: PlaceRules) -> tuple[str, ...]:
    """Countries whose currency, identity document or authorities the text names, most named first."""
    if not rules.country_cues:
        return ()
    counts: dict[str, int] = {}
    # One set lookup a word: most words open no country cue.
    firsts = rules.country_cue_firsts or {cue[0] for cue in rules.country_cues}
    for start, word in enumerate(words):
        if word not in firsts:
            continue
        for size in range(1, _LONGEST_COUNTRY_CUE + 1):
            country = rules.country_cues.get(words[start : start + size])
            if country is not None:
                counts[country] = counts.get(country, 0) + 1
    return tuple(sorted(counts, key=lambda country: -counts[country]))


def _ends_with_cue(words: tuple[str, ...], start: int, cues: frozenset[tuple[str, ...]], longest: int) -> bool:
    return any(tuple(words[start - size : start]) in cues for size in range(1, min(longest, start) + 1))


def _cue_starts(words: tuple[str, ...], end: int, cues: frozenset[tuple[str, ...]], longest: int) -> Iterator[int]:
    """Where each cue that ends right before `end` begins, the shortest cue first (what
    _ends_with_cue asks, for callers that look at the words before the cue)."""
    return (end - size for size in range(1, min(longest, end) + 1) if tuple(words[end - size : end]) in cues)


def _in_a_persons_name(reading: Reading, start: int, end: int, given_names: frozenset[str]) -> bool:
    """Whether the name at `start`..`end` is part of a longer run of capitalised words, in its clause,
    that begins with a first name: in "el hospital Manuel Amador Guerrero" (a hospital in Colón named
    after a president) neither "Manuel" (a Mexican hamlet's other name) nor "Guerrero" (Mexico's
    state) is a place. A run that begins with anything else ("San Marcos Ocotepeque") is left alone.
    A clause's first word is not marked as capitalised, so a first name there begins the run."""
    words, clauses, capitalised = reading.words, reading.clauses, reading.capitalised
    clause = clauses[start]
    first, last = start, end - 1
    while first > 0 and clauses[first - 1] == clause and capitalised[first - 1]:
        first -= 1
    while last + 1 < len(words) and clauses[last + 1] == clause and capitalised[last + 1]:
        last += 1

    def opens_clause(position: int) -> bool:
        return position == 0 or clauses[position - 1] != clauses[position]

    if first > 0 and clauses[first - 1] == clause and opens_clause(first - 1) and words[first - 1] in given_names:
        return True  # "Manuel Amador Guerrero atendió…": the clause opens with the first name
    if not (capitalised[first] or opens_clause(first)) or words[first] not in given_names:
        return False
    # A name after the first name is a surname; the first name itself, read alone as a place ("Manuel",
    # a hamlet's other name), is a person's when more of the name follows. A town's whole name that
    # begins with a first name ("Vicente Noble", "Miguel Hidalgo") is the town.
    return first < start or (end == start + 1 and last >= end)


def _without_article(key: str) -> str:
    # "el coyote" is a town's alternate name but in text it is the smuggler; an article does not
    # make a common word a place.
    first, _, rest = key.partition(" ")
    return rest if rest and first in _ARTICLES else key


def place_mentions(
    words: tuple[str, ...],
    snapshot: Snapshot,
    rules: PlaceRules,
    *,
    origin: bool,
    reading: Reading | None = None,
) -> list[PlaceMention]:
    """Places named in the text; `origin` selects those said to be where someone is from
    ("soy de Honduras") instead of where something happens. With the `reading` of the text, a
    name that is also an ordinary word counts only after a location cue or written with a capital
    ("le quitó el DPI" names no Quito), and places after a destination cue ("para ir a") are
    marked as destinations."""
    served = snapshot.countries.keys()
    typed = reading if reading is not None and reading.words == words else None
    spelled, matches = _names_found(words, typed, snapshot)
    mentions = []
    for match in matches:
        key = " ".join(spelled[match.start : match.end])
        if len(key) < rules.min_length or _without_article(key) in rules.common_words:
            continue
        if spelled[match.start : match.end] != words[match.start : match.end] and not (
            _ends_with_cue(words, match.start, rules.location_cues, rules.longest_cue)
            or (typed is not None and typed.capitalised[match.start])
        ):
            continue  # a word read as a misspelt town counts only as a place: after "en", or a capital
        if _ends_with_cue(words, match.start, rules.person_cues, rules.longest_cue):
            continue  # "mon ami Salvador", "la señora Victoria", "le dicen el León": a person
        if typed is not None and _in_a_persons_name(typed, match.start, match.end, rules.given_names):
            continue  # "el hospital Manuel Amador Guerrero": a surname, not the Mexican state
        if _ends_with_cue(words, match.start, rules.street_cues, rules.longest_cue) and not all(
            p.kind == "city" and p.population == 0 for p in match.value
        ):
            # "la colonia Kennedy", "calle México", "rue Panama": a street or a neighbourhood named
            # after a town or a country. A local place of the list (no population figure: "katye
            # Martissant", "barrio Calidonia") is the neighbourhood itself.
            continue
        is_origin = _ends_with_cue(words, match.start, rules.origin_cues, rules.longest_cue) and not _heard_from(
            words, match.start, rules
        )
        if is_origin != origin:
            continue
        left = not origin and (
            (bool(rules.left_cues) and _ends_with_cue(words, match.start, rules.left_cues, rules.longest_cue))
            or _where_now_after_escape(words, match.start, rules)
        )
        own = (
            not origin
            and bool(rules.self_cues)
            and _ends_with_cue(words, match.start, rules.self_cues, rules.longest_cue)
            and not _after_a_relative(words, match.start, rules)
        )
        # A place outside the countries the directory serves is read only as a place beyond them
        # (below); when the directory lists no countries (a bare test snapshot), every place counts.
        # The name of a country it does not serve ("Canadá", "Cuba") is that country, not a town
        # that shares it.
        foreign = bool(served) and _names_another_country(match.value, snapshot)
        places = (
            ()
            if foreign
            else tuple(p for p in match.value if not served or (p.country in served and _counts(p, snapshot, rules)))
        )
        beyond = not places and not origin
        if beyond:
            # A country the directory does not serve, its capital or one of its big towns ("em
            # Goiânia", "in Havana", "a bar in Curaçao"), where nothing the directory serves is named
            # (resolve_location): where it happens all the same, routed to the regional focal point
            # rather than to the country of a town on the way. Only the countries whose towns the
            # gazetteer knows (FOREIGN_CITY_COUNTRIES), and never an ordinary word ("praia", "chile").
            places = tuple(p for p in match.value if p.country not in served and p.country in _beyond(snapshot))
        after_cue = _ends_with_cue(words, match.start, rules.location_cues, rules.longest_cue)
        # "a dona", "no mato", "to grab": a cue that is also an article or a particle does not make
        # an ordinary word a place.
        strong_cue = after_cue and not _ends_with_cue(words, match.start, rules.weak_cues, 1)
        if beyond and places and not any(p.kind == "country" for p in places):
            # A town beyond the directory counts only after a location cue ("em Goiânia", "in
            # Havana") or as a name of several words, each with its capital ("aqui de Governador
            # Valadares"): alone, "Regina", "Santos" or "Carolina" is a person's name first.
            named = (
                typed is not None and match.end - match.start > 1 and all(typed.capitalised[match.start : match.end])
            )
            if not strong_cue and not named:
                places = ()
        if beyond and places and typed is not None and not typed.capitalised[match.start]:
            if ordinary_word(typed.surfaces[match.start] or words[match.start]):
                places = ()  # "pizca de chile", "perto da praia": a word, not Chile or Praia
        if not places:
            continue
        destination = _ends_with_cue(words, match.start, rules.destination_cues, rules.longest_cue) or (
            # "até a Costa Rica", "hasta la frontera", "jusqu'à la capitale": a cue, then an article
            match.start > 0
            and words[match.start - 1] in _ARTICLES
            and _ends_with_cue(words, match.start - 1, rules.destination_cues, rules.longest_cue)
        )
        if not destination and _in_a_planned_trip(words, match.start, reading, rules):
            destination = True
        if destination and _journey_over(words, match.start, match.end, rules):
            destination, after_cue = False, True
        # "¿hay albergues en México?", "is there a hotline in Costa Rica?": a country asked about is
        # a topic, not where it happens.
        if not destination and typed is not None and _asked_about(words, typed, match.start, places, rules):
            destination = True
        offered = not destination and _in_an_offer(words, match.start, reading, rules)
        if (
            typed is not None
            and key not in rules.place_first_names
            and not _reads_as_place(typed, match.start, match.end, places, strong_cue or destination)
        ):
            continue
        mentions.append(
            PlaceMention(
                match.start,
                match.end,
                key,
                places,
                after_cue and not destination,
                destination,
                offered,
                left,
                own,
                beyond,
            )
        )
    return mentions


# A word at least this long that is no ordinary word and no name of the gazetteer may be a town's name
# misspelt by one letter ("soyapngo", "Tapachoula", "Choluteka", "Somotiyo"): read as that town when
# it is the only one so near among the towns of the coalition's countries and Haiti (_spelling_index),
# and only where a location cue or a capital makes it a place (place_mentions).
MISSPELT_LENGTH = 6


# A word seen at all in the four languages' frequency lists is that word, not a misspelt town; a town
# whose name is a word even this rare ("venado", "posadas") is not guessed from a misspelling.
MISSPELT_WORD_ZIPF = 1.0
MISSPELT_TARGET_ZIPF = 3.0


def _a_word(typed: str) -> bool:
    return ordinary_word(typed, MISSPELT_WORD_ZIPF)


def _spelling_key(word: str) -> str:
    """A word as it sounds in the region's spellings: "qu", "k" and "c" before a, o, u are one sound
    ("Kanpèch", "Choluteka"); a doubled letter is one ("Tapachoula" keeps its "ou")."""
    word = word.replace("qu", "k")
    word = re.sub(r"c(?=[aou])", "k", word)
    return re.sub(r"(.)\1+", r"\1", word)


def _deletions(key: str) -> Iterator[str]:
    return (key[:i] + key[i + 1 :] for i in range(len(key)))


def _spelling_index(snapshot: Snapshot) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The gazetteer's words, and the words of the towns near home by their spelling key and by the key
    with one letter left out: one edit apart is one shared entry (a symmetric-deletion index)."""
    memo = snapshot.spelling_memo.get("index")
    if memo is not None:
        return memo
    # The towns of the coalition's countries and of Haiti, by their own names: a misspelling of a
    # town far away, or of one of its names in other languages, is likelier another word.
    near_home = {code for code, country in snapshot.countries.items() if country.corett or "ht" in country.languages}
    known: set[str] = set()
    index: dict[str, set[str]] = {}
    for name, places in snapshot.gazetteer.items():
        parts = name.split()
        known.update(parts)
        if not any(p.country in near_home and p.kind != "country" and not p.alternate for p in places):
            continue
        for part in parts:
            if len(part) < MISSPELT_LENGTH or not part.isalpha():
                continue
            key = _spelling_key(part)
            for variant in (key, *_deletions(key)):
                index.setdefault(variant, set()).add(part)
    memo = (frozenset(known), {variant: frozenset(parts) for variant, parts in index.items()})
    snapshot.spelling_memo["index"] = memo
    return memo


def _names_found(
    words: tuple[str, ...], typed: Reading | None, snapshot: Snapshot
) -> tuple[tuple[str, ...], tuple[Match[tuple[Place, ...]], ...]]:
    """The words with misspelt towns put right, and the gazetteer's names found in them.

    Where it happens and where someone is from (routing.classify) read the same report's places:
    the last report's scan is kept, so the names are looked up once a report, not twice."""
    last = snapshot.spelling_memo.get("last_scan")
    if last is not None and last[0] == words and last[1] is typed:
        return last[2], last[3]
    spelled = _respelled(words, typed, snapshot)
    matches = tuple(snapshot.place_matcher.find(spelled))
    # One tuple, replaced whole: a thread reading it sees the old scan or the new one, never half.
    snapshot.spelling_memo["last_scan"] = (words, typed, spelled, matches)
    return spelled, matches


def _respelled(words: tuple[str, ...], typed: Reading | None, snapshot: Snapshot) -> tuple[str, ...]:
    """The words with each misspelt town name put right; the same tuple when none is."""
    if not snapshot.countries:
        return words
    known, index = _spelling_index(snapshot)
    grammar = default_grammar()
    fixed: list[str] | None = None
    for position, word in enumerate(words):
        if len(word) < MISSPELT_LENGTH or word in known or not word.isalpha() or grammar.families_of(word):
            continue
        surface = typed.surfaces[position] if typed is not None and typed.surfaces else word
        if _a_word(surface) or _a_word(word):
            continue
        key = _spelling_key(word)
        near = {part for part in index.get(key, ()) if _spelling_key(part) == key}  # the same sounds
        if not near:
            near = set(index.get(key, ()))
            for variant in _deletions(key):
                near.update(index.get(variant, ()))
        if len(near) == 1 and not ordinary_word(right := near.pop(), MISSPELT_TARGET_ZIPF):
            fixed = fixed or list(words)
            fixed[position] = right
    return tuple(fixed) if fixed is not None else words


def _heard_from(words: tuple[str, ...], start: int, rules: PlaceRules) -> bool:
    """Whether "from" before a place follows a word of calling or writing ("ayer habló desde
    Chihuahua", "the last call was from Puerto Cortés", "li rele m soti Kiba"): where someone was
    when they called, not where they come from. The caller's own "I'm calling from" is a self cue."""
    if start < 2 or words[start - 1] not in rules.heard_from_cues:
        return False
    before = words[max(0, start - 1 - HEARD_FROM_WINDOW) : start - 1]
    return any(word in rules.heard_from_words for word in before) and not _ends_with_cue(
        words, start, rules.self_cues, rules.longest_cue
    )


# How many words before "from" a word of calling or writing may stand ("mandó un audio desde").
HEARD_FROM_WINDOW = 4


def _counts(place: Place, snapshot: Snapshot, rules: PlaceRules) -> bool:
    """A town outside the coalition and its route neighbours counts from a size (its own name from 20,000)."""
    if place.kind != "city" or place.country in rules.route_neighbours or snapshot.countries[place.country].corett:
        return True
    # A city's other name counts from a big city's size ("Miyami"), not a suburb's ("West End").
    least = DOMINANT_POPULATION if place.alternate else rules.foreign_town_min_population
    return place.population >= least


def _beyond(snapshot: Snapshot) -> frozenset[str]:
    """The countries the directory does not serve whose towns the gazetteer knows
    (directory.gazetteer.FOREIGN_CITY_COUNTRIES): the only ones a report may be placed in beyond it."""
    known = snapshot.spelling_memo.get("beyond")
    if known is None:
        served = snapshot.countries.keys()
        known = frozenset(
            p.country
            for places in snapshot.gazetteer.values()
            for p in places
            if p.kind == "city" and p.country not in served
        )
        snapshot.spelling_memo["beyond"] = known
    return known


def _names_another_country(places: tuple[Place, ...], snapshot: Snapshot) -> bool:
    """Whether a name is a country the directory does not serve, or its capital, before anything it
    serves: a served country or region of that name, or a town of a coalition country that carries
    it as its own name (Liberia, Guanacaste), keeps it."""
    served = snapshot.countries
    if not any(p.kind in ("country", "capital") and p.country not in served for p in places):
        return False
    return not any(
        p.country in served and (p.kind != "city" or (served[p.country].corett and not p.alternate)) for p in places
    )


# How far after "ahora estoy en" a place is still where someone is now ("... en Costa Rica donde
# una amiga en Alajuela").
NOW_WINDOW = 6


def _where_now_after_escape(words: tuple[str, ...], start: int, rules: PlaceRules) -> bool:
    """Whether a place is where someone is now, after the text tells of their escape ("logré
    escaparme y ahora estoy en Costa Rica", "m te chape kò m, kounya m nan San José")."""
    if not rules.now_cues:
        return False
    for end in range(start, max(0, start - NOW_WINDOW) - 1, -1):
        for cue in _cue_starts(words, end, rules.now_cues, rules.longest_cue):
            return any(_escape_at(words[:cue], i, rules.escape_stems) for i in range(cue))
    return False


def _escape_at(words: tuple[str, ...], i: int, stems: tuple[str, ...]) -> bool:
    # One-word stems start a word ("escap" in "escaparme"); phrases match word for word ("ran away").
    for stem in stems:
        parts = stem.split()
        if len(parts) == 1 and words[i].startswith(stem):
            return True
        if len(parts) > 1 and list(words[i : i + len(parts)]) == parts:
            return True
    return False


# How far before a place the verb of a finished journey may stand: "vim pro", "came all the way to".
JOURNEY_WINDOW = 4


def _journey_over(words: tuple[str, ...], start: int, end: int, rules: PlaceRules) -> bool:
    """Whether a place after a destination cue is where the person now is: they arrived there
    ("llegué a", "vim pro", "je suis venue en"), or left for it to work ("foi pra Cancún trabalhar")."""
    before = words[max(0, start - JOURNEY_WINDOW) : start]
    # "pou rive", "pou vini": a purpose, the journey still ahead.
    arrived = any(
        word in rules.arrival_verbs and (position == 0 or before[position - 1] != "pou")
        for position, word in enumerate(before)
    )
    if arrived:
        return True
    left = any(word in rules.departure_verbs for word in before)
    if not left:
        return False
    # "foi pra Cancún trabalhar"; "se fue a Santiago con una amiga... y ahora no la dejan salir": gone
    # there to work, or gone there with something happening there now.
    return any(word in rules.work_words for word in words[end : end + 3]) or any(
        word in rules.journey_now_words for word in words[end:]
    )


def _asked_about(
    words: tuple[str, ...], reading: Reading, start: int, places: tuple[Place, ...], rules: PlaceRules
) -> bool:
    """Whether a country is named in a question about what there is there ("¿hay albergues en
    México?", "èske gen albèg nan Meksik?", "y a-t-il des foyers au Mexique ?")."""
    clause = reading.clauses[start]
    if clause not in reading.questions or not any(p.kind == "country" for p in places):
        return False
    first = start
    while first > 0 and reading.clauses[first - 1] == clause:
        first -= 1
    return any(
        opening >= first
        for end in range(first + 1, start + 1)
        for opening in _cue_starts(words, end, rules.topic_cues, rules.longest_cue)
    )


def _in_a_planned_trip(words: tuple[str, ...], start: int, reading: Reading | None, rules: PlaceRules) -> bool:
    """Whether a place follows a word of the way ("a", "pou", "por") a few words after a plan to go,
    in the same clause: "mi hijo se quiere ir con un coyote a Estados Unidos por México"."""
    if not rules.plan_cues or start == 0:
        return False
    if _ends_with_cue(words, start, rules.plan_cues, rules.longest_cue):  # "li vle ale Chili"
        return True
    way = start - 1 - (words[start - 1] in _ARTICLES and start > 1 and words[start - 2] in rules.trip_words)
    if words[way] not in rules.trip_words:
        return False
    for end in range(way, max(0, way - rules.plan_window), -1):
        if reading is not None and reading.words == words and reading.clauses[end - 1] != reading.clauses[start]:
            return False
        if _ends_with_cue(words, end, rules.plan_cues, rules.longest_cue):
            return True
    return False


def _in_an_offer(words: tuple[str, ...], start: int, reading: Reading | None, rules: PlaceRules) -> bool:
    """A place in the clause of a job or trip offer ("le ofrecieron trabajo en Cancún", "anuncia
    vagas nos EUA", "pwomèt travay nan Chili") is where the job would be: it yields to any other place
    and to the phone's country. The place a recruiter is said to recruit in, before any word of work
    or purpose ("recluta muchachas en Jinotega para trabajar en Panamá"), is where it happens."""
    if not rules.offer_stems:
        return False
    first = max(0, start - rules.offer_window)
    for position in range(first, start):
        if reading is not None and reading.words == words and reading.clauses[position] != reading.clauses[start]:
            continue
        if words[position].startswith(rules.offer_stems):
            between = words[position + 1 : start]
            recruiting_here = words[position].startswith(rules.recruit_stems) and not any(
                word in rules.work_words or word in rules.purpose_words for word in between
            )
            # "... para trabajo en Chiapas; al llegar le retuvieron el documento": they went, and
            # it happens where they arrived.
            return not recruiting_here or any(
                word in rules.arrival_verbs or word in rules.arrival_words for word in words[start:]
            )
    return False


# "Ciudad de Panamá", "Cidade da Guatemala", "ville de Guatemala": the city of a name, in lower case too.
_CITY_OF = frozenset({"ciudad", "cidade", "ville"})
_OF = frozenset({"de", "da", "do", "del"})


def _reads_as_place(reading: Reading, start: int, end: int, places: tuple[Place, ...], cued: bool) -> bool:
    if any(p.kind == "country" for p in places):
        return True
    surface = reading.surfaces[start]
    if end - start == 1 and surface and not surface.isascii():
        # Typed with accents that none of the names has: "quitó" is a verb, not Quito.
        # "Manágua" (Portuguese) is still Managua: only a common word typed so is rejected.
        names = {p.name.casefold() for p in places}
        if surface not in names and normalise(surface) == reading.words[start] and ordinary_word(surface):
            return False
    if reading.capitalised[start]:
        return True
    key = " ".join(reading.words[start:end])
    bare = _without_article(key)
    if bare != key and " " not in bare:
        # "el campo", "the center": an article and an ordinary word, written in lower case.
        return not ordinary_word(reading.surfaces[start + 1] or bare)
    if cued:
        # "en carro", "en el parque": after "en" an ordinary word is a place only when a town
        # carries it as its own name, not when it is only one of a small town's other names
        # ("CDMX" is Mexico City's).
        if end - start == 1 and all(p.alternate and p.population < DOMINANT_POPULATION for p in places):
            return not ordinary_word(surface or reading.words[start])
        return True
    if end - start > 1 and reading.words[start] in _CITY_OF and reading.words[start + 1] in _OF:
        return True  # "en la ciudad de panama", "na cidade da guatemala": a city called so is no phrase
    if end - start > 1:
        # "gracias a dios", "nombre de dios": a name made only of everyday words, not cued and not
        # capitalised mid-sentence, is an everyday phrase before it is a place. "Punta Gorda, ..."
        # opening a sentence is a name all the same (a later word has its capital), and so is
        # "zona 10" (a figure is no everyday word). A deity's name has its capital in any phrase.
        later = range(start + 1, end)
        if any(reading.capitalised[i] and reading.words[i] not in _ALWAYS_CAPITALISED for i in later):
            return True
        return not all(
            not reading.words[i].isdigit() and ordinary_word(reading.surfaces[i] or reading.words[i])
            for i in range(start, end)
        )
    return not ordinary_word(surface or reading.words[start])


def resolve_location(
    stated: Location,
    words: tuple[str, ...],
    caller_country: str | None,
    snapshot: Snapshot,
    rules: PlaceRules,
    reading: Reading | None = None,
) -> LocationResult:
    """Stated location first, then the text's places, then the phone's country, else unknown.

    A place named after a destination cue ("para ir a Estados Unidos") is where someone wants to
    go, not where it happens, so it never sets the location.
    """
    found = place_mentions(words, snapshot, rules, origin=False, reading=reading)
    mentions = _not_the_callers_own(
        [m for m in found if not m.destination and not m.offered and not m.left], words, rules
    )
    if any(not m.beyond for m in mentions):
        # A place the directory serves is where it happens before one beyond it: "vim para Punta Cana…
        # a agência em Goiânia", "je suis maintenant à Montréal" after exploitation in Cap-Haïtien.
        mentions = [m for m in mentions if not m.beyond]
    # Where a job would be, or a place left behind: used only when nothing else places the report
    # (never one beyond the directory's countries: a job offered in Canada is no report from there).
    offered = [m for m in found if (m.offered or m.left) and not m.destination and not m.beyond]
    cued = country_cues(words, rules)
    if stated.country or stated.region or stated.place:
        result = _from_stated(stated, mentions, caller_country, snapshot, cued)
        if result is not None:
            return result
    # The reader's view of the places (routing.learned): where one the directory serves is named, of
    # those alone (places beyond it are then never where it happens).
    served = [m for m in found if not m.beyond]
    evidence = text_evidence(words, served if any(not m.destination for m in served) else found)
    sides = _sides(words, mentions, rules, snapshot)
    if len(sides) == 1:
        # "Salimos de Necoclí... ya estamos del lado de Panamá": where they are now, over the towns
        # of the way there.
        (side,) = sides
        said = (f"The text says they are on the {side} side now.",)
        return LocationResult(side, None, "text", False, (), said, (*evidence, "side"))
    if mentions:
        return replace(_from_text(mentions, caller_country, snapshot, cued, words, rules), evidence=evidence)
    if caller_country and any(word in rules.capital_words for word in words):
        return LocationResult(
            caller_country,
            None,
            "text",
            False,
            (),
            (f"The text says 'the capital' and names no country; the phone's country is {caller_country}.",),
            (*evidence, "capital"),
        )
    going = [m.places[0].name for m in found if m.destination]
    if offered and not caller_country:
        # Only the place of an offer, and no phone: the person has most likely gone there; only a
        # place left behind ("we left Tapachula hours ago"), and no phone: they are most likely
        # still in its country.
        return replace(
            _from_text(offered, caller_country, snapshot, cued, words, rules), evidence=(*evidence, "fallback")
        )
    if caller_country:
        reason = f"No place was stated or named; using the caller's phone country {caller_country}."
        if going:
            reason = (
                f"The text names only where someone is going ({', '.join(going)}); "
                f"using the caller's phone country {caller_country}."
            )
        return LocationResult(caller_country, None, "phone", False, (), (reason,))
    return LocationResult(
        None, None, "none", False, (), ("No place was stated or named and the phone country is unknown.",)
    )


def _not_the_callers_own(mentions: list[PlaceMention], words: tuple[str, ...], rules: PlaceRules) -> list[PlaceMention]:
    """Without the places where the caller says they are ("yo estoy aquí en Houston") when the report
    is about a relative and names a place in another country ("a mi esposo lo tienen en Reynosa")."""
    own = [m for m in mentions if m.own]
    if not own:
        return mentions
    others = [m for m in mentions if not m.own]
    callers = {c for m in own for c in m.countries}
    elsewhere = any(set(m.countries) - callers for m in others)
    if elsewhere and _speaks_of_someone(words, rules):
        return others
    return mentions


def _after_a_relative(words: tuple[str, ...], start: int, rules: PlaceRules) -> bool:
    """Whether the self cue before a place follows a relative: "manman m nan Pòdepè" (my mother is
    in Pòdepè) is not "m nan" (I am in)."""
    for cue in _cue_starts(words, start, rules.self_cues, rules.longest_cue):
        # The cue's own first word may close the relative: "manman m" + "m nan".
        for before in (words[:cue], words[: cue + 1]) if cue >= 1 else ():
            if any(before[len(before) - n :] in rules.relative_words for n in (1, 2) if len(before) >= n):
                return True
    return False


def _speaks_of_someone(words: tuple[str, ...], rules: PlaceRules) -> bool:
    return any(
        words[start : start + size] in rules.relative_words for size in (1, 2) for start in range(len(words) - size + 1)
    )


def _sides(
    words: tuple[str, ...], mentions: list[PlaceMention], rules: PlaceRules, snapshot: Snapshot
) -> tuple[str, ...]:
    """The countries the text puts the person on the side of: a country named after a side cue
    ("do lado do Panamá") or before "side" ("honduras side"), a demonym after a side word ("lado
    mexicano", "côté panaméen") or before "side" ("on the Mexican side")."""
    found = [
        m.countries[0]
        for m in mentions
        if m.names_a_country
        and (
            _ends_with_cue(words, m.start, rules.side_cues, rules.longest_cue)
            # "at Agua Caliente honduras side", "the Guatemala side": a country's name before "side".
            or (m.end < len(words) and words[m.end] == "side")
        )
    ]
    if rules.demonyms is not None and (rules.side_words.intersection(words) or "side" in words):
        found.extend(
            match.value
            for match in rules.demonyms.find(words)
            if (match.start > 0 and words[match.start - 1] in rules.side_words)
            or (match.end < len(words) and words[match.end] == "side")
        )
    served = snapshot.countries.keys()
    return tuple(dict.fromkeys(c for c in found if not served or c in served))


def _from_stated(
    stated: Location,
    mentions: list[PlaceMention],
    caller_country: str | None,
    snapshot: Snapshot,
    cued: tuple[str, ...] = (),
) -> LocationResult | None:
    country = stated.country.strip().upper() if stated.country else None
    reasons: list[str] = []
    region: str | None = None
    if stated.region:
        code = stated.region.strip().upper()
        if _REGION_CODE.match(code):
            if country and not code.startswith(country + "-"):
                reasons.append(f"The stated region {code} is not in {country}; it was ignored.")
            else:
                country, region = code[:2], code
        else:
            places = _lookup(stated.region, snapshot, country, kinds=("region", "city"))
            settled = _settle(places, country, caller_country, cued)
            if isinstance(settled, tuple):
                return LocationResult(
                    None,
                    None,
                    "stated",
                    True,
                    settled,
                    (f"The stated region '{stated.region}' exists in {', '.join(settled)}; which one is unclear.",),
                )
            if settled is not None:
                country, region = settled.country, settled.region
            else:
                reasons.append(f"The stated region '{stated.region}' is not in the gazetteer.")
    if stated.place and region is None:
        places = _lookup(stated.place, snapshot, country, kinds=("region", "city", "country"))
        settled = _settle(places, country, caller_country, cued)
        if isinstance(settled, tuple):
            if country is None:
                return LocationResult(
                    None,
                    None,
                    "stated",
                    True,
                    settled,
                    (f"The stated place '{stated.place}' exists in {', '.join(settled)}; which one is unclear.",),
                )
        elif settled is not None:
            country, region = settled.country, settled.region
    if country is None:
        return None
    if region is None:
        # A stated country with a town named in the text: the town gives the region.
        in_country = [p for m in mentions for p in m.places if p.country == country and p.region]
        regions = {p.region for p in in_country}
        if len(regions) == 1:
            region = regions.pop()
            reasons.append(f"The text names {in_country[0].name}, which places it in {region}.")
    reasons.insert(0, f"The caller stated the location ({country}{', ' + region if region else ''}).")
    return LocationResult(country, region, "stated", False, (), tuple(reasons))


def _lookup(name: str, snapshot: Snapshot, country: str | None, kinds: tuple[str, ...]) -> tuple[Place, ...]:
    places = snapshot.gazetteer.get(normalise(name), ())
    return tuple(p for p in places if p.kind in kinds and (country is None or p.country == country))


def _settle(
    places: Iterable[Place],
    country: str | None,
    caller_country: str | None,
    named: Iterable[str],
    coalition: frozenset[str] | set[str] = frozenset(),
) -> Place | tuple[str, ...] | None:
    """The one place meant, the candidate countries when it stays ambiguous, or None if none."""
    candidates = tuple(places)
    if not candidates:
        return None
    countries = tuple(dict.fromkeys(p.country for p in candidates))
    if len(countries) > 1:
        # Other signals settle a name shared by several countries: a country the caller stated or
        # named in the same text, then the phone's country. The phone does not pick a town that has
        # the name only as another name when a bigger town carries it: a relative in the US who
        # says "Monterrey" means Nuevo León, not Monterey, California.
        phone = caller_country if caller_country not in _only_as_another_name(candidates) else None
        if phone is not None and phone not in coalition and phone in _only_a_town_beside_a_region(candidates):
            # "dans le Darién après la rivière" from a Colombian phone: Panama's province of Darién,
            # not Colombia's town of that name. A phone from outside the coalition's countries (a
            # migrant's SIM, a relative abroad) does not pick its own town over a province of theirs.
            phone = None
        for signal in (country, *named, phone):
            if signal in countries:
                countries = (signal,)
                break
        else:
            return countries
    chosen = [p for p in candidates if p.country == countries[0]]
    return _most_specific(chosen)


def _only_a_town_beside_a_region(places: tuple[Place, ...]) -> set[str]:
    """The countries where a name is only a town's, when it is also a province or region elsewhere."""
    regions = {p.country for p in places if p.kind == "region"}
    if not regions:
        return set()
    return {p.country for p in places if p.country not in regions}


def _only_as_another_name(places: tuple[Place, ...]) -> set[str]:
    """The countries whose towns of this name have it only as another name, and are smaller than a
    town that carries it as its own."""
    own = max((p.population for p in places if not p.alternate), default=0)
    countries = {p.country for p in places}
    return {c for c in countries if all(p.alternate and p.population < own for p in places if p.country == c)}


def _most_specific(places: list[Place]) -> Place:
    # One country: a region of that name wins (San José the province, not the village of San José
    # in Alajuela); otherwise, and when several regions share the name (Santo Domingo the
    # province and the National District), the name gives no region at all.
    regions = [p for p in places if p.kind == "region"]
    candidates = regions or places
    if len({p.region for p in candidates}) > 1:
        best = candidates[0]
        return Place(best.name, best.key, best.country, None, best.kind)
    return candidates[0]


def _from_text(
    mentions: list[PlaceMention],
    caller_country: str | None,
    snapshot: Snapshot,
    cued: tuple[str, ...],
    words: tuple[str, ...],
    rules: PlaceRules,
) -> LocationResult:
    country_mentions = [m for m in mentions if m.names_a_country]
    # The countries named, not the towns that share a country's name ("Costa Rica", Sinaloa).
    named = [c for m in country_mentions for c in _countries_named(m)]
    specific = [m for m in mentions if not m.names_a_country]
    # "San José, Costa Rica", "Santiago, Chili": a country right after a town says which town; so
    # does a department or province ("Agua Caliente, Ocotepeque").
    follows = {m.start: m for m in country_mentions}
    follows.update(
        (m.start, m) for m in specific if m.start not in follows and any(p.kind == "region" for p in m.places)
    )
    specific = [_within(m, follows.get(m.end)) for m in specific]
    if specific:
        # Where several towns are named, the one after "en"/"in"/"near" is where it happens,
        # else the last one (people tell the route in order and end where they are).
        # Where the caller says they are comes before a town behind them ("I am in Ouanaminthe… to cross
        # to Dajabón"), unless another town is said to be where it happens ("vivo en Pedernales pero
        # esto pasa del otro lado en Anse-à-Pitres").
        ordered = sorted(
            specific, key=lambda m: (m.after_location_cue, _where_it_happens(words, m, rules), m.own, m.start)
        )
        mention = ordered[-1]
        others = _other_towns_say(mention, specific, snapshot)
        # Evidence in order of strength: countries named, other towns named, then the country whose
        # currency or documents the text speaks of, then (in _settle) the phone.
        coalition = {code for code, country in snapshot.countries.items() if country.corett}
        settled = _settle(mention.places, None, caller_country, [*reversed(named), *others, *cued], coalition)
        guessed = isinstance(settled, tuple)
        if isinstance(settled, tuple):
            settled = _likeliest(mention.places, settled, snapshot)
        if isinstance(settled, tuple):
            return LocationResult(
                None,
                None,
                "text",
                True,
                settled,
                (f"'{mention.places[0].name}' exists in {', '.join(settled)}; nothing else in the report says which.",),
            )
        assert settled is not None
        shared = len(mention.countries) > 1
        reason = f"The text names {settled.name} ({settled.country}{', ' + settled.region if settled.region else ''})."
        if shared:
            elsewhere = ", ".join(c for c in mention.countries if c != settled.country)
            if guessed:
                reason += (
                    f" The name also exists in {elsewhere}; nothing else in the report says which, and"
                    f" the likeliest, by the size of the towns that carry it or a province of that name,"
                    f" is {settled.country}."
                )
            else:
                reason += f" The name also exists in {elsewhere}; other signals chose {settled.country}."
        return LocationResult(settled.country, settled.region, "text", False, (), (reason,))
    distinct = tuple(dict.fromkeys(m.countries[0] for m in country_mentions))
    if len(distinct) == 1:
        return LocationResult(distinct[0], None, "text", False, (), (f"The text names the country {distinct[0]}.",))
    cued = tuple(dict.fromkeys(m.countries[0] for m in country_mentions if m.after_location_cue))
    if len(cued) == 1:
        return LocationResult(cued[0], None, "text", False, (), (f"The text says it happens in {cued[0]}.",))
    if caller_country in distinct:
        return LocationResult(
            caller_country,
            None,
            "text",
            False,
            (),
            (f"The text names {', '.join(distinct)}; the caller's phone country {caller_country} is one of them.",),
        )
    return LocationResult(
        None, None, "text", True, distinct, (f"The text names several countries ({', '.join(distinct)}).",)
    )


def _where_it_happens(words: tuple[str, ...], mention: PlaceMention, rules: PlaceRules) -> bool:
    """Whether a verb of something happening ("esto pasa del otro lado en") comes just before the town."""
    return bool(rules.happen_words.intersection(words[max(0, mention.start - 5) : mention.start]))


def _other_towns_say(mention: PlaceMention, specific: list[PlaceMention], snapshot: Snapshot) -> list[str]:
    """The countries the other towns named point to for `mention`'s name: a town of one country says
    that country; a name shared by several says the one it shares with `mention`, or, sharing several,
    the country its own name most likely means ("Santo Domingo" beside "Naco" is the Dominican Naco);
    "San Vicente", in seven countries, says nothing of which Darién is meant."""
    candidates = set(mention.countries)
    said: list[str] = []
    for other in specific:
        if other is mention:
            continue
        shared = tuple(c for c in other.countries if c in candidates)
        if len(other.countries) == 1 or len(shared) == 1:
            said.extend(shared or other.countries)
        elif shared:
            likeliest = _likeliest(other.places, other.countries, snapshot)
            if isinstance(likeliest, Place) and likeliest.country in shared:
                said.append(likeliest.country)
    return said


def _within(mention: PlaceMention, after: PlaceMention | None) -> PlaceMention:
    """The town as the country or department named right after it says ("San José, Costa Rica");
    a town the gazetteer knows only elsewhere, before a department, is read as that department
    ("Agua Caliente, Ocotepeque": a village of Ocotepeque, not the one in California)."""
    if after is None:
        return mention
    named = _countries_named(after)
    inside = tuple(p for p in mention.places if p.country in named)
    if not inside and not after.names_a_country:
        inside = tuple(p for p in after.places if p.kind == "region")
    if not inside:
        return mention
    return replace(mention, places=inside)


def _countries_named(mention: PlaceMention) -> tuple[str, ...]:
    # "Costa Rica" is also a town in Sinaloa; after "San José" it is the country. A department's
    # name ("Ocotepeque") says its country the same way.
    kinds = ("country",) if mention.names_a_country else ("region",)
    return tuple(p.country for p in mention.places if p.kind in kinds)


# A shared name means the biggest place when it is a city of this size and this many times bigger
# than any other of the name.
POPULATION_DOMINANCE = 5
DOMINANT_POPULATION = 200_000
# A metropolis (Santo Domingo, 2 million) is what a shared name means over any town a third its size.
METROPOLIS = 1_000_000
METROPOLIS_DOMINANCE = 3
# Within the coalition, a city of this size carrying a shared name, five times any other there.
CORE_CITY = 50_000


def _likeliest(places: tuple[Place, ...], countries: tuple[str, ...], snapshot: Snapshot) -> Place | tuple[str, ...]:
    """A shared name with no other signal: a capital-sized town over villages, else the hotline's own
    countries (CORETT) when only one of them has the name."""
    by_country: dict[str, int] = {}
    named = any(not place.alternate for place in places)
    for place in places:
        if place.country in countries:
            # A town found under one of its other names ("Villanueva", once Tallahassee's) weighs
            # nothing beside towns that carry the name, unless it is a metropolis (León, Guanajuato).
            size = 0 if named and place.alternate and place.population < METROPOLIS else place.population
            by_country[place.country] = max(by_country.get(place.country, 0), size)
    ranked = sorted(by_country.items(), key=lambda item: -item[1])
    # A region of that name elsewhere (Colón, Honduras's department) is no village: no dominance then.
    regions_elsewhere = any(p.kind == "region" and ranked and p.country != ranked[0][0] for p in places)
    dominance = METROPOLIS_DOMINANCE if ranked and ranked[0][1] >= METROPOLIS else POPULATION_DOMINANCE
    if len(ranked) > 1 and not regions_elsewhere and ranked[0][1] >= max(DOMINANT_POPULATION, dominance * ranked[1][1]):
        return _most_specific([p for p in places if p.country == ranked[0][0]])
    core = [c for c in countries if (country := snapshot.countries.get(c)) is not None and country.corett]
    if len(core) == 1:
        return _most_specific([p for p in places if p.country == core[0]])
    # A department or province of the name in one of the coalition's countries is what the name
    # means over towns elsewhere that are no cities: "Pedernales" is the Dominican province on the
    # Haitian border before a village of Michoacán.
    provinces = {p.country for p in places if p.kind == "region" and p.country in core}
    if len(provinces) == 1:
        (home,) = provinces
        towns = (p.population for p in places if p.country != home and p.country in countries and not p.alternate)
        if max(towns, default=0) < CORE_CITY:
            return _most_specific([p for p in places if p.country == home])
    # Within the coalition, the towns that carry the name as their own: one, or a city that dwarfs
    # the others ("Colón" is Panama's port city over villages and a Honduran department, "San José"
    # is Costa Rica's capital over towns that have it only as another name).
    own = {c: max((p.population for p in places if p.country == c and not p.alternate), default=-1) for c in core}
    own = {c: size for c, size in own.items() if size >= 0}
    if len(own) == 1:
        (only,) = own
        return _most_specific([p for p in places if p.country == only])
    ranked = sorted(own.items(), key=lambda item: -item[1])
    if ranked and ranked[0][1] >= CORE_CITY and ranked[0][1] >= POPULATION_DOMINANCE * ranked[1][1]:
        return _most_specific([p for p in places if p.country == ranked[0][0] and p.kind == "city"])
    return countries
