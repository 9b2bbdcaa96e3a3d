"""Flow definitions as data: the model of a referral flowchart or an intake conversation, its loading and checks.

A flow is a versioned JSON document of nodes. A `wait` node stops the run until an event arrives
(an agency acknowledges, a caller answers, a timer fires) and leaves by the first transition whose
guard accepts it; a `router` node picks an exit from what the run has recorded; an `action` node only
emits actions and moves on; an `end` node finishes the run. Every node may emit actions on entry.
A transition back to its own node is a stay: the entry actions do not repeat and the node's clocks
restart, which is how a follow-up reminder recurs without reopening anything.
`check_flow` reads the raw document and names the node behind each problem; `load_flow` refuses a
document with problems, so the engine only ever runs flows that passed the checks.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard

from routing import answers
from routing.answers import read_answer
from routing.text import tokens

KINDS = ("referral", "conversation")
NODE_TYPES = ("wait", "router", "action", "end")
# The role that fires timer transitions; no other transition may name it, so a deadline can never
# be faked by a person and a timer can never acknowledge anything.
TIMER_ACTOR = "timer"
CONDITION_TESTS = ("non_empty", "one_of", "has_any_word", "answer_is")
# What the host is asked to do, and the parameters each kind needs. `schedule_deadline` is missing
# on purpose: the engine emits it for every timer exit of the node it enters, so a flow cannot
# forget to start its own clock.
ACTION_PARAMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "say": ("text",),
        "ask": ("text",),
        "notify": ("to", "about"),
        "open_linked_referral": ("to", "purpose"),
        "hand_over": ("to", "fallback"),
        "give_reference": ("text",),
    }
)
SPOKEN_ACTIONS = ("say", "ask", "give_reference")
# What an answer_is condition can test; an empty reply is never an answer, so it asks again.
ANSWER_KINDS = tuple(kind for kind in answers.KINDS if kind != answers.EMPTY)
NODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow document; `node` is None when the problem is the flow's own."""

    node: str | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"node {self.node!r}" if self.node is not None else "flow"
        return f"{where}: {self.kind}: {self.message}"


class FlowError(ValueError):
    """A flow document failed its checks; `problems` says where and why."""

    def __init__(self, flow_id: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"flow {flow_id!r} has {len(self.problems)} problem(s): {listed}")


@dataclass(frozen=True)
class Condition:
    """A test on one field: of the event payload in a transition, of the run's data in a router."""

    field: str
    test: str
    values: tuple[Any, ...] = ()

    def holds(self, source: Mapping[str, Any]) -> bool:
        value = source.get(self.field)
        if self.test == "non_empty":
            return value is not None and (not isinstance(value, str) or value.strip() != "")
        if self.test == "one_of":
            return value in self.values
        if self.test == "answer_is":
            # The one yes / no / don't-know reader every channel shares (routing.answers).
            return isinstance(value, str) and read_answer(value).kind in self.values
        return isinstance(value, str) and _has_any_word(tokens(value), self.values)

    def describe(self) -> str:
        """The rule in words, without the value that broke it: payloads can hold narratives."""
        if self.test == "non_empty":
            return f"{self.field} must not be empty"
        if self.test == "one_of":
            return f"{self.field} must be one of {', '.join(map(str, self.values))}"
        if self.test == "answer_is":
            return f"{self.field} must read as {' or '.join(map(str, self.values))}"
        return f"{self.field} must contain one of {', '.join(map(str, self.values))}"


def _has_any_word(words: tuple[str, ...], phrases: tuple[Any, ...]) -> bool:
    for phrase in phrases:
        wanted = tokens(str(phrase))
        size = len(wanted)
        if size and any(words[at : at + size] == wanted for at in range(len(words) - size + 1)):
            return True
    return False


