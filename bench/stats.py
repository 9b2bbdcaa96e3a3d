"""The statistics page's queries on 1,000,000 synthetic tickets in a throwaway PostgreSQL.

Prints the time of every query the page runs (hotline.stats, as admin/stats_views.py calls it), for
the page's default period (the last year: about a third of the tickets), all three years, one
country, a year that starts and ends mid-month, and one agency, next to a single-table
`SELECT count(*) FROM ticket` measured in the same run, as ratios: first with no rollup built (every
figure read live, as before the rollups), then after `rollup.refresh` has built every past month.
Run:
    python -m bench.stats [--tickets 1000000] [--repeat 3] [--skip-live]
Needs the PostgreSQL server binaries (Debian package postgresql); listens on a Unix socket only.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from directory.load import DEMO_CONTACTS_FILE, REGION_FILE, apply_demo_contacts, load_document, read_json
from directory.models import Agency
from hotline import stats
from hotline.db import Database
from hotline.migrations import upgrade
from hotline.stats import indicators, rollup
from hotline.tickets.stages import backfill
from tests.pg import PostgresCluster

END = datetime(2026, 1, 1, tzinfo=UTC)
YEARS = 3


# A bigger cache and working memory than the tests need: a million tickets are loaded and scanned.
BENCH_SETTINGS = "-c synchronous_commit=off -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB"


LOAD = [
    # Tickets spread evenly over three years up to END.
    """
    INSERT INTO ticket (id, reference, channel, language, incident_country, incident_region, risk_level,
                        case_type, status, contact_ok, created_at, updated_at)
    SELECT g, 'B' || lpad(g::text, 12, '0'),
           (ARRAY['web','sms','voice','chat','api'])[1 + g % 5], 'es',
           (ARRAY['GT','HN','SV','MX','CR','PA','NI','BZ','DO'])[1 + (g * 7) % 9],
           CASE WHEN g % 3 = 0 THEN NULL ELSE 'GT-0' || (1 + g % 9)::text END,
           (ARRAY['critical','high','medium','low'])[1 + g % 4],
           (ARRAY['trafficking','smuggling','both','unclear'])[1 + (g / 3) % 4],
           'referred', false, ts, ts
    FROM (SELECT g, :end - (:n - g) * (:span / :n) * interval '1 second' AS ts
          FROM generate_series(1, :n) AS g) AS s
    """,
    """INSERT INTO ticket_event (ticket_id, at, actor, kind, to_state)
       SELECT id, created_at, 'reporter', 'received', 'received' FROM ticket""",
    # Every call and chat ticket came through a conversation; a chat in three waited for a person.
    """
    INSERT INTO conversation (channel, provider_key, run, host, ticket_id, state, opted_out, started_at,
                              updated_at, waiting_since, answered_at)
    SELECT channel, 'B' || id, '{}', '{}', id, 'closed', false, created_at, created_at,
           CASE WHEN channel = 'chat' AND id % 3 = 0 THEN created_at END,
           CASE WHEN channel = 'chat' AND id % 6 = 0 THEN created_at + (id % 9) * interval '1 minute' END
    FROM ticket WHERE channel IN ('voice', 'chat')
    """,
    """INSERT INTO ticket_event (ticket_id, at, actor, kind, from_state, to_state)
       SELECT id, created_at, 'system', 'triaged', 'received', 'triaged' FROM ticket WHERE id % 10 <> 9""",
    """
    INSERT INTO referral (id, ticket_id, agency_id, role, flow_id, flow_version, status, run, revision,
                          created_at, ack_due_at, escalation_level, acknowledged_at)
    SELECT t.id, t.id, (CAST(:agencies AS text[]))[1 + t.id % cardinality(CAST(:agencies AS text[]))],
           'primary', 'referral_national', 1,
           CASE WHEN t.id % 50 = 0 THEN 'closed' WHEN t.id % 10 < 2 THEN 'assistance'
                WHEN t.id % 10 < 4 THEN 'accepted' WHEN t.id % 10 < 6 THEN 'acknowledged' ELSE 'referred' END,
           '{"path": []}', 0, t.created_at + interval '1 minute', t.created_at + interval '61 minutes', 0,
           CASE WHEN t.id % 10 < 6 THEN t.created_at + (1 + (t.id * 13) % 240) * interval '1 minute' END
    FROM ticket t WHERE t.id % 10 < 8
    """,
    """INSERT INTO ticket_event (ticket_id, referral_id, at, actor, kind, to_state)
       SELECT ticket_id, id, created_at, 'system', 'referred', 'referred' FROM referral""",
    """INSERT INTO ticket_event (ticket_id, referral_id, at, actor, kind, from_state, to_state)
       SELECT ticket_id, id, acknowledged_at, 'staff:1', 'acknowledge', 'referred', 'acknowledged'
       FROM referral WHERE acknowledged_at IS NOT NULL""",
    """INSERT INTO ticket_event (ticket_id, referral_id, at, actor, kind, from_state, to_state)
       SELECT ticket_id, id, acknowledged_at, 'staff:1', 'accept', 'acknowledged', 'accepted'
       FROM referral WHERE id % 10 < 4""",
    """INSERT INTO ticket_event (ticket_id, referral_id, at, actor, kind, from_state, to_state)
       SELECT ticket_id, id, acknowledged_at, 'staff:1', 'start_assistance', 'identified', 'assistance'
       FROM referral WHERE id % 10 < 2""",
    """INSERT INTO ticket_event (ticket_id, referral_id, at, actor, kind, from_state, to_state)
       SELECT ticket_id, id, acknowledged_at, 'staff:1', 'close', 'integration', 'closed'
       FROM referral WHERE id % 50 = 0""",
    """
    INSERT INTO case_person (ticket_id, sex, age_band, nationality, exploitation, wish, identified,
                             created_at, updated_at)
    SELECT t.id, (ARRAY['female','male','other','unknown'])[1 + (t.id + k) % 4],
           (ARRAY['0-11','12-17','18-29','30-49','50+','unknown'])[1 + (t.id + k) % 6],
           CASE WHEN t.id % 7 = 0 THEN NULL ELSE t.incident_country END,
           (ARRAY['sexual','labour','domestic_servitude','forced_begging','unknown'])[1 + (t.id + k) % 5],
           'unknown', t.id % 3 = 0, t.created_at, t.created_at
    FROM ticket t CROSS JOIN generate_series(0, 1) AS k
    WHERE t.id % 5 < 3 AND (k = 0 OR t.id % 5 = 0)
    """,
]


def load(url: str, tickets: int) -> None:
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_document(session, read_json(REGION_FILE), actor="bench")
        session.flush()
        apply_demo_contacts(session, read_json(DEMO_CONTACTS_FILE))
    with database.session() as session:
        agencies = list(session.scalars(select(Agency.id).where(Agency.country.is_not(None)).order_by(Agency.id)))
    params: dict[str, Any] = {"n": tickets, "end": END, "span": YEARS * 365 * 86400.0, "agencies": agencies}
    with database.engine.begin() as connection:
        for statement in LOAD:
            connection.execute(text(statement), params)
        # The events went in by raw SQL, not through record_event: each ticket's stage summary is
        # filled as migration 0006 fills it for tickets older than the columns.
        started = time.perf_counter()
        backfill(connection)
        print(f"back-filled the stage summary of {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
        for table in ("ticket", "ticket_event", "referral", "case_person", "conversation"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # The back-fill rewrote most ticket rows; compact the table as a freshly loaded one would be, so
        # the other queries' scans are compared on the same table size as before the summary existed.
        connection.execute(text("VACUUM FULL ticket"))
        connection.execute(text("VACUUM ANALYZE"))
    database.engine.dispose()


def page_queries(session: Session, filters: stats.Filters, now: datetime) -> dict[str, Callable[[], object]]:
    """What admin/stats_views.py's `_tables` asks of hotline.stats for one page view."""
    return {
        "funnel by country (and overall)": lambda: stats.funnel(session, filters, by="country"),
        "time to acknowledge": lambda: stats.ack_times(session, filters, now),
        "volumes per month": lambda: stats.volumes(session, filters, "month"),
        "incidents": lambda: stats.incidents(session, filters),
        "case types": lambda: stats.case_types(session, filters),
        "people (4 breakdowns)": lambda: stats.people_breakdowns(session, filters),
        "identified by country": lambda: stats.identified_by_country(session, filters),
        "SDG 16.2.2 rates": lambda: indicators.sdg_rates(session, filters, now),
        "sex x age x form": lambda: indicators.crosstab(session, filters),
        "flow": lambda: indicators.flow(session, filters),
        "forms of assistance": lambda: indicators.assistance_forms(session, filters),
        "profile fields": lambda: indicators.profile(session, filters),
        "hotline workload": lambda: indicators.workload(session, filters),
    }


