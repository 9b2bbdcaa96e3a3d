"""Time to notice on the embedded defaults: from a referral's creation to its notice handed to the
outbound gateway, against a bare RQ enqueue-to-run on the same worker in the same run.

Run: .venv/bin/python -m bench.notice [--reports 50] [--gap 0.2]

One real RQ worker process (as `make run` starts it), SQLite and the embedded Redis under a
temporary folder. Reports are filed through the partner API one every --gap seconds; each referral's
outbox rows record when they were handed off. The baseline is a job that does nothing but note the
time it ran, enqueued the same way, on the same worker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from hotline import create_app
from hotline.embedded_redis import EmbeddedRedis
from hotline.jobs.queue import job_queue, redis_connection
from hotline.outbox import OutboxMessage, OutboxStatus
from hotline.referrals.models import Referral
from hotline.settings import Settings
from tests.conftest import prepare
from tests.helpers import post_report

ROOT = Path(__file__).resolve().parents[1]
# Critical with a stated place: the immediate responder is notified at once, without review.
REPORT = {
    "channel": "api",
    "text": "Me tienen encerrada",
    "location": {"country": "SV"},
    "answers": {"in_danger_now": True},
}
MEDIUM = {"channel": "api", "text": "me pagan menos de lo prometido en una maquila", "location": {"country": "GT"}}
STAMPS = "bench:notice:ran"
# The operator console asks for new contacts this often (hotline/static/console.js).
CONSOLE_POLL_SECONDS = 5.0


def stamp(sent_at: float) -> None:
    """The baseline job: note how long after its enqueue it ran."""
    from hotline.jobs.runtime import job_app

    with job_app().app_context():
        redis_connection().rpush(STAMPS, time.time() - sent_at)


def summary(values: list[float]) -> str:
    values = sorted(values)
    return f"median {statistics.median(values) * 1000:7.1f} ms, max {values[-1] * 1000:7.1f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlnotice-"))
    redis_server = EmbeddedRedis(root / "redis")
    redis_server.start()
    settings = Settings.from_env({"HOTLINE_INSTANCE": str(root / "instance")}).with_changes(
        database_url=f"sqlite:///{root / 'hotline.sqlite3'}", redis_url=redis_server.url
    )
    prepare(settings.database_url)
    app = create_app(settings, surface="public")
    env = dict(
        os.environ,
        HOTLINE_INSTANCE=str(settings.instance_path),
        DATABASE_URL=settings.database_url,
        REDIS_URL=redis_server.url,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker starts
        client = app.test_client()
        medium: list[float] = []
        with app.app_context():
            for _ in range(args.reports):
                job_queue().enqueue("bench.notice.stamp", time.time())
                time.sleep(args.gap / 2)
                assert post_report(client, json=REPORT).status_code == 201
                started = time.perf_counter()
                # A medium report is routed in its request: when it answers, the proposals are on the
                # queue the console polls.
                assert post_report(client, json=MEDIUM).status_code == 201
                medium.append(time.perf_counter() - started)
                time.sleep(args.gap / 2)
        deadline = time.monotonic() + 60
        database = app.extensions["database"]
        while time.monotonic() < deadline:
            with database.session() as session:
                pending = session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.status.not_in(OutboxStatus.DELIVERED))
                ).all()
            if not pending:
                break
            time.sleep(0.2)
        with database.session() as session:
            rows = session.execute(
                select(Referral.created_at, OutboxMessage.sent_at)
                .join(OutboxMessage, OutboxMessage.referral_id == Referral.id)
                .where(Referral.dispatch == "dispatched")
            ).all()
            notices = [(sent - created).total_seconds() for created, sent in rows if sent is not None]
            undelivered = sum(1 for _created, sent in rows if sent is None)
        with app.app_context():
            bare = [float(value) for value in redis_connection().lrange(STAMPS, 0, -1)]
        print(f"bare enqueue → job runs           {summary(bare)}")
        print(f"referral created → notice handed  {summary(notices)}; undelivered {undelivered}")
        print(f"ratio of medians                  {statistics.median(notices) / statistics.median(bare):.1f} ×")
        print(
            f"medium: submit → proposals stored {summary(medium)}; on an operator's screen within that"
            f" plus the console's {CONSOLE_POLL_SECONDS:g} s poll"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis_server.stop()


if __name__ == "__main__":
    main()
