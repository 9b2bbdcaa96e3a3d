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
    for i, j in withheld:
        grid[i][j] = Withheld(grid[i][j])
    return tuple(tuple(row) for row in grid)


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
