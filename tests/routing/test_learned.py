"""The learned second reader: its arithmetic, how far it may overrule the rules, and the engine's blend."""

import json
import subprocess
import sys
from dataclasses import replace
from types import MappingProxyType

import pytest

from routing.engine import decision_to_json, default_rules, place_question, read_report, reading_features, route
from routing.intake import Intake, Location
from routing.learned import (
    READER_PATH,
    Reader,
    compile_reader,
    default_reader,
    features,
    second_reading,
)
from tests.routing.test_engine import TUESDAY_9AM_GT

CASES = ["trafficking", "smuggling", "both", "unclear"]
LEVELS = ["low", "medium", "high", "critical"]


def reader(case_weights=None, risk_weights=None, thresholds=None, modes=None, firm=None, top=None) -> Reader:
    """A hand-made reader: each weight row is one feature's pull towards each label."""
    return compile_reader(
        {
            "version": "hand-made",
            "thresholds": thresholds or {"case_type": 0.4, "risk": 0.4},
            "modes": modes or {"case_type": "any", "risk": "keep-critical"},
            "firm_floor_thresholds": firm or {},
            "firm_top_below": top or {},
            "heads": {
                "case_type": {"labels": CASES, "bias": [0, 0, 0, 0], "weights": case_weights or {}},
                "risk": {"labels": LEVELS, "bias": [0, 0, 0, 0], "weights": risk_weights or {}},
            },
        }
    )


def intake(text: str, **fields) -> Intake:
    answers = fields.pop("answers", {})
    return Intake(channel=fields.pop("channel", "web"), text=text, answers=MappingProxyType(answers), **fields)


def test_features_stem_words_pair_neighbours_and_carry_the_rules_answers() -> None:
    found = features(("la", "obligaron", "trabajar"), ["force"], [], "low", "unclear", "sms")
    assert "w:oblig" in found and "w:traba" in found
    assert "w:la" not in found  # a short word enters only in pairs
    assert "p:la_oblig" in found and "p:oblig_traba" in found
    assert {"family:force", "sign:none", "rules_level:low", "rules_case:unclear", "channel:sms"} <= set(found)
    # every person and tense of a verb is one feature
    assert "w:oblig" in features(("obligan",), [], ["forced_labour"], "high", "trafficking", "web")


def test_long_words_also_give_their_runs_of_letters_so_two_spellings_share_their_ends() -> None:
    # "encerrada" and "enserrada" share no stem ("encer" / "enser") but share their ending.
    typed = {w for w in features(("encerrada",), [], [], "low", "unclear", "sms") if w.startswith("c:")}
    misspelt = {w for w in features(("enserrada",), [], [], "low", "unclear", "sms") if w.startswith("c:")}
    assert {"c:<ence", "c:rrada", "c:rada>"} <= typed
    assert {"c:rrada", "c:rada>"} <= typed & misspelt and "c:<ence" not in misspelt
    # short words and numbers give none
    assert not [w for w in features(("casa", "150000"), [], [], "low", "unclear", "sms") if w.startswith("c:")]


def test_probabilities_follow_the_weights_and_why_names_what_pushed() -> None:
    made = reader(case_weights={"w:casas": [3.0, 0, 0, 0], "w:front": [0, 2.0, 0, 0]})
    head = made.heads["case_type"]
    chances = head.probabilities(["w:casas"])
    assert max(chances, key=chances.get) == "trafficking"
    assert sum(chances.values()) == pytest.approx(1.0)
    assert head.probabilities([]) == pytest.approx({label: 0.25 for label in CASES})  # no evidence: the prior
    assert head.why(["w:casas", "w:front", "w:nothing"], "trafficking") == ("w:casas",)


