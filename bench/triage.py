"""Triage accuracy on a labelled corpus of reports nobody here wrote, per split, against the real directory.

Prints, per split: per-field accuracy (country, language, risk band, case type, minor, victim
nationality, agency kinds), per-indicator precision and recall where the labels allow, the
confusion of case types and of risk bands, and how often `needs_review` is raised on wrong and on
right decisions. "Agency kinds" compares the kinds of the engine's referrals with the kinds the same
policy and directory pick when given the gold country, risk, case type, minor and nationality, so it
measures how triage errors reach the referrals. Run:
    python -m bench.triage [--split dev|test|both] [--corpus tests/triage_corpus] [--errors]
    python -m bench.triage --file FRESH-DEV.jsonl --yesno FRESH-YESNO-DEV.jsonl [--errors]
The test split is for the final measurement only: tune on dev (a file named *test* is refused).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from routing import engine
from routing.engine import decision_to_json, route
from routing.intake import Intake
from routing.snapshot import Snapshot, snapshot_from_document

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "tests" / "triage_corpus"
REAL_DIRECTORY = REPO / "directory" / "data" / "region.json"
NOW = datetime.fromisoformat("2026-05-12T15:00:00+00:00")  # a Tuesday, 09:00 in Central America
LEVELS = ("low", "medium", "high", "critical")
CASE_TYPES = ("trafficking", "smuggling", "both", "unclear")
FIELDS = ("country", "language", "risk", "case_type", "minor", "victim_nationality", "agency_kinds")
# The decision's confidence fields and the scored field each one is about.
CONFIDENCE_FIELDS = {"location": "country", "language": "language", "risk": "risk", "case_type": "case_type"}
# Bands of stated confidence for the calibration table.
CONFIDENCE_BANDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def load_snapshot() -> Snapshot:
    """The real directory with its gazetteer, built the way tests/routing/conftest.py builds it."""
    from directory.gazetteer import build_gazetteer

    document = json.loads(REAL_DIRECTORY.read_text(encoding="utf-8"))
    return snapshot_from_document(document, build_gazetteer([c["code"] for c in document["countries"]]), "real")


def load_split(corpus: Path, split: str) -> list[dict[str, Any]]:
    path = corpus / f"{split}.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def intake_of(item: Mapping[str, Any]) -> Intake:
    return Intake(channel=item.get("channel") or "web", text=item["text"], caller_country=item.get("caller_country"))


def gold_kinds(item: Mapping[str, Any], snapshot: Snapshot, language: str) -> frozenset[str]:
    """The kinds the engine's own policy refers to when triage is exactly the gold labels."""
    expected = item["expected"]
    rules = engine.default_rules()
    country = expected.get("country")
    nationality = expected.get("victim_nationality")
    facts = engine._Facts(
        risk_level=expected["risk"],
        groups=frozenset({"minor"} if expected.get("minor") else ()),
        routed_case_type=expected["case_type"],
        location_known=country is not None,
        nationality_differs=bool(nationality and country and nationality != country),
    )
    kinds: set[str] = set()
    banned = {kind: never.reason for never in rules.policy.never if facts.hold(never.when) for kind in never.kinds}
    for step in rules.policy.steps:
        if not facts.hold(step.when):
            continue
        if step.target == "regional":
            kinds.add(engine._regional_focal_point(snapshot, language, NOW).agency.kind)
        else:
            target = country if step.target == "incident" else nationality
            picked, _ = engine._pick(snapshot, step, target, None, language, NOW, banned)
            if picked is not None:
                kinds.add(picked.agency.kind)
        facts.has_referral = bool(kinds)
    return frozenset(kinds)


def _indicator_keys(decision: Mapping[str, Any]) -> set[str]:
    return {indicator["key"] for indicator in decision["risk"]["indicators"]}


# Indicators whose presence the labels say something about: name -> (predicted?, gold?).
def _indicator_truths(decision: Mapping[str, Any], expected: Mapping[str, Any]) -> dict[str, tuple[bool, bool]]:
    keys = _indicator_keys(decision)
    case = expected["case_type"]
    truths = {
        "minor_involved": ("minor_involved" in keys, bool(expected.get("minor"))),
        "in_danger_now": ("in_danger_now" in keys, bool(expected.get("in_danger_now"))),
        "trafficking (any sign)": (decision["case_type"] in ("trafficking", "both"), case in ("trafficking", "both")),
        "smuggling (any sign)": (decision["case_type"] in ("smuggling", "both"), case in ("smuggling", "both")),
        "victim_nationality named": (
            decision.get("victim_nationality") is not None,
            expected.get("victim_nationality") is not None,
        ),
    }
    return truths


