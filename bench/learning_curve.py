"""How the learned reader's risk band and case type grow with the reports it is trained on.

Each pool is held out in turn; the reader is fitted on a random share (the same seed for every share)
of the other pools' reports and scored on the held-out pool at the shipped settings. Run:
    python -m bench.learning_curve --corpus FILE [--corpus FILE ...] [--fraction 0.25 ...]
Test splits are refused, as in bench/train_triage.py.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from bench import train_triage as T
from bench.triage import load_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", required=True)
    parser.add_argument("--fraction", action="append", type=float)
    args = parser.parse_args()
    snapshot = load_snapshot()
    groups = {path: T.read(T.load(Path(path)), snapshot) for path in args.corpus}
    total = sum(len(rows) for rows in groups.values())
    print(f"{len(groups)} pools, {total} reports, each held out in turn")
    for fraction in args.fraction or [0.25, 0.5, 0.75, 1.0]:
        right = {"risk": 0, "case_type": 0}
        critical_below = 0
        trained = 0
        for _held, rows, others in T.held_out_in_turn(groups):
            chosen = random.Random(12).sample(others, int(len(others) * fraction))
            trained += len(chosen)
            for head in ("risk", "case_type"):
                reader = T.as_reader(head, T.fit(chosen, head, T.DECAY), T.THRESHOLDS[head], T.MODES[head])
                for row in rows:
                    answer = T.blended(row, head, reader)
                    right[head] += answer == T.truth(row, head)
                    if head == "risk" and T.truth(row, head) == "critical" and answer != "critical":
                        critical_below += 1
        print(
            f"share {fraction:.2f}: ~{trained // len(groups)} reports trained on; "
            f"risk {100 * right['risk'] / total:.2f}%, case type {100 * right['case_type'] / total:.2f}%, "
            f"critical read below critical {critical_below}"
        )


if __name__ == "__main__":
    main()
