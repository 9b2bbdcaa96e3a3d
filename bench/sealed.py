"""What sealing the reporter's words costs a reader: unsealing against the ticket page that shows them,
and against reading the same rows without unsealing, in the same run.

Run: .venv/bin/python -m bench.sealed [--reports 100] [--repeat 5]

SQLite and the key store's SQLite under a temporary folder, as the embedded defaults run. Per ticket:
the staff ticket page as served (its request opens a session: one key store query, then decryption)
is the baseline; the unsealing alone is a fresh session reading the ticket's messages' words, minus
the same session reading the same rows' ciphertext. Across tickets: every ticket's words read one key
query per ticket, and read after `keystore.prefetch` (one query), against the raw rows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import select

from hotline import create_app, keystore
from hotline.embedded_redis import EmbeddedRedis
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketMessage
from tests.admin.test_staff_pages import sign_in
from tests.conftest import prepare
from tests.factories import make_user
from tests.helpers import post_report

STORY = "Nos tienen encerradas en una casa, no nos dejan salir"
REPORT = {"channel": "api", "text": STORY, "location": {"country": "HN"}}


def timed(work: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlsealed-"))
    redis_server = EmbeddedRedis(root / "redis")
    redis_server.start()
    try:
        settings = Settings.from_env({"HOTLINE_INSTANCE": str(root / "instance")}).with_changes(
            database_url=f"sqlite:///{root / 'hotline.sqlite3'}", redis_url=redis_server.url, rate_limit_scale=1000
        )
        prepare(settings.database_url)
        public, staff = create_app(settings, surface="public"), create_app(settings, surface="staff")
        client = public.test_client()
        references = []
        for _ in range(args.reports):
            answer = post_report(client, json=REPORT)
            assert answer.status_code == 201
            references.append(answer.get_json()["reference"])
        email, password = make_user(staff, role="supervisor", regional=True)
        browser = staff.test_client()
        sign_in(browser, email, password)
        database = staff.extensions["database"]
        with database.session() as session:
            ids = dict(session.execute(select(Ticket.reference, Ticket.id)).all())

        def page(reference: str) -> None:
            assert browser.get(f"/tickets/{reference}").status_code == 200

        def words(ticket_id: int, clear: bool) -> None:
            with database.session() as session:
                for message in session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)):
                    _ = message.body if clear else message.body_sealed

        pages, unsealing = [], []
        for reference in references:
            pages.append(timed(partial(page, reference), args.repeat))
            clear = timed(partial(words, ids[reference], True), args.repeat)
            unsealing.append(clear - timed(partial(words, ids[reference], False), args.repeat))

        def every(clear: bool, prefetched: bool) -> None:
            with database.session() as session:
                messages = session.scalars(select(TicketMessage)).all()
                if prefetched:
                    keystore.prefetch(session, {m.ticket_id for m in messages}, keystore.NARRATIVE)
                for message in messages:
                    _ = message.body if clear else message.body_sealed

        raw = timed(partial(every, False, False), args.repeat)
        one_by_one = timed(partial(every, True, False), args.repeat)
        prefetched = timed(partial(every, True, True), args.repeat)
        page_ms, unseal_ms = statistics.median(pages) * 1000, statistics.median(unsealing) * 1000
        print(f"ticket page (baseline)           median {page_ms:6.2f} ms over {len(pages)} tickets")
        print(f"unsealing one ticket's words     median {unseal_ms:6.3f} ms = {unseal_ms / page_ms:.1%} of the page")
        print(f"{args.reports} tickets' words, raw rows  {raw * 1000:7.2f} ms (baseline)")
        print(f"  unsealed, one key query each   {one_by_one * 1000:7.2f} ms = {one_by_one / raw:.1f} ×")
        print(f"  unsealed after one prefetch    {prefetched * 1000:7.2f} ms = {prefetched / raw:.1f} ×")
        for app in (public, staff):
            app.extensions["database"].engine.dispose()
    finally:
        redis_server.stop()


if __name__ == "__main__":
    main()
