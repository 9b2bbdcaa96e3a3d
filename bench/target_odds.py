"""The chance that every held-out half reaches issue 12's targets, for a reader of a given accuracy.

The targets hold on every test half (90% on risk band and case type, 95% on country), and a half
holds 145 to 210 reports, so a reader whose accuracy is above a target still falls below it on some
half by chance. For each true accuracy p (the share of reports it reads right, the same on every
half, the halves independent), this prints the chance that all the halves reach the target: the
binomial tail, summed exactly. Set it beside the labellers' own agreement
(`bench/results/triage-label-agreement-round11.txt`: 95.4% and 96.7% on risk, 99.2% and 99.6% on
country): to pass reliably, a reader has to read about as well as a second labeller does. Run:
    python -m bench.target_odds [--target 0.9] [--half 210 --half 145 ...]
With no --half, the sizes are those of the held-out halves (the test.jsonl of each numbered corpus
with a development and a test half), counted by lines; nothing in them is read.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "triage_corpus"
ACCURACIES = (0.85, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.975, 0.98, 0.99)


def half_sizes() -> list[int]:
    """The number of reports in each held-out half (lines of each numbered corpus's test.jsonl beside a
    dev.jsonl; the first fresh corpus's test half was opened and is trained on, so it is none)."""
    sizes = []
    for test in sorted(CORPUS.glob("fresh[0-9]*/test.jsonl")):
        if (test.parent / "dev.jsonl").exists():
            with test.open("rb") as handle:
                sizes.append(sum(1 for line in handle if line.strip()))
    return sizes


def reaches(size: int, accuracy: float, target: float) -> float:
    """The chance that a half of `size` reports, each read right with `accuracy`, scores at least `target`."""
    needed = math.ceil(target * size - 1e-9)
    return sum(math.comb(size, k) * accuracy**k * (1 - accuracy) ** (size - k) for k in range(needed, size + 1))


def all_reach(sizes: Sequence[int], accuracy: float, target: float) -> float:
    return math.prod(reaches(size, accuracy, target) for size in sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", type=float, action="append")
    parser.add_argument("--half", type=int, action="append")
    options = parser.parse_args()
    sizes = options.half or half_sizes()
    print(f"{len(sizes)} halves of {', '.join(map(str, sizes))} reports")
    for target in options.target or (0.90, 0.95):
        print(f"target {target:.0%} on every half:")
        for accuracy in ACCURACIES:
            print(f"  read right {accuracy:6.1%}  all halves reach it: {all_reach(sizes, accuracy, target):6.1%}")


if __name__ == "__main__":
    main()
