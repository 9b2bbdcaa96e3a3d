"""Deterministic 50/50 split stratified by language (seed 20261205).
For each language (sorted), rows sorted by id are shuffled with one shared random.Random(SEED);
the first ceil(n/2) go to dev, the rest to test. Output files keep the original order of the input."""
import json, math, random, pathlib
HERE = pathlib.Path(__file__).parent
SEED = 20261205

def split(src, dev, test, langkey):
    rows = [json.loads(l) for l in open(HERE / src, encoding="utf-8") if l.strip()]
    rng = random.Random(SEED)
    dev_ids = set()
    for lang in sorted({langkey(r) for r in rows}):
        group = sorted((r for r in rows if langkey(r) == lang), key=lambda r: r["id"])
        rng.shuffle(group)
        dev_ids.update(r["id"] for r in group[:math.ceil(len(group) / 2)])
    with open(HERE / dev, "w", encoding="utf-8") as fd, open(HERE / test, "w", encoding="utf-8") as ft:
        for r in rows:
            (fd if r["id"] in dev_ids else ft).write(json.dumps(r, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    split("fresh-all.jsonl", "dev.jsonl", "test.jsonl", lambda r: r["expected"]["language"])
    print("ok")