@dataclass(frozen=True)
class ActionSpec:
    """An action as the flow writes it; spoken text is keyed by language."""

    kind: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Transition:
    """A guarded way out of a wait node: which events, fired by whom, under which conditions, to where."""

    events: tuple[str, ...]
    to: str
    actors: tuple[str, ...]
    when: tuple[Condition, ...] = ()
    timer: str | None = None
    set_values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    save_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    actions: tuple[ActionSpec, ...] = ()

    def guard(self) -> str:
        """Who may fire it and what it needs, in words, for people reading a refusal or a diagram."""
        rules = [f"by {' or '.join(self.actors)}"] + [condition.describe() for condition in self.when]
        return "; ".join(rules)


@dataclass(frozen=True)
class Case:
    """One exit of a router: taken when all its conditions hold on the run's data."""

    name: str
    when: tuple[Condition, ...]
    to: str


@dataclass(frozen=True)
class Retry:
    """How many answers no transition accepts before a conversation gives up on the question, and where to."""

    limit: int
    to: str


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    label: str
    actions: tuple[ActionSpec, ...] = ()
    transitions: tuple[Transition, ...] = ()
    retry: Retry | None = None
    cases: tuple[Case, ...] = ()
    default: str | None = None
    next: str | None = None
    entered_only_by: tuple[str, ...] = ()

    def exits(self) -> tuple[tuple[str, str], ...]:
        """Every (label, target) leaving this node, in the order the engine tries them."""
        found = [(" ".join(t.events) if t.timer is None else f"timer {t.timer}", t.to) for t in self.transitions]
        if self.retry is not None:
            found.append((f"{self.retry.limit} failed answers", self.retry.to))
        found += [(case.name, case.to) for case in self.cases]
        if self.default is not None:
            found.append(("otherwise", self.default))
        if self.next is not None:
            found.append(("next", self.next))
        return tuple(found)


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    kind: str
    title: str
    start: str
    actors: tuple[str, ...]
    timers: Mapping[str, str]
    languages: tuple[str, ...]
    default_language: str | None
    nodes: Mapping[str, Node]

    def events(self) -> frozenset[str]:
        """Every event name some transition of this flow answers to, timers included."""
        return frozenset(name for node in self.nodes.values() for t in node.transitions for name in t.events)


def load_flow(source: str | Path | Mapping[str, Any]) -> Flow:
    """Read a flow from a JSON file path or an already parsed document; raise FlowError on any problem."""
    document = source if isinstance(source, Mapping) else json.loads(Path(source).read_text(encoding="utf-8"))
    problems = check_flow(document)
    if problems:
        raise FlowError(str(document.get("id", "?")), problems)
    return _build(document)


def check_flow(document: Mapping[str, Any]) -> list[Problem]:
    """Every problem in a raw flow document, each naming its node; an empty list means it can be loaded."""
    problems = _check_header(document)
    nodes = document.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        return problems + [Problem(None, "bad_flow", "nodes must be a non-empty list")]
    ids: dict[str, Mapping[str, Any]] = {}
    for position, raw in enumerate(nodes):
        node_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not isinstance(node_id, str) or not NODE_ID.match(node_id):
            problems.append(Problem(None, "bad_node", f"node #{position} needs an id in lower_snake_case"))
        elif node_id in ids:
            problems.append(Problem(node_id, "duplicate_node", "two nodes share this id"))
        else:
            ids[node_id] = raw
    start = document.get("start")
    if isinstance(start, str) and start not in ids:
        problems.append(Problem(None, "unknown_target", f"start names the unknown node {start!r}"))
    context = _Context(document, ids)
    for node_id, raw in ids.items():
        problems += _check_node(node_id, raw, context)
    if isinstance(start, str) and start in ids:
        problems += _check_graph(start, ids)
    return problems


