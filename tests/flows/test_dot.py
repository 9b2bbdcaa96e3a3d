"""The Graphviz diagrams: the committed DOT is what the flows say now, and the SVG is marked by node ids."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from routing.flow_definition import load_flow
from routing.flow_dot import DIAGRAMS_DIR, FLOWS_DIR, committed_svg, diagram_stem, flow_to_dot, mark_svg

SVG = "{http://www.w3.org/2000/svg}"
FLOW_FILES = sorted(FLOWS_DIR.glob("*.json"))


@pytest.mark.parametrize("source", FLOW_FILES, ids=[path.stem for path in FLOW_FILES])
def test_the_committed_dot_is_fresh(source: Path) -> None:
    """Fails when a flow changes without `make diagrams` (which needs no `dot` to check)."""
    flow = load_flow(source)
    committed = DIAGRAMS_DIR / f"{diagram_stem(flow)}.dot"
    assert committed.exists(), f"run `make diagrams`: {committed.name} is missing"
    assert committed.read_text(encoding="utf-8") == flow_to_dot(flow), f"run `make diagrams`: {committed.name} is stale"
    svg = (DIAGRAMS_DIR / f"{diagram_stem(flow)}.svg").read_text(encoding="utf-8")
    for node_id in flow.nodes:
        assert f'id="node&#45;{node_id}"' in svg or f'id="node-{node_id}"' in svg, node_id


def test_a_changed_flow_no_longer_matches_its_drawing() -> None:
    document = json.loads((FLOWS_DIR / "referral_justice.json").read_text(encoding="utf-8"))
    assert committed_svg(load_flow(document)) is not None
    document["nodes"][0]["label"] = "Received by the hotline"
    changed = load_flow(document)
    assert flow_to_dot(changed) != (DIAGRAMS_DIR / f"{diagram_stem(changed)}.dot").read_text(encoding="utf-8")
    assert committed_svg(changed) is None


def test_every_node_and_edge_has_a_stable_id_and_quotes_are_escaped() -> None:
    flow = load_flow(FLOWS_DIR / "referral_justice.json")
    dot = flow_to_dot(flow)
    for node_id in flow.nodes:
        assert f'id="node-{node_id}"' in dot
    assert 'id="edge-prosecution--verdict", label="record_verdict"' in dot
    assert "prosecutor's referral" in dot and dot.count("{") == dot.count("}") == 1


def test_the_svg_marks_the_current_state_and_the_path_taken() -> None:
    flow = load_flow(FLOWS_DIR / "referral_justice.json")
    svg = committed_svg(flow)
    assert svg is not None
    path = ("received", "triaged", "referred", "acknowledged", "accepted", "investigation", "prosecution")
    root = ET.fromstring(mark_svg(svg, current="prosecution", path=path))
    classes = {group.get("id"): group.get("class", "") for group in root.iter(f"{SVG}g") if group.get("id")}
    assert classes["node-prosecution"].split() == ["node", "wait", "visited", "current"]
    assert "visited" in classes["node-received"].split() and "current" not in classes["node-received"]
    assert "visited" not in classes["node-verdict"]
    assert "taken" in classes["edge-investigation--prosecution"].split()
    assert "taken" not in classes["edge-prosecution--verdict"]
    assert root.find(f"{SVG}style") is not None
