"""bench.load's verdicts: a kind's sustainable rate is the last step where all its requests held."""

from __future__ import annotations

from typing import Any

from bench.load import add_counts, sustainable


def step(index: int, **kinds: tuple[float, float, int]) -> dict[str, Any]:
    return {
        "step": index,
        "kinds": {
            name.replace("_", " "): {"rate": r, "p99_ms": p99, "failures": f} for name, (r, p99, f) in kinds.items()
        },
    }


def test_the_rate_is_the_last_step_where_every_judged_request_kept_its_p99() -> None:
    records = [
        step(-1, web_report=(0.5, 900.0, 0)),  # the warm-up is not judged
        step(0, web_report=(1.0, 50.0, 0), web_form=(1.0, 40.0, 0)),
        step(1, web_report=(2.0, 120.0, 0), web_form=(2.0, 80.0, 0)),
        step(2, web_report=(4.0, 150.0, 0), web_form=(4.0, 450.0, 0)),  # the form passed the limit
        step(3, web_report=(8.0, 100.0, 0), web_form=(8.0, 100.0, 0)),  # never reached in a real run
    ]
    assert sustainable(records, "web report", 200.0, ("web form", "web report")) == 2.0
    assert sustainable(records, "web report", 200.0) == 8.0


def test_a_failure_ends_the_kind_and_nothing_held_is_zero() -> None:
    records = [step(0, api_report=(1.0, 50.0, 0)), step(1, api_report=(2.0, 50.0, 1))]
    assert sustainable(records, "api report", 200.0) == 1.0
    assert sustainable([step(0, api_report=(1.0, 700.0, 0))], "api report", 200.0) == 0.0


def test_report_counts_of_every_run_are_summed() -> None:
    total: dict[str, dict[str, int]] = {"sent": {}, "stored": {}}
    add_counts(total, {"sent": {"api": 3}, "stored": {"api": 2}})
    add_counts(total, {"sent": {"api": 1, "web": 4}, "stored": {"web": 4}})
    assert total == {"sent": {"api": 4, "web": 4}, "stored": {"api": 2, "web": 4}}
