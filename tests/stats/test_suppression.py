"""Secondary suppression: an attacker who knows every line's total tries to recover a "<3" cell."""

from __future__ import annotations

import itertools
import random

import pytest

from hotline.stats import SUPPRESSED, WITHHELD, Table, present
from hotline.stats.figures import Rate


def candidates(shown: object, top: int, floor: int) -> range:
    if shown == SUPPRESSED:
        return range(1, 3)
    return range(floor, top + 1)  # "x": what the legend says (1 or more), or what the code does (3 or more)


def recover(raw: Table, shown: Table, both: bool, floor: int = 1) -> dict[tuple[int, int], set[int]]:
    """Every value each hidden cell can take given the totals of every line (known from elsewhere)."""
    width = len(raw.rows[0])
    cols = [j for j in range(1, width) if isinstance(raw.rows[0][j], int)]
    hidden = [(i, j) for i, row in enumerate(shown.rows) for j in cols if row[j] in (SUPPRESSED, WITHHELD)]
    lines = [[(i, j) for i in range(len(raw.rows))] for j in cols]
    if both:
        lines += [[(i, j) for j in cols] for i in range(len(raw.rows))]
    totals = [sum(raw.rows[i][j] for i, j in line) for line in lines]
    top = max(totals)
    possible: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    for guess in itertools.product(*(candidates(shown.rows[i][j], top, floor) for i, j in hidden)):
        values = dict(zip(hidden, guess, strict=True))
        if all(
            sum(values.get(cell, shown.rows[cell[0]][cell[1]]) for cell in line) == total
            for line, total in zip(lines, totals, strict=True)
        ):
            for cell, value in values.items():
                possible[cell].add(value)
    return possible


def test_a_lone_small_cell_cannot_be_recovered_from_the_column_total() -> None:
    raw = Table("sex", "People by sex", ("Sex", "People"), (("F", 10), ("M", 1), ("O", 0), ("?", 5)))
    naive = present(Table(**{**raw.__dict__, "meta": {}}), exact=False)
    # Without secondary suppression the total (16, known from another table) gives it away.
    assert recover(raw, naive, both=False)[(1, 1)] == {1}
    raw = Table(raw.key, raw.title, raw.columns, raw.rows, meta={"additive": "rows"})
    shown = present(raw, exact=False)
    assert [row[1] for row in shown.rows] == [10, SUPPRESSED, 0, WITHHELD]
    # Even a reader who knows only cells of 3 or more are withheld cannot pin it down.
    assert recover(raw, shown, both=False, floor=3)[(1, 1)] == {1, 2}


def test_admins_on_the_page_still_see_exact_counts() -> None:
    raw = Table("sex", "People by sex", ("Sex", "People"), (("F", 10), ("M", 1)), meta={"additive": "rows"})
    assert present(raw, exact=True).rows == (("F", 10), ("M", 1))


@pytest.mark.parametrize("seed", range(60))
def test_no_small_cell_of_a_random_breakdown_can_be_recovered(seed: int) -> None:
    rng = random.Random(seed)
    rows = tuple((f"r{i}", *(rng.choice([0, 0, 1, 2, 3, 4, 5, 9, 14]) for _ in range(2))) for i in range(5))
    raw = Table("x", "x", ("", "a", "b"), rows, meta={"additive": "rows"})
    shown = present(raw, exact=False)
    for floor in (1, 3):
        for (i, j), values in recover(raw, shown, both=False, floor=floor).items():
            if shown.rows[i][j] != SUPPRESSED:
                continue
            others = [r[j] for k, r in enumerate(raw.rows) if k != i]
            if floor == 1:
                # Protected whenever the column has another cell of 3 or more to withhold.
                assert len(values) == 2 or not any(v >= 3 for v in others), (raw.rows, shown.rows, (i, j))
            elif len(values) < 2:
                # Under the strict reading only a column with no safe complement may give one away.
                assert sorted(v for v in others if v >= 3)[:1] in ([], [3], [4]), (raw.rows, shown.rows, (i, j))