@pytest.mark.parametrize(
    ("mode", "rules_answer", "replaces"),
    [
        ("any", "high", True),
        ("keep-critical", "high", True),
        ("keep-critical", "critical", False),  # the rules' danger floors are never talked down
        ("raise-only", "high", False),  # the reader reads medium: lower, so no
        ("raise-only", "low", True),
    ],
)
def test_how_far_the_reader_may_overrule_a_risk_band(mode, rules_answer, replaces) -> None:
    made = reader(risk_weights={"w:pagar": [0, 4.0, 0, 0]}, modes={"risk": mode})
    answer = second_reading(made, "risk", ["w:pagar"], rules_answer, words=12)
    assert answer is not None and answer.answer == "medium"
    assert answer.replaces is replaces


@pytest.mark.parametrize(
    ("floored", "answer_weights", "replaces"),
    [
        (True, [0, 0, 4.0, 0], False),  # a firm floor (kidnapping, a weapon, held now) is never talked down
        (False, [0, 0, 4.0, 0], True),  # signs of control only: down to high
        (False, [0, 4.0, 0, 0], False),  # ... and no further
    ],
)
def test_soften_critical_brings_a_critical_of_control_signs_down_to_high_only(
    floored, answer_weights, replaces
) -> None:
    made = reader(risk_weights={"w:semaf": answer_weights}, modes={"risk": "soften-critical"})
    answer = second_reading(made, "risk", ["w:semaf"], "critical", words=12, floored=floored)
    assert answer is not None and answer.replaces is replaces
    below = second_reading(made, "risk", ["w:semaf"], "low", words=12, floored=False)
    assert below is not None and below.replaces  # other bands move as in "any"


def test_soften_critical_never_lowers_a_band_a_firm_floor_holds() -> None:
    # high because a child is involved (a firm floor): the reader may raise it, never lower it
    lower = reader(risk_weights={"w:niña": [0, 4.0, 0, 0]}, modes={"risk": "soften-critical"})
    held = second_reading(lower, "risk", ["w:niña"], "high", words=12, floored=True)
    assert held is not None and held.answer == "medium" and not held.replaces
    free = second_reading(lower, "risk", ["w:niña"], "high", words=12, floored=False)
    assert free is not None and free.replaces
    higher = reader(risk_weights={"w:niña": [0, 0, 0, 4.0]}, modes={"risk": "soften-critical"})
    raised = second_reading(higher, "risk", ["w:niña"], "high", words=12, floored=True)
    assert raised is not None and raised.answer == "critical" and raised.replaces


@pytest.mark.parametrize(("pull", "lowered"), [(4.0, True), (1.5, False)])
def test_a_band_a_firm_floor_holds_is_lowered_only_by_a_sure_answer(pull: float, lowered: bool) -> None:
    # high because a child is involved: with a threshold for firm floors, an answer at least that sure
    # reads lower (a family crossing with its children, asking for a shelter); a less sure one does not
    sure = reader(risk_weights={"w:niña": [0, pull, 0, 0]}, modes={"risk": "soften-critical"}, firm={"risk": 0.7})
    answer = second_reading(sure, "risk", ["w:niña"], "high", words=12, floored=True)
    assert answer is not None and answer.answer == "medium"
    assert answer.probability >= 0.7 if lowered else 0.4 <= answer.probability < 0.7
    assert answer.replaces is lowered
    # a critical band a firm floor holds (a kidnapping, a weapon) is never read lower, however sure
    held = second_reading(sure, "risk", ["w:niña"], "critical", words=12, floored=True)
    assert held is not None and not held.replaces
    # nor is a firm floor's band lowered when the reader reads a report with the conversation's answers
    answered = second_reading(sure, "risk", ["w:niña"], "high", words=12, answered=True, floored=True)
    assert answered is not None and not answered.replaces


def test_a_reader_with_a_threshold_for_firm_floors_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="firm_floor_thresholds"):
        reader(firm={"risk": 0.0})
    with pytest.raises(ValueError, match="firm_top_below"):
        reader(top={"risk": 1.5})


