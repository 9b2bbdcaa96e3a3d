"""The SVG picture of a flow: valid XML, every node boxed, no overlaps in a layer, the path and current node marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from routing.flow_definition import Flow, load_flow
from routing.flow_diagram import render_svg
from tests.flows.replay import flow_named
from tests.flows.test_check import make_flow

SVG = "{http://www.w3.org/2000/svg}"
FLOWS = (
    "referral_national",
    "referral_crossborder",
    "referral_justice",
    "referral_child",
    "referral_origin",
    "intake_conversation",
)


def boxes(root: ET.Element) -> dict[str, tuple[float, float, float, str]]:
    """Node id -> (x, y, width, classes)."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("data-node"):
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            found[group.get("data-node", "")] = (
                float(rect.get("x", "")),
                float(rect.get("y", "")),
                float(rect.get("width", "")),
                group.get("class", ""),
            )
    return found


def edges(root: ET.Element) -> dict[tuple[str, str], str]:
    return {
        (group.get("data-from", ""), group.get("data-to", "")): group.get("class", "")
        for group in root.iter(f"{SVG}g")
        if group.get("data-from")
    }


@pytest.mark.parametrize("flow_id", FLOWS)
def test_every_node_and_exit_is_drawn_without_overlaps(flow_id: str) -> None:
    flow = flow_named(flow_id)
    root = ET.fromstring(render_svg(flow))
    drawn = boxes(root)
    assert set(drawn) == set(flow.nodes)
    assert set(edges(root)) == {(node.id, target) for node in flow.nodes.values() for _, target in node.exits()}
    layers: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for x, y, width, _ in drawn.values():
        layers[y].append((x, x + width))
    for spans in layers.values():
        spans.sort()
        for (_, right), (left, _) in zip(spans, spans[1:], strict=False):
            assert right <= left
    assert "href" not in render_svg(flow)


def test_the_start_is_on_top_and_the_layers_follow_the_flow() -> None:
    flow = flow_named("referral_national")
    drawn = boxes(ET.fromstring(render_svg(flow)))
    assert drawn["received"][1] < drawn["triaged"][1] < drawn["referred"][1] < drawn["acknowledged"][1]
    assert all(y >= drawn["received"][1] for _, y, _, _ in drawn.values())


def test_the_current_node_and_the_path_taken_are_marked() -> None:
    flow = flow_named("referral_national")
    path = ["received", "triaged", "referred", "escalated", "acknowledged", "accepted", "accepted"]
    root = ET.fromstring(render_svg(flow, current="accepted", path=path))
    drawn = boxes(root)
    assert "current" in drawn["accepted"][3].split()
    assert [node for node, box in drawn.items() if "current" in box[3].split()] == ["accepted"]
    assert {node for node, box in drawn.items() if "visited" in box[3].split()} == set(path)
    taken = {pair for pair, classes in edges(root).items() if "taken" in classes.split()}
    assert taken == {
        ("received", "triaged"),
        ("triaged", "referred"),
        ("referred", "escalated"),
        ("escalated", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "accepted"),
    }


def test_nothing_is_marked_without_a_path() -> None:
    svg = render_svg(flow_named("intake_conversation"))
    assert "current" not in svg.split("<style>")[0] + svg.split("</style>")[1]
    assert 'class="edge taken"' not in svg


def test_labels_are_escaped() -> None:
    document = make_flow()
    document["title"] = 'Flow "A" & <B>'
    document["nodes"][0]["label"] = "Ask <now> & 'wait'"
    flow: Flow = load_flow(document)
    root = ET.fromstring(render_svg(flow, current="asking"))
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Ask <now> & 'wait'" in texts
    assert root.get("aria-label") == 'Flow "A" & <B>'
