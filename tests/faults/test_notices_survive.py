"""Nothing received is lost, under real faults on the real process tree (`run-all`): Redis killed
again and again for 30 s during a stream of reports, and the worker killed mid-stream. Every accepted
report is one ticket, and every dispatched referral's first contact gets exactly one notice.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import api_headers, part_pid, running_all, wait_for

# Critical, with a stated place: the immediate responder is notified at once (routing/dispatch_policy.json).
CRITICAL = {
    "channel": "api",
    "text": "La tienen encerrada en una casa y tienen armas",
    "location": {"country": "GT"},
    "answers": {"in_danger_now": True},
}
DELIVERED = ("recorded", "sent")


@pytest.fixture
def run_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    # A dispatcher killed mid-hand-off leaves its row claimed; the sweep looks again after this lease.
    monkeypatch.setenv("OUTBOX_LEASE_SECONDS", "10")
    # The stream is one client filing the same report again and again: a flood by the rules
    # (hotline/flood_rules.json), which would hold it unnotified. These tests are about faults, so
    # the limits and flood thresholds are scaled as for many reporters (tests/faults rely on notices).
    monkeypatch.setenv("RATE_LIMIT_SCALE", "1000")
    monkeypatch.setenv("NOTICE_HOLD_SECONDS", "0")
    with running_all(tmp_path) as (process, instance, port, _log):
        yield process, instance, port


def post_report(port: int) -> str | None:
    """File one report; its reference when accepted, None when the site said no (or did not answer)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reports",
        data=json.dumps(CRITICAL).encode(),
        headers=api_headers(port),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["reference"] if response.status == 201 else None
    except OSError:
        return None


def database(instance: Path) -> sqlite3.Connection:
    return sqlite3.connect(instance / "hotline.sqlite3", timeout=30)


def undelivered(instance: Path) -> int:
    with database(instance) as connection:
        return connection.execute(
            "SELECT count(*) FROM outbox_message WHERE status NOT IN ('recorded', 'sent')"
        ).fetchone()[0]


def demo_references(instance: Path) -> set[str]:
    """The tickets `run-all` seeded for the demo before the stream (hotline/demo.py `seed_cases`)."""
    with database(instance) as connection:
        return {row[0] for row in connection.execute("SELECT reference FROM ticket")}


def check_every_report_and_notice(instance: Path, accepted: list[str], demo: set[str]) -> None:
    with database(instance) as connection:
        references = [row[0] for row in connection.execute("SELECT reference FROM ticket")]
        # Every accepted report is one ticket, no more (beside the demo's, there before the stream).
        assert sorted(set(references) - demo) == sorted(accepted)
        assert len(references) == len(demo) + len(accepted)
        marks = ",".join("?" * len(accepted))
        dispatched = connection.execute(
            "SELECT r.id FROM referral r JOIN ticket t ON t.id = r.ticket_id "
            f"WHERE r.dispatch = 'dispatched' AND t.reference IN ({marks})",
            accepted,
        ).fetchall()
        assert len(dispatched) >= len(accepted)  # the responder of each, at least
        notices = connection.execute(
            "SELECT referral_id, contact_id, channel, status, count(*) FROM outbox_message "
            "GROUP BY referral_id, contact_id, channel, status"
        ).fetchall()
    by_referral: dict[int, list[tuple[object, ...]]] = {}
    for referral_id, contact_id, channel, status, count in notices:
        by_referral.setdefault(referral_id, []).append((contact_id, channel, status, count))
    for (referral_id,) in dispatched:
        rows = by_referral.get(referral_id, [])
        assert rows, f"referral {referral_id} was never notified"
        for _contact, _channel, status, count in rows:
            assert status in DELIVERED and count == 1, (referral_id, rows)


def test_redis_down_for_30_seconds_during_a_stream_loses_no_report_and_no_notice(
    run_all: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    process, instance, port = run_all
    demo = demo_references(instance)
    accepted = [reference for reference in (post_report(port) for _ in range(3)) if reference]
    killed: set[int] = set()
    started = time.monotonic()
    while time.monotonic() - started < 30:
        redis = part_pid(process, "redis-server")
        if redis is not None and redis not in killed:
            os.kill(redis, signal.SIGKILL)
            killed.add(redis)
        reference = post_report(port)
        if reference:
            accepted.append(reference)
        time.sleep(0.3)
    assert len(killed) >= 2 and len(accepted) >= 20  # Redis really was away, and the site kept taking reports
    # The supervisor brings Redis back; the outbox sweep delivers what no wake-up reached.
    wait_for(lambda: undelivered(instance) == 0, "every notice delivered after Redis came back", timeout=180)
    check_every_report_and_notice(instance, accepted, demo)


def test_a_worker_killed_mid_stream_delivers_each_notice_once_and_the_site_keeps_serving(
    run_all: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    process, instance, port = run_all
    demo = demo_references(instance)
    accepted: list[str] = []
    kills = 0
    for round_ in range(3):
        for _ in range(6):
            reference = post_report(port)
            assert reference, "the site stopped taking reports"
            accepted.append(reference)
        worker = part_pid(process, "wsgi worker")
        if worker is not None:
            os.kill(worker, signal.SIGKILL)  # whatever job it was running dies with it
            kills += 1
        gone = worker
        wait_for(lambda gone=gone: part_pid(process, "wsgi worker") not in (None, gone), f"a new worker ({round_})")
    assert kills == 3
    wait_for(lambda: undelivered(instance) == 0, "every notice delivered after the kills", timeout=180)
    check_every_report_and_notice(instance, accepted, demo)
