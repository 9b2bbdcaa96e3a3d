"""Deadline machinery on PostgreSQL: the sweep with 100,000 open referrals, and the escalation lag.

Run: .venv/bin/python -m bench.sla [--open 100000] [--due 100] [--lag 8]

1. Sweep: 100,000 open referrals, of which --due are past their deadline. Prints the time of a
   sweep that finds nothing due and of one that escalates every due referral, next to a plain
   `SELECT count(*)` over the referral table measured in the same run.
2. Lag: with one real RQ worker (and its scheduler) running, --lag referrals whose deadline falls a
   few seconds ahead; prints how long after each deadline its escalation was recorded.
Everything runs on this machine: a throwaway PostgreSQL cluster and the embedded Redis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from hotline import create_app
from hotline.db import utcnow
from hotline.embedded_redis import EmbeddedRedis
from hotline.jobs.queue import enqueue_after_commit, redis_connection
from hotline.referrals.escalation import sweep
from hotline.referrals.models import Referral
from hotline.settings import Settings
from hotline.tickets.models import TicketEvent
from tests.conftest import prepare
from tests.helpers import post_report
from tests.pg import PostgresCluster

ROOT = Path(__file__).resolve().parents[1]
REPORT = {
    "channel": "api",
    "text": "Me tienen encerrada",
    "location": {"country": "SV"},
    "answers": {"in_danger_now": True},
}


PLACES = ("azul", "verde", "blanca", "roja", "amarilla", "grande", "vieja", "nueva", "de piedra")


def timed(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def fill(app, open_count: int, due_count: int) -> None:  # type: ignore[no-untyped-def]
    """Copy one real routed ticket's referral into `open_count` open referrals, `due_count` past due."""
    client = app.test_client()
    assert post_report(client, json=REPORT).status_code == 201
    engine = app.extensions["database"].engine
    with engine.begin() as connection:
        template = connection.execute(text("SELECT * FROM referral ORDER BY id LIMIT 1")).mappings().one()
        columns = [c for c in template if c != "id"]
        chosen = ", ".join(columns)
        values = ", ".join(
            "now() + interval '1 day' + (g * interval '1 second')" if c == "deadline_at" else c for c in columns
        )
        connection.execute(
            text(
                f"INSERT INTO referral ({chosen}) SELECT {values} FROM referral, generate_series(1, :n) AS g "
                "WHERE referral.id = :id"
            ),
            {
                "n": open_count - connection.execute(text("SELECT count(*) FROM referral")).scalar_one(),
                "id": template["id"],
            },
        )
        connection.execute(
            text(
                "UPDATE referral SET deadline_at = now() - interval '1 minute' "
                "WHERE id IN (SELECT id FROM referral ORDER BY id LIMIT :due)"
            ),
            {"due": due_count},
        )
        connection.execute(text("ANALYZE referral"))


def bench_sweep(app, open_count: int, due_count: int) -> None:  # type: ignore[no-untyped-def]
    fill(app, open_count, due_count)
    database = app.extensions["database"]
    with app.app_context(), database.session() as session:
        total = session.scalar(select(func.count()).select_from(Referral))
        baseline = min(timed(lambda: session.scalar(select(func.count()).select_from(Referral))) for _ in range(5))
        early = utcnow() - timedelta(hours=1)
        idle = min(timed(lambda: sweep(session, early)) for _ in range(5))
        counts: dict[str, int] = {}
        busy = timed(lambda: counts.update(sweep(session, utcnow())))
    print(f"referrals: {total:,} open, {due_count:,} past their deadline")
    print(f"baseline  SELECT count(*) over referral      {baseline * 1000:8.1f} ms")
    print(f"sweep     nothing due                        {idle * 1000:8.1f} ms   ({idle / baseline:5.2f}x baseline)")
    print(
        f"sweep     {counts.get('acted', 0):,} escalated                   {busy * 1000:8.1f} ms"
        f"   ({busy / baseline:5.1f}x baseline, {busy / max(counts.get('acted', 1), 1) * 1000:.2f} ms each)"
    )
    print(f"target    sweep under 2 s: {'met' if busy < 2 else 'NOT met'}")


def bench_lag(app, settings: Settings, count: int) -> None:  # type: ignore[no-untyped-def]
    database = app.extensions["database"]
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE referral SET deadline_at = NULL"))
    with app.app_context():
        # The sweep above left a backlog of notices; the lag is measured on a worker with none.
        redis_connection().flushdb()
    env = dict(
        os.environ,
        HOTLINE_INSTANCE=str(settings.instance_path),
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url or "",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker and its scheduler start
        client = app.test_client()
        deadlines: dict[int, object] = {}
        with app.app_context():
            for number in range(count):
                # Each in its own words (the flood hold counts the same words, digits aside, and
                # 10 reports from one partner key in 10 minutes: --lag stays under that).
                words = f"Me tienen encerrada en la casa {PLACES[number % len(PLACES)]} de la colonia"
                assert post_report(client, json={**REPORT, "text": words}).status_code == 201
            with database.session() as session:
                soon = utcnow() + timedelta(seconds=5)
                fresh = session.scalars(
                    select(Referral).where(Referral.status == "referred", Referral.deadline_at.is_not(None))
                ).all()
                for referral in fresh:
                    # Bring the deadline near and schedule its check, as a new referral's would be.
                    referral.deadline_at = soon
                    deadlines[referral.id] = soon
                    enqueue_after_commit(session, "hotline.jobs.deadlines.check_deadline", referral.id, at=soon)
        if not deadlines:
            raise SystemExit("no referral to time: the reports were not routed (held as a flood?)")
        limit = time.monotonic() + 60
        lags: dict[int, float] = {}
        while len(lags) < len(deadlines) and time.monotonic() < limit:
            time.sleep(0.2)
            with database.session() as session:
                rows = session.execute(
                    select(TicketEvent.referral_id, func.min(TicketEvent.at))
                    .where(TicketEvent.kind == "ack_deadline", TicketEvent.referral_id.in_(deadlines))
                    .group_by(TicketEvent.referral_id)
                ).all()
            for referral_id, at in rows:
                lags[referral_id] = (at - deadlines[referral_id]).total_seconds()  # type: ignore[operator]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    values = sorted(lags.values())
    print(
        f"lag       {len(values)}/{len(deadlines)} escalated by one worker: median {statistics.median(values):.2f} s,"
        f" max {values[-1]:.2f} s (target under 3 s: {'met' if values and values[-1] < 3 else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--lag", type=int, default=8, help="reports to time (at most 9: the flood hold)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlbench-"))
    root.chmod(0o755)
    cluster = PostgresCluster(root)
    cluster.start()
    redis_server = EmbeddedRedis(root / "redis")
    redis_server.start()
    try:
        settings = Settings.from_env({"HOTLINE_INSTANCE": str(root / "instance")}).with_changes(
            database_url=cluster.url("postgres"), redis_url=redis_server.url
        )
        prepare(settings.database_url)
        app = create_app(settings, surface="public")
        bench_sweep(app, args.open, args.due)
        bench_lag(app, settings, args.lag)
    finally:
        redis_server.stop()
        cluster.stop()


if __name__ == "__main__":
    main()