@dataclass(frozen=True)
class _Context:
    """What node checks need to know about the whole document."""

    document: Mapping[str, Any]
    ids: Mapping[str, Mapping[str, Any]]

    @property
    def actors(self) -> tuple[str, ...]:
        actors = self.document.get("actors")
        return tuple(actors) if _is_names(actors) else ()

    @property
    def timers(self) -> Mapping[str, Any]:
        timers = self.document.get("timers")
        return timers if isinstance(timers, Mapping) else {}

    @property
    def languages(self) -> tuple[str, ...]:
        languages = self.document.get("languages")
        return tuple(languages) if _is_names(languages) else ()


def _is_names(value: Any) -> TypeGuard[list[str]]:
    """A non-empty list of non-empty strings: the shape of actors, events and languages."""
    return isinstance(value, list) and bool(value) and all(isinstance(name, str) and name for name in value)


def _check_header(document: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if not isinstance(document.get("id"), str) or not NODE_ID.match(document["id"]):
        problems.append(Problem(None, "bad_flow", "id must be a lower_snake_case string"))
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(None, "bad_flow", "version must be a positive integer"))
    if document.get("kind") not in KINDS:
        problems.append(Problem(None, "bad_flow", f"kind must be one of {', '.join(KINDS)}"))
    if not isinstance(document.get("start"), str):
        problems.append(Problem(None, "bad_flow", "start must name a node"))
    if not _is_names(document.get("actors")):
        problems.append(Problem(None, "bad_flow", "actors must be a non-empty list of role names"))
    timers = document.get("timers")
    if not isinstance(timers, Mapping) or not all(isinstance(text, str) for text in timers.values()):
        problems.append(Problem(None, "bad_flow", "timers must map each timer name to what sets its duration"))
    languages = document.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(code, str) for code in languages):
        problems.append(Problem(None, "bad_flow", "languages must be a list of language codes"))
    elif document.get("kind") == "conversation":
        if not languages:
            problems.append(Problem(None, "bad_flow", "a conversation needs at least one language"))
        elif document.get("default_language") not in languages:
            problems.append(Problem(None, "bad_flow", "default_language must be one of the languages"))
    return problems


def _check_node(node_id: str, raw: Mapping[str, Any], context: _Context) -> list[Problem]:
    problems = []
    node_type = raw.get("type")
    if node_type not in NODE_TYPES:
        return [Problem(node_id, "bad_node", f"type must be one of {', '.join(NODE_TYPES)}")]
    if "label" in raw and not isinstance(raw["label"], str):
        problems.append(Problem(node_id, "bad_node", "label must be text"))
    problems += _check_actions(node_id, raw.get("actions", []), context)
    allowed_keys = {"id", "type", "label", "actions", "entered_only_by"} | {
        "wait": {"transitions", "retry"},
        "router": {"cases", "default"},
        "action": {"next"},
        "end": set(),
    }[node_type]
    for key in sorted(set(raw) - allowed_keys):
        problems.append(Problem(node_id, "bad_node", f"a {node_type} node does not take {key!r}"))
    only = raw.get("entered_only_by", [])
    if not (only == [] or _is_names(only)) or not set(only) <= set(context.actors):
        problems.append(Problem(node_id, "unknown_actor", "entered_only_by must list actors of the flow"))
    if node_type == "wait":
        problems += _check_wait(node_id, raw, context)
    elif node_type == "router":
        problems += _check_router(node_id, raw, context)
    elif node_type == "action":
        if "next" not in raw:
            problems.append(Problem(node_id, "dead_end", "an action node needs a next node"))
        else:
            problems += _check_target(node_id, raw["next"], context)
    return problems


def _check_wait(node_id: str, raw: Mapping[str, Any], context: _Context) -> list[Problem]:
    transitions = raw.get("transitions", [])
    if not isinstance(transitions, list) or not transitions:
        return [Problem(node_id, "dead_end", "a wait node needs transitions out")]
    problems = []
    for transition in transitions:
        if not isinstance(transition, Mapping):
            problems.append(Problem(node_id, "bad_transition", "each transition must be an object"))
            continue
        problems += _check_transition(node_id, transition, context)
    if not any(isinstance(t, Mapping) and "timer" in t for t in transitions):
        problems.append(Problem(node_id, "no_timeout", "a wait needs a timer exit so no run waits forever"))
    retry = raw.get("retry")
    if retry is not None:
        limit = retry.get("limit") if isinstance(retry, Mapping) else None
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            problems.append(Problem(node_id, "bad_node", "retry needs a limit of at least 1 and a target"))
        else:
            problems += _check_target(node_id, retry.get("to"), context)
    elif context.document.get("kind") == "conversation":
        problems.append(
            Problem(node_id, "no_retry", "a conversation wait needs a retry exit for answers it cannot use")
        )
    return problems


