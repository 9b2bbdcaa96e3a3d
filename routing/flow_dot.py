"""A flow as Graphviz DOT, and the committed SVGs that `dot` renders from it, marked at run time.

`make diagrams` writes `routing/flows/diagrams/<flow>-v<version>.dot` with `flow_to_dot` and renders
each to SVG with Graphviz's `dot` (a build-time tool only). Nodes and edges carry stable SVG ids
(`node-<id>`, `edge-<from>--<to>`), so the running app needs no Graphviz: `mark_svg` adds the CSS
classes `current`, `visited` and `taken` to the committed SVG for one referral's state and path.
A test regenerates the DOT in Python and compares it with the committed file, so a flow changed
without `make diagrams` fails without `dot` installed.

    python -m routing.flow_dot routing/flows/diagrams   # write the DOT files (make diagrams renders them)
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from routing.flow_definition import Flow, load_flow

FLOWS_DIR = Path(__file__).with_name("flows")
DIAGRAMS_DIR = FLOWS_DIR / "diagrams"
SVG_NS = "http://www.w3.org/2000/svg"
SHAPES = {"wait": "box", "action": "box", "router": "diamond", "end": "doubleoctagon"}
# Drawn by `dot` into the SVG as attributes; the page's classes (current, visited, taken) override them.
STYLE = """
.node.visited path, .node.visited polygon { fill: #dcecff; stroke: #1f6feb; }
.node.current path, .node.current polygon { fill: #ffe8b3; stroke: #c25e00; stroke-width: 3; }
.edge.taken path { stroke: #1f6feb; stroke-width: 2.4; }
.edge.taken polygon { fill: #1f6feb; stroke: #1f6feb; }
.edge.taken text { fill: #1f6feb; font-weight: bold; }
"""


def flow_to_dot(flow: Flow) -> str:
    """The flow as a DOT digraph, top to bottom, one edge per pair of nodes labelled with its events."""
    lines = [
        f"digraph {_quote(flow.id)} {{",
        f"  graph [rankdir=TB, fontname=sans, label={_quote(f'{flow.title} (v{flow.version})')}, labelloc=t];",
        '  node [fontname=sans, fontsize=12, style="rounded,filled", fillcolor="#ffffff", color="#44546a"];',
        '  edge [fontname=sans, fontsize=9, color="#8a96a3", fontcolor="#4b5563"];',
    ]
    for node in flow.nodes.values():
        attributes = {
            "id": f"node-{node.id}",
            "class": node.type,  # dot adds "node" itself
            "label": node.label,
            "shape": SHAPES.get(node.type, "box"),
        }
        if node.id == flow.start:
            attributes["penwidth"] = "2"
        lines.append(f"  {_quote(node.id)} [{_attributes(attributes)}];")
    for (source, target), label in _merged_exits(flow).items():
        attributes = {"id": f"edge-{source}--{target}", "label": label}
        lines.append(f"  {_quote(source)} -> {_quote(target)} [{_attributes(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def diagram_stem(flow: Flow) -> str:
    return f"{flow.id}-v{flow.version}"


def committed_svg(flow: Flow) -> str | None:
    """The SVG `make diagrams` rendered for exactly this flow version, if one is committed."""
    path = DIAGRAMS_DIR / f"{diagram_stem(flow)}.svg"
    dot = DIAGRAMS_DIR / f"{diagram_stem(flow)}.dot"
    # A stored version edited in the flow editor keeps its number but not its drawing: only a DOT
    # identical to the flow's own says the SVG is its picture.
    if not path.exists() or not dot.exists() or dot.read_text(encoding="utf-8") != flow_to_dot(flow):
        return None
    return path.read_text(encoding="utf-8")


def mark_svg(svg: str, current: str | None = None, path: Sequence[str] = ()) -> str:
    """The committed SVG with `current`, the `visited` nodes of `path` and its `taken` edges classed."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(_without_doctype(svg))
    visited = {f"node-{node}" for node in path}
    taken = {f"edge-{a}--{b}" for a, b in zip(path, path[1:], strict=False)}
    for group in root.iter(f"{{{SVG_NS}}}g"):
        element_id = group.get("id", "")
        extra = []
        if element_id in visited:
            extra.append("visited")
        if current is not None and element_id == f"node-{current}":
            extra.append("current")
        if element_id in taken:
            extra.append("taken")
        if extra:
            group.set("class", " ".join([group.get("class", ""), *extra]).strip())
    style = ET.Element(f"{{{SVG_NS}}}style")
    style.text = STYLE
    root.insert(0, style)
    return ET.tostring(root, encoding="unicode")


def _merged_exits(flow: Flow) -> dict[tuple[str, str], str]:
    merged: dict[tuple[str, str], list[str]] = {}
    for node in flow.nodes.values():
        for label, target in node.exits():
            names = merged.setdefault((node.id, target), [])
            if label not in names:
                names.append(label)
    return {pair: ", ".join(names) for pair, names in merged.items()}


def _attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{key}={_quote(value)}" for key, value in attributes.items())


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _without_doctype(svg: str) -> str:
    return re.sub(r"<!DOCTYPE[^>]*>", "", re.sub(r"<\?xml[^>]*\?>", "", svg), count=1).strip()


def write_dot_files(target: Path) -> list[Path]:
    """One DOT file per flow file in routing/flows/; returns the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(FLOWS_DIR.glob("*.json")):
        flow = load_flow(source)
        path = target / f"{diagram_stem(flow)}.dot"
        path.write_text(flow_to_dot(flow), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_dot_files(Path(sys.argv[1]) if len(sys.argv) > 1 else DIAGRAMS_DIR):
        print(written_path)
