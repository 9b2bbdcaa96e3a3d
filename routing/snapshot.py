"""The frozen, pre-indexed view of the directory that the routing engine reads, and its loader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.text import PhraseMatcher, normalise

AGENCY_KINDS = (
    "coordinating_body",
    "response_team",
    "police",
    "prosecutor",
    "child_protection",
    "migration",
    "labour_inspection",
    "victim_services",
    "shelter",
    "consulate",
    "ngo",
    "emergency",
    "hotline",
    "regional_body",
    # Interpreters the operator can bring into a call; never routed to.
    "interpreter",
)
TRI_STATE = ("yes", "no", "unknown")
# Policy and coordination bodies: informed (statistics, escalation's last rungs), never sent a case,
# unless the directory's `referral.takes_cases` says the body runs a case-intake service. Interpreters
# are never sent a case either: they only join calls.
POLICY_KINDS = frozenset({"coordinating_body", "regional_body", "interpreter"})
WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
# Regional bodies have no country clock of their own; their hours are read in UTC.
DEFAULT_TIME_ZONE = "UTC"


@dataclass(frozen=True)
class Place:
    """One named place of the gazetteer."""

    name: str
    key: str
    country: str
    region: str | None
    kind: str  # "country" | "region" | "city"
    # People living there (cities only; 0 when unknown): a name shared by a capital and a village
    # most likely means the capital.
    population: int = field(default=0, compare=False)
    # Whether the key it was found under is only one of its other names ("Villanueva", an old name
    # of Tallahassee): a town that carries the name as its own is likelier what a report means.
    alternate: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class OpeningPeriod:
    """One weekly opening: the same hours on each of `days` (0 = Monday)."""

    days: frozenset[int]
    opens: time
    closes: time  # time.max stands for "24:00"

    def contains(self, moment: datetime) -> bool:
        clock = moment.time()
        if self.opens < self.closes:
            return moment.weekday() in self.days and self.opens <= clock < self.closes
        # Closing at or before opening means the period runs past midnight into the next day.
        previous_day = (moment.weekday() - 1) % 7
        return (moment.weekday() in self.days and clock >= self.opens) or (
            previous_day in self.days and clock < self.closes
        )


@dataclass(frozen=True)
class OpeningHours:
    """When a service answers: always, on weekly periods, or unknown (the directory does not say)."""

    known: bool
    always_open: bool = False
    periods: tuple[OpeningPeriod, ...] = ()

    def is_open(self, local_moment: datetime) -> bool | None:
        """True or False at that local time; None when the directory does not know."""
        if not self.known:
            return None
        if self.always_open:
            return True
        return any(period.contains(local_moment) for period in self.periods)


UNKNOWN_HOURS = OpeningHours(known=False)
ALWAYS_OPEN = OpeningHours(known=True, always_open=True)


@dataclass(frozen=True)
class ServiceArea:
    """A country, whole (no regions) or only the listed ISO 3166-2 regions."""

    country: str
    regions: frozenset[str] = frozenset()

    @property
    def national(self) -> bool:
        return not self.regions


@dataclass(frozen=True)
class Service:
    """What an agency offers, where, in which languages and when."""

    id: str
    name: str
    areas: tuple[ServiceArea, ...]
    languages: frozenset[str]
    interpretation: str
    hours: OpeningHours
    after_hours_referrals: str
    case_types: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Agency:
    """An organisation a case can be referred to."""

    id: str
    name: str
    names: Mapping[str, str]
    country: str | None
    kind: str
    regional_focal_point: bool
    time_zone: str
    services: tuple[Service, ...]
    acronym: str | None = None
    ack_minutes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    holidays: frozenset[date] = frozenset()
    referral_channels: tuple[str, ...] = ()
    # False for a body that never receives a case (a commission, a task force).
    takes_cases: bool = True
    # Listed by name only: no seed source, no contact, no referral channel; not routed to until a
    # person verifies the record (`last_verified_at`, directory/verification.py).
    unverified_listing: bool = False

    @property
    def routable(self) -> bool:
        """Whether a case may be referred here at all."""
        return self.takes_cases and not self.unverified_listing

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)


@dataclass(frozen=True)
class Country:
    """A country the directory knows, with its clock and languages (most used first)."""

    code: str
    names: Mapping[str, str]
    time_zone: str
    languages: tuple[str, ...]
    corett: bool


@dataclass(frozen=True)
class Snapshot:
    """Everything routing needs, immutable and indexed once per directory version."""

    version: str
    agencies: tuple[Agency, ...]
    countries: Mapping[str, Country]
    gazetteer: Mapping[str, tuple[Place, ...]]
    agencies_by_id: Mapping[str, Agency]
    agencies_by_country_kind: Mapping[tuple[str | None, str], tuple[Agency, ...]]
    regional_focal_points: tuple[Agency, ...]
    # Every gazetteer name compiled into one matcher; each value is all places of that name.
    place_matcher: PhraseMatcher[tuple[Place, ...]]
    # (country, normalised region name) -> ISO 3166-2 code, for a region stated by name.
    region_codes_by_name: Mapping[tuple[str, str], str]
    # The engine's memo of checks that depend only on this snapshot's data (routing.engine._fit).
    fit_memo: dict[tuple[str, str | None, str | None, str], Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    # The index of the gazetteer's words by their spelling, built on first use (routing.location).
    spelling_memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def agencies_of(self, country: str | None, kind: str) -> tuple[Agency, ...]:
        return self.agencies_by_country_kind.get((country, kind), ())


def build_snapshot(
    version: str,
    countries: Iterable[Country],
    agencies: Iterable[Agency],
    gazetteer: Mapping[str, tuple[Place, ...]],
) -> Snapshot:
    """Index agencies, countries and the gazetteer for the engine."""
    agency_list = tuple(agencies)
    by_country_kind: dict[tuple[str | None, str], list[Agency]] = {}
    for agency in agency_list:
        by_country_kind.setdefault((agency.country, agency.kind), []).append(agency)
    # The gazetteer's builder normalises with the same rules; normalising again keeps this
    # snapshot correct even if a hand-made gazetteer was keyed by display names.
    places: dict[str, list[Place]] = {}
    for key, entries in gazetteer.items():
        places.setdefault(normalise(key), []).extend(entries)
    frozen_places = {key: tuple(dict.fromkeys(entries)) for key, entries in places.items() if key}
    region_codes: dict[tuple[str, str], str] = {}
    for key, entries in frozen_places.items():
        for place in entries:
            if place.kind == "region" and place.region:
                region_codes.setdefault((place.country, key), place.region)
    return Snapshot(
        version=version,
        agencies=agency_list,
        countries=MappingProxyType({c.code: c for c in countries}),
        gazetteer=MappingProxyType(frozen_places),
        agencies_by_id=MappingProxyType({a.id: a for a in agency_list}),
        agencies_by_country_kind=MappingProxyType({k: tuple(v) for k, v in by_country_kind.items()}),
        regional_focal_points=tuple(a for a in agency_list if a.regional_focal_point),
        place_matcher=PhraseMatcher(frozen_places.items()),
        region_codes_by_name=MappingProxyType(region_codes),
    )


def snapshot_from_document(
    doc: Mapping[str, Any], gazetteer: Mapping[str, tuple[Place, ...]], version: str
) -> Snapshot:
    """Convert a `hotline-directory/1` document (directory/data/region.json) into a Snapshot."""
    schema = doc.get("schema")
    if schema != "hotline-directory/1":
        raise ValueError(f"unsupported directory schema {schema!r}")
    countries = tuple(_country(entry) for entry in doc.get("countries", ()))
    zones = {c.code: c.time_zone for c in countries}
    languages = {c.code: c.languages for c in countries}
    agencies = tuple(_agency(entry, zones, languages) for entry in doc.get("organizations", ()))
    return build_snapshot(version, countries, agencies, gazetteer)


def _country(entry: Mapping[str, Any]) -> Country:
    zone = entry.get("time_zone") or DEFAULT_TIME_ZONE
    _zone(zone)  # fail at load, not mid-routing, on a zone the system does not know
    return Country(
        code=entry["code"],
        names=MappingProxyType(dict(entry.get("name") or {})),
        time_zone=zone,
        languages=tuple(entry.get("languages") or ()),
        corett=bool(entry.get("corett", False)),
    )


def _agency(entry: Mapping[str, Any], zones: Mapping[str, str], languages: Mapping[str, tuple[str, ...]]) -> Agency:
    kind = entry["kind"]
    if kind not in AGENCY_KINDS:
        raise ValueError(f"organization {entry.get('id')!r} has unknown kind {kind!r}")
    country = entry.get("country")
    services = tuple(_service(s) for s in entry.get("services") or ())
    if not services and country:
        # An organisation listed without services still serves its own country; what it does
        # not say (hours, interpretation) stays unknown rather than assumed.
        services = (
            Service(
                id=f"{entry['id']}#listing",
                name=_display_name(entry.get("name") or {}, entry["id"]),
                areas=(ServiceArea(country),),
                languages=frozenset(languages.get(country, ())),
                interpretation="unknown",
                hours=UNKNOWN_HOURS,
                after_hours_referrals="unknown",
            ),
        )
    referral = entry.get("referral") or {}
    if referral.get("channels") and country:
        # An agency that takes referrals through this system (portal, email, SMS) receives them
        # at any hour: the acknowledgement deadline, not the door, follows its office hours.
        services += (
            Service(
                id=f"{entry['id']}#referrals",
                name="Referral intake",
                areas=(ServiceArea(country),),
                languages=frozenset(languages.get(country, ())),
                interpretation="unknown",
                hours=UNKNOWN_HOURS,
                after_hours_referrals="yes",
            ),
        )
    names = dict(entry.get("name") or {})
    takes_cases = referral.get("takes_cases")
    if takes_cases is None:
        takes_cases = kind not in POLICY_KINDS
    provenance = entry.get("provenance") or {}
    unverified_listing = (
        provenance.get("source") is None
        and not provenance.get("verified")
        and not entry.get("last_verified_at")
        and not (
            entry.get("phones")
            or entry.get("emails")
            or entry.get("urls")
            or entry.get("services")
            or referral.get("channels")
        )
    )
    return Agency(
        id=entry["id"],
        name=_display_name(names, entry["id"]),
        names=MappingProxyType(names),
        country=country,
        kind=kind,
        regional_focal_point=bool(entry.get("regional_focal_point", False)),
        time_zone=_agency_zone(country, services, zones),
        services=services,
        acronym=entry.get("acronym"),
        ack_minutes=MappingProxyType({k: int(v) for k, v in (referral.get("ack_minutes") or {}).items()}),
        holidays=frozenset(date.fromisoformat(d) for d in referral.get("holidays") or ()),
        referral_channels=tuple(referral.get("channels") or ()),
        takes_cases=bool(takes_cases),
        unverified_listing=unverified_listing,
    )


def _agency_zone(country: str | None, services: tuple[Service, ...], zones: Mapping[str, str]) -> str:
    if country and country in zones:
        return zones[country]
    # A regional body keeps the clock of the first country it serves, if any.
    for service in services:
        for area in service.areas:
            if area.country in zones:
                return zones[area.country]
    return DEFAULT_TIME_ZONE


def _service(entry: Mapping[str, Any]) -> Service:
    areas = tuple(
        ServiceArea(area["country"], frozenset(area.get("regions") or ())) for area in entry.get("areas") or ()
    )
    return Service(
        id=entry["id"],
        name=_display_name(entry.get("name") or {}, entry["id"]),
        areas=areas,
        languages=frozenset(entry.get("languages") or ()),
        interpretation=_tri_state(entry.get("interpretation")),
        hours=opening_hours(entry.get("hours")),
        after_hours_referrals=_tri_state(entry.get("after_hours_referrals")),
        case_types=frozenset(entry.get("case_types") or ()),
        groups=frozenset(entry.get("groups") or ()),
    )


def opening_hours(value: Any) -> OpeningHours:
    """Hours as the directory stores them: None (unknown), "24/7", or a list of weekly periods."""
    if value is None:
        return UNKNOWN_HOURS
    if value == "24/7":
        return ALWAYS_OPEN
    periods = []
    for period in value:
        days = frozenset(WEEKDAYS.index(day) for day in period["days"])
        periods.append(OpeningPeriod(days, _clock(period["opens"]), _clock(period["closes"])))
    return OpeningHours(known=True, periods=tuple(periods))


def _clock(text: str) -> time:
    if text in ("24:00", "24:00:00"):
        return time.max
    return time.fromisoformat(text)


def _tri_state(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value if value in TRI_STATE else "unknown"


def _display_name(names: Mapping[str, str], fallback: str) -> str:
    # Operators read decisions in English; Spanish is the directory's other common language.
    return names.get("en") or names.get("es") or next(iter(names.values()), fallback)


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        try:
            zone = ZoneInfo(name)
        except ZoneInfoNotFoundError as error:
            raise ValueError(f"unknown time zone {name!r}") from error
        _ZONES[name] = zone
    return zone