def test_a_rate_is_hidden_with_its_count() -> None:
    raw = Table(
        "sdg",
        "SDG",
        ("Country", "Victims", "Rate"),
        (("GT", 2, Rate(0.01, 2)), ("HN", 7, Rate(0.07, 7)), ("SV", 9, Rate(0.1, 9))),
        meta={"additive": "rows", "follows": {2: 1}},
    )
    shown = present(raw, exact=False)
    assert shown.rows[0][1:] == (SUPPRESSED, WITHHELD)
    assert shown.rows[1][1:] == (WITHHELD, WITHHELD)
    assert shown.rows[2][1:] == (9, 0.1)


def determined(raw: Table, shown: Table) -> set[tuple[int, int]]:
    """Hidden cells whose value follows exactly from every row and column total (Gaussian elimination).

    An oracle independent of the suppression code: cell k is pinned when the unit vector e_k lies in
    the row space of the system "hidden cells of each line add up to (total - visible cells)".
    """
    from fractions import Fraction

    width = len(raw.rows[0])
    cols = [j for j in range(1, width) if isinstance(raw.rows[0][j], int)]
    hidden = [(i, j) for i, row in enumerate(shown.rows) for j in cols if row[j] in (SUPPRESSED, WITHHELD)]
    index = {cell: k for k, cell in enumerate(hidden)}
    lines = [[(i, j) for i in range(len(raw.rows))] for j in cols]
    lines += [[(i, j) for j in cols] for i in range(len(raw.rows))]
    matrix = [[Fraction(int(cell in line)) for cell in hidden] for line in lines]
    # Reduced row echelon form.
    pivots: list[int] = []
    row = 0
    for col in range(len(hidden)):
        pivot = next((r for r in range(row, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        matrix[row] = [v / matrix[row][col] for v in matrix[row]]
        for r in range(len(matrix)):
            if r != row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
        pivots.append(col)
        row += 1
    pinned = set()
    for r, col in enumerate(pivots):
        if all(v == 0 for k, v in enumerate(matrix[r]) if k != col):
            pinned.add(hidden[col])
    assert all(cell in index for cell in pinned)
    return pinned


def test_rows_and_columns_together_can_pin_a_cell_that_each_line_alone_protects() -> None:
    # Each line of this table is protected on its own, yet "<3" at (0, 1) follows from totals combined.
    raw = Table("x", "x", ("", "a", "b", "c"), (("r0", 1, 7, 0), ("r1", 6, 0, 5), ("r2", 0, 4, 9)))
    lined = present(Table(**{**raw.__dict__, "meta": {"additive": "rows"}}), exact=False)
    assert (0, 1) in determined(raw, lined)
    shown = present(Table(**{**raw.__dict__, "meta": {"additive": "both"}}), exact=False)
    assert shown.rows[0][1] == SUPPRESSED
    assert (0, 1) not in determined(raw, shown)


@pytest.mark.parametrize("seed", range(40))
def test_no_small_cell_of_a_random_cross_tabulation_follows_from_rows_and_columns(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([3, 4, 5])
    rows = tuple((f"r{i}", *(rng.choice([0, 1, 2, 3, 4, 6, 9, 15]) for _ in range(size))) for i in range(size))
    raw = Table("x", "x", ("", *(f"c{j}" for j in range(size))), rows, meta={"additive": "both"})
    shown = present(raw, exact=False)
    pinned = determined(raw, shown)
    # What no suppression can protect: a cell pinned even when every non-zero cell is hidden (a row or
    # column whose other cells are all zero gives its only cell away with its total).
    everything = Table(
        raw.key,
        raw.title,
        raw.columns,
        tuple((row[0], *(SUPPRESSED if value else 0 for value in row[1:])) for row in raw.rows),
    )
    hopeless = determined(raw, everything)
    protected = 0
    for i, row in enumerate(shown.rows):
        for j, value in enumerate(row):
            if value == SUPPRESSED and (i, j) not in hopeless:
                assert (i, j) not in pinned, (raw.rows, shown.rows, (i, j))
                protected += 1
    assert protected or not any(value == SUPPRESSED for row in shown.rows for value in row) or hopeless
