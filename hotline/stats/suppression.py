"""Secondary suppression: complementary cells withheld so no small count can be worked out from totals.

Primary suppression (`figures.cell`) shows counts of 1 and 2 as "<3". A reader who knows a column's
total (from another table: the funnel's "received" is the sum of the tickets by country) could
subtract the visible cells and recover a lone "<3". So in every line whose cells add up to a total
known elsewhere (a table's `meta["additive"]`: "rows" for every count column, "both" for a
cross-tabulation's rows too), enough further cells are withheld ("x") that each "<3" cell could
still be 1 or 2 given every constraint a reader has: "<3" is 1 or 2, "x" is 3 or more (only cells
of 3 or more are chosen).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

SMALL = 3


@dataclass(frozen=True)
class Withheld:
    """A cell hidden so that a suppressed one cannot be recovered (shown as "x")."""

    value: Any


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _primary(value: Any) -> bool:
    return _count(value) and 0 < value < SMALL


def recoverable(primaries: int, withheld: int, hidden_sum: int, floor: int = SMALL) -> bool:
    """Whether a "<3" cell in a line with these suppressed cells can be pinned to one value.

    Each of the other primaries is 1 or 2 and each withheld cell at least `floor`; the line's total
    (so the hidden sum) is known. A primary is safe if both 1 and 2 leave the rest feasible.
    """
    if primaries == 0:
        return False
    low = (primaries - 1) + floor * withheld
    high = float("inf") if withheld else 2 * (primaries - 1)
    feasible = [v for v in (1, 2) if low <= hidden_sum - v <= high]
    return len(feasible) < 2


def lines(table_rows: Sequence[Sequence[Any]], mode: str, skip: Sequence[int] = ()) -> list[list[tuple[int, int]]]:
    """The lines of cells that add up to a total a reader may know: per count column, and per row in "both"."""
    width = max((len(row) for row in table_rows), default=0)
    columns = [j for j in range(1, width) if j not in skip and any(_count(row[j]) for row in table_rows)]
    found = [[(i, j) for i, row in enumerate(table_rows) if _count(row[j])] for j in columns]
    if mode == "both":
        found += [[(i, j) for j in columns if _count(row[j])] for i, row in enumerate(table_rows)]
    return [line for line in found if line]


def protect(rows: Sequence[Sequence[Any]], mode: str | None, skip: Sequence[int] = ()) -> tuple[tuple[Any, ...], ...]:
    """The rows with complementary cells wrapped in `Withheld`, until no line lets a "<3" be recovered."""
    grid = [list(row) for row in rows]
    if not mode:
        return tuple(tuple(row) for row in grid)
    every = lines(grid, mode, skip)
    withheld: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for line in every:
            small = [cell for cell in line if _primary(grid[cell[0]][cell[1]])]
            hidden = [cell for cell in line if cell in withheld]
            total = sum(grid[i][j] for i, j in [*small, *hidden])
            if not recoverable(len(small), len(hidden), total):
                continue
            candidates = sorted(
                (grid[i][j], (i, j))
                for i, j in line
                if (i, j) not in withheld and not _primary(grid[i][j]) and grid[i][j] >= SMALL
            )
            safe = [c for c in candidates if not recoverable(len(small), len(hidden) + 1, total + c[0])]
            choice = (safe or candidates)[:1]
            for _value, cell in choice:
                withheld.add(cell)
                changed = True
    if mode == "both":
        _close_cycles(grid, every, withheld)
    for i, j in withheld:
        grid[i][j] = Withheld(grid[i][j])
    return tuple(tuple(row) for row in grid)


def _close_cycles(grid: list[list[Any]], every: list[list[tuple[int, int]]], withheld: set[tuple[int, int]]) -> None:
    """In a cross-tabulation, withhold further cells until no hidden cell is fixed by rows and columns together.

    Each line alone may leave a "<3" open while rows and columns combined pin it: with every row and
    column total known, the hidden cells are edges of a graph between rows and columns, and a hidden
    cell's value follows from the totals exactly when its edge lies on no cycle (a bridge). For each
    bridge in a part of the graph holding a "<3", the cheapest cycle through it is closed with cells of 3
    or more. A table with no such cycle keeps its bridge (too few cells to hide among).
    """
    cells = {cell for line in every for cell in line}
    while True:
        hidden = {cell for cell in cells if cell in withheld or _primary(grid[cell[0]][cell[1]])}
        bridge = next(iter(_exposed(hidden, grid)), None)
        if bridge is None:
            return
        detour = _cheapest_detour(bridge, cells, hidden, grid)
        if not detour:
            return
        withheld.update(detour)


def _cheapest_detour(
    bridge: tuple[int, int], cells: set[tuple[int, int]], hidden: set[tuple[int, int]], grid: list[list[Any]]
) -> list[tuple[int, int]]:
    """The fewest (then smallest) cells of 3 or more to withhold so that `bridge` lies on a cycle.

    A shortest path from the bridge's row to its column over the other cells, where a hidden cell costs
    nothing and a cell that may be withheld costs one (and its value, to break ties): Dijkstra's algorithm.
    """
    adjacent: dict[tuple[str, int], list[tuple[tuple[str, int], tuple[int, int]]]] = {}
    for i, j in cells:
        if (i, j) == bridge:
            continue
        if (i, j) not in hidden and (not _count(grid[i][j]) or grid[i][j] < SMALL):
            continue
        adjacent.setdefault(("r", i), []).append((("c", j), (i, j)))
        adjacent.setdefault(("c", j), []).append((("r", i), (i, j)))
    source, target = ("r", bridge[0]), ("c", bridge[1])
    best: dict[tuple[str, int], tuple[int, int]] = {source: (0, 0)}
    came: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int]]] = {}
    queue: list[tuple[int, int, tuple[str, int]]] = [(0, 0, source)]
    while queue:
        count, total, node = heapq.heappop(queue)
        if (count, total) > best.get(node, (count, total)):
            continue
        if node == target:
            break
        for neighbour, cell in adjacent.get(node, []):
            fresh = cell not in hidden
            cost = (count + fresh, total + (grid[cell[0]][cell[1]] if fresh else 0))
            if cost < best.get(neighbour, (len(cells) + 1, 0)):
                best[neighbour] = cost
                came[neighbour] = (node, cell)
                heapq.heappush(queue, (*cost, neighbour))
    if target not in came:
        return []
    path: list[tuple[int, int]] = []
    node = target
    while node != source:
        node, cell = came[node]
        path.append(cell)
    return [cell for cell in path if cell not in hidden]


def _exposed(hidden: set[tuple[int, int]], grid: list[list[Any]]) -> list[tuple[int, int]]:
    """Hidden cells on no cycle of the row-column graph, in a connected part that holds a "<3" cell."""
    adjacent: dict[tuple[str, int], list[tuple[tuple[str, int], tuple[int, int]]]] = {}
    for i, j in hidden:
        adjacent.setdefault(("r", i), []).append((("c", j), (i, j)))
        adjacent.setdefault(("c", j), []).append((("r", i), (i, j)))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    bridges: list[tuple[int, int]] = []
    part: dict[tuple[str, int], int] = {}
    for root in sorted(adjacent):
        if root in order:
            continue
        # Iterative depth-first search (Tarjan's bridges): no recursion limit on a wide table.
        order[root] = low[root] = len(order)
        part[root] = len(part)
        stack: list[tuple[tuple[str, int], tuple[int, int] | None, Any]] = [(root, None, iter(adjacent[root]))]
        while stack:
            node, via, edges = stack[-1]
            advanced = False
            for neighbour, edge in edges:
                if edge == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                    continue
                order[neighbour] = low[neighbour] = len(order)
                part[neighbour] = part[root]
                stack.append((neighbour, edge, iter(adjacent[neighbour])))
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent] and via is not None:
                    bridges.append(via)
    small_parts = {part[("r", i)] for i, j in hidden if _primary(grid[i][j])}
    return sorted(cell for cell in bridges if part[("r", cell[0])] in small_parts)


def follow(rows: Sequence[Sequence[Any]], follows: dict[int, int]) -> tuple[tuple[Any, ...], ...]:
    """Withhold a derived cell (a rate) wherever the count it comes from is suppressed or withheld."""
    grid = [list(row) for row in rows]
    for row in grid:
        for derived, source in follows.items():
            if isinstance(row[source], Withheld) or _primary(row[source]):
                row[derived] = Withheld(row[derived])
    return tuple(tuple(row) for row in grid)


def secondary(table: Any) -> Any:
    """A `figures.Table` with its complementary cells withheld, as its `meta` asks."""
    rows = protect(table.rows, table.meta.get("additive"), table.meta.get("not_additive", ()))
    rows = follow(rows, table.meta.get("follows", {}))
    return replace(table, rows=rows)