def _check_transition(node_id: str, transition: Mapping[str, Any], context: _Context) -> list[Problem]:
    problems = _check_target(node_id, transition.get("to"), context)
    to = transition.get("to")
    target = context.ids.get(to, {}) if isinstance(to, str) else {}
    if "timer" in transition:
        if "on" in transition or "actors" in transition:
            problems.append(Problem(node_id, "bad_transition", "a timer exit takes neither 'on' nor 'actors'"))
        if not isinstance(transition["timer"], str) or transition["timer"] not in context.timers:
            problems.append(Problem(node_id, "unknown_timer", f"timer {transition['timer']!r} is not declared"))
        actors: Any = [TIMER_ACTOR]
    else:
        events = transition.get("on")
        if not _is_names(events):
            problems.append(Problem(node_id, "bad_transition", "a transition needs 'on': a list of event names"))
        elif set(events) & set(context.timers):
            problems.append(Problem(node_id, "bad_transition", "an event may not share a timer's name"))
        actors = transition.get("actors")
        if not _is_names(actors):
            problems.append(Problem(node_id, "bad_transition", "a transition needs 'actors': who may fire it"))
            actors = []
        elif TIMER_ACTOR in actors:
            problems.append(Problem(node_id, "bad_transition", "only timer exits are fired by the timer"))
    unknown = sorted(set(actors) - set(context.actors))
    if unknown:
        problems.append(Problem(node_id, "unknown_actor", f"actors not declared by the flow: {', '.join(unknown)}"))
    only = target.get("entered_only_by") if isinstance(target, Mapping) else None
    # A transition back to its own node is a stay, not an entry, so the node's entry guard does not apply.
    if _is_names(only) and to != node_id and not set(actors) <= set(only):
        problems.append(
            Problem(node_id, "guard_too_wide", f"only {', '.join(only)} may move a run into {transition.get('to')!r}")
        )
    problems += _check_conditions(node_id, transition.get("when", []))
    if not isinstance(transition.get("set", {}), Mapping):
        problems.append(Problem(node_id, "bad_transition", "'set' must map data keys to values"))
    save = transition.get("save", {})
    if not isinstance(save, Mapping) or not all(isinstance(source, str) for source in save.values()):
        problems.append(Problem(node_id, "bad_transition", "'save' must map data keys to payload fields"))
    problems += _check_actions(node_id, transition.get("actions", []), context)
    extra = set(transition) - {"on", "timer", "actors", "when", "set", "save", "actions", "to"}
    if extra:
        problems.append(Problem(node_id, "bad_transition", f"unknown keys: {', '.join(sorted(extra))}"))
    return problems


def _check_router(node_id: str, raw: Mapping[str, Any], context: _Context) -> list[Problem]:
    problems = []
    cases = raw.get("cases")
    if not isinstance(cases, list) or not cases:
        problems.append(Problem(node_id, "bad_node", "a router needs cases"))
        cases = []
    for case in cases:
        if not isinstance(case, Mapping) or not isinstance(case.get("name"), str) or not case.get("when"):
            problems.append(Problem(node_id, "bad_node", "each case needs a name and conditions"))
            continue
        problems += _check_conditions(node_id, case["when"]) + _check_target(node_id, case.get("to"), context)
    if "default" not in raw:
        problems.append(Problem(node_id, "dead_end", "a router needs a default exit for when no case holds"))
    else:
        problems += _check_target(node_id, raw["default"], context)
    return problems