@pytest.mark.parametrize(("pull", "lowered"), [(4.0, True), (2.0, False)])
def test_a_critical_band_a_firm_floor_holds_comes_down_only_where_critical_is_unlikely(
    pull: float, lowered: bool
) -> None:
    # With weights [0, pull, 0, 0] the chance of critical is 1 / (3 + e^pull): 0.017 at 4.0, 0.097
    # at 2.0 (under 0.1) and the answer medium at 0.72 or 0.71. At 0.05 only the surer one comes down.
    made = reader(risk_weights={"w:secue": [0, pull, 0, 0]}, modes={"risk": "soften-critical"}, top={"risk": 0.05})
    answer = second_reading(made, "risk", ["w:secue"], "critical", words=12, floored=True)
    assert answer is not None and answer.answer == "medium"
    assert answer.replaces is lowered and answer.past_floor is lowered
    # without the setting, a firm floor's critical band is never read lower
    never = reader(risk_weights={"w:secue": [0, 4.0, 0, 0]}, modes={"risk": "soften-critical"})
    assert not second_reading(never, "risk", ["w:secue"], "critical", words=12, floored=True).replaces
    # a critical band no firm floor holds comes down to high as before, and lower only under the same bar
    assert second_reading(made, "risk", ["w:secue"], "critical", words=12).replaces is lowered
    assert not second_reading(never, "risk", ["w:secue"], "critical", words=12).replaces
    # nor beside the conversation's answers, nor on a short message
    assert not second_reading(made, "risk", ["w:secue"], "critical", words=12, answered=True, floored=True).replaces
    assert not second_reading(made, "risk", ["w:secue"], "critical", words=3, floored=True).replaces


def test_a_case_type_in_unclear_only_mode_is_named_only_where_the_rules_found_none() -> None:
    made = reader(case_weights={"w:casas": [4.0, 0, 0, 0]}, modes={"case_type": "unclear-only"})
    assert second_reading(made, "case_type", ["w:casas"], "unclear", words=12).replaces
    assert not second_reading(made, "case_type", ["w:casas"], "smuggling", words=12).replaces


def test_a_case_the_rules_read_is_talked_away_to_unclear_only_when_the_reader_is_more_sure_than_not() -> None:
    # 4 labels, no bias: weight 0.9 gives unclear about 45%, above the 0.4 threshold but not above half.
    unsure = reader(case_weights={"w:dette": [0, 0, 0, 0.9]}, thresholds={"case_type": 0.4})
    coin_toss = second_reading(unsure, "case_type", ["w:dette"], "trafficking", words=12)
    assert coin_toss is not None and coin_toss.answer == "unclear" and 0.4 < coin_toss.probability < 0.5
    assert not coin_toss.replaces
    sure = reader(case_weights={"w:dette": [0, 0, 0, 4.0]}, thresholds={"case_type": 0.4})
    assert second_reading(sure, "case_type", ["w:dette"], "trafficking", words=12).replaces
    # The same near coin toss still names a case type the rules left unclear.
    towards = reader(case_weights={"w:dette": [0.9, 0, 0, 0]}, thresholds={"case_type": 0.4})
    assert second_reading(towards, "case_type", ["w:dette"], "unclear", words=12).replaces


def test_below_its_threshold_on_a_short_report_or_beside_answers_the_reader_only_gives_its_view() -> None:
    made = reader(risk_weights={"w:pagar": [0, 4.0, 0, 0]}, thresholds={"risk": 0.99})
    assert not second_reading(made, "risk", ["w:pagar"], "high", words=12).replaces  # ~0.95 < 0.99
    made = reader(risk_weights={"w:pagar": [0, 4.0, 0, 0]})
    assert not second_reading(made, "risk", ["w:pagar"], "high", words=3).replaces  # too short to judge
    # the reporter answered the questions (never seen in training): the reader may raise, not lower
    assert not second_reading(made, "risk", ["w:pagar"], "high", words=12, answered=True).replaces
    assert second_reading(made, "risk", ["w:pagar"], "low", words=12, answered=True).replaces
    assert second_reading(made, "tense", ["w:pagar"], "low", words=12) is None  # no such head


