"""SMS intake under load: signed Twilio webhooks at a steady rate against gunicorn with two workers.

Starts the real app (embedded defaults: SQLite and the embedded Redis in a temporary instance
folder, `init-db` and `seed-demo` first, loopback only) and a bare Flask endpoint served the same way,
then drives each at the same rate with the same pattern: texters holding a whole conversation (eight
texts, the last one completes the report), unique MessageSids, and every tenth request a replay of
the texter's previous MessageSid. Prints tickets per second and p50/p99 latency beside the bare
endpoint's, and checks that each unique MessageSid was stored once, replays changed nothing, and
every finished conversation made exactly one ticket. Run:
    python -m bench.intake [--rate 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
CONVERSATION = ["hola", "1", "2", "Ciudad de Guatemala", "2", "1", "2", "Nos quitaron los pasaportes en la finca."]
BARE_APP = """
from flask import Flask, Response
app = Flask(__name__)

@app.post("/twilio/sms")
def sms():
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', mimetype="text/xml")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], cwd: Path) -> Iterator[str]:
    command = [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app]
    process = subprocess.Popen(command, cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        # Ready means a worker answers, not just that the master's socket is open: with preload the
        # workers start only after the master has built the routing snapshot.
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Texter:
    def __init__(self, number: str) -> None:
        self.number = number
        self.step = 0
        self.last_sid: str | None = None


def drive(base: str, token: str, rate: float, seconds: float, threads: int = 48) -> dict[str, object]:
    """Send texts at `rate` per second for `seconds`; return latencies and what was sent."""
    validator = RequestValidator(token)
    lock = threading.Lock()
    numbers = (f"+5025550{n:04d}" for n in itertools.count(1))
    ready: list[Texter] = []
    sids: set[str] = set()
    latencies: list[float] = []
    finished = replays = errors = 0
    counter = itertools.count()
    sent = itertools.count(1)
    start = time.monotonic()
    stop = start + seconds

    def next_slot() -> float | None:
        slot = start + next(counter) / rate
        return None if slot >= stop else slot

    def worker() -> None:
        nonlocal finished, replays, errors
        while True:
            slot = next_slot()
            if slot is None:
                return
            time.sleep(max(0.0, slot - time.monotonic()))
            with lock:
                texter = ready.pop() if ready else Texter(next(numbers))
            replay = texter.last_sid is not None and next(sent) % 10 == 0
            sid = texter.last_sid if replay else "SM" + secrets.token_hex(16)
            assert sid is not None
            body = CONVERSATION[texter.step - 1 if replay else texter.step]
            params = {"MessageSid": sid, "From": texter.number, "To": "+15005550006", "Body": body}
            url = f"{base}/twilio/sms"
            request = urllib.request.Request(
                url,
                data=urllib.parse.urlencode(params).encode(),
                headers={"X-Twilio-Signature": validator.compute_signature(url, params)},
            )
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                ok = True
            except OSError:
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors += 1
                if replay:
                    replays += 1
                else:
                    sids.add(sid)
                    texter.last_sid = sid
                    texter.step += 1
                if texter.step == len(CONVERSATION):
                    finished += 1
                else:
                    ready.append(texter)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {
        "latencies": sorted(latencies),
        "sids": sids,
        "finished": finished,
        "replays": replays,
        "errors": errors,
        "elapsed": time.monotonic() - start,
    }


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    token = secrets.token_hex(16)
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "HOTLINE_INSTANCE": str(folder / "instance"),
        "TWILIO_AUTH_TOKEN": token,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(REPO),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    try:
        for command in ("init-db", "seed-demo"):
            subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", command], cwd=REPO, env=env, check=True)
        (folder / "bare.py").write_text(BARE_APP)
        with gunicorn("bare:app", bare_port, env, folder) as base:
            bare = drive(base, token, args.rate, args.seconds)
        with gunicorn("wsgi:public_app", port, env, REPO) as base:
            real = drive(base, token, args.rate, args.seconds)
        database = sqlite3.connect(folder / "instance" / "hotline.sqlite3")
        tickets = database.execute("SELECT count(*) FROM ticket WHERE channel = 'sms'").fetchone()[0]
        stored = database.execute("SELECT count(*) FROM conversation_turn WHERE provider_id IS NOT NULL").fetchone()[0]
        database.close()
    finally:
        # The embedded Redis the app's workers started for this instance, stopped by its pid file.
        pidfile = folder / "instance" / "redis" / "redis.pid"
        if pidfile.exists():
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            time.sleep(0.5)
        shutil.rmtree(folder, ignore_errors=True)

    def line(name: str, run: dict[str, object]) -> str:
        latencies = run["latencies"]
        assert isinstance(latencies, list)
        return (
            f"{name:<14} {len(latencies) / float(run['elapsed']):7.1f} req/s  "  # type: ignore[arg-type]
            f"p50 {percentile(latencies, 0.5) * 1000:7.1f} ms  p99 {percentile(latencies, 0.99) * 1000:7.1f} ms  "
            f"errors {run['errors']}"
        )

    print(f"rate {args.rate:.0f}/s for {args.seconds:.0f} s, gunicorn 2 workers, SQLite + embedded Redis")
    print(line("bare Flask", bare))
    print(line("SMS intake", real))
    real_p99 = percentile(real["latencies"], 0.99)  # type: ignore[arg-type]
    bare_p99 = percentile(bare["latencies"], 0.99)  # type: ignore[arg-type]
    print(f"p99 ratio intake/bare: {real_p99 / bare_p99:.1f}x")
    print(f"tickets {tickets} ({tickets / float(real['elapsed']):.1f}/s) for {real['finished']} finished conversations")  # type: ignore[arg-type]
    unique = len(real["sids"])  # type: ignore[arg-type]
    print(f"unique MessageSids {unique}, stored once each: {stored}; replays sent {real['replays']}")
    ok = tickets == real["finished"] and stored == unique
    print("CHECK", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
