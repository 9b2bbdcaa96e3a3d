"""The engine's contract with the host: immutable runs, recorded paths, timers from host durations, stored runs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from routing.flow_engine import Event, IllegalTransition, Run, Step, due_timers, fire, start
from tests.flows.replay import STARTED_AT, flow_named

NATIONAL = flow_named("referral_national")
ACK_MINUTES = {"critical": 15, "high": 120, "medium": 1440, "low": 4320}


def durations(risk: str) -> dict[str, timedelta]:
    """What a host would pass: acknowledgement minutes by risk, the rest fixed."""
    fixed = {name: timedelta(hours=4) for name in NATIONAL.timers}
    return fixed | {"ack_deadline": timedelta(minutes=ACK_MINUTES[risk])}


def referred(risk: str) -> Run:
    run = start(NATIONAL, STARTED_AT).run
    run = fire(NATIONAL, run, Event("triage", "operator", {"risk": risk, "case_type": "both"}), STARTED_AT).run
    return fire(NATIONAL, run, Event("refer", "system", {"agency": "gt-pgn"}), STARTED_AT + timedelta(minutes=5)).run


def test_a_run_records_its_flowchart_version_and_path() -> None:
    run = referred("high")
    assert (run.flow_id, run.flow_version) == ("referral_national", 1)
    assert run.path == (
        Step("received", "start", STARTED_AT, "system"),
        Step("triaged", "triage", STARTED_AT, "operator"),
        Step("referred", "refer", STARTED_AT + timedelta(minutes=5), "system"),
    )


def test_the_ack_deadline_comes_from_the_host_by_risk() -> None:
    for risk, minutes in ACK_MINUTES.items():
        due = due_timers(NATIONAL, referred(risk), durations(risk))
        assert due == [("ack_deadline", STARTED_AT + timedelta(minutes=5 + minutes))], risk


def test_a_timer_without_a_duration_is_the_hosts_mistake() -> None:
    with pytest.raises(KeyError, match="ack_deadline"):
        due_timers(NATIONAL, referred("low"), {})


def test_an_ended_run_has_no_timers() -> None:
    run = start(NATIONAL, STARTED_AT).run
    run = fire(NATIONAL, run, Event("withdraw", "operator", {"reason": "x"}), STARTED_AT).run
    assert run.ended and due_timers(NATIONAL, run, {}) == []


def test_firing_leaves_the_old_run_untouched() -> None:
    before = referred("high")
    snapshot = before.to_dict()
    after = fire(NATIONAL, before, Event("acknowledge", "agency"), STARTED_AT + timedelta(hours=1)).run
    assert before.to_dict() == snapshot and after.node == "acknowledged"
    with pytest.raises(IllegalTransition):
        fire(NATIONAL, before, Event("accept", "agency"), STARTED_AT)
    assert before.to_dict() == snapshot


def test_a_stored_run_comes_back_equal_and_resumes() -> None:
    run = referred("medium")
    stored = json.dumps(run.to_dict())
    restored = Run.from_dict(json.loads(stored))
    assert restored == run
    assert fire(NATIONAL, restored, Event("acknowledge", "agency"), STARTED_AT).run.node == "acknowledged"


def test_a_run_of_another_version_is_refused() -> None:
    stored = referred("high").to_dict() | {"flow_version": 2}
    with pytest.raises(IllegalTransition, match="v2, not referral_national v1") as refusal:
        fire(NATIONAL, Run.from_dict(stored), Event("acknowledge", "agency"), STARTED_AT)
    assert (refusal.value.node, refusal.value.event) == ("referred", "acknowledge")


def test_a_refusal_never_repeats_the_payload() -> None:
    run = referred("high")
    secret = "María, 14, calle 5 casa 12"
    with pytest.raises(IllegalTransition) as refusal:
        fire(NATIONAL, run, Event("decline", "hotline", {"reason": secret}), STARTED_AT)
    assert secret not in str(refusal.value)
    assert str(refusal.value) == "'decline' refused at 'referred': hotline may not fire it; only agency"


def test_a_stay_restarts_the_clock_without_repeating_entry_actions() -> None:
    crossborder = flow_named("referral_crossborder")
    run = start(crossborder, STARTED_AT).run
    steps = [
        Event("triage", "operator", {"risk": "high", "case_type": "trafficking"}),
        Event("refer", "system", {"agency": "pa-unidad-trata", "origin_country": "CR"}),
        Event("acknowledge", "agency"),
        Event("accept", "agency"),
        Event("identify", "agency"),
        Event("start_assistance", "agency"),
        Event("record_wish", "agency", {"wish": "repatriation"}),
    ]
    for event in steps:
        run = fire(crossborder, run, event, STARTED_AT).run
    week = timedelta(days=7)
    later = STARTED_AT + week
    assert due_timers(crossborder, run, {"validation_deadline": week}) == [("validation_deadline", later)]
    outcome = fire(crossborder, run, Event("validation_deadline", "timer"), later)
    assert [action.kind for action in outcome.actions] == ["notify", "schedule_deadline"]
    assert due_timers(crossborder, outcome.run, {"validation_deadline": week}) == [
        ("validation_deadline", later + week)
    ]
    assert outcome.run.path[-1] == Step("origin_validation", "validation_deadline", later, "timer")
