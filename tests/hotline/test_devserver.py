"""`make run`'s supervisor: serves the form, leaves no redis-server behind, and reuses its data on restart."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import redis

from tests.processes import (
    file_report,
    free_port,
    redis_servers_for,
    session_processes,
    start_run_all,
    wait_for,
    wait_gone,
    wait_until_serving,
)


def count_tickets(instance: Path) -> int:
    with sqlite3.connect(instance / "hotline.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM ticket").fetchone()[0]


def test_ctrl_c_leaves_no_redis_and_a_restart_reuses_the_data(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    port = free_port()
    first = start_run_all(instance, port)
    try:
        wait_until_serving(port, first)
        file_report(port)
        filed = count_tickets(instance)  # the report, beside the demo cases run-all seeds
        assert filed >= 1
        assert len(redis_servers_for(instance)) == 1
        redis.Redis(unix_socket_path=str(instance / "redis" / "redis.sock")).set("survives-restart", "yes")
    finally:
        os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        first.wait(timeout=60)
    assert wait_gone(instance) == []

    second = start_run_all(instance, port)
    try:
        wait_until_serving(port, second)
        assert count_tickets(instance) == filed  # the same data, and the demo not seeded twice
        value = redis.Redis(unix_socket_path=str(instance / "redis" / "redis.sock")).get("survives-restart")
        assert value == b"yes"
        assert len(session_processes(second.pid)) > 1
    finally:
        # A crash of the supervisor alone: its children and Redis must not outlive it.
        second.send_signal(signal.SIGKILL)
        second.wait(timeout=10)
    assert wait_gone(instance) == []
    wait_for(lambda: not session_processes(second.pid), "every child of the killed supervisor gone")
