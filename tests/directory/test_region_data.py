"""Checks of the seeded directory (region.json), the demo fixture, the gazetteer and the time-zone table."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pycountry
import pytest

from directory.gazetteer import build_gazetteer, normalise
from directory.timezones import COUNTRY_TIME_ZONES, zone_for

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "directory" / "data"
SEEDS = REPO.parent / "shared" / "seeds"

CORETT = ("BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA", "DO")
NEIGHBOURS = ("US", "CO", "VE", "EC", "PE", "CU", "HT", "JM", "BS")
KINDS = {
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
}
DEMO_KINDS = {
    "coordinating_body",
    "response_team",
    "police",
    "prosecutor",
    "child_protection",
    "migration",
    "regional_body",
}
TRISTATE = {"yes", "no", "unknown"}

REGION = json.loads((DATA / "region.json").read_text(encoding="utf-8"))
DEMO = json.loads((DATA / "demo_contacts.json").read_text(encoding="utf-8"))
ORGS = REGION["organizations"]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def all_phones() -> list[tuple[dict, dict]]:
    """(organization, phone) for every phone at organization and service level."""
    return [(o, p) for o in ORGS for p in o["phones"]] + [
        (o, p) for o in ORGS for s in o["services"] for p in s["phones"]
    ]


def all_provenances() -> list[dict]:
    out = []
    for o in ORGS:
        out.append(o["provenance"])
        out += [c["provenance"] for c in o["phones"] + o["emails"] + o["urls"]]
        for s in o["services"]:
            out.append(s["provenance"])
            out += [p["provenance"] for p in s["phones"]]
    return out


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[str]]:
    """Seed lines per source id (1-based: index 0 is line 1)."""
    if not SEEDS.is_dir():
        message = f"seed documents not found at {SEEDS}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        sid: (SEEDS / src["file"]).read_text(encoding="utf-8").split("\n") for sid, src in REGION["sources"].items()
    }


def cited_text(seeds: dict[str, list[str]], prov: dict) -> str:
    first, _, last = prov["lines"].partition("-")
    return "\n".join(seeds[prov["source"]][int(first) - 1 : int(last or first)])


# --------------------------------------------------------------------------- structure


def test_nine_countries_have_the_five_kinds() -> None:
    for country in CORETT:
        kinds = {o["kind"] for o in ORGS if o["country"] == country}
        missing = {"coordinating_body", "prosecutor", "child_protection", "migration"} - kinds
        assert not missing, f"{country} lacks {missing}"
        assert kinds & {"response_team", "police"}, f"{country} has neither a response team nor a police unit"


def test_ids_unique_kinds_known_one_focal_point() -> None:
    ids = [o["id"] for o in ORGS]
    assert len(ids) == len(set(ids))
    service_ids = [s["id"] for o in ORGS for s in o["services"]]
    assert len(service_ids) == len(set(service_ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids + service_ids)
    assert {o["kind"] for o in ORGS} <= KINDS
    focal = [o["id"] for o in ORGS if o["regional_focal_point"]]
    assert focal == ["reg-corett-ts"]
    assert all(o["country"] is None for o in ORGS if o["kind"] == "regional_body")


def test_country_codes_valid_and_listed_with_zone() -> None:
    listed = {c["code"]: c for c in REGION["countries"]}
    used = {o["country"] for o in ORGS if o["country"]}
    used |= {p["country"] for _, p in all_phones()}
    used |= {a["country"] for o in ORGS for s in o["services"] for a in s["areas"]}
    assert used <= set(listed), used - set(listed)
    for code, country in listed.items():
        assert pycountry.countries.get(alpha_2=code) is not None, code
        assert country["time_zone"] == COUNTRY_TIME_ZONES[code]
        assert country["corett"] == (code in CORETT)
    assert set(CORETT) <= set(listed)


def test_regions_are_real_subdivisions() -> None:
    for o in ORGS:
        for s in o["services"]:
            for area in s["areas"]:
                for region in area["regions"]:
                    sub = pycountry.subdivisions.get(code=region)
                    assert sub is not None and sub.country_code == area["country"], region


def test_service_vocabularies() -> None:
    for o in ORGS:
        for s in o["services"]:
            assert s["interpretation"] in TRISTATE and s["after_hours_referrals"] in TRISTATE
            assert set(s["features"]) == {"free", "anonymous", "always_open", "multilingual", "tty", "chat", "text"}
            assert set(s["features"].values()) <= TRISTATE
            assert set(s["case_types"]) <= {"trafficking", "smuggling"} and s["case_types"]
            assert set(s["groups"]) <= {"minor", "women", "migrant", "indigenous", "lgbti", "disabled"}
            assert s["hours"] is None or s["hours"] == "24/7" or isinstance(s["hours"], list)
    for _, p in all_phones():
        assert p["type"] in {"voice", "sms", "whatsapp", "fax"} and p["toll_free"] in TRISTATE
        assert p["number"] is None or re.fullmatch(r"\+[1-9]\d{6,14}", p["number"]), p["number"]


# --------------------------------------------------------------------------- provenance


def test_provenance_shape() -> None:
    for prov in all_provenances():
        assert prov["verified"] is False
        if prov["source"] is None:
            assert "not in seeds" in prov["note"]
            continue
        assert prov["source"] in REGION["sources"]
        assert re.fullmatch(r"\d+(-\d+)?", prov["lines"]), prov
        assert re.fullmatch(r"\d{4}", prov["as_of"])


def test_name_only_records_have_no_contacts() -> None:
    for o in ORGS:
        if o["provenance"]["source"] is None:
            assert not (o["phones"] or o["emails"] or o["urls"] or o["services"]), o["id"]


def test_every_contact_appears_in_its_cited_lines(seeds: dict[str, list[str]]) -> None:
    for org, phone in all_phones():
        prov = phone["provenance"]
        assert prov["source"] is not None, org["id"]
        wanted = digits(phone["dialable"])
        assert wanted and wanted in digits(cited_text(seeds, prov)), (org["id"], phone["dialable"], prov)
        if phone["number"]:
            assert digits(phone["number"]).endswith(wanted), (org["id"], phone["number"])
    for org in ORGS:
        for item, value in [(e, e["address"]) for e in org["emails"]] + [(u, u["url"]) for u in org["urls"]]:
            assert item["provenance"]["source"] is not None
            assert value in cited_text(seeds, item["provenance"]), (org["id"], value)


# Lines of the OAS survey (S003) that the research note attributes to each CORETT country: research note
# seeds-003-oas-hotlines.md §1.5 "All channels, grouped by country" (checked against §1.2 rows 5, 7-9, 31-33,
# 46-50, 60). Nicaragua did not answer the survey (§0), so it has no lines.
OAS_LINES: dict[str, list[int]] = {
    "BZ": [1568],
    "CR": [968, 1809, 1830],
    "SV": [1810],
    "GT": [894, 915, 1784],
    "HN": [968, 1786, 1833],
    "MX": [915, 1787, 1788, 1811],
    "NI": [],
    "PA": [886],
    "DO": [1790],
}
# Phone-like strings in those lines that belong to another country (explicit, by digits):
# - L894 names Argentina's 145 and Peru's 1818 next to Guatemala's 110;
# - L915 names Guatemala's 110 and Mexico's 088 in one sentence.
# Known misplaced appendix rows (research note §0/§1.2) sit outside these ranges and are checked separately
# in test_misplaced_rows_reassigned: L1805 (Colombia's 120 under the Canada label), L1813 (US DoD OIG under
# the Paraguay label), L1818 (Uruguay's 0800 7272 above the Uruguay label).
NOT_THIS_COUNTRY = {("GT", "145"), ("GT", "1818"), ("GT", "088"), ("MX", "110")}
# Mexico's '01-800' numbers are stored without the abolished '01' long-distance prefix (research note §0).
OBSOLETE_PREFIX = {"MX": "01"}
PHONE_LIKE = re.compile(r"\d[\d -]*\d")
# Channels the survey lists for these countries without any number: each must be a service citing its line.
NUMBERLESS = {("CR", 968), ("CR", 1809), ("CR", 1830), ("HN", 968), ("HN", 1833), ("PA", 886), ("DO", 1790)}


def test_every_oas_line_of_the_nine_countries_is_in_the_directory(seeds: dict[str, list[str]]) -> None:
    stored = {(p["country"], digits(p["dialable"])) for _, p in all_phones()}
    found = set()
    for country, lines in OAS_LINES.items():
        for line in lines:
            for match in PHONE_LIKE.findall(seeds["S003"][line - 1]):
                number = digits(match)
                if len(number) < 3 or (country, number) in NOT_THIS_COUNTRY:
                    continue
                prefix = OBSOLETE_PREFIX.get(country)
                if prefix and number.startswith(prefix) and len(number) > 10:
                    number = number[len(prefix) :]
                assert (country, number) in stored, f"S003 L{line}: {match!r} for {country} missing"
                found.add((country, number))
    # GT 110; HN 8990 5187; MX 088, 01-800 00 854 00, 01-800 5533 000, 1000-2000; SV 126
    assert len(found) == 7, found


def test_numberless_channels_are_services() -> None:
    def covers(prov: dict, line: int) -> bool:
        first, _, last = (prov["lines"] or "0").partition("-")
        return prov["source"] == "S003" and int(first) <= line <= int(last or first)

    for country, line in NUMBERLESS:
        services = [s for o in ORGS if o["country"] == country for s in o["services"]]
        assert any(covers(s["provenance"], line) for s in services), (country, line)


def test_misplaced_rows_reassigned() -> None:
    by_digits = {digits(p["dialable"]): (o, p) for o, p in all_phones()}
    org, phone = by_digits["120"]
    assert phone["country"] == "CO" and org["country"] == "CO" and "Canada" in phone["provenance"]["note"]
    assert all(o["country"] != "PY" for o in ORGS)  # the DoD OIG row printed under Paraguay is not Paraguayan
    # The US DHS domestic number is a typo in the seed: neither the printed nor the corrected form is listed.
    assert "18063472423" not in by_digits and "18663472423" not in by_digits
    assert all("FEVIMTA" != o["acronym"] for o in ORGS)


# --------------------------------------------------------------------------- demo fixture


def test_demo_contacts_are_fictional_and_complete() -> None:
    assert "fictional" in DEMO["_comment"].lower()
    ids = {o["id"] for o in ORGS}
    expected = {o["id"] for o in ORGS if o["kind"] in DEMO_KINDS}
    entries = {k: v for k, v in DEMO.items() if k != "_comment"}
    assert set(entries) == expected and set(entries) <= ids
    for entry in entries.values():
        assert set(entry["referral_channels"]) <= {"portal", "email", "sms"}
        assert len(entry["contacts"]) >= 2
        for contact in entry["contacts"]:
            assert re.fullmatch(r"[^@\s]+@example\.(org|net|com)", contact["email"]), contact
            assert re.fullmatch(r"\+120255501\d\d", contact["sms"]), contact


# --------------------------------------------------------------------------- gazetteer and zones


@pytest.fixture(scope="module")
def gazetteer() -> dict:
    return build_gazetteer(CORETT + NEIGHBOURS)


def regions(gazetteer: dict, name: str, kind: str | None = None) -> set[tuple[str, str | None]]:
    return {(p.country, p.region) for p in gazetteer.get(normalise(name), ()) if kind in (None, p.kind)}


def test_normalise() -> None:
    assert normalise("  Ciudad de MÉXICO!! ") == "ciudad de mexico"
    assert normalise("Peña-Blanca") == "pena blanca"
    assert normalise("Sololá") == normalise("solola") == "solola"


def test_gazetteer_accents_and_case(gazetteer: dict) -> None:
    # pycountry 26.2.16 follows the 2021 ISO 3166-2:GT change from letter codes (GT-QZ) to numbers (GT-09).
    for name in ("Quetzaltenango", "quetzaltenango", "QUETZALTENANGO"):
        assert ("GT", "GT-09") in regions(gazetteer, name, "region")
        assert ("GT", "GT-09") in regions(gazetteer, name, "city")
    assert regions(gazetteer, "Sololá", "region") == regions(gazetteer, "Solola", "region") == {("GT", "GT-07")}
    assert ("GT", "GT-17") in regions(gazetteer, "Peten")
    assert "gt 09" not in gazetteer and "qz" not in gazetteer and "gt qz" not in gazetteer


def test_gazetteer_keeps_ambiguous_names(gazetteer: dict) -> None:
    assert {"HN", "PA"} <= {c for c, _ in regions(gazetteer, "Colón")}
    assert {"NI", "MX"} <= {c for c, _ in regions(gazetteer, "León")}
    assert len({c for c, _ in regions(gazetteer, "Santo Domingo")}) > 1
    assert {"CR", "HN", "SV"} & {c for c, _ in regions(gazetteer, "San José")} >= {"CR"}
    assert {("HN", "HN-LP"), ("SV", "SV-PA")} <= regions(gazetteer, "La Paz", "region")


def test_gazetteer_countries_in_both_languages(gazetteer: dict) -> None:
    for name, code in [
        ("Guatemala", "GT"),
        ("Mexico", "MX"),
        ("México", "MX"),
        ("Republica Dominicana", "DO"),
        ("Dominican Republic", "DO"),
        ("Belice", "BZ"),
        ("Panamá", "PA"),
    ]:
        assert (code, None) in regions(gazetteer, name, "country"), name


@pytest.mark.parametrize(
    ("city", "country", "region"),
    [
        ("Belize City", "BZ", "BZ-BZ"),
        ("San José", "CR", "CR-SJ"),
        ("San Salvador", "SV", "SV-SS"),
        ("Ciudad de Guatemala", "GT", "GT-01"),
        ("Tegucigalpa", "HN", "HN-FM"),
        ("San Pedro Sula", "HN", "HN-CR"),
        ("Guadalajara", "MX", "MX-JAL"),
        ("Mexico City", "MX", "MX-CMX"),
        ("Managua", "NI", "NI-MN"),
        ("Panama City", "PA", "PA-8"),
        ("Santiago de los Caballeros", "DO", "DO-25"),
    ],
)
def test_big_cities_resolve_to_their_region(gazetteer: dict, city: str, country: str, region: str) -> None:
    assert (country, region) in regions(gazetteer, city, "city")


def test_gazetteer_skips_common_words(gazetteer: dict) -> None:
    assert all(p.kind != "city" for p in gazetteer.get("progreso", ()))
    assert ("HN", "HN-YO") in regions(gazetteer, "El Progreso", "city")


def test_time_zones() -> None:
    managua = zone_for("NI")
    january, july = datetime(2024, 1, 15, 12, tzinfo=managua), datetime(2024, 7, 15, 12, tzinfo=managua)
    assert january.utcoffset() == july.utcoffset()
    assert str(zone_for("mx")) == "America/Mexico_City"
    for code in COUNTRY_TIME_ZONES:
        zone_for(code)


# --------------------------------------------------------------------------- who takes cases


def test_policy_and_coordination_bodies_are_marked_as_taking_no_cases() -> None:
    for o in ORGS:
        takes = (o.get("referral") or {}).get("takes_cases")
        if o["kind"] in {"coordinating_body", "regional_body"}:
            assert takes is False, o["id"]
        elif takes is False:
            # Any other body marked so says why in its provenance note.
            assert (
                "never sent a case" in o["provenance"]["note"]
                or "not by a referral" in o["provenance"]["note"]
                or "no case intake" in o["provenance"]["note"]
            ), o["id"]
        else:
            assert takes is None, o["id"]
    marked = {o["id"] for o in ORGS if (o.get("referral") or {}).get("takes_cases") is False}
    assert {"gt-cit", "mx-cit", "us-task-force"} <= marked


def test_name_only_records_stay_listed_but_are_not_routable() -> None:
    from routing.snapshot import snapshot_from_document

    snapshot = snapshot_from_document(REGION, {}, "check")
    name_only = {o["id"] for o in ORGS if o["provenance"]["source"] is None}
    assert len(name_only) == 19
    flagged = {a.id for a in snapshot.agencies if a.unverified_listing}
    assert flagged == name_only
    assert not any(a.routable for a in snapshot.agencies if a.id in name_only)


def test_the_ngos_and_shelters_the_seeds_name_are_listed_with_their_lines(seeds: dict[str, list[str]]) -> None:
    named = {"bz-human-trafficking-institute": "Human Trafficking Institute", "gt-ecpat": "ECPAT Guatemala"}
    for org_id, name in named.items():
        [org] = [o for o in ORGS if o["id"] == org_id]
        assert org["kind"] == "ngo" and name in cited_text(seeds, org["provenance"])
    [shelters] = [o for o in ORGS if o["id"] == "gt-child-shelters"]
    assert "temporary shelters for children" in cited_text(seeds, shelters["provenance"])


def test_known_hours_cite_the_seed_line_that_states_them(seeds: dict[str, list[str]]) -> None:
    """Hours and 24/7 only where a seed says so, cited in the data (`hours_lines`), never shown on /help."""
    with_hours = [s for o in ORGS for s in o["services"] if s["hours"] is not None]
    assert with_hours, "the seeds state at least one 24/7 line (S003 L964)"
    for service in with_hours:
        prov = service["provenance"]
        assert prov.get("hours_lines"), f"{service['id']}: hours without the seed line that states them"
        text = cited_text(seeds, {"source": prov["source"], "lines": prov["hours_lines"]})
        if service["hours"] == "24/7":
            assert "24/7" in text or "24 hours" in text, service["id"]
    for org in ORGS:
        for service in org["services"]:
            if service["features"].get("always_open") == "yes":
                assert service["hours"] == "24/7", service["id"]
