"""How far two labellers agree on the same reports: the ceiling any triage can be held to.

The first file is a labelled corpus half (`expected` per report); the second holds another
labeller's `expected` for the same ids, written blind to the first. Prints per-field agreement, the
risk bands' confusion (rows first labeller, columns second) and Cohen's kappa for risk. Run:
    python -m bench.agreement tests/triage_corpus/fresh6/dev.jsonl tests/triage_corpus/fresh6/dev-second-labels.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

LEVELS = ("low", "medium", "high", "critical")
FIELDS = ("country", "language", "risk", "case_type", "minor", "victim_nationality")


def load(path: Path) -> dict[str, dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {row["id"]: row["expected"] for row in rows}


def kappa(confusion: Counter[tuple[str, str]], labels: tuple[str, ...], total: int) -> float:
    observed = sum(confusion[(a, a)] for a in labels) / total
    expected = sum(sum(confusion[(a, b)] for b in labels) * sum(confusion[(b, a)] for b in labels) for a in labels) / (
        total * total
    )
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def report(first: dict[str, dict[str, object]], second: dict[str, dict[str, object]]) -> str:
    ids = [i for i in first if i in second]
    if not ids:
        raise SystemExit("the two files share no report id")
    # The fields both labellers gave (a second labelling may leave out language and nationality).
    fields_given = tuple(f for f in FIELDS if all(f in first[i] and f in second[i] for i in ids))
    agree: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    differ: list[str] = []
    for i in ids:
        a, b = first[i], second[i]
        for field in fields_given:
            agree[field] += a[field] == b[field]
        confusion[(str(a["risk"]), str(b["risk"]))] += 1
        fields = [f for f in fields_given if a[f] != b[f]]
        if fields:
            differ.append(f"  {i}: " + ", ".join(f"{f} {a[f]} / {b[f]}" for f in fields))
    lines = [f"reports labelled by both: {len(ids)} (first file {len(first)}, second {len(second)})"]
    lines += [f"  {field:<20} {agree[field] / len(ids):6.1%}  ({agree[field]}/{len(ids)})" for field in fields_given]
    lines.append("risk band (rows first labeller, columns second):")
    lines.append(" " * 10 + "".join(f"{level:>10}" for level in LEVELS))
    lines += [f"  {a:<8}" + "".join(f"{confusion[(a, b)]:>10}" for b in LEVELS) for a in LEVELS]
    lines.append(f"Cohen's kappa, risk: {kappa(confusion, LEVELS, len(ids)):.3f}")
    lines.append("reports labelled differently:")
    lines += differ or ["  none"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    print(report(load(args.first), load(args.second)))


if __name__ == "__main__":
    main()
