"""Sanity checks: JSON parses, ids unique and well-formed, labels in allowed sets, rule consistency, dev+test == all."""
import json, re, sys, pathlib
HERE = pathlib.Path(__file__).parent
LANGS = {"es", "en", "fr", "pt", "ht"}
RISK = {"critical", "high", "medium", "low"}
CASE = {"trafficking", "smuggling", "both", "unclear"}
CHAN = {"sms", "chat", "web", "voice", "api"}
CFROM = {"text", "phone", "none"}
QS = {"in_danger_now", "minor_involved", "can_talk_safely", "documents_taken"}
YN = {"yes", "no", "unknown", "narrative"}
ISO = re.compile(r"^[A-Z]{2}$")
errs = []

def load(name):
    out = []
    for n, line in enumerate(open(HERE / name, encoding="utf-8"), 1):
        try:
            out.append(json.loads(line))
        except Exception as e:
            errs.append(f"{name}:{n}: bad JSON {e}")
    return out

def check_report(r):
    i, e = r.get("id", "?"), r.get("expected", {})
    if not re.match(r"^fz-(es|en|fr|pt|ht)-\d{3}$", i): errs.append(f"{i}: bad id")
    if r["channel"] not in CHAN: errs.append(f"{i}: channel")
    cc = r["caller_country"]
    if r["channel"] in ("sms", "voice"):
        if not (cc and ISO.match(cc)): errs.append(f"{i}: sms/voice needs caller_country")
    elif cc is not None: errs.append(f"{i}: chat/web/api must have caller_country null")
    if not r["text"].strip(): errs.append(f"{i}: empty text")
    if e["language"] not in LANGS or not i.startswith(f"fz-{e['language']}-"): errs.append(f"{i}: language")
    if e["risk"] not in RISK: errs.append(f"{i}: risk")
    if e["case_type"] not in CASE: errs.append(f"{i}: case_type")
    if not isinstance(e["minor"], bool): errs.append(f"{i}: minor")
    if e["in_danger_now"] != (e["risk"] == "critical"): errs.append(f"{i}: in_danger_now != (risk==critical)")
    vn = e["victim_nationality"]
    if vn is not None and not ISO.match(vn): errs.append(f"{i}: victim_nationality")
    cf, c = e["country_from"], e["country"]
    if cf not in CFROM: errs.append(f"{i}: country_from")
    if cf == "text" and not (c and ISO.match(c)): errs.append(f"{i}: text needs country")
    if cf == "phone" and (c != cc or cc is None): errs.append(f"{i}: phone => country == caller_country")
    if cf == "none" and (c is not None or cc is not None): errs.append(f"{i}: none => country and caller null")

def check_yn(r):
    i = r.get("id", "?")
    if not re.match(r"^fzyn-(es|en|fr|pt|ht)-\d{3}$", i) or not i.startswith(f"fzyn-{r['language']}-"): errs.append(f"{i}: bad id")
    if r["question"] not in QS: errs.append(f"{i}: question")
    if r["expected"] not in YN: errs.append(f"{i}: expected")
    if not r["text"].strip(): errs.append(f"{i}: empty")

def ids(rows): return [r["id"] for r in rows]

for allf, dev, test, fn in [("fresh-all.jsonl", "dev.jsonl", "test.jsonl", check_report),
                            ("fresh-yesno.jsonl", "yesno-dev.jsonl", "yesno-test.jsonl", check_yn)]:
    A, D, T = load(allf), load(dev), load(test)
    if len(set(ids(A))) != len(A): errs.append(f"{allf}: duplicate ids")
    for r in A: fn(r)
    if set(ids(D)) & set(ids(T)): errs.append(f"{allf}: dev/test overlap")
    byid = {r["id"]: r for r in A}
    if sorted(ids(D) + ids(T)) != sorted(ids(A)): errs.append(f"{allf}: dev+test != all")
    for r in D + T:
        if byid.get(r["id"]) != r: errs.append(f"{r['id']}: differs from {allf}")
    print(f"{allf}: {len(A)} rows, dev {len(D)}, test {len(T)}")
    texts = [r["text"].strip().lower() for r in A]
    if len(set(texts)) != len(texts): errs.append(f"{allf}: duplicate texts")

if errs:
    print("\n".join(errs)); sys.exit(1)
print("all checks passed")
