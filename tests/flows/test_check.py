"""The flow checker: the shipped flows pass, and each kind of broken flow is caught at the node that breaks it."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from routing.flow_definition import FlowError, Problem, check_flow, load_flow, main
from tests.flows.replay import FLOWS_DIR


def make_flow(kind: str = "referral") -> dict[str, Any]:
    """A small sound flow: wait for an answer, ask again or give up, end."""
    flow: dict[str, Any] = {
        "id": "small",
        "version": 1,
        "kind": kind,
        "start": "asking",
        "actors": ["caller", "agency", "timer"],
        "timers": {"answer_timeout": "host"},
        "nodes": [
            {
                "id": "asking",
                "type": "wait",
                "actions": [{"kind": "ask", "text": {"es": "¿Sí o no?", "en": "Yes or no?"}}],
                "transitions": [
                    {
                        "on": ["answer"],
                        "actors": ["caller"],
                        "when": [{"field": "text", "is": "non_empty"}],
                        "to": "thanking",
                    },
                    {"timer": "answer_timeout", "to": "given_up"},
                ],
                "retry": {"limit": 3, "to": "given_up"},
            },
            {
                "id": "thanking",
                "type": "action",
                "actions": [{"kind": "notify", "to": "agency", "about": "x"}],
                "next": "done",
            },
            {"id": "done", "type": "end"},
            {"id": "given_up", "type": "end"},
        ],
    }
    if kind == "conversation":
        flow |= {"languages": ["es", "en"], "default_language": "es"}
    return flow


def node(flow: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(raw for raw in flow["nodes"] if raw["id"] == node_id)


def kinds_at(problems: list[Problem]) -> set[tuple[str | None, str]]:
    return {(problem.node, problem.kind) for problem in problems}


@pytest.mark.parametrize("path", sorted(FLOWS_DIR.glob("*.json")), ids=lambda path: path.name)
def test_the_shipped_flows_are_sound(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert check_flow(document) == []
    assert document["kind"] in ("referral", "conversation") and isinstance(document["version"], int)
    assert path.stem == document["id"]


def test_the_small_flow_is_sound_in_both_kinds() -> None:
    assert check_flow(make_flow()) == []
    assert check_flow(make_flow("conversation")) == []


def test_an_exit_to_an_unknown_node_is_named_at_its_node() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"][0]["to"] = "thankig"
    assert ("asking", "unknown_target") in kinds_at(check_flow(flow))
    flow = make_flow()
    node(flow, "thanking")["next"] = "nowhere"
    assert ("thanking", "unknown_target") in kinds_at(check_flow(flow))
    flow = make_flow()
    flow["start"] = "begin"
    assert (None, "unknown_target") in kinds_at(check_flow(flow))


def test_a_node_no_run_reaches_is_unreachable() -> None:
    flow = make_flow()
    flow["nodes"].append({"id": "orphan", "type": "end"})
    assert kinds_at(check_flow(flow)) == {("orphan", "unreachable")}


def test_a_wait_without_a_timer_exit_is_refused() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"].pop()
    assert kinds_at(check_flow(flow)) == {("asking", "no_timeout")}


def test_dead_ends_are_named() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"] = []
    assert ("asking", "dead_end") in kinds_at(check_flow(flow))
    flow = make_flow()
    del node(flow, "thanking")["next"]
    assert ("thanking", "dead_end") in kinds_at(check_flow(flow))
    flow = make_flow()
    flow["nodes"].append(
        {
            "id": "routing",
            "type": "router",
            "cases": [{"name": "a", "when": [{"field": "x", "is": "non_empty"}], "to": "done"}],
        }
    )
    node(flow, "thanking")["next"] = "routing"
    assert ("routing", "dead_end") in kinds_at(check_flow(flow))


def test_a_cycle_that_never_ends_is_caught() -> None:
    flow = make_flow()
    flow["nodes"].append(
        {
            "id": "circling",
            "type": "wait",
            "transitions": [
                {"on": ["poke"], "actors": ["agency"], "to": "circling"},
                {"timer": "answer_timeout", "to": "circling"},
            ],
        }
    )
    node(flow, "asking")["transitions"][0]["to"] = "circling"
    node(flow, "thanking")["next"] = "done"
    problems = check_flow(flow)
    assert ("circling", "no_way_to_end") in kinds_at(problems)
    assert "thanking" in {problem.node for problem in problems if problem.kind == "unreachable"}


def test_routers_and_actions_that_loop_without_waiting_are_caught() -> None:
    flow = make_flow()
    flow["nodes"].append(
        {
            "id": "routing",
            "type": "router",
            "cases": [{"name": "a", "when": [{"field": "x", "is": "non_empty"}], "to": "done"}],
            "default": "thanking",
        }
    )
    node(flow, "thanking")["next"] = "routing"
    problems = kinds_at(check_flow(flow))
    assert ("thanking", "loop_without_wait") in problems and ("routing", "loop_without_wait") in problems


def test_a_conversation_wait_needs_a_way_out_of_bad_answers() -> None:
    flow = make_flow("conversation")
    del node(flow, "asking")["retry"]
    assert kinds_at(check_flow(flow)) == {("asking", "no_retry")}
    referral = make_flow()
    del node(referral, "asking")["retry"]
    assert check_flow(referral) == []


def test_prompts_need_every_language_of_the_conversation() -> None:
    flow = make_flow("conversation")
    flow["languages"].append("ht")
    problems = check_flow(flow)
    assert kinds_at(problems) == {("asking", "missing_text")}
    assert "ht" in problems[0].message


def test_the_reference_prompt_must_leave_room_for_the_reference() -> None:
    flow = make_flow("conversation")
    node(flow, "done")["actions"] = [
        {"kind": "give_reference", "text": {"es": "Su referencia es {reference}.", "en": "Your reference."}}
    ]
    assert kinds_at(check_flow(flow)) == {("done", "bad_action")}


def test_guards_name_only_declared_actors_and_timers() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"][0]["actors"] = ["caller", "police"]
    node(flow, "asking")["transitions"][1]["timer"] = "forever"
    assert kinds_at(check_flow(flow)) == {("asking", "unknown_actor"), ("asking", "unknown_timer")}


def test_only_the_timer_fires_timer_exits_and_only_timer_exits() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"][0]["actors"] = ["timer"]
    node(flow, "asking")["transitions"][1]["actors"] = ["agency"]
    problems = [problem for problem in check_flow(flow) if problem.kind == "bad_transition"]
    assert len(problems) == 2 and {problem.node for problem in problems} == {"asking"}


def test_a_node_entered_only_by_an_agency_refuses_a_wider_guard() -> None:
    flow = make_flow()
    node(flow, "thanking")["entered_only_by"] = ["agency"]
    assert kinds_at(check_flow(flow)) == {("asking", "guard_too_wide")}
    node(flow, "asking")["transitions"][0]["actors"] = ["agency"]
    assert check_flow(flow) == []


def test_bad_conditions_actions_and_nodes() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"][0]["when"] = [
        {"field": "text", "is": "looks_like"},
        {"field": "x", "is": "one_of"},
    ]
    node(flow, "thanking")["actions"] = [{"kind": "send_sms", "to": "x"}, {"kind": "notify", "to": "agency"}]
    flow["nodes"].append({"id": "done", "type": "end"})
    flow["nodes"].append({"id": "Bad Id", "type": "end"})
    flow["nodes"].append({"id": "odd", "type": "sometimes"})
    problems = check_flow(flow)
    assert [p.kind for p in problems if p.node == "asking"] == ["bad_condition", "bad_condition"]
    assert [p.kind for p in problems if p.node == "thanking"] == ["bad_action", "bad_action"]
    assert ("done", "duplicate_node") in kinds_at(problems)
    assert (None, "bad_node") in kinds_at(problems) and ("odd", "bad_node") in kinds_at(problems)


def test_the_header_is_checked() -> None:
    flow = make_flow("conversation")
    flow |= {"id": "", "version": 0, "kind": "poem", "actors": [], "timers": [], "default_language": "fr"}
    messages = [problem.message for problem in check_flow(flow) if problem.node is None]
    assert len(messages) == 5, messages
    flow = make_flow("conversation")
    flow["default_language"] = "fr"
    assert [problem.message for problem in check_flow(flow)] == ["default_language must be one of the languages"]


def test_load_flow_refuses_a_broken_flow_and_names_the_node() -> None:
    flow = make_flow()
    node(flow, "asking")["transitions"].pop()
    with pytest.raises(FlowError) as refusal:
        load_flow(flow)
    assert refusal.value.problems == (Problem("asking", "no_timeout", refusal.value.problems[0].message),)
    assert "node 'asking': no_timeout" in str(refusal.value)


def test_check_flow_reports_rather_than_crashes_on_any_damage() -> None:
    sound = json.loads((FLOWS_DIR / "referral_crossborder.json").read_text(encoding="utf-8"))
    junk: list[Any] = [None, 7, "x", [], {}, ["a", {"b": 1}], {"to": 3}, True]
    chooser = random.Random(20260512)
    for _ in range(400):
        damaged = copy.deepcopy(sound)
        for _ in range(3):
            target = damaged
            # Walk down a random path in the document and replace what is there.
            while True:
                keys = list(target) if isinstance(target, dict) else list(range(len(target)))
                if not keys:
                    break
                key = chooser.choice(keys)
                if isinstance(target[key], (dict, list)) and target[key] and chooser.random() < 0.75:
                    target = target[key]
                    continue
                target[key] = chooser.choice(junk)
                break
        problems = check_flow(damaged)
        assert all(isinstance(problem, Problem) for problem in problems)


def test_the_command_prints_problems_by_node_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = make_flow()
    node(broken, "asking")["transitions"].pop()
    broken_path = tmp_path / "broken.json"
    broken_path.write_text(json.dumps(broken), encoding="utf-8")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{", encoding="utf-8")
    sound = str(FLOWS_DIR / "referral_national.json")

    assert main([sound]) == 0
    assert capsys.readouterr().out == f"{sound}: ok\n"
    assert main([sound, str(broken_path), str(garbled)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"{broken_path}: node 'asking': no_timeout:")
    assert lines[2].startswith(f"{garbled}: flow: unreadable:")
    assert main([]) == 2
