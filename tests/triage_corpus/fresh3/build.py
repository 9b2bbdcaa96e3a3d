"""Serialise the hand-written rows (rows_*.py, rows_yesno.py) to JSONL.
No text is generated here: each row's text and labels were written by hand;
this only adds ids and writes JSON. in_danger_now is set equal to risk == critical (README rule)."""
import json, pathlib
HERE = pathlib.Path(__file__).parent
LANGS = ["es", "en", "fr", "pt", "ht"]

def load(name, var):
    ns = {}
    exec((HERE / name).read_text(encoding="utf-8"), ns)
    return ns[var]

def main():
    out = []
    for lang in LANGS:
        for i, (ch, cc, country, cfrom, risk, ctype, minor, nat, text) in enumerate(load(f"rows_{lang}.py", "ROWS"), 1):
            out.append({"id": f"fy-{lang}-{i:03d}", "channel": ch, "caller_country": cc, "text": text,
                        "expected": {"country": country, "country_from": cfrom, "language": lang, "risk": risk,
                                     "case_type": ctype, "minor": minor, "victim_nationality": nat,
                                     "in_danger_now": risk == "critical"}})
    with open(HERE / "fresh-all.jsonl", "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    yn, counters = [], {}
    for lang, q, text, exp in load("rows_yesno.py", "YN"):
        counters[lang] = counters.get(lang, 0) + 1
        yn.append({"id": f"fyyn-{lang}-{counters[lang]:03d}", "language": lang, "question": q, "text": text, "expected": exp})
    with open(HERE / "fresh-yesno.jsonl", "w", encoding="utf-8") as f:
        for r in yn:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(out), "reports;", len(yn), "yes/no")

if __name__ == "__main__":
    main()