@pytest.mark.parametrize(
    "document",
    [
        {"version": "x", "heads": {"risk": {"labels": ["a", "b"], "bias": [0], "weights": {}}}},
        {"version": "x", "heads": {"risk": {"labels": ["a", "b"], "bias": [0, 0], "weights": {"w:x": [1]}}}},
        {"version": "x", "heads": {}, "modes": {"risk": "sometimes"}},
        {"version": "x", "heads": []},
    ],
)
def test_a_malformed_reader_is_refused(document) -> None:
    with pytest.raises(ValueError):
        compile_reader(document)


TEXT = "Mi prima trabaja en una casa limpiando y cocinando, ocho meses y la señora nunca le ha dado nada"


def test_the_engine_takes_the_readers_case_type_and_says_so(small_snapshot) -> None:
    rules = replace(default_rules(), reader=None)
    report = intake(TEXT, location=Location("GT"))
    alone = read_report(report, small_snapshot, rules)
    assert alone.second == ()
    made = reader(case_weights={"w:nunca": [5.0, 0, 0, 0]})
    rules_answer = alone.classification.case_type
    blended = read_report(report, small_snapshot, replace(rules, reader=made))
    case = next(a for a in blended.second if a.question == "case_type")
    # the rules find no word of force or deceit in plain unpaid domestic work: unclear
    assert rules_answer == "unclear" and case.answer == "trafficking" and case.rules_answer == "unclear"
    assert case.replaces and blended.classification.case_type == "trafficking"
    assert "reader learned from labelled reports" in blended.classification.reasons[-1]
    document = decision_to_json(route(report, small_snapshot, TUESDAY_9AM_GT, replace(rules, reader=made)))
    assert document["case_type"] == "trafficking"
    shown = {a["question"]: a for a in document["second_reading"]}
    assert shown["case_type"]["answer"] == "trafficking" and shown["case_type"]["rules_answer"] == rules_answer


def test_the_engine_keeps_a_critical_reading_of_the_rules(small_snapshot) -> None:
    text = "lo secuestraron los coyotes y piden rescate a la familia, tienen armas y lo tienen encerrado"
    made = reader(risk_weights={"w:coyot": [6.0, 0, 0, 0]})
    read = read_report(intake(text, location=Location("MX")), small_snapshot, replace(default_rules(), reader=made))
    risk = next(a for a in read.second if a.question == "risk")
    assert risk.answer == "low" and risk.rules_answer == "critical" and not risk.replaces
    assert read.risk.level == "critical"


def test_a_danger_floor_the_reader_lowers_is_flagged_for_a_person_to_confirm(small_snapshot) -> None:
    # A report whose firm floor (someone kidnapped) the reader, sure it is no critical case, reads lower:
    # the decision takes the lower band, and the risk field stays under review with the reason.
    text = "lo secuestraron los coyotes y piden rescate a la familia, tienen armas y lo tienen encerrado"
    made = reader(risk_weights={"w:coyot": [0, 0, 6.0, 0]}, modes={"risk": "soften-critical"}, top={"risk": 0.1})
    rules = replace(default_rules(), reader=made)
    read = read_report(intake(text, location=Location("MX")), small_snapshot, rules)
    risk = next(a for a in read.second if a.question == "risk")
    assert risk.rules_answer == "critical" and risk.replaces and risk.past_floor and read.risk.level == "high"
    document = decision_to_json(route(intake(text, location=Location("MX")), small_snapshot, TUESDAY_9AM_GT, rules))
    assert document["risk"]["level"] == "high" and document["needs_review"] is True
    confidence = document["confidence"]["risk"]
    assert confidence["score"] < 0.75 and "risk" in document["unsure_fields"]
    assert "which a danger floor set; a person should confirm it" in " ".join(confidence["reasons"])


