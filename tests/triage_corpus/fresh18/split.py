"""Join the five writers' parts of corpus no. 18 and split each language in half at random.

python tests/triage_corpus/fresh18/split.py PARTS_DIR: reads PARTS_DIR/part-[a-e].jsonl, checks every
line (keys, label sets, in_danger_now, the phone and none rules), shuffles each language's reports
(sorted by id) with random.Random(18), writes the first half to dev.jsonl and the rest to test.jsonl
beside this file, both sorted by id. Rerunning it on the same parts rewrites the same two files.
"""

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ["id", "channel", "caller_country", "text", "expected"]
EXPECTED = ["country", "country_from", "language", "risk", "case_type", "minor", "victim_nationality", "in_danger_now"]
RISKS = {"low", "medium", "high", "critical"}
CASES = {"trafficking", "smuggling", "both", "unclear"}
CHANNELS = {"sms", "voice", "chat", "web", "api"}


def check(row: dict) -> None:
    e = row["expected"]
    assert list(row) == KEYS and list(e) == EXPECTED, row["id"]
    assert row["channel"] in CHANNELS and e["risk"] in RISKS and e["case_type"] in CASES, row["id"]
    assert e["in_danger_now"] == (e["risk"] == "critical"), row["id"]
    assert (row["caller_country"] is not None) == (row["channel"] in ("sms", "voice")), row["id"]
    assert e["country_from"] in ("text", "phone", "none"), row["id"]
    if e["country_from"] == "phone":
        assert e["country"] == row["caller_country"], row["id"]
    if e["country_from"] == "none":
        assert e["country"] is None, row["id"]


def main() -> None:
    parts = Path(sys.argv[1])
    rows = []
    for part in sorted(parts.glob("part-[a-e].jsonl")):
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    by_language = defaultdict(list)
    for row in rows:
        check(row)
        by_language[row["expected"]["language"]].append(row)
    rng = random.Random(18)
    dev, test = [], []
    for language in sorted(by_language):
        group = sorted(by_language[language], key=lambda r: r["id"])
        rng.shuffle(group)
        half = len(group) // 2
        dev += group[:half]
        test += group[half:]
    for name, half in (("dev.jsonl", dev), ("test.jsonl", test)):
        with (HERE / name).open("w", encoding="utf-8") as handle:
            for row in sorted(half, key=lambda r: r["id"]):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} reports: dev {len(dev)}, test {len(test)}")


if __name__ == "__main__":
    main()
