"""Helpers for tests that run `flask run-all` as a real process tree and look at it through /proc."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
PATIENCE = 90.0  # seconds: two shared cores start gunicorn, RQ and Redis slowly, and restarts back off


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_env(instance: Path) -> dict[str, str]:
    """The environment of a `flask` command that works on `instance` (its database, its Redis)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["HOTLINE_INSTANCE"] = str(instance)
    return env


def start_run_all(instance: Path, port: int, output: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`flask run-all` on its own instance folder, leading a new session as a terminal starts it.

    Its stdout and stderr both go to `output`.
    """
    env = instance_env(instance)
    _INSTANCES[port] = instance
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run-all", "--port", str(port)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=output,
        stderr=output,
    )


def wait_for(condition: Callable[[], object], what: str, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen in {timeout:g} s: {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    def serving() -> bool:
        assert process.poll() is None, "run-all exited early"
        return answers(f"http://127.0.0.1:{port}/report")

    wait_for(serving, "the report form served")


# The instance each port's run-all works on, and the partner key made there (on first use).
_INSTANCES: dict[int, Path] = {}
_KEYS: dict[int, str] = {}


def api_headers(port: int) -> dict[str, str]:
    """JSON and a partner key for the run-all on `port`, made once with `flask partners create` as an
    administrator would."""
    if port not in _KEYS:
        made = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "partners", "create", "Test partner"],
            cwd=ROOT,
            env=instance_env(_INSTANCES[port]),
            capture_output=True,
            text=True,
            check=True,
            timeout=PATIENCE,
        )
        _KEYS[port] = made.stdout.strip().splitlines()[-1]
    return {"Content-Type": "application/json", "Authorization": f"Bearer {_KEYS[port]}"}


def file_report(port: int) -> str:
    """Post a report through the partner API; return its reference."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reports",
        data=b'{"channel": "api", "text": "prueba"}',
        headers=api_headers(port),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())["reference"]


def session_processes(session: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every live process in `session`; zombies count as gone."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found[int(entry.name)] = (int(ppid), cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def part_pid(supervisor: subprocess.Popen[bytes], marker: str) -> int | None:
    """The pid of the supervisor's direct child whose command line holds `marker`, if it is running."""
    for pid, (ppid, command) in session_processes(supervisor.pid).items():
        if ppid == supervisor.pid and marker in command:
            return pid
    return None


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


def wait_gone(instance: Path) -> list[int]:
    deadline = time.monotonic() + 15
    while redis_servers_for(instance) and time.monotonic() < deadline:
        time.sleep(0.1)
    return redis_servers_for(instance)


@contextmanager
def running_all(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, int, Path]]:
    """`run-all` started on a fresh instance and serving: (process, instance, port, log); stopped after,
    as the terminal's Ctrl-C would, and waited for until none of its parts is left."""
    instance, port, log = tmp_path / "instance", free_port(), tmp_path / "run-all.log"
    with log.open("wb") as output:
        process = start_run_all(instance, port, output)
    try:
        wait_until_serving(port, process)
        yield process, instance, port, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
        wait_for(lambda: not session_processes(process.pid), "every part of run-all gone")