def _check_conditions(node_id: str, conditions: Any) -> list[Problem]:
    if not isinstance(conditions, list):
        return [Problem(node_id, "bad_condition", "'when' must be a list of conditions")]
    problems = []
    for condition in conditions:
        if not isinstance(condition, Mapping) or not isinstance(condition.get("field"), str):
            problems.append(Problem(node_id, "bad_condition", "a condition needs a field"))
        elif condition.get("is") not in CONDITION_TESTS:
            problems.append(Problem(node_id, "bad_condition", f"'is' must be one of {', '.join(CONDITION_TESTS)}"))
        elif condition["is"] != "non_empty" and not isinstance(condition.get("values"), list):
            problems.append(Problem(node_id, "bad_condition", f"{condition['is']} needs a list of values"))
        elif condition["is"] == "answer_is" and not set(condition["values"]) <= set(ANSWER_KINDS):
            problems.append(Problem(node_id, "bad_condition", f"answer_is reads only {', '.join(ANSWER_KINDS)}"))
    return problems


def _check_target(node_id: str, target: Any, context: _Context) -> list[Problem]:
    if isinstance(target, str) and target in context.ids:
        return []
    return [Problem(node_id, "unknown_target", f"exit to the unknown node {target!r}")]


def _check_actions(node_id: str, actions: Any, context: _Context) -> list[Problem]:
    if not isinstance(actions, list):
        return [Problem(node_id, "bad_action", "actions must be a list")]
    problems = []
    for action in actions:
        kind = action.get("kind") if isinstance(action, Mapping) else None
        if not isinstance(kind, str) or kind not in ACTION_PARAMS:
            problems.append(Problem(node_id, "bad_action", f"unknown action kind {kind!r}"))
            continue
        missing = [name for name in ACTION_PARAMS[kind] if name not in action]
        if missing:
            problems.append(Problem(node_id, "bad_action", f"{kind} needs {', '.join(missing)}"))
        elif kind in SPOKEN_ACTIONS:
            text = action["text"]
            wanted = context.languages or ()
            absent = [code for code in wanted if not isinstance(text, Mapping) or not text.get(code)]
            if not isinstance(text, Mapping) or not text or absent:
                problems.append(
                    Problem(node_id, "missing_text", f"{kind} has no text in {', '.join(absent) or 'any language'}")
                )
            elif "chat" in action and (
                not isinstance(action["chat"], Mapping) or any(not action["chat"].get(code) for code in wanted)
            ):
                problems.append(Problem(node_id, "missing_text", f"{kind} has a chat text missing a language"))
            elif kind == "give_reference" and not all("{reference}" in str(line) for line in text.values()):
                problems.append(
                    Problem(node_id, "bad_action", "give_reference text must hold {reference} for the host")
                )
    return problems


