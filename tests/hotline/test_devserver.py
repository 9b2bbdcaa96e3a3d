"""`make run`'s supervisor: serves the form, leaves no redis-server behind, and reuses its data on restart."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_servers_for(instance: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"redis-server" in cmdline and str(instance).encode() in cmdline:
            found.append(int(entry.name))
    return found


def start(instance: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["HOTLINE_INSTANCE"] = str(instance)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run-all", "--port", str(port)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "run-all exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/report", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the form was not served in time")


def wait_gone(instance: Path) -> list[int]:
    deadline = time.monotonic() + 15
    while redis_servers_for(instance) and time.monotonic() < deadline:
        time.sleep(0.1)
    return redis_servers_for(instance)


def file_report(port: int) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reports",
        data=b'{"channel": "api", "text": "prueba"}',
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def count_tickets(instance: Path) -> int:
    with sqlite3.connect(instance / "hotline.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM ticket").fetchone()[0]


def test_ctrl_c_leaves_no_redis_and_a_restart_reuses_the_data(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    port = free_port()
    first = start(instance, port)
    try:
        wait_until_serving(port, first)
        file_report(port)
        assert len(redis_servers_for(instance)) == 1
        redis.Redis(unix_socket_path=str(instance / "redis" / "redis.sock")).set("survives-restart", "yes")
    finally:
        os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        first.wait(timeout=30)
    assert wait_gone(instance) == []

    second = start(instance, port)
    try:
        wait_until_serving(port, second)
        assert count_tickets(instance) == 1
        value = redis.Redis(unix_socket_path=str(instance / "redis" / "redis.sock")).get("survives-restart")
        assert value == b"yes"
    finally:
        # A crash of the supervisor alone: its children and Redis must not outlive it.
        second.send_signal(signal.SIGKILL)
        second.wait(timeout=10)
    assert wait_gone(instance) == []
