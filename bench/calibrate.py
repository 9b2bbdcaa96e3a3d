"""Fit the confidence calibration (routing/rules/calibration.json) on the development reports only.

Routes the fresh development reports (see FIT_FILES), and counts, for each field and each class of
evidence the field was read from (routing.confidence, `condition`), how many decisions were right.
The engine then states, for a field read from that class, the share right (drawn towards its
hand-set prior when the class was seen a few times). Held-out halves (any file named *test*) are
refused: a calibration fitted on them would report its own test. Run:
    python -m bench.calibrate [--check] [--cross]
--check prints the fitted table and writes nothing; --cross fits on one development file and prints
the calibration table and needs_review's rates on the other (an out-of-sample check within dev).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.triage import CONFIDENCE_BANDS, NOW, REPO, _band, intake_of, load_snapshot
from routing.confidence import CALIBRATION_PATH, REVIEW_BELOW, compile_calibration
from routing.engine import Rules, default_rules, route
from routing.learned import compile_reader
from routing.snapshot import Snapshot

DEVELOPMENT_FILES = (
    REPO / "tests" / "triage_corpus" / "fresh3" / "dev.jsonl",
    REPO / "tests" / "triage_corpus" / "fresh5" / "train.jsonl",
)
# The table is fitted on the newest development corpus only: the older ones were tuned on (and the
# learned reader is trained on them), so their share right would overstate how sure the engine is on
# reports it has never seen. Fit with `--reader` naming a reader trained WITHOUT this corpus (see
# bench/train_triage.py), so the reader's classes are counted on reports it never saw.
FIT_FILES = DEVELOPMENT_FILES[1:]
# A class seen this many times counts as much as its hand-set prior.
PRIOR_WEIGHT = 4
# The scored field each confidence field is about.
EXPECTED_FIELD = {"location": "country", "language": "language", "risk": "risk", "case_type": "case_type"}


@dataclass(frozen=True)
class Read:
    """One report's fields as the engine read them: condition, hand-set prior and whether right."""

    conditions: dict[str, str]
    priors: dict[str, float]
    right: dict[str, bool]


def load(path: Path) -> list[dict[str, Any]]:
    if "test" in path.name:
        raise SystemExit(f"{path} is a held-out half; calibration is fitted on development reports only")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_all(items: Sequence[dict[str, Any]], snapshot: Snapshot, rules: Rules | None = None) -> list[Read]:
    reads = []
    for item in items:
        decision = route(intake_of(item), snapshot, NOW, rules)
        got = {
            "location": decision.location.country,
            "language": decision.language.code,
            "risk": decision.risk.level,
            "case_type": decision.classification.case_type,
        }
        fields = decision.confidence.fields
        reads.append(
            Read(
                {name: fields[name].condition for name in EXPECTED_FIELD},
                {name: _prior(fields[name].prior, fields[name].score) for name in EXPECTED_FIELD},
                {name: got[name] == item["expected"].get(scored) for name, scored in EXPECTED_FIELD.items()},
            )
        )
    return reads


def _prior(prior: float | None, score: float) -> float:
    return score if prior is None else prior


def tally(reads: Sequence[Read]) -> dict[str, dict[str, list[int]]]:
    """field -> condition -> [right, total]."""
    table: dict[str, dict[str, list[int]]] = {}
    for name in EXPECTED_FIELD:
        counts: Counter[tuple[str, bool]] = Counter((r.conditions[name], r.right[name]) for r in reads)
        conditions = sorted({condition for condition, _ in counts})
        table[name] = {c: [counts[(c, True)], counts[(c, True)] + counts[(c, False)]] for c in conditions}
    return table


