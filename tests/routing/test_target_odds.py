from bench.target_odds import all_reach, half_sizes, reaches


def test_a_half_reaches_a_target_by_the_binomial_tail() -> None:
    # Two reports, each right with 0.5: both right (1 in 4) reaches 100%; at least one (3 in 4) 50%.
    assert reaches(2, 0.5, 1.0) == 0.25
    assert reaches(2, 0.5, 0.5) == 0.75
    assert reaches(10, 1.0, 0.9) == 1.0


def test_a_reader_at_the_target_rarely_reaches_it_on_every_half() -> None:
    sizes = [210, 210, 145]
    at_target, above = all_reach(sizes, 0.90, 0.90), all_reach(sizes, 0.95, 0.90)
    assert at_target < 0.5 < above < 1.0
    assert all_reach(sizes, 0.94, 0.90) > all_reach(sizes, 0.92, 0.90)


def test_the_held_out_halves_are_counted() -> None:
    sizes = half_sizes()
    assert len(sizes) >= 10 and all(100 <= size <= 250 for size in sizes)
