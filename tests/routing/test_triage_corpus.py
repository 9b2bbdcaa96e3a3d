"""The triage corpus's development split, routed against the real directory: accuracy must not fall.

The corpus (tests/triage_corpus/, written for issue 12 by someone who never read the engine) is
scored by bench/triage.py; these floors sit a little below what the engine reached on the
development split when tuning was frozen, so a change that makes triage worse fails here. The test
split is measured by the bench only, never asserted on, so nobody tunes against it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.triage import field_accuracy, load_split, yes_no_counts
from routing.snapshot import Snapshot

CORPUS = Path(__file__).resolve().parents[1] / "triage_corpus"
# Reached at the second freeze (bench/results/triage-after-dev.txt): country 96.4%, language 100%,
# risk 96.4%, case type 98.0%, agency kinds 93.2%.
FLOORS = {"country": 0.94, "language": 0.97, "risk": 0.93, "case_type": 0.95, "agency_kinds": 0.90}


@pytest.fixture(scope="module")
def accuracy(directory_snapshot: Snapshot) -> dict[str, float]:
    if directory_snapshot.version != "real":
        pytest.skip("the corpus is labelled against the real directory")
    return field_accuracy(load_split(CORPUS, "dev"), directory_snapshot)


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_the_development_split_stays_above_its_floor(accuracy: dict[str, float], field: str) -> None:
    assert accuracy[field] >= FLOORS[field], f"{field}: {accuracy[field]:.1%} < {FLOORS[field]:.0%}"


def test_the_answer_reader_reads_the_corpus_replies() -> None:
    right, total = yes_no_counts(CORPUS / "yesno.jsonl")
    for language in ("es", "en", "fr", "pt", "ht"):
        assert right[language] >= 0.9 * total[language] > 0, language


def test_two_labellers_agreement_counts_each_field_and_corrects_risk_for_chance() -> None:
    from bench.agreement import report

    def labels(*risks: str) -> dict[str, dict[str, object]]:
        fields = {"country": "GT", "language": "es", "case_type": "unclear", "minor": False, "victim_nationality": None}
        return {f"r{i}": {**fields, "risk": risk} for i, risk in enumerate(risks)}

    first = labels("low", "low", "high", "critical")
    second = labels("low", "medium", "high", "critical")
    second["r3"] = {**second["r3"], "country": "MX"}
    printed = report(first, second)
    assert re.search(r"\brisk +75\.0% +\(3/4\)", printed) and re.search(r"country +75\.0% +\(3/4\)", printed)
    # observed 0.75, by chance (2·1 + 1·1 + 1·1) / 16 = 0.25: kappa (0.75 - 0.25) / 0.75
    assert "Cohen's kappa, risk: 0.667" in printed
    assert "r1: risk low / medium" in printed and "r3: country GT / MX" in printed
    assert "kappa, risk: 1.000" in report(first, first)


def test_agreement_compares_only_the_fields_both_labellings_give() -> None:
    from bench.agreement import report

    first = {"r0": {"country": "GT", "language": "es", "risk": "low", "case_type": "unclear", "minor": False}}
    second = {"r0": {"country": "GT", "risk": "high", "case_type": "unclear", "minor": False}}  # no language
    printed = report(first, second)
    assert "language" not in printed and re.search(r"\brisk +0\.0% +\(0/1\)", printed)
    assert "r0: risk low / high" in printed
