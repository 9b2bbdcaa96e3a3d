"""`make run`: set up on the embedded defaults, then run web, worker and scheduler until Ctrl-C.

This process owns the embedded Redis server; every child gets its URL. Children and Redis die with
this process (parent-death signal), so neither Ctrl-C nor a crash leaves an orphan behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from hotline.demo import DEMO_ACCOUNTS, DEMO_TOTP_SECRET
from hotline.embedded_redis import _die_with_parent, embedded_redis_url
from hotline.settings import Settings


def run(port: int) -> None:
    settings = Settings.from_env()
    env = dict(os.environ)
    if settings.redis_url is None:
        env["REDIS_URL"] = embedded_redis_url(settings.instance_path)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in ("init-db", "seed-demo"):
        subprocess.run([*flask, step], env=env, check=True)

    children = {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--access-logformat",
            "%(m)s %(U)s %(s)s",
            "wsgi:app",
        ],
        "worker": [*flask, "worker"],
        "scheduler": [*flask, "scheduler"],
    }
    processes = {
        name: subprocess.Popen(command, env=env, preexec_fn=_die_with_parent) for name, command in children.items()
    }
    _print_welcome(env["PUBLIC_BASE_URL"])

    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    failed = None
    while not stopping and failed is None:
        time.sleep(0.5)
        failed = next((name for name, process in processes.items() if process.poll() is not None), None)
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    if failed is not None and not stopping:
        raise click.ClickException(f"the {failed} process stopped; everything was shut down")
    click.echo("stopped web, worker and scheduler; the embedded Redis saves and stops with us")


def _print_welcome(base: str) -> None:
    lines = [
        "",
        "The hotline is running:",
        f"  report form (public)   {base}/report",
        f"  add information        {base}/follow-up",
        f"  web chat               {base}/chat",
        f"  lines to call now      {base}/help",
        f"  partner API            POST {base}/api/v1/reports",
        f"  staff sign-in          {base}/staff/login",
        "",
        "Demo accounts (fictional):",
        *(f"  {a.email:<30} {a.password:<15} {a.name}" for a in DEMO_ACCOUNTS),
        f"  second factor: TOTP secret {DEMO_TOTP_SECRET} (any authenticator app, or",
        f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\")",
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    click.echo("\n".join(lines))
