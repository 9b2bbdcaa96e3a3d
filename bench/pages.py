"""The staff pages the load run found slow, timed and their SQL statements counted, beside `/healthz`.

Run: .venv/bin/python -m bench.pages [--tickets 2000] [--requests 30] [--postgres | --database-url URL]

Builds a populated database (SQLite in a temporary folder by default; `--postgres` starts a throwaway
PostgreSQL cluster, `--database-url` uses an empty database you give) with the real seeded directory:
`--tickets` reports filed through the partner API across the region's countries, their proposed
referrals confirmed by an operator, so the busiest agencies hold hundreds of referrals. Then signs in
a regional operator and an officer of the busiest agency and requests each page `--requests` times
through the staff app's test client (the ticket and referral pages rotate over different rows).
Prints, per page: SQL statements per request (every engine, the key store's included), p50 and p99,
and the p50's ratio to `/healthz` (no database) measured through the same client in the same run;
twice: with the heap as the fill left it, then after `freeze_startup_objects()` (gunicorn.conf.py
calls it before forking its workers), which takes the routing snapshot's objects out of the full
garbage collections that otherwise land on a request now and then (the p99).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from hotline import create_app
from hotline.app import freeze_startup_objects
from hotline.embedded_redis import EmbeddedRedis
from hotline.referrals.models import DispatchState, Referral
from hotline.settings import Settings
from hotline.tickets.models import Ticket
from tests.admin.test_staff_pages import sign_in
from tests.conftest import prepare
from tests.factories import make_user
from tests.helpers import dispatch_proposals, post_report

COUNTRIES = ("GT", "HN", "SV", "NI", "CR", "PA", "BZ", "MX", "DO")
STORIES = (
    "Me tienen encerrada en una casa y no me dejan salir",
    "Trabajan sin pago en una finca de café, les quitaron los documentos",
    "Un niño vende dulces en la calle y un adulto se lleva el dinero",
    "Nos cobraron por cruzar la frontera y ahora nos piden más",
)


class StatementCounter:
    """Counts the statements every engine sends to its database (SQLAlchemy's cursor event)."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        result: list[int] = []
        start = self.count
        yield result
        result.append(self.count - start)


def populate(public: Any, tickets: int) -> None:
    client = public.test_client()
    for number in range(tickets):
        # A third of the reports are about Guatemala, so its agencies hold hundreds of referrals.
        country = "GT" if number % 3 == 0 else COUNTRIES[number % len(COUNTRIES)]
        report = {
            "channel": "api",
            "text": f"{STORIES[number % len(STORIES)]} ({number})",
            "location": {"country": country},
            "answers": {"in_danger_now": number % 5 == 0},
            "consent": {"share_authorities": True, "share_identity": True},
        }
        answer = post_report(client, json=report)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        if number % 200 == 199:
            print(f"  {number + 1} reports filed", flush=True)
    dispatch_proposals(public)


def measure(
    client: FlaskClient, counter: StatementCounter, paths: Callable[[], str], requests: int
) -> tuple[int, float, float]:
    """(statements of the last request, p50 ms, p99 ms) over `requests` requests after two warm-ups."""
    for _ in range(2):
        assert client.get(paths()).status_code == 200
    times, statements = [], []
    for _ in range(requests):
        path = paths()
        with counter.counting() as seen:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        statements.append(seen[0])
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return max(statements), statistics.median(times), p99


def table(
    pages: list[tuple[str, FlaskClient, Callable[[], str]]], counter: StatementCounter, requests: int, title: str
) -> None:
    print(f"\n{title}")
    print(f"{'page':30} {'statements':>10} {'p50 ms':>9} {'p99 ms':>9} {'p50 / baseline':>15}")
    baseline = 0.0
    for name, client, paths in pages:
        statements, p50, p99 = measure(client, counter, paths, requests)
        baseline = baseline or p50
        print(f"{name:30} {statements:>10} {p50:>9.2f} {p99:>9.2f} {p50 / baseline:>14.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--database-url", help="an empty database to fill (default: SQLite in a temp folder)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlpages-"))
    root.chmod(0o755)
    cluster = None
    database_url = args.database_url or f"sqlite:///{root / 'hotline.sqlite3'}"
    if args.postgres:
        from tests.pg import PostgresCluster

        cluster = PostgresCluster(root / "pg")
        (root / "pg").mkdir()
        cluster.start()
        database_url = cluster.url("postgres")
    redis_server = EmbeddedRedis(root / "redis")
    redis_server.start()
    try:
        settings = Settings.from_env({"HOTLINE_INSTANCE": str(root / "instance")}).with_changes(
            database_url=database_url, redis_url=redis_server.url, rate_limit_scale=1000
        )
        prepare(settings.database_url)
        public, staff = create_app(settings, surface="public"), create_app(settings, surface="staff")
        started = time.perf_counter()
        populate(public, args.tickets)
        print(f"filled in {time.perf_counter() - started:.0f} s")
        with staff.app_context(), staff.extensions["database"].session() as session:
            references = list(session.scalars(select(Ticket.reference).order_by(Ticket.id)))
            busiest, held = session.execute(
                select(Referral.agency_id, func.count())
                .where(Referral.dispatch == DispatchState.DISPATCHED)
                .group_by(Referral.agency_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            own = list(
                session.scalars(
                    select(Referral.id).where(
                        Referral.agency_id == busiest, Referral.dispatch == DispatchState.DISPATCHED
                    )
                )
            )
            total_referrals = session.scalar(select(func.count()).select_from(Referral))
        operator, officer = staff.test_client(), staff.test_client()
        sign_in(operator, *make_user(staff, role="operator", regional=True))
        sign_in(officer, *make_user(staff, role="agency", agency_id=busiest))
        counter = StatementCounter()
        tickets_cycle = itertools.cycle(references[:: max(1, len(references) // 50)])
        referrals_cycle = itertools.cycle(own[:: max(1, len(own) // 50)])
        pages: list[tuple[str, FlaskClient, Callable[[], str]]] = [
            ("/healthz (baseline)", operator, lambda: "/healthz"),
            ("/api/v1/queue (JSON poll)", operator, lambda: f"/api/v1/queue?after={len(references) - 5}"),
            ("/tickets (operator queue)", operator, lambda: "/tickets"),
            ("/tickets/<reference>", operator, lambda: f"/tickets/{next(tickets_cycle)}"),
            ("/referrals (agency)", officer, lambda: "/referrals"),
            ("/referrals/<id>", officer, lambda: f"/referrals/{next(referrals_cycle)}"),
        ]
        print(
            f"database: {staff.extensions['database'].engine.dialect.name}, {len(references):,} tickets, "
            f"{total_referrals:,} referrals; the officer's agency holds {held:,}; {args.requests} requests per page"
        )
        table(pages, counter, args.requests, "the heap as the fill left it (every object in the collector's view)")
        frozen = freeze_startup_objects()
        table(
            pages,
            counter,
            args.requests,
            f"after freeze_startup_objects(), as gunicorn's master before it forks ({frozen:,} objects)",
        )
        for app in (public, staff):
            app.extensions["database"].engine.dispose()
    finally:
        redis_server.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
