"""The flow engine: starts a run of a flow, moves it on one event at a time and says what the host must do.

Pure: it never sleeps, sends or stores. Each call takes the run as it was and returns a new one with
the actions for the host (prompts to speak, agencies to notify, deadlines to schedule, linked
referrals to open). A run stops at every wait node; the host persists it and calls `fire` again when
an event arrives: an answer, an agency's acknowledgement or a timer it scheduled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from routing.flow_definition import SPOKEN_ACTIONS, ActionSpec, Flow, Node, Transition


class IllegalTransition(ValueError):
    """An event the run's current node does not accept; names the node, the event and why."""

    def __init__(self, node: str, event: str, reason: str) -> None:
        self.node, self.event, self.reason = node, event, reason
        super().__init__(f"{event!r} refused at {node!r}: {reason}")


@dataclass(frozen=True)
class Event:
    """Something that happened to a run: its name, the role of who fired it, and what it carries."""

    name: str
    actor: str
    payload: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Step:
    """One entry on a run's path: the node it entered, because of which event, when and by whom."""

    node: str
    event: str
    at: datetime
    actor: str


@dataclass(frozen=True)
class Action:
    """What the host must do. Spoken kinds carry `text` and `language` already chosen for the run."""

    kind: str
    node: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Run:
    """One instance of a flow: which version it runs, where it stands and how it got there."""

    flow_id: str
    flow_version: int
    node: str
    entered_at: datetime
    path: tuple[Step, ...]
    data: Mapping[str, Any]
    failed_answers: int = 0
    ended: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for the host to store beside the ticket or referral."""
        return {
            "flow_id": self.flow_id,
            "flow_version": self.flow_version,
            "node": self.node,
            "entered_at": self.entered_at.isoformat(),
            "path": [[step.node, step.event, step.at.isoformat(), step.actor] for step in self.path],
            "data": dict(self.data),
            "failed_answers": self.failed_answers,
            "ended": self.ended,
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Run:
        return cls(
            flow_id=stored["flow_id"],
            flow_version=stored["flow_version"],
            node=stored["node"],
            entered_at=datetime.fromisoformat(stored["entered_at"]),
            path=tuple(
                Step(node, event, datetime.fromisoformat(at), actor) for node, event, at, actor in stored["path"]
            ),
            data=MappingProxyType(dict(stored["data"])),
            failed_answers=stored["failed_answers"],
            ended=stored["ended"],
        )


@dataclass(frozen=True)
class Outcome:
    """The run after an event, and the actions the host must now carry out, in order."""

    run: Run
    actions: tuple[Action, ...]


# The actor recorded for moves the engine makes by itself through routers and action nodes.
ENGINE_ACTOR = "system"


def start(flow: Flow, now: datetime, data: Mapping[str, Any] | None = None) -> Outcome:
    """A new run at the flow's start node, already moved on to its first wait."""
    run = Run(flow.id, flow.version, flow.start, now, (), MappingProxyType(dict(data or {})))
    actions: list[Action] = []
    run = _enter(flow, run, flow.start, Event("start", ENGINE_ACTOR), now, actions)
    return Outcome(run, tuple(actions))


def fire(flow: Flow, run: Run, event: Event, now: datetime) -> Outcome:
    """Move the run on by one event, or raise IllegalTransition and leave it as it was."""
    node = flow.nodes[run.node]
    transition = select_transition(flow, run, event)
    actions: list[Action] = []
    if transition is None:
        return _failed_answer(flow, run, node, event, now)
    data = dict(run.data) | dict(transition.set_values)
    data |= {key: event.payload[source] for key, source in transition.save_fields.items() if source in event.payload}
    run = replace(run, data=MappingProxyType(data))
    actions += [_action(flow, run, node.id, spec) for spec in transition.actions]
    if transition.to == node.id:
        step = Step(node.id, event.name, now, event.actor)
        run = replace(run, entered_at=now, path=run.path + (step,), failed_answers=0)
        return Outcome(run, tuple(actions + _deadlines(node)))
    run = _enter(flow, run, transition.to, event, now, actions)
    return Outcome(run, tuple(actions))