def test_without_a_reader_the_decision_says_no_second_reading(small_snapshot) -> None:
    rules = replace(default_rules(), reader=None)
    document = decision_to_json(route(intake(TEXT, location=Location("GT")), small_snapshot, TUESDAY_9AM_GT, rules))
    assert document["second_reading"] == []


def test_the_shipped_reader_loads_and_answers_its_questions(small_snapshot) -> None:
    shipped = default_reader()
    assert shipped is not None and READER_PATH.exists()
    assert set(shipped.heads) == {"case_type", "risk", "place"}
    assert shipped.modes["risk"] == "soften-critical"  # the choice the cross-check made; see bench/train_triage.py
    assert shipped.firm_floor_thresholds["risk"] >= shipped.thresholds["risk"]  # firm floors ask for more
    read = read_report(intake(TEXT, location=Location("GT")), small_snapshot, default_rules())
    assert {a.question for a in read.second} == {"case_type", "risk"}  # a stated place is never asked about
    assert all(0.0 < a.probability <= 1.0 for a in read.second)


def test_the_trainer_refuses_a_test_split_not_named_as_retired(tmp_path) -> None:
    split = tmp_path / "test.jsonl"
    split.write_text(json.dumps({"id": "x", "text": "hola", "expected": {}}) + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bench.train_triage", "--corpus", str(split), "--cross"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0 and "is a test split" in run.stderr


def test_the_learning_curve_refuses_a_test_split_too(tmp_path) -> None:
    split = tmp_path / "test.jsonl"
    split.write_text(json.dumps({"id": "x", "text": "hola", "expected": {}}) + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bench.learning_curve", "--corpus", str(split)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0 and "is a test split" in run.stderr


def place_reader(weights: dict[str, list[float]], threshold: float = 0.6) -> Reader:
    """A hand-made reader with only the place question: each row pulls towards (incident, not)."""
    return compile_reader(
        {
            "version": "hand-made",
            "thresholds": {"place": threshold},
            "modes": {"place": "any"},
            "heads": {"place": {"labels": ["incident", "not"], "bias": [0, 0], "weights": weights}},
        }
    )


QUESTION = "hola buenas, cuanto pagan en las fincas de Panamá? quiero saber si vale la pena ir"


@pytest.mark.parametrize(
    ("channel", "caller_country", "country", "source"),
    [("sms", "GT", "GT", "phone"), ("chat", None, None, "none")],
)
def test_a_place_the_reader_reads_as_not_where_it_happens_gives_way_to_the_phone(
    small_snapshot, channel, caller_country, country, source
) -> None:
    report = intake(QUESTION, channel=channel, caller_country=caller_country)
    rules = replace(default_rules(), reader=None)
    assert read_report(report, small_snapshot, rules).location.country == "PA"
    read = read_report(report, small_snapshot, replace(rules, reader=place_reader({"q:mark": [0, 3.0]})))
    place = next(a for a in read.second if a.question == "place")
    assert place.answer == "not" and place.rules_answer == "incident" and place.replaces
    assert (read.location.country, read.location.source) == (country, source)
    assert "not where it happens" in " ".join(read.location.reasons)
    document = decision_to_json(
        route(report, small_snapshot, TUESDAY_9AM_GT, replace(rules, reader=place_reader({"q:mark": [0, 3.0]})))
    )
    assert document["location"]["country"] == country
    assert {"question": "place", "replaced": True}.items() <= document["second_reading"][-1].items()
    said = " ".join(document["confidence"]["location"]["reasons"])
    assert "reads the place named as not where it happens" in said and "overruled the rules' the place named" in said


def test_the_place_stands_below_the_threshold_or_in_the_phones_own_country_but_not_for_answers(small_snapshot) -> None:
    made = place_reader({"q:mark": [0, 3.0]})
    rules = replace(default_rules(), reader=made)
    unsure = read_report(
        intake(QUESTION, channel="sms", caller_country="GT"),
        small_snapshot,
        replace(rules, reader=place_reader({"q:mark": [0, 0.2]})),
    )
    assert unsure.location.country == "PA" and not next(a for a in unsure.second if a.question == "place").replaces
    # the web form's yes/no answers say nothing of where it happens: the question is asked all the same
    answered = read_report(intake(QUESTION, channel="web", answers={"minor_involved": False}), small_snapshot, rules)
    assert answered.location.source == "none"
    at_home = read_report(intake(QUESTION, channel="sms", caller_country="PA"), small_snapshot, rules)
    assert at_home.location.country == "PA" and all(a.question != "place" for a in at_home.second)


def test_the_place_question_sees_the_shape_of_the_places_named(small_snapshot) -> None:
    read = read_report(intake(QUESTION, channel="chat"), small_snapshot, replace(default_rules(), reader=None))
    assert {"n1", "uncued", "country", "before1:de", "before2:fincas"} <= set(read.location.evidence)
    report = intake(QUESTION, channel="chat")
    found = place_question(report, read.location, reading_features(read.words, read.risk, read.classification, report))
    assert found is not None and {"loc:country", "phone:no", "q:mark"} <= set(found)


def test_the_reader_sees_a_question_mark_and_a_band_the_rules_held_down(small_snapshot) -> None:
    # Two shapes of a report its words do not carry: a question, and a band capped by the rules
    # (here: exploitation that is over, told from safety).
    rules = replace(default_rules(), reader=None)
    asked = intake("¿es legal que mi patrón me pague tarde?", channel="chat")
    read = read_report(asked, small_snapshot, rules)
    assert "q:mark" in reading_features(read.words, read.risk, read.classification, asked)
    told = intake("me tenían sin pago y con el pasaporte quitado, ya me escapé y estoy bien", channel="chat")
    read = read_report(told, small_snapshot, rules)
    found = reading_features(read.words, read.risk, read.classification, told)
    assert read.risk.capped and "rules_capped" in found and "q:mark" not in found


def test_the_reader_sees_how_the_words_of_danger_are_told(small_snapshot) -> None:
    # The same word of being locked in, denied, told after getting away, or said with a word of now:
    # three features a bag of words does not carry, and the note of what the rules set aside.
    rules = replace(default_rules(), reader=None)

    def context(text: str) -> set[str]:
        told = intake(text, channel="chat")
        read = read_report(told, small_snapshot, rules)
        found = reading_features(read.words, read.risk, read.classification, told, read.reading)
        return {f for f in found if f.startswith(("x:", "note:"))}

    assert {"x:LOCKED@neg", "note:negated"} <= context("a mi hermana no la tienen encerrada, pero no le pagan")
    over = context("me escapé la semana pasada; en esa casa nos encerraban cada noche")
    assert "x:LOCKED@after_over" in over and "x:LOCKED@neg" not in over
    now = context("ahora mismo nos tienen encerrados en una bodega")
    assert "x:LOCKED@now" in now and "x:LOCKED@after_over" not in now


def test_the_engine_cross_check_routes_each_pool_with_a_reader_trained_on_the_others(tmp_path) -> None:
    reports = [
        (
            "nos tienen encerradas en una casa en Tapachula y nos quitaron los pasaportes",
            "MX",
            "critical",
            "trafficking",
        ),
        ("¿cuánto cobra un coyote para pasar de Tecún Umán a Tapachula?", "GT", "low", "smuggling"),
        ("my boss in Belize City has my passport and does not pay me", "BZ", "high", "trafficking"),
    ]
    pools = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.jsonl"
        lines = [
            {"id": f"{name}-{i}", "channel": "web", "text": text, "expected": {"country": c, "risk": r, "case_type": t}}
            for i, (text, c, r, t) in enumerate(reports)
        ]
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
        pools += ["--corpus", str(path)]
    run = subprocess.run(
        [sys.executable, "-m", "bench.train_triage", *pools, "--engine-cross"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.count("one.jsonl") == 1 and run.stdout.count("two.jsonl") == 1
    assert "all held-out: country" in run.stdout and "of 6 reports" in run.stdout
