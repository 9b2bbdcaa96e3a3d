"""Deterministic 50/50 split, stratified by language.
For each file pair: group rows by language, process languages in sorted order, sort each group by id,
shuffle with one shared random.Random(20261203) instance, first ceil(n/2) -> dev, rest -> test.
Rerunning reproduces the four output files byte for byte."""
import json, math, os, random
HERE = os.path.dirname(os.path.abspath(__file__))

def split(src, dev, test, lang_of):
    with open(os.path.join(HERE, src), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    groups = {}
    for l in lines:
        groups.setdefault(lang_of(json.loads(l)), []).append(l)
    rng = random.Random(20261203)
    d, t = [], []
    for lang in sorted(groups):
        g = sorted(groups[lang], key=lambda l: json.loads(l)["id"])
        rng.shuffle(g)
        k = math.ceil(len(g) / 2)
        d += g[:k]
        t += g[k:]
    for name, rows in ((dev, d), (test, t)):
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            f.write("".join(r + "\n" for r in rows))
    print(src, "->", dev, len(d), "/", test, len(t))

split("fresh-all.jsonl", "fresh-dev.jsonl", "fresh-test.jsonl", lambda r: r["expected"]["language"])
split("fresh-yesno.jsonl", "fresh-yesno-dev.jsonl", "fresh-yesno-test.jsonl", lambda r: r["language"])