def cross_check(fitted: dict[str, dict[str, list[int]]], reads: Sequence[Read]) -> list[str]:
    """The calibration table and needs_review's rates on reports the table was not fitted on."""
    calibration = compile_calibration({"prior_weight": PRIOR_WEIGHT, "fields": fitted})
    bands = range(1, len(CONFIDENCE_BANDS))
    cells: dict[str, Counter[tuple[int, bool]]] = {name: Counter() for name in EXPECTED_FIELD}
    review: Counter[tuple[bool, bool]] = Counter()
    prior_review: Counter[tuple[bool, bool]] = Counter()
    for read in reads:
        scores = {n: calibration.score(n, read.conditions[n], read.priors[n])[0] for n in EXPECTED_FIELD}
        for name, score in scores.items():
            cells[name][(_band(score), read.right[name])] += 1
        wrong = not all(read.right.values())
        review[(wrong, any(score < REVIEW_BELOW for score in scores.values()))] += 1
        prior_review[(wrong, any(p < 0.6 for p in read.priors.values()))] += 1
    names = [f"{CONFIDENCE_BANDS[i - 1]:.1f}-{CONFIDENCE_BANDS[i]:.1f}" for i in bands]
    lines = ["  " + " " * 10 + "".join(f"{n:>14}" for n in names)]
    for name, counts in cells.items():
        row = []
        for band in bands:
            right, wrong_count = counts[(band, True)], counts[(band, False)]
            total = right + wrong_count
            row.append(f"{right / total:>8.0%} ({total:>3})" if total else f"{'-':>14}")
        lines.append(f"  {name:<10}" + "".join(row))
    for title, counts in (("calibrated", review), ("hand-set, below 0.6", prior_review)):
        on_wrong = counts[(True, True)], counts[(True, True)] + counts[(True, False)]
        on_right = counts[(False, True)], counts[(False, True)] + counts[(False, False)]
        lines.append(
            f"  needs_review ({title}): on wrong {on_wrong[0]}/{on_wrong[1]}, on right {on_right[0]}/{on_right[1]}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="print the fitted table, write nothing")
    parser.add_argument("--cross", action="store_true", help="fit on one development file, check on the other")
    parser.add_argument("--reader", type=Path, help="route with this reader (one not trained on the fitted half)")
    options = parser.parse_args()
    snapshot = load_snapshot()
    rules = None
    if options.reader:
        reader = compile_reader(json.loads(options.reader.read_text(encoding="utf-8")))
        rules = replace(default_rules(), reader=reader)
    reads = {path: read_all(load(path), snapshot, rules) for path in DEVELOPMENT_FILES}
    if options.cross:
        first, second = DEVELOPMENT_FILES
        for fitted_on, checked_on in ((first, second), (second, first)):
            print(f"fitted on {fitted_on.relative_to(REPO)}, checked on {checked_on.relative_to(REPO)}:")
            print("\n".join(cross_check(tally(reads[fitted_on]), reads[checked_on])))
        return
    table = tally([read for path in FIT_FILES for read in reads[path]])
    for name, conditions in table.items():
        print(name)
        for condition, (right, total) in conditions.items():
            print(f"  {condition:<50} {right:>4}/{total:<4} {right / total:6.0%}")
    if options.check:
        return
    document = {
        "version": "calibration/" + datetime.now(UTC).date().isoformat(),
        "about": (
            "How often each class of evidence gave the right field on the newest development reports "
            "(never a test half; the older halves were tuned on and would overstate), routed with a "
            "reader not trained on them: field -> condition -> [right, total]. Written by "
            "`python -m bench.calibrate`; routing/confidence.py states "
            "(right + prior_weight * prior) / (total + prior_weight), prior being the hand-set score."
        ),
        "fitted_on": [str(path.relative_to(REPO)) for path in FIT_FILES],
        "reader": rules.reader.version if rules and rules.reader else None,
        "prior_weight": PRIOR_WEIGHT,
        "fields": table,
    }
    CALIBRATION_PATH.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {CALIBRATION_PATH.relative_to(REPO)}")


if __name__ == "__main__":
    main()
