"""`run-all` heals: a killed worker or Redis is restarted and the site keeps serving; Ctrl-C stops Redis last.

These run the real process tree (Redis, gunicorn, an RQ worker, the RQ cron scheduler) and kill its
parts with real signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from rq import Queue, Worker
from rq.job import Job

from hotline.devserver import FIRST_DELAY, MAX_DELAY, STABLE_AFTER, Child, Supervisor
from hotline.embedded_redis import EmbeddedRedis
from tests.processes import (
    answers,
    file_report,
    part_pid,
    running_all,
    session_processes,
    wait_for,
)

WORKER = "wsgi worker"
SCHEDULER = "wsgi scheduler"
REDIS = "redis-server"


@dataclass
class RunAll:
    process: subprocess.Popen[bytes]
    instance: Path
    port: int
    log: Path

    @property
    def report_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/report"

    def redis(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=redis_socket(self.instance), socket_timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)  # what the terminal sends to its foreground group
        return self.process.wait(timeout=120)


def redis_socket(instance: Path) -> str:
    """The socket the embedded Redis listens on, as written in its configuration."""
    config = (instance / "redis" / "redis.conf").read_text()
    return next(line.split(" ", 1)[1] for line in config.splitlines() if line.startswith("unixsocket "))


@pytest.fixture
def run_all(tmp_path: Path) -> Iterator[RunAll]:
    with running_all(tmp_path) as (process, instance, port, log):
        yield RunAll(process, instance, port, log)


def run_job_and_get_its_worker_pid(connection: redis.Redis) -> int:
    """Queue a job that returns the pid of the process that ran it (the worker itself); wait for it."""
    job = Queue("hotline", connection=connection).enqueue("os.getpid")
    wait_for(lambda: Job.fetch(job.id, connection=connection).is_finished, "the queued job run")
    return Job.fetch(job.id, connection=connection).return_value()


def test_a_killed_worker_is_restarted_and_runs_the_next_job(run_all: RunAll) -> None:
    killed = part_pid(run_all.process, WORKER)
    assert killed is not None
    os.kill(killed, signal.SIGKILL)

    answered = []

    def restarted() -> bool:
        answered.append(answers(run_all.report_url))
        return part_pid(run_all.process, WORKER) not in (None, killed)

    wait_for(restarted, "a new worker")
    assert all(answered), "the report form stopped answering while the worker was down"
    file_report(run_all.port)
    new_worker = part_pid(run_all.process, WORKER)
    assert run_job_and_get_its_worker_pid(run_all.redis()) == new_worker
    assert "supervisor: worker was killed by SIGKILL" in run_all.output()
    assert "Traceback" not in run_all.output()


def test_a_killed_redis_comes_back_on_its_socket_with_its_keys_and_queued_jobs(run_all: RunAll) -> None:
    before = run_all.redis()
    before.set("written-before-the-crash", "kept")
    Queue("nobody-works-this-queue", connection=before).enqueue("os.getpid")
    killed = part_pid(run_all.process, REDIS)
    assert killed is not None
    os.kill(killed, signal.SIGKILL)

    wait_for(lambda: part_pid(run_all.process, REDIS) not in (None, killed), "a new redis-server")
    after = run_all.redis()  # the same socket path as before the crash
    wait_for(lambda: answers_ping(after), "the new redis-server answering on the same socket")
    assert after.get("written-before-the-crash") == b"kept"
    assert Queue("nobody-works-this-queue", connection=after).count == 1
    assert answers(run_all.report_url)
    file_report(run_all.port)
    assert run_job_and_get_its_worker_pid(after) == part_pid(run_all.process, WORKER)
    assert "supervisor: redis was killed by SIGKILL" in run_all.output()


def answers_ping(connection: redis.Redis) -> bool:
    try:
        return bool(connection.ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False


def test_ctrl_c_stops_every_part_then_redis_quietly(run_all: RunAll) -> None:
    file_report(run_all.port)
    connection = run_all.redis()
    # The worker and the cron scheduler sign out of Redis as they stop: the proof Redis outlived them.
    wait_for(lambda: len(Worker.all(connection=connection)) == 1, "the worker signed in")
    wait_for(lambda: connection.zcard("rq:cron_schedulers") == 1, "the cron scheduler signed in")
    parts = {part_pid(run_all.process, marker) for marker in (WORKER, SCHEDULER, "gunicorn", REDIS)}
    assert None not in parts

    os.killpg(run_all.process.pid, signal.SIGINT)
    redis_outlived_the_others = True
    while (alive := session_processes(run_all.process.pid)) and run_all.process.poll() is None:
        commands = [command for _, command in alive.values()]
        if any(WORKER in c or SCHEDULER in c or "gunicorn" in c for c in commands):
            redis_outlived_the_others &= any(REDIS in c for c in commands)
        time.sleep(0.02)
    assert run_all.process.wait(timeout=120) == 0
    wait_for(lambda: not session_processes(run_all.process.pid), "every part gone")
    assert redis_outlived_the_others

    output = run_all.output()
    assert "Traceback" not in output
    assert "stopped web, worker and scheduler, then Redis" in output
    server = EmbeddedRedis(run_all.instance / "redis")
    server.start()
    try:
        again = redis.Redis(unix_socket_path=str(server.socket))
        assert Worker.all(connection=again) == []
        assert again.zcard("rq:cron_schedulers") == 0
    finally:
        server.stop()


def test_a_part_that_keeps_crashing_is_retried_ever_more_slowly_up_to_a_cap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    crasher = Child("crasher", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    supervisor = Supervisor([crasher], redis=None)
    now = 0.0
    crasher.start(now)
    delays = []
    for _ in range(9):
        assert crasher.process is not None
        crasher.process.wait()
        supervisor.heal(crasher, now)  # sees it dead and schedules the restart
        delays.append(crasher.delay)
        supervisor.heal(crasher, now + crasher.delay / 2)  # too early: nothing starts
        assert crasher.died_at is not None
        now += crasher.delay
        supervisor.heal(crasher, now)  # due, and nothing it forked is left: it starts again
        assert crasher.died_at is None
    assert delays == [FIRST_DELAY * 2**n for n in range(6)] + [MAX_DELAY] * 3

    # One that stayed up a minute before it died starts again from the shortest delay.
    assert crasher.process is not None
    crasher.process.wait()
    supervisor.heal(crasher, now + STABLE_AFTER)
    assert crasher.delay == FIRST_DELAY
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("supervisor: crasher exited with status 3 after 0 s up; restarting in 0.5 s")
    assert lines[-1].endswith(f"after {STABLE_AFTER:.0f} s up; restarting in 0.5 s")
    assert len(lines) == 10