def timed(run: Callable[[], object], repeat: int, before: Callable[[], object] = lambda: None) -> float:
    """The median wall time of `repeat` runs, after one warm-up run; `before` runs untimed before each."""
    before()
    run()
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def forget_reads(session: Session) -> Callable[[], object]:
    """What a new request starts with: no rollup read remembered (rollup.read keeps them per transaction)."""
    return lambda: session.info.pop(rollup.READS, None)


def first_agency(session: Session) -> str:
    return str(session.scalar(select(Agency.id).where(Agency.country.is_not(None)).order_by(Agency.id)))


PAGE = "page (one request)"


def whole_page(runs: list[Callable[[], object]]) -> Callable[[], object]:
    return lambda: [run() for run in runs]


def measure(session: Session, periods: dict[str, stats.Filters], repeat: int) -> dict[str, dict[str, float]]:
    """Every page query's median time for every period, each as if alone in its request (nothing
    remembered), and the whole page as one request (a dimension several tables read is read once)."""
    found: dict[str, dict[str, float]] = {}
    fresh = forget_reads(session)
    for name, filters in periods.items():
        queries = page_queries(session, filters, END)
        times = {query: timed(run, repeat, fresh) for query, run in queries.items()}
        times[PAGE] = timed(whole_page(list(queries.values())), repeat, fresh)
        found[name] = times
        print(f"  {name}: page {times[PAGE] * 1000:.0f} ms", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-live", action="store_true", help="do not time the page read live (no rollup)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlbench-"))
    root.chmod(0o755)
    cluster = PostgresCluster(root, BENCH_SETTINGS)
    cluster.start()
    try:
        admin = create_engine(
            cluster.url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        url = cluster.url("bench")
        started = time.perf_counter()
        load(url, args.tickets)
        print(f"loaded {args.tickets:,} tickets in {time.perf_counter() - started:.0f} s", flush=True)
        database = Database(url)
        with database.session() as session:
            sizes = {
                table: session.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("ticket", "ticket_event", "referral", "case_person")
            }
            print("rows: " + ", ".join(f"{table} {count:,}" for table, count in sizes.items()))
            baseline = timed(lambda: session.execute(text("SELECT count(*) FROM ticket")).scalar(), args.repeat)
            print(f"baseline SELECT count(*) FROM ticket: {baseline * 1000:.0f} ms")
            year = END - timedelta(days=365)
            periods = {
                "default period (last year)": stats.Filters(start=year, end=END),
                f"all {YEARS} years": stats.Filters(),
                "one country, last year": stats.Filters(start=year, end=END, country="GT"),
                "mid-month to mid-month": stats.Filters(
                    start=datetime(2024, 12, 15, tzinfo=UTC), end=datetime(2025, 12, 15, tzinfo=UTC)
                ),
                "one agency, last year": stats.Filters(start=year, end=END, agency=first_agency(session)),
            }
            if args.skip_live:
                before = {name: {} for name in periods}
            else:
                print("live, no rollup built:", flush=True)
                before = measure(session, periods, args.repeat)
            session.commit()
        started = time.perf_counter()
        built = rollup.refresh(database.session, END + timedelta(days=1))
        print(
            f"\nrollup.refresh built {built['months']} months, {built['rows']:,} rows in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE stats_rollup"))
        with database.session() as session:
            grains: dict[str, int] = {
                grain: count
                for grain, count in session.execute(text("SELECT grain, count(*) FROM stats_rollup GROUP BY grain"))
            }
            print(
                f"rollup rows: {sum(grains.values()) / args.tickets:.2f} a ticket; by grain "
                + ", ".join(f"{grain} {count:,}" for grain, count in grains.items()),
                flush=True,
            )
            print("the page read from the rollup, a dimension read once a request:", flush=True)
            after = measure(session, periods, args.repeat)
            baseline_after = timed(lambda: session.execute(text("SELECT count(*) FROM ticket")).scalar(), args.repeat)
        print(f"baseline SELECT count(*) FROM ticket, again: {baseline_after * 1000:.0f} ms")
        print(f"\nms (x the same run's count(*) baseline of {baseline * 1000:.0f} ms): live, no rollup -> rollup")
        for name in periods:
            print(f"\n{name}:")
            for query in after[name]:
                old, new = before[name].get(query), after[name][query]
                live = f"{old * 1000:7.0f} ms {old / baseline:6.1f} x" if old is not None else f"{'(not run)':>17}"
                print(f"  {query:<32} {live}  -> {new * 1000:7.0f} ms {new / baseline:6.1f} x", flush=True)
        database.engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
