"""`make run`: set up on the embedded defaults, then keep web, worker, scheduler and Redis up until Ctrl-C.

A small supervisor owns every part. A part that dies is restarted after a back-off that doubles
from 0.5 s to 30 s (back to 0.5 s once it has stayed up a minute), with one line in the log. Redis
comes back on the same socket and data folder, so its keys and queued jobs survive (AOF).

Each part runs in its own process group: the terminal's Ctrl-C reaches only the supervisor, which
stops web, worker and scheduler first and Redis last, so each part shuts down cleanly while Redis is
still there. A part's group also holds what it forked (RQ's scheduler and job processes, gunicorn's
workers), so a dead part leaves nothing behind before it is restarted. Every part dies with the
supervisor (parent-death signal): not even a SIGKILL of it leaves an orphan.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from hotline.demo import DEMO_ACCOUNTS, DEMO_TOTP_SECRET
from hotline.embedded_redis import EmbeddedRedis, die_with_parent, embedded_redis
from hotline.settings import Settings

FIRST_DELAY = 0.5  # seconds before the first restart of a part that died
MAX_DELAY = 30.0  # a part that keeps dying at start-up is retried this often, never in a busy loop
STABLE_AFTER = 60.0  # a part up this long starts again from FIRST_DELAY when it dies
LEFTOVERS_GRACE = 10.0  # what a dead part forked gets this long to stop on SIGTERM, then SIGKILL
STOP_GRACE = 15.0  # at Ctrl-C, each part gets this long to stop on SIGTERM, then SIGKILL
TICK = 0.25


class Child:
    """One supervised part, in its own process group, with the back-off of its next restart."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.delay = FIRST_DELAY
        self.died_at: float | None = None  # set while the part is down and waiting for its restart

    def start(self, now: float) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, process_group=0, preexec_fn=die_with_parent())
        self.started_at = now

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def how_it_ended(self) -> str:
        code = self.process.poll() if self.process is not None else None
        if code is None:
            return "stopped answering"
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def signal_group(self, signum: signal.Signals) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def group_gone(self) -> bool:
        """True once the part and everything it forked have exited."""
        if self.process is None:
            return True
        self.process.poll()  # reap the leader, or its zombie would keep the group alive
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False


class RedisChild(Child):
    """The embedded Redis: restarted on the same socket and data folder, so keys and queued jobs survive."""

    def __init__(self, server: EmbeddedRedis) -> None:
        super().__init__("redis", [], {})
        self.server = server
        self.process = server.process
        self.started_at = time.monotonic()

    def start(self, now: float) -> None:
        try:
            self.server.start()
        finally:
            self.process = self.server.process
            self.started_at = now

    def running(self) -> bool:
        if self.process is None:  # joined a server another process owns: watch it by asking it
            return self.server.is_alive()
        return super().running()


class Supervisor:
    """Keeps the parts running, restarting each that dies; stops them in order on SIGINT or SIGTERM."""

    def __init__(self, parts: list[Child], redis: Child | None) -> None:
        self.parts = parts
        self.redis = redis
        self.stop_requested = False

    @property
    def children(self) -> list[Child]:
        return [*self.parts, *([self.redis] if self.redis else [])]

    def request_stop(self, _signum: int, _frame: object) -> None:
        self.stop_requested = True

    def run(self) -> None:
        for part in self.parts:
            part.start(time.monotonic())
        while not self.stop_requested:
            now = time.monotonic()
            for child in self.children:
                self.heal(child, now)
            time.sleep(TICK)
        self.stop()

    def heal(self, child: Child, now: float) -> None:
        """Notice a death (and clear what the part forked), or restart the part once its back-off is over."""
        if child.died_at is None:
            if child.running():
                return
            # Whatever it forked goes too: an orphaned RQ scheduler would hold its lock, gunicorn's workers the port.
            child.signal_group(signal.SIGTERM)
            if now - child.started_at >= STABLE_AFTER:
                child.delay = FIRST_DELAY
            child.died_at = now
            up = now - child.started_at
            say(f"{child.name} {child.how_it_ended()} after {up:.0f} s up; restarting in {child.delay:g} s")
            return
        if not child.group_gone():
            if now - child.died_at >= LEFTOVERS_GRACE:
                child.signal_group(signal.SIGKILL)
            return
        if now - child.died_at < child.delay:
            return
        child.died_at = None
        child.delay = min(child.delay * 2, MAX_DELAY)
        try:
            child.start(now)
        except (OSError, RuntimeError) as error:
            say(f"{child.name} did not start: {error}")

    def stop(self) -> None:
        """Web, worker and scheduler first, so they finish with Redis still there; Redis last."""
        stop_groups(self.parts)
        if self.redis is not None:
            stop_groups([self.redis])


def stop_groups(children: list[Child]) -> None:
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while not all(child.group_gone() for child in children):
        if time.monotonic() > deadline:
            for child in children:
                child.signal_group(signal.SIGKILL)
        time.sleep(0.1)


def say(message: str) -> None:
    click.echo(f"{time.strftime('%H:%M:%S')} supervisor: {message}", err=True)


def web_command(port: int) -> list[str]:
    """Gunicorn for the web part; its access log goes through the logger that scrubs acknowledge tokens."""
    return [
        *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
        *("--logger-class", "hotline.access_log.ScrubbingLogger"),
        *("--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s", "wsgi:app"),
    ]


def run(port: int) -> None:
    settings = Settings.from_env()
    env = dict(os.environ)
    redis = None
    if settings.redis_url is None:
        server = embedded_redis(settings.instance_path)
        env["REDIS_URL"] = server.ensure()
        redis = RedisChild(server)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    parts = [
        Child("web", web_command(port), env),
        *(Child(name, [*flask, name], env) for name in ("worker", "scheduler")),
    ]
    supervisor = Supervisor(parts, redis)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)

    for step in ("init-db", "seed-demo"):
        # In its own process group like the parts, so a Ctrl-C now stops us after this step, quietly.
        if subprocess.run([*flask, step], env=env, process_group=0, preexec_fn=die_with_parent()).returncode:
            raise click.ClickException(f"{step} failed; nothing was started")
    if not supervisor.stop_requested:
        _print_welcome(env["PUBLIC_BASE_URL"])
        supervisor.run()
    click.echo("stopped web, worker and scheduler, then Redis" if redis else "stopped web, worker and scheduler")


def _print_welcome(base: str) -> None:
    lines = [
        "",
        "The hotline is running:",
        f"  report form (public)   {base}/report",
        f"  add information        {base}/follow-up",
        f"  web chat               {base}/chat",
        f"  lines to call now      {base}/help",
        f"  partner API            POST {base}/api/v1/reports  (described at {base}/api/v1/openapi.json;",
        "                         a key: staff pages, API keys, or `flask --app wsgi partners create NAME`)",
        f"  staff sign-in          {base}/staff/login",
        "",
        "Demo accounts (fictional):",
        *(f"  {a.email:<30} {a.password:<15} {a.name}" for a in DEMO_ACCOUNTS),
        f"  second factor: TOTP secret {DEMO_TOTP_SECRET} (any authenticator app, or",
        f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\")",
        "",
        "Ctrl-C stops everything; a part that crashes is restarted.",
        "",
    ]
    click.echo("\n".join(lines))
