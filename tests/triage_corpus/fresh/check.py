"""Sanity check for the fresh corpus: JSON parses, ids unique, labels in the allowed sets,
label consistency rules, dev+test = all (for reports and yes/no)."""
import json, os, re, sys
HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = {"es", "en", "fr", "pt", "ht"}
CHANNELS = {"sms", "chat", "web", "voice", "api"}
RISKS = {"critical", "high", "medium", "low"}
TYPES = {"trafficking", "smuggling", "both", "unclear"}
FROM = {"text", "phone", "none"}
QUESTIONS = {"in_danger_now", "minor_involved", "can_talk_safely", "documents_taken"}
ANSWERS = {"yes", "no", "unknown", "narrative"}
ISO = re.compile(r"^[A-Z]{2}$")
errors = []

def load(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except Exception as e:
                errors.append("%s:%d bad JSON %s" % (name, n, e))
    return rows

def err(rid, msg):
    errors.append("%s: %s" % (rid, msg))

allr = load("fresh-all.jsonl")
ids = [r["id"] for r in allr]
if len(ids) != len(set(ids)):
    errors.append("duplicate report ids")
for r in allr:
    rid, e = r["id"], r["expected"]
    if set(r) != {"id", "channel", "caller_country", "text", "expected"}: err(rid, "keys")
    if set(e) != {"country", "country_from", "language", "risk", "case_type", "minor", "victim_nationality", "in_danger_now"}: err(rid, "expected keys")
    if not re.match(r"^fx-(es|en|fr|pt|ht)-\d{3}$", rid) or rid[3:5] != e["language"]: err(rid, "id")
    if r["channel"] not in CHANNELS: err(rid, "channel")
    cc = r["caller_country"]
    if (cc is not None) != (r["channel"] in ("sms", "voice")): err(rid, "caller_country vs channel")
    if cc is not None and not ISO.match(cc): err(rid, "caller_country iso")
    if not r["text"].strip(): err(rid, "empty text")
    if e["language"] not in LANGS: err(rid, "language")
    if e["risk"] not in RISKS: err(rid, "risk")
    if e["case_type"] not in TYPES: err(rid, "case_type")
    if e["country_from"] not in FROM: err(rid, "country_from")
    if not isinstance(e["minor"], bool) or not isinstance(e["in_danger_now"], bool): err(rid, "bool")
    if e["in_danger_now"] != (e["risk"] == "critical"): err(rid, "in_danger_now != (risk==critical)")
    c = e["country"]
    if c is not None and not ISO.match(c): err(rid, "country iso")
    if e["country_from"] == "phone" and (cc is None or c != cc): err(rid, "phone but country != caller_country")
    if e["country_from"] == "none" and (c is not None or cc is not None): err(rid, "none but country/phone set")
    if e["country_from"] == "text" and c is None: err(rid, "text but no country")
    v = e["victim_nationality"]
    if v is not None and not ISO.match(v): err(rid, "nationality iso")

yn = load("fresh-yesno.jsonl")
yids = [r["id"] for r in yn]
if len(yids) != len(set(yids)):
    errors.append("duplicate yes/no ids")
for r in yn:
    rid = r["id"]
    if set(r) != {"id", "language", "question", "text", "expected"}: err(rid, "keys")
    if r["language"] not in LANGS or rid[5:7] != r["language"]: err(rid, "language/id")
    if r["question"] not in QUESTIONS: err(rid, "question")
    if r["expected"] not in ANSWERS: err(rid, "expected")
    if not r["text"].strip(): err(rid, "empty")

def same(allrows, dev, test):
    d, t = load(dev), load(test)
    A = sorted(json.dumps(x, sort_keys=True) for x in allrows)
    B = sorted(json.dumps(x, sort_keys=True) for x in d + t)
    if A != B: errors.append("%s + %s != all" % (dev, test))
    if {x["id"] for x in d} & {x["id"] for x in t}: errors.append("%s and %s overlap" % (dev, test))
    return len(d), len(t)

print("reports", len(allr), "dev/test", same(allr, "fresh-dev.jsonl", "fresh-test.jsonl"))
print("yes/no", len(yn), "dev/test", same(yn, "fresh-yesno-dev.jsonl", "fresh-yesno-test.jsonl"))
if errors:
    print("\n".join(errors)); sys.exit(1)
print("OK")
