"""The replay tables: every transition of both referral flowcharts taken, every kind of refusal refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.flows.replay import Taken, flow_named, load_replays, play

REFERRAL_FLOWS = ("referral_national", "referral_crossborder", "referral_justice", "referral_child", "referral_origin")
# Flowcharts whose agency identifies the victim (the justice track leaves identification to others).
IDENTIFYING_FLOWS = ("referral_national", "referral_crossborder", "referral_child")
REPLAYS = [replay for flow_id in (*REFERRAL_FLOWS, "intake_conversation") for replay in load_replays(flow_id)]
# The refusals every referral table must show: wrong actor, wrong state, missing or bad payload,
# an event the flow does not know, and a run that has already ended.
REFUSALS = (
    "may not fire it",
    "no transition on this event",
    "must not be empty",
    "must be one of",
    "knows no such event",
    "the run has ended",
)


@pytest.mark.parametrize(("name", "replay"), REPLAYS, ids=[name for name, _ in REPLAYS])
def test_replay(name: str, replay: dict[str, Any]) -> None:
    flow = flow_named(name.split(":")[0])
    for _ in play(flow, replay):
        pass


@pytest.mark.parametrize("flow_id", REFERRAL_FLOWS)
def test_the_replays_take_every_transition(flow_id: str) -> None:
    flow = flow_named(flow_id)
    taken: set[Taken] = set()
    for _, replay in load_replays(flow_id):
        taken |= {step for _, step in play(flow, replay) if step is not None}
    everything = {Taken(node.id, index) for node in flow.nodes.values() for index in range(len(node.transitions))}
    missing = sorted(everything - taken, key=lambda t: (t.node, t.index))
    described = [f"{t.node}: {flow.nodes[t.node].exits()[t.index][0]}" for t in missing]
    assert not missing, described


@pytest.mark.parametrize("flow_id", REFERRAL_FLOWS)
def test_the_replays_show_every_kind_of_refusal(flow_id: str) -> None:
    reasons = [step["refused"] for _, replay in load_replays(flow_id) for step in replay["steps"] if "refused" in step]
    for kind in REFUSALS:
        assert any(kind in reason for reason in reasons), kind


@pytest.mark.parametrize("flow_id", IDENTIFYING_FLOWS)
def test_only_an_agency_moves_a_case_to_identified(flow_id: str) -> None:
    flow = flow_named(flow_id)
    into_identified = [
        t for node in flow.nodes.values() for t in node.transitions if t.to == "identified" and node.id != "identified"
    ]
    assert into_identified and all(t.actors == ("agency",) for t in into_identified)
    assert flow.nodes["identified"].entered_only_by == ("agency",)