def field_accuracy(items: Iterable[Mapping[str, Any]], snapshot: Snapshot) -> dict[str, float]:
    """Share of reports with each field right (the first block of the printed report)."""
    right: Counter[str] = Counter()
    total = 0
    for item in items:
        total += 1
        got, want = _fields(item, snapshot)
        right.update(name for name in FIELDS if got[name] == want[name])
    return {name: right[name] / total for name in FIELDS}


def _fields(item: Mapping[str, Any], snapshot: Snapshot) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = item["expected"]
    decision = decision_to_json(route(intake_of(item), snapshot, NOW))
    language = decision["language"]["code"]
    got = {
        "country": decision["location"]["country"],
        "language": language,
        "risk": decision["risk"]["level"],
        "case_type": decision["case_type"],
        "minor": "minor_involved" in _indicator_keys(decision),
        "victim_nationality": decision.get("victim_nationality"),
        "agency_kinds": frozenset(r["kind"] for r in decision["referrals"]),
        "decision": decision,
    }
    want = {
        "country": expected.get("country"),
        "language": expected.get("language"),
        "risk": expected.get("risk"),
        "case_type": expected.get("case_type"),
        "minor": bool(expected.get("minor")),
        "victim_nationality": expected.get("victim_nationality"),
        "agency_kinds": gold_kinds(item, snapshot, expected.get("language") or language),
    }
    return got, want


def evaluate(items: Iterable[Mapping[str, Any]], snapshot: Snapshot, show_errors: bool = False) -> list[str]:
    lines: list[str] = []
    right: Counter[str] = Counter()
    total = 0
    by_language: dict[str, Counter[str]] = defaultdict(Counter)
    per_language_total: Counter[str] = Counter()
    case_confusion: Counter[tuple[str, str]] = Counter()
    risk_confusion: Counter[tuple[str, str]] = Counter()
    indicator_counts: dict[str, Counter[str]] = defaultdict(Counter)
    review = Counter()
    review_known = False
    calibration: dict[str, Counter[tuple[int, bool]]] = defaultdict(Counter)
    all_right = 0
    errors: list[str] = []
    for item in items:
        total += 1
        expected = item["expected"]
        got, want = _fields(item, snapshot)
        decision = got["decision"]
        wrong_fields = [name for name in FIELDS if got[name] != want[name]]
        for name in FIELDS:
            if name not in wrong_fields:
                right[name] += 1
                by_language[str(expected.get("language"))][name] += 1
        per_language_total[str(expected.get("language"))] += 1
        core_wrong = [f for f in ("country", "language", "risk", "case_type") if f in wrong_fields]
        if not wrong_fields:
            all_right += 1
        case_confusion[(str(want["case_type"]), str(got["case_type"]))] += 1
        risk_confusion[(str(want["risk"]), str(got["risk"]))] += 1
        for name, (predicted, gold) in _indicator_truths(decision, expected).items():
            indicator_counts[name]["tp" if predicted and gold else "fp" if predicted else "fn" if gold else "tn"] += 1
        for name, scored in CONFIDENCE_FIELDS.items():
            stated = decision.get("confidence", {}).get(name)
            if stated is not None:
                calibration[name][(_band(stated["score"]), scored not in wrong_fields)] += 1
        if "needs_review" in decision:
            review_known = True
            review[("wrong" if core_wrong else "right", bool(decision["needs_review"]))] += 1
        if show_errors and wrong_fields:
            detail = ", ".join(f"{f}: {want[f]!s}->{got[f]!s}" for f in wrong_fields if f != "agency_kinds")
            if "agency_kinds" in wrong_fields:
                detail += f", kinds: {sorted(want['agency_kinds'])}->{sorted(got['agency_kinds'])}"
            errors.append(f"  {item['id']} [{item.get('caller_country')}] {detail}\n      {item['text'][:300]}")
    lines.append(f"reports: {total}; every field right: {all_right} ({all_right / total:.1%})")
    lines.append("per-field accuracy:")
    for name in FIELDS:
        lines.append(f"  {name:<20} {right[name] / total:6.1%}  ({right[name]}/{total})")
    lines.append("per-field accuracy by gold language:")
    lines.append("  " + " " * 10 + "".join(f"{name[:10]:>12}" for name in FIELDS))
    for lang in sorted(per_language_total):
        count = per_language_total[lang]
        cells = "".join(f"{by_language[lang][name] / count:12.0%}" for name in FIELDS)
        lines.append(f"  {lang:<4}{count:>5} " + cells)
    lines.append("indicators (precision / recall against the labels):")
    for name, counts in indicator_counts.items():
        tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
        precision = f"{tp / (tp + fp):.0%}" if tp + fp else "n/a"
        recall = f"{tp / (tp + fn):.0%}" if tp + fn else "n/a"
        lines.append(f"  {name:<26} precision {precision:>5}  recall {recall:>5}  (tp {tp}, fp {fp}, fn {fn})")
    lines.append(_confusion("case type (rows gold, columns engine)", CASE_TYPES, case_confusion))
    lines.append(_confusion("risk band (rows gold, columns engine)", LEVELS, risk_confusion))
    if review_known:
        wrong_total = review[("wrong", True)] + review[("wrong", False)]
        right_total = review[("right", True)] + review[("right", False)]
        lines.append("needs_review (a decision is wrong when country, language, risk or case type is):")
        lines.append(
            f"  on wrong decisions: {review[('wrong', True)]}/{wrong_total}"
            + (f" ({review[('wrong', True)] / wrong_total:.0%})" if wrong_total else "")
        )
        lines.append(
            f"  on right decisions: {review[('right', True)]}/{right_total}"
            + (f" ({review[('right', True)] / right_total:.0%})" if right_total else "")
        )
    else:
        lines.append("needs_review: not reported by this engine")
    if calibration:
        lines.extend(_calibration_table(calibration))
    if show_errors:
        lines.append("errors:")
        lines.extend(errors)
    return lines