def select_transition(flow: Flow, run: Run, event: Event) -> Transition | None:
    """The transition this event takes from the run's node, or None for an answer the node will ask again.

    Raises IllegalTransition for everything else: a run of another flow version, an ended run, an
    event the flow does not know, one the node does not answer to, an actor the guard does not
    name, or a payload that fails the guard's conditions at a node that does not count failures.
    """
    if (run.flow_id, run.flow_version) != (flow.id, flow.version):
        reason = f"the run belongs to {run.flow_id} v{run.flow_version}, not {flow.id} v{flow.version}"
        raise IllegalTransition(run.node, event.name, reason)
    if run.ended:
        raise IllegalTransition(run.node, event.name, "the run has ended")
    if event.name not in flow.events():
        raise IllegalTransition(run.node, event.name, f"the flow {flow.id} knows no such event")
    node = flow.nodes[run.node]
    candidates = [t for t in node.transitions if event.name in t.events]
    if not candidates:
        raise IllegalTransition(run.node, event.name, "no transition on this event from this node")
    permitted = [t for t in candidates if event.actor in t.actors]
    if not permitted:
        allowed = sorted({actor for t in candidates for actor in t.actors})
        raise IllegalTransition(run.node, event.name, f"{event.actor} may not fire it; only {', '.join(allowed)}")
    for transition in permitted:
        if all(condition.holds(event.payload) for condition in transition.when):
            return transition
    if node.retry is not None:
        return None
    unmet = sorted({c.describe() for t in permitted for c in t.when if not c.holds(event.payload)})
    raise IllegalTransition(run.node, event.name, "; ".join(unmet))


def due_timers(flow: Flow, run: Run, durations: Mapping[str, timedelta]) -> list[tuple[str, datetime]]:
    """When each timer of the run's current node falls due, earliest first.

    The flow only names its timers; the host supplies how long each lasts (acknowledgement minutes
    by risk level, answer timeouts by channel), so one flowchart serves every risk and channel.
    """
    if run.ended:
        return []
    due = {}
    for transition in flow.nodes[run.node].transitions:
        if transition.timer is not None:
            if transition.timer not in durations:
                raise KeyError(f"no duration given for timer {transition.timer!r}")
            due[transition.timer] = run.entered_at + durations[transition.timer]
    return sorted(due.items(), key=lambda item: (item[1], item[0]))


def _failed_answer(flow: Flow, run: Run, node: Node, event: Event, now: datetime) -> Outcome:
    """An answer no transition accepts: ask again, or leave by the retry exit once the limit is reached."""
    assert node.retry is not None
    failed = run.failed_answers + 1
    actions: list[Action] = []
    if failed >= node.retry.limit:
        run = _enter(flow, run, node.retry.to, event, now, actions)
        return Outcome(run, tuple(actions))
    step = Step(node.id, event.name, now, event.actor)
    run = replace(run, entered_at=now, path=run.path + (step,), failed_answers=failed)
    # Asking again repeats only the question; notifications sent on entry must not go out twice.
    actions += [_action(flow, run, node.id, spec) for spec in node.actions if spec.kind in SPOKEN_ACTIONS]
    actions += _deadlines(node)
    return Outcome(run, tuple(actions))


def _enter(flow: Flow, run: Run, node_id: str, event: Event, now: datetime, actions: list[Action]) -> Run:
    """Enter a node and keep moving through routers and action nodes until a wait or an end."""
    name, actor = event.name, event.actor
    for _ in range(len(flow.nodes) + 1):
        node = flow.nodes[node_id]
        step = Step(node_id, name, now, actor)
        run = replace(run, node=node_id, entered_at=now, path=run.path + (step,), failed_answers=0)
        actions += [_action(flow, run, node_id, spec) for spec in node.actions]
        if node.type == "end":
            return replace(run, ended=True)
        if node.type == "wait":
            actions += _deadlines(node)
            return run
        actor = ENGINE_ACTOR
        if node.type == "action":
            assert node.next is not None
            node_id, name = node.next, "next"
            continue
        case = next((c for c in node.cases if all(cond.holds(run.data) for cond in c.when)), None)
        assert node.default is not None
        node_id, name = (case.to, case.name) if case else (node.default, "otherwise")
    raise IllegalTransition(node_id, name, "the run moved through every node without waiting")


def _deadlines(node: Node) -> list[Action]:
    timers = dict.fromkeys(t.timer for t in node.transitions if t.timer is not None)
    return [Action("schedule_deadline", node.id, MappingProxyType({"timer": timer})) for timer in timers]


def _action(flow: Flow, run: Run, node_id: str, spec: ActionSpec) -> Action:
    if spec.kind not in SPOKEN_ACTIONS:
        return Action(spec.kind, node_id, spec.params)
    language = run.data.get("language")
    if language not in flow.languages:
        language = flow.default_language
    texts = spec.params["text"]
    # A flow without languages (a referral flowchart) writes its one text under any key.
    text = texts[language] if language in texts else next(iter(texts.values()))
    params = dict(spec.params) | {"text": text, "language": language}
    written = spec.params.get("chat")
    if isinstance(written, Mapping):
        # The same question as a chat shows it, where the choices are buttons, not keys to press.
        params["chat"] = written[language] if language in written else text
    return Action(spec.kind, node_id, MappingProxyType(params))