def _check_graph(start: str, ids: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Problems of the shape: nodes no run reaches, runs that cannot end, loops that never wait.

    Exits to unknown nodes are left out here; they are reported where the exit is written.
    """
    exits = {
        node_id: [t for t in _exit_targets(raw) if isinstance(t, str) and t in ids] for node_id, raw in ids.items()
    }
    problems = []
    reached = _reachable([start], exits)
    for node_id in ids:
        if node_id not in reached:
            problems.append(Problem(node_id, "unreachable", "no path from the start leads here"))
    reverse: dict[str, list[str]] = {node_id: [] for node_id in ids}
    for node_id, targets in exits.items():
        for target in targets:
            reverse[target].append(node_id)
    can_end = _reachable([node_id for node_id, raw in ids.items() if raw.get("type") == "end"], reverse)
    for node_id in ids:
        if node_id in reached and node_id not in can_end:
            problems.append(Problem(node_id, "no_way_to_end", "no path from here reaches an end node"))
    moving = {node_id: [t for t in exits[node_id] if ids[t].get("type") in ("router", "action")] for node_id in ids}
    for node_id, raw in ids.items():
        if raw.get("type") in ("router", "action") and node_id in _reachable(moving[node_id], moving):
            problems.append(Problem(node_id, "loop_without_wait", "a run could cycle here forever without waiting"))
    return problems


def _exit_targets(raw: Mapping[str, Any]) -> list[Any]:
    exits = [raw.get("retry")] + _listed(raw.get("transitions")) + _listed(raw.get("cases"))
    targets = [exit.get("to") for exit in exits if isinstance(exit, Mapping)]
    return targets + [raw.get(key) for key in ("default", "next")]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _reachable(starts: Sequence[str], exits: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        node_id = pending.pop()
        if node_id not in seen:
            seen.add(node_id)
            pending.extend(exits[node_id])
    return seen


def _build(document: Mapping[str, Any]) -> Flow:
    nodes = {raw["id"]: _node(raw) for raw in document["nodes"]}
    return Flow(
        id=document["id"],
        version=document["version"],
        kind=document["kind"],
        title=document.get("title", document["id"]),
        start=document["start"],
        actors=tuple(document["actors"]),
        timers=MappingProxyType(dict(document["timers"])),
        languages=tuple(document.get("languages", ())),
        default_language=document.get("default_language"),
        nodes=MappingProxyType(nodes),
    )


def _node(raw: Mapping[str, Any]) -> Node:
    retry = raw.get("retry")
    return Node(
        id=raw["id"],
        type=raw["type"],
        label=raw.get("label", raw["id"]),
        actions=_actions(raw.get("actions", [])),
        transitions=tuple(_transition(t) for t in raw.get("transitions", [])),
        retry=Retry(retry["limit"], retry["to"]) if retry else None,
        cases=tuple(Case(c["name"], _conditions(c["when"]), c["to"]) for c in raw.get("cases", [])),
        default=raw.get("default"),
        next=raw.get("next"),
        entered_only_by=tuple(raw.get("entered_only_by", ())),
    )


def _transition(raw: Mapping[str, Any]) -> Transition:
    timer = raw.get("timer")
    return Transition(
        events=(timer,) if timer else tuple(raw["on"]),
        to=raw["to"],
        actors=(TIMER_ACTOR,) if timer else tuple(raw["actors"]),
        when=_conditions(raw.get("when", [])),
        timer=timer,
        set_values=MappingProxyType(dict(raw.get("set", {}))),
        save_fields=MappingProxyType(dict(raw.get("save", {}))),
        actions=_actions(raw.get("actions", [])),
    )


def _conditions(raw: Sequence[Mapping[str, Any]]) -> tuple[Condition, ...]:
    return tuple(Condition(c["field"], c["is"], tuple(c.get("values", ()))) for c in raw)


def _actions(raw: Sequence[Mapping[str, Any]]) -> tuple[ActionSpec, ...]:
    specs = []
    for action in raw:
        params = {key: value for key, value in action.items() if key != "kind"}
        for key in ("text", "chat"):
            if isinstance(params.get(key), Mapping):
                params[key] = MappingProxyType(dict(params[key]))
        specs.append(ActionSpec(action["kind"], MappingProxyType(params)))
    return tuple(specs)


USAGE = "usage: flows check FILE [FILE ...]"


def problems_in(path: Path) -> list[Problem]:
    """The problems of one flow file, including a file that cannot be read or is not a JSON object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [Problem(None, "unreadable", str(error))]
    if not isinstance(document, dict):
        return [Problem(None, "bad_flow", "a flow file holds one JSON object")]
    return check_flow(document)


def main(argv: Sequence[str]) -> int:
    """Check each file named in argv; 0 when all are sound, 1 when any has a problem, 2 on bad usage."""
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    failed = False
    for name in argv:
        problems = problems_in(Path(name))
        for problem in problems:
            print(f"{name}: {problem}")
        if not problems:
            print(f"{name}: ok")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
