"""A flow drawn as a self-contained SVG: layered top to bottom, with the current node and the path taken marked.

The layout is the classic layered one, small enough to need no Graphviz: edges that point back up
are turned round so the graph has no cycles, each node sits on the layer of its longest path from
the start, edges that skip layers pass through invisible waypoints on the layers between, and two
sweeps of averaging neighbours' positions order each layer to cut crossings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from routing.flow_definition import Flow

BOX_HEIGHT = 40
LAYER_GAP = 72
NODE_GAP = 36
MARGIN = 24
WAYPOINT_WIDTH = 14
CHAR_WIDTH = 7.2
LABEL_CHAR_WIDTH = 5.6
LOOP_REACH = 34
ORDER_SWEEPS = 8

STYLE = """
.node rect { fill: #ffffff; stroke: #44546a; stroke-width: 1.4; }
.node.router rect { fill: #fff7e0; }
.node.action rect { fill: #f1f3f5; }
.node.end rect { fill: #eef2f7; stroke-width: 2.6; }
.node.visited rect { fill: #dcecff; stroke: #1f6feb; }
.node.current rect { fill: #ffe8b3; stroke: #c25e00; stroke-width: 3.4; }
.node text { font: 13px sans-serif; fill: #1b1f24; text-anchor: middle; dominant-baseline: central; }
.edge path { fill: none; stroke: #8a96a3; stroke-width: 1.2; marker-end: url(#arrow); }
.edge.taken path { stroke: #1f6feb; stroke-width: 2.6; marker-end: url(#arrow-taken); }
.edge text { font: 10px sans-serif; fill: #4b5563; }
.edge.taken text { fill: #1f6feb; font-weight: bold; }
.edge rect { fill: #ffffff; opacity: 0.85; }
"""


@dataclass
class _Vertex:
    """A node's box, or an invisible waypoint of an edge crossing a layer."""

    key: str
    width: float
    layer: int = 0
    order: float = 0.0
    x: float = 0.0
    y: float = 0.0
    above: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    label: str
    chain: tuple[str, ...]
    turned: bool


def render_svg(flow: Flow, current: str | None = None, path: Sequence[str] = ()) -> str:
    """The flow as an SVG document; `current` is outlined and the nodes and edges of `path` are coloured."""
    labels = _merged_exits(flow)
    loops = {source: label for (source, target), label in labels.items() if source == target}
    vertices = {
        node.id: _Vertex(node.id, _box_width(node.label) + (_loop_width(loops[node.id]) if node.id in loops else 0))
        for node in flow.nodes.values()
    }
    turned = _edges_pointing_back(flow, labels)
    _assign_layers(vertices, [(t, s) if (s, t) in turned else (s, t) for s, t in labels if s != t])
    edges = [
        _chain(vertices, source, target, label, (source, target) in turned)
        for (source, target), label in labels.items()
        if source != target
    ]
    _order_layers(vertices)
    width, height = _place(vertices)
    taken = {(a, b) for a, b in zip(path, path[1:], strict=False)}
    visited = set(path)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label={quoteattr(flow.title)}>',
        f"<title>{escape(f'{flow.title} (v{flow.version})')}</title>",
        f"<style>{STYLE}</style>",
        "<defs>",
        _marker("arrow", "#8a96a3"),
        _marker("arrow-taken", "#1f6feb"),
        "</defs>",
    ]
    for edge in edges:
        parts.append(_edge_svg(vertices, flow, edge, (edge.source, edge.target) in taken))
    for source, label in loops.items():
        parts.append(_loop_svg(vertices[source], flow.nodes[source].label, label, (source, source) in taken))
    for node in flow.nodes.values():
        box = vertices[node.id]
        classes = ["node", node.type] + (["visited"] if node.id in visited else [])
        classes += ["current"] if node.id == current else []
        box_width = _box_width(node.label)
        parts.append(
            f'<g id={quoteattr("node-" + node.id)} class="{" ".join(classes)}" data-node={quoteattr(node.id)}>'
            f"<title>{escape(node.id)}</title>"
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box_width:.1f}" height="{BOX_HEIGHT}" rx="10" ry="10"/>'
            f'<text x="{box.x + box_width / 2:.1f}" y="{box.y + BOX_HEIGHT / 2:.1f}">{escape(node.label)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _merged_exits(flow: Flow) -> dict[tuple[str, str], str]:
    """One edge per pair of nodes, labelled with every event that takes it."""
    merged: dict[tuple[str, str], list[str]] = {}
    for node in flow.nodes.values():
        for label, target in node.exits():
            names = merged.setdefault((node.id, target), [])
            if label not in names:
                names.append(label)
    return {pair: ", ".join(names) for pair, names in merged.items()}


def _box_width(label: str) -> float:
    return max(96.0, len(label) * CHAR_WIDTH + 28)


def _loop_width(label: str) -> float:
    return LOOP_REACH + len(label) * LABEL_CHAR_WIDTH + 8


def _edges_pointing_back(flow: Flow, labels: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
    """Edges that close a cycle in a depth-first walk from the start: drawn upwards, laid out turned round."""
    exits: dict[str, list[str]] = {node_id: [] for node_id in flow.nodes}
    for source, target in labels:
        if source != target:
            exits[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, str] = {}
    roots = [flow.start] + [node_id for node_id in flow.nodes if node_id != flow.start]
    for root in roots:
        if root in state:
            continue
        state[root] = "open"
        stack = [(root, iter(exits[root]))]
        while stack:
            node_id, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                state[node_id] = "done"
                stack.pop()
            elif state.get(following) == "open":
                back.add((node_id, following))
            elif following not in state:
                state[following] = "open"
                stack.append((following, iter(exits[following])))
    return back


def _assign_layers(vertices: dict[str, _Vertex], edges: list[tuple[str, str]]) -> None:
    """Longest path from the sources: every edge points at least one layer down."""
    incoming = {key: 0 for key in vertices}
    for _, target in edges:
        incoming[target] += 1
    ready = [key for key in vertices if incoming[key] == 0]
    while ready:
        key = ready.pop(0)
        for source, target in edges:
            if source == key:
                vertices[target].layer = max(vertices[target].layer, vertices[key].layer + 1)
                incoming[target] -= 1
                if incoming[target] == 0:
                    ready.append(target)


def _chain(vertices: dict[str, _Vertex], source: str, target: str, label: str, turned: bool) -> _Edge:
    """Link two nodes through one waypoint per layer between them, top to bottom."""
    top, bottom = (target, source) if turned else (source, target)
    chain = [top]
    for layer in range(vertices[top].layer + 1, vertices[bottom].layer):
        key = f"{source}>{target}@{layer}"
        vertices[key] = _Vertex(key, WAYPOINT_WIDTH, layer)
        chain.append(key)
    chain.append(bottom)
    for upper, lower in zip(chain, chain[1:], strict=False):
        vertices[upper].below.append(lower)
        vertices[lower].above.append(upper)
    return _Edge(source, target, label, tuple(chain), turned)


def _order_layers(vertices: dict[str, _Vertex]) -> None:
    layers = _layers(vertices)
    for layer in layers:
        for position, vertex in enumerate(layer):
            vertex.order = position
    for sweep in range(ORDER_SWEEPS):
        downwards = sweep % 2 == 0
        for layer in layers[1:] if downwards else reversed(layers[:-1]):
            for vertex in layer:
                neighbours = vertex.above if downwards else vertex.below
                if neighbours:
                    vertex.order = sum(vertices[key].order for key in neighbours) / len(neighbours)
            layer.sort(key=lambda vertex: vertex.order)
            for position, vertex in enumerate(layer):
                vertex.order = position


def _layers(vertices: dict[str, _Vertex]) -> list[list[_Vertex]]:
    layers: list[list[_Vertex]] = [[] for _ in range(max(v.layer for v in vertices.values()) + 1)]
    for vertex in vertices.values():
        layers[vertex.layer].append(vertex)
    return layers


def _place(vertices: dict[str, _Vertex]) -> tuple[float, float]:
    """Each vertex pulled towards the centre of its neighbours, kept in order and apart within its layer."""
    layers = [sorted(layer, key=lambda vertex: vertex.order) for layer in _layers(vertices)]
    for index, layer in enumerate(layers):
        _pack(layer, [vertex.x for vertex in layer])
        for vertex in layer:
            vertex.y = MARGIN + index * (BOX_HEIGHT + LAYER_GAP)
    for sweep in range(ORDER_SWEEPS):
        downwards = sweep % 2 == 0
        for layer in layers if downwards else reversed(layers):
            wanted = []
            for vertex in layer:
                neighbours = [vertices[key] for key in (vertex.above if downwards else vertex.below)]
                centre = sum(n.x + n.width / 2 for n in neighbours) / len(neighbours) if neighbours else None
                wanted.append(vertex.x if centre is None else centre - vertex.width / 2)
            _pack(layer, wanted)
    left = min(vertex.x for vertex in vertices.values())
    for vertex in vertices.values():
        vertex.x += MARGIN - left
    right = max(vertex.x + vertex.width for vertex in vertices.values())
    return right + MARGIN, MARGIN * 2 + len(layers) * BOX_HEIGHT + (len(layers) - 1) * LAYER_GAP


def _pack(layer: list[_Vertex], wanted: list[float]) -> None:
    """Put each vertex as near its wanted x as the gaps allow, keeping the order.

    Packing from the left pushes crowded vertices right, packing from the right pushes them left;
    the average of two placements that keep the gaps keeps them too, and favours neither side.
    """
    pushed_right: list[float] = []
    for position in range(len(layer)):
        floor = pushed_right[-1] + layer[position - 1].width + NODE_GAP if position else wanted[0]
        pushed_right.append(max(wanted[position], floor))
    pushed_left: list[float] = [0.0] * len(layer)
    for position in range(len(layer) - 1, -1, -1):
        vertex = layer[position]
        ceiling = pushed_left[position + 1] - NODE_GAP - vertex.width if position < len(layer) - 1 else wanted[-1]
        pushed_left[position] = min(wanted[position], ceiling)
    for position, vertex in enumerate(layer):
        vertex.x = (pushed_right[position] + pushed_left[position]) / 2


def _edge_svg(vertices: dict[str, _Vertex], flow: Flow, edge: _Edge, taken: bool) -> str:
    # An edge drawn upwards leaves and enters boxes off-centre, so it does not hide the edge going down.
    shift = 0.25 if edge.turned else 0.0
    points = []
    for index, key in enumerate(edge.chain):
        vertex = vertices[key]
        if key in flow.nodes:
            box_width = _box_width(flow.nodes[key].label)
            x = vertex.x + box_width / 2 + box_width * shift
            y = vertex.y + BOX_HEIGHT if index == 0 else vertex.y
        else:
            x, y = vertex.x + WAYPOINT_WIDTH / 2, vertex.y + BOX_HEIGHT / 2
        points.append((x, y))
    if edge.turned:
        points.reverse()
    (x1, y1), (x2, y2) = points[0], points[1]
    label_x, label_y = x1 + (x2 - x1) * 0.45, y1 + (y2 - y1) * 0.45
    drawn = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
    return (
        f'<g id={quoteattr(f"edge-{edge.source}-{edge.target}")} class="edge{" taken" if taken else ""}" '
        f"data-from={quoteattr(edge.source)} data-to={quoteattr(edge.target)}>"
        f"<title>{escape(f'{edge.source} → {edge.target}: {edge.label}')}</title>"
        f'<path d="{drawn}"/>{_label_svg(label_x + 4, label_y, edge.label)}</g>'
    )


def _loop_svg(vertex: _Vertex, node_label: str, label: str, taken: bool) -> str:
    right = vertex.x + _box_width(node_label)
    top, bottom = vertex.y + 10, vertex.y + BOX_HEIGHT - 10
    drawn = (
        f"M {right:.1f} {top:.1f} C {right + LOOP_REACH:.1f} {top - 18:.1f} "
        f"{right + LOOP_REACH:.1f} {bottom + 18:.1f} {right:.1f} {bottom:.1f}"
    )
    return (
        f'<g id={quoteattr(f"edge-{vertex.key}-{vertex.key}")} class="edge{" taken" if taken else ""}" '
        f"data-from={quoteattr(vertex.key)} data-to={quoteattr(vertex.key)}>"
        f"<title>{escape(f'{vertex.key} → {vertex.key}: {label}')}</title>"
        f'<path d="{drawn}"/>{_label_svg(right + LOOP_REACH - 4, vertex.y + BOX_HEIGHT / 2, label)}</g>'
    )


def _label_svg(x: float, y: float, label: str) -> str:
    width = len(label) * LABEL_CHAR_WIDTH + 4
    return (
        f'<rect x="{x - 2:.1f}" y="{y - 7:.1f}" width="{width:.1f}" height="13"/>'
        f'<text x="{x:.1f}" y="{y + 3:.1f}">{escape(label)}</text>'
    )


def _marker(marker_id: str, colour: str) -> str:
    return (
        f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
    )
