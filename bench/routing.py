"""Routing throughput and latency on a synthetic directory of 10,000 services in 30 countries.

Prints decisions per second and p50/p99 latency of `route()` (CPU time per call, so that other work
on a shared machine does not count), next to two baselines measured in the same run over the same
intakes: tokenising the text only, and the language detector alone; then the same over reports as
people wrote them (the corpora's development halves and training pools, not a held-out half). Run:
    python -m bench.routing [--intakes 4000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from directory.gazetteer import build_gazetteer
from directory.timezones import COUNTRY_TIME_ZONES
from routing.engine import default_rules, route
from routing.intake import BOOLEAN_ANSWERS, Intake, Location
from routing.language import detect_language
from routing.snapshot import AGENCY_KINDS, Snapshot, snapshot_from_document
from routing.text import tokens

# Two countries beyond the directory's own time zone table, to reach thirty.
EXTRA_TIME_ZONES = {"ES": "Europe/Madrid", "PT": "Europe/Lisbon"}
SERVICES = 10_000
COUNTRY_COUNT = 30
AGENCIES_PER_KIND = 2
LANGUAGES = ("es", "en", "fr", "pt", "ht")
DAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]

TEXTS = (
    "Mi hermana de 15 años está encerrada en {place} y le quitaron el pasaporte",
    "Pagamos al coyote para cruzar la frontera, estamos en {place}",
    "There are girls forced into prostitution in a bar in {place}, they took their passports",
    "Ma soeur est enfermée à {place}, ils ont pris son passeport",
    "Minha irmã está presa numa casa em {place} e não pagam o salário dela",
    "Mwen bezwen èd, yo pran paspò mwen nan {place}",
    "Somos nicaragüenses, nos tienen trabajando sin pago en {place} y nos amenazan",
    "¿Cómo puedo denunciar un caso de trata de personas?",
    "info",
    "AYUDA",
    "",
)


def synthetic_document(rng: random.Random) -> dict[str, Any]:
    zones = {**COUNTRY_TIME_ZONES, **EXTRA_TIME_ZONES}
    codes = sorted(zones)[:COUNTRY_COUNT]
    countries = [
        {"code": c, "name": {"en": c}, "time_zone": zones[c], "languages": [rng.choice(LANGUAGES[:2])], "corett": True}
        for c in codes
    ]
    agency_count = COUNTRY_COUNT * len(AGENCY_KINDS) * AGENCIES_PER_KIND
    per_agency, extra = divmod(SERVICES, agency_count)
    organizations: list[dict[str, Any]] = [
        {
            "id": "regional-focal",
            "country": None,
            "kind": "regional_body",
            "name": {"en": "Focal"},
            "regional_focal_point": True,
            "services": [_service(rng, "regional-focal-0", codes[0], [])],
        }
    ]
    index = 0
    for code in codes:
        regions = [f"{code}-{n:02d}" for n in range(1, 11)]
        for kind in AGENCY_KINDS:
            for n in range(AGENCIES_PER_KIND):
                count = per_agency + (1 if index < extra else 0)
                index += 1
                agency_id = f"{code.lower()}-{kind}-{n}"
                organizations.append(
                    {
                        "id": agency_id,
                        "country": code,
                        "kind": kind,
                        "name": {"en": agency_id},
                        "regional_focal_point": False,
                        "services": [
                            _service(rng, f"{agency_id}-{s}", code, rng.sample(regions, rng.randint(0, 3)))
                            for s in range(count)
                        ],
                        "referral": {"holidays": ["2026-12-25"]},
                    }
                )
    return {"schema": "hotline-directory/1", "sources": {}, "countries": countries, "organizations": organizations}


def _service(rng: random.Random, service_id: str, country: str, regions: list[str]) -> dict[str, Any]:
    hours = rng.choice(
        [
            "24/7",
            None,
            [{"days": DAYS[:5], "opens": "08:00", "closes": "16:00"}],
            [{"days": DAYS, "opens": "20:00", "closes": "06:00"}],
        ]
    )
    return {
        "id": service_id,
        "name": {"en": service_id},
        "areas": [{"country": country, "regions": regions}],
        "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
        "interpretation": rng.choice(["yes", "no", "unknown"]),
        "hours": hours,
        "after_hours_referrals": rng.choice(["yes", "no", "unknown"]),
        "case_types": ["trafficking", "smuggling"],
        "groups": [],
    }


def synthetic_intakes(rng: random.Random, snapshot: Snapshot, count: int) -> list[Intake]:
    codes = sorted(snapshot.countries)
    places = [places[0].name for places in list(snapshot.gazetteer.values())[:20_000:40]]
    intakes = []
    for _ in range(count):
        answers: dict[str, object] = {k: rng.random() < 0.15 for k in rng.sample(BOOLEAN_ANSWERS, rng.randint(0, 5))}
        if rng.random() < 0.2:
            answers["victim_nationality"] = rng.choice(codes)
        stated = Location(rng.choice(codes)) if rng.random() < 0.2 else Location()
        intakes.append(
            Intake(
                channel=rng.choice(["sms", "voice", "web", "chat"]),
                text=rng.choice(TEXTS).format(place=rng.choice(places)),
                language=rng.choice([None, None, None, "es", "en"]),
                caller_country=rng.choice([None, *codes]),
                location=stated,
                answers=MappingProxyType(answers),
            )
        )
    return intakes


# Reports as people wrote them: the development halves' and training pools' texts (never a held-out
# test half), with their channel and caller's country. The templates above are a dozen short
# sentences; real reports are longer (a voice transcript runs to a hundred words) and cost more.
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "triage_corpus"
REPORT_FILES = ("dev.jsonl", "train.jsonl")


def written_intakes(count: int) -> list[Intake]:
    intakes = []
    for path in sorted(CORPUS.glob("fresh*/*.jsonl")):
        if path.name not in REPORT_FILES:
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                intakes.append(
                    Intake(channel=item["channel"], text=item["text"], caller_country=item.get("caller_country"))
                )
    return intakes[:count]


def measure(label: str, work: Callable[[Intake], object], intakes: Sequence[Intake]) -> dict[str, float]:
    # CPU time of this thread, not the wall clock: on a machine shared by several processes the
    # wall clock's p99 measures who else was scheduled, not what a decision costs.
    timings = []
    for intake in intakes:
        start = time.thread_time()
        work(intake)
        timings.append(time.thread_time() - start)
    total = sum(timings)
    ordered = sorted(timings)
    result = {
        "per_second": len(timings) / total,
        "p50_ms": statistics.median(ordered) * 1e3,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1e3,
        "total_s": total,
    }
    print(
        f"{label:<22} {result['per_second']:>12,.0f}/s   p50 {result['p50_ms']:.3f} ms   p99 {result['p99_ms']:.3f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    started = time.perf_counter()
    document = synthetic_document(rng)
    gazetteer = build_gazetteer([c["code"] for c in document["countries"]])
    snapshot = snapshot_from_document(document, gazetteer, "bench")
    services = sum(len(a.services) for a in snapshot.agencies)
    print(
        f"snapshot: {len(snapshot.agencies)} agencies, {services} services, {len(snapshot.countries)} countries, "
        f"{len(snapshot.gazetteer)} place names, built in {time.perf_counter() - started:.1f} s"
    )
    intakes = synthetic_intakes(rng, snapshot, options.intakes)
    others = synthetic_intakes(rng, snapshot, options.intakes)
    base = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)
    moments = [base + timedelta(minutes=37 * i) for i in range(len(intakes))]
    clock = iter(moments * 4)
    detect_language("warm up the detector with a sentence of several words")
    for intake in intakes[:200]:
        route(intake, snapshot, base)
    # tokens() is memoised for routing; the baselines time the work itself.
    tokenise = tokens.__wrapped__
    normalise_only = measure("baseline: tokens()", lambda i: tokenise(i.text), intakes)
    detector = measure("baseline: detector", lambda i: detect_language(i.text), intakes)
    rules = default_rules()
    rules_alone = replace(rules, reader=None)
    routed = measure("route()", lambda i: route(i, snapshot, next(clock), rules), intakes)
    # The same-run baseline for the learned reader: the rules alone on other intakes of the same kind
    # (on the same ones the memos the first pass filled would flatter whichever ran second).
    alone = measure("route(), rules alone", lambda i: route(i, snapshot, next(clock), rules_alone), others)
    written = written_intakes(options.intakes)
    for intake in written[-200:]:  # warmed on the last, measured from the first: no memo still holds them
        route(intake, snapshot, base, rules)
    reports = measure("route(), real reports", lambda i: route(i, snapshot, next(clock), rules), written)
    written_tokens = measure("tokens(), real reports", lambda i: tokenise(i.text), written)
    cost = routed["p50_ms"] - alone["p50_ms"]
    print(f"the learned reader  : {cost:+.3f} ms at p50 ({routed['total_s'] / alone['total_s']:.2f}x the time)")
    print(f"route / tokens      : {routed['total_s'] / normalise_only['total_s']:.1f}x the time")
    print(f"detector / route    : {detector['total_s'] / routed['total_s']:.0%} of routing time")
    print(f"real reports / tokens: {reports['total_s'] / written_tokens['total_s']:.1f}x the time")
    print(
        f"p99 target < 1 ms   : {'met' if routed['p99_ms'] < 1.0 else 'NOT met'} (templates), "
        f"{'met' if reports['p99_ms'] < 1.0 else 'NOT met'} ({len(written):,} real reports)"
    )


if __name__ == "__main__":
    main()
