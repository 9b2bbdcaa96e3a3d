"""Playing a replay table: a flow, the events fired at it, and what must follow each one."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from routing.flow_definition import Flow, Transition, load_flow
from routing.flow_engine import Action, Event, IllegalTransition, Run, fire, select_transition, start

REPO = Path(__file__).resolve().parents[2]
FLOWS_DIR = REPO / "routing" / "flows"
REPLAYS_DIR = Path(__file__).with_name("replays")
STARTED_AT = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)


def flow_named(flow_id: str) -> Flow:
    return load_flow(FLOWS_DIR / f"{flow_id}.json")


def describe(action: Action) -> str:
    """An action in a few words, as the tables write it: `notify agency new_referral`, `ask fr`."""
    params = action.params
    detail = {
        "notify": ("to", "about"),
        "schedule_deadline": ("timer",),
        "open_linked_referral": ("to", "purpose"),
        "hand_over": ("to", "fallback"),
    }.get(action.kind, ("language",))
    return " ".join([action.kind] + [str(params[name]) for name in detail])


@dataclass(frozen=True)
class Taken:
    """One transition a replay took, for the coverage check."""

    node: str
    index: int


def load_replays(flow_id: str) -> list[tuple[str, dict[str, Any]]]:
    table = json.loads((REPLAYS_DIR / f"{flow_id}.json").read_text(encoding="utf-8"))
    prefixes = table.get("prefixes", {})
    replays = []
    for replay in table["replays"]:
        steps: list[dict[str, Any]] = []
        prefix = replay.get("prefix")
        while prefix:
            steps[:0] = prefixes[prefix]["steps"]
            prefix = prefixes[prefix].get("prefix")
        replays.append((f"{flow_id}: {replay['name']}", {**replay, "steps": steps + replay["steps"]}))
    return replays


def play(flow: Flow, replay: Mapping[str, Any]) -> Iterator[tuple[Run, Taken | None]]:
    """Fire every step, asserting what the table expects; yields the run and the transition taken."""
    outcome = start(flow, STARTED_AT)
    assert outcome.run.node == flow.start
    if "start_actions" in replay:
        assert [describe(a) for a in outcome.actions] == replay["start_actions"]
    run = outcome.run
    at = STARTED_AT
    for number, step in enumerate(replay["steps"], 1):
        at = STARTED_AT + timedelta(minutes=step["at"]) if "at" in step else at + timedelta(minutes=1)
        event = Event(step["fire"], step["by"], step.get("with", {}))
        where = f"step {number} ({step['fire']} by {step['by']} at {run.node})"
        if "refused" in step:
            try:
                fire(flow, run, event, at)
            except IllegalTransition as refusal:
                assert refusal.node == run.node and refusal.event == step["fire"], where
                assert step["refused"] in refusal.reason, (where, refusal.reason)
            else:
                raise AssertionError(f"{where} was not refused")
            continue
        chosen = select_transition(flow, run, event)
        taken = Taken(run.node, _index(flow, run.node, chosen)) if chosen is not None else None
        outcome = fire(flow, run, event, at)
        assert outcome.run.node == step["expect"], (where, outcome.run.node)
        if "actions" in step:
            assert [describe(a) for a in outcome.actions] == step["actions"], (where, outcome.actions)
        for key, value in step.get("data", {}).items():
            assert outcome.run.data.get(key, "<absent>") == value, (where, key, outcome.run.data)
        assert any(s.event == step["fire"] and s.at == at for s in outcome.run.path[len(run.path) :]), where
        run = outcome.run
        yield run, taken
    if "ended" in replay:
        assert run.ended is replay["ended"]


def _index(flow: Flow, node_id: str, transition: Transition) -> int:
    return flow.nodes[node_id].transitions.index(transition)