def _band(score: float) -> int:
    # Bands are [low, high): 0.6 is in 0.6-0.7, as REVIEW_BELOW counts it sure; 1.0 is in the top band.
    return max(i for i in range(1, len(CONFIDENCE_BANDS)) if score >= CONFIDENCE_BANDS[i - 1])


def _calibration_table(calibration: Mapping[str, Counter[tuple[int, bool]]]) -> list[str]:
    """Stated confidence band -> share of those decisions right, per field (calibrated: the share is in the band)."""
    bands = range(1, len(CONFIDENCE_BANDS))
    names = [f"{CONFIDENCE_BANDS[i - 1]:.1f}-{CONFIDENCE_BANDS[i]:.1f}" for i in bands]
    lines = ["calibration (stated confidence band -> share right, count):"]
    lines.append("  " + " " * 10 + "".join(f"{n:>14}" for n in names))
    for name, counts in calibration.items():
        cells = []
        for band in bands:
            right, wrong = counts[(band, True)], counts[(band, False)]
            cells.append(f"{right / (right + wrong):>8.0%} ({right + wrong:>3})" if right + wrong else f"{'-':>14}")
        lines.append(f"  {name:<10}" + "".join(cells))
    return lines


def yes_no_counts(path: Path) -> tuple[Counter[str], Counter[str]]:
    """Replies the one answer reader gets right, and all replies, by language."""
    from routing.answers import read_answer

    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in rows:
        total[row["language"]] += 1
        right[row["language"]] += read_answer(row["text"]).kind == row["expected"]
    return right, total


def yes_no_report(path: Path) -> list[str]:
    right, total = yes_no_counts(path)
    share = sum(right.values()) / sum(total.values())
    lines = [f"replies: {sum(total.values())}; right: {sum(right.values())} ({share:.1%})"]
    return lines + [f"  {lang}: {right[lang]}/{total[lang]}" for lang in sorted(total)]


def _confusion(title: str, labels: tuple[str, ...], counts: Counter[tuple[str, str]]) -> str:
    rows = [f"{title}:", "  " + " " * 12 + "".join(f"{label:>12}" for label in labels)]
    for gold in labels:
        rows.append(f"  {gold:<12}" + "".join(f"{counts[(gold, got)]:>12}" for got in labels))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test", "both"), default="dev")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="list every wrong report (dev only while tuning)")
    parser.add_argument(
        "--file", type=Path, help="score this labelled file instead of a split (a development half: never a test one)"
    )
    parser.add_argument("--yesno", type=Path, help="the yes/no replies to read (default: the corpus's yesno.jsonl)")
    options = parser.parse_args()
    snapshot = load_snapshot()
    for path in (options.file, options.yesno):
        if path is not None and "test" in path.name:
            parser.error(f"{path.name} is a held-out half: it is scored by the lead at merge, not while tuning")
    yesno = options.yesno or options.corpus / "yesno.jsonl"
    if options.file is not None:
        print("== yes/no replies ==\n" + "\n".join(yes_no_report(yesno)) + "\n")
        with options.file.open(encoding="utf-8") as handle:
            items = [json.loads(line) for line in handle if line.strip()]
        print(f"== {options.file.name} ==")
        print("\n".join(evaluate(items, snapshot, show_errors=options.errors)))
        return
    splits = ("dev", "test") if options.split == "both" else (options.split,)
    if yesno.exists() and importlib.util.find_spec("routing.answers") is None:
        print("== yes/no replies: this engine has no answer reader (routing.answers) ==\n")
    elif yesno.exists():
        print("== yes/no replies (yesno.jsonl, routing.answers.read_answer) ==")
        print("\n".join(yes_no_report(yesno)))
        print()
    for split in splits:
        items = load_split(options.corpus, split)
        print(f"== split {split} ({options.corpus.name}/{split}.jsonl) ==")
        print("\n".join(evaluate(items, snapshot, show_errors=options.errors)))
        print()


if __name__ == "__main__":
    main()
