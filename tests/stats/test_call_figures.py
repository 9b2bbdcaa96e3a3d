"""Call statistics against a hand-counted set of calls: offered, answered, abandoned, time to answer and
talk time per line, language and hour; small counts suppressed on the page below admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from hotline.calls.models import CallState, VoiceCall
from hotline.stats import Filters, Measure
from hotline.stats.calls import call_figures
from tests.stats.test_pages import signed_in, table_rows

START = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
LINE_GT, LINE_BZ = "+12025550190", "+12025550193"
PERIOD = "from=2025-01-01&to=2026-01-01"


def add_calls(app: Flask) -> None:
    """Guatemala's line: three answered after 10, 20 and 30 s (talks of 60, 120, 180 s) and one abandoned,
    all in Spanish at 14:00; Belize's line: one English call at 15:00 with nobody on shift."""
    calls = []
    for n, (wait, talk) in enumerate(((10, 60), (20, 120), (30, 180))):
        enqueued = START + timedelta(minutes=n)
        answered = enqueued + timedelta(seconds=wait)
        calls.append(
            VoiceCall(
                call_sid=f"CA{n:032d}",
                language="es",
                country="GT",
                line=LINE_GT,
                state=CallState.ENDED,
                outcome="answered",
                created_at=enqueued,
                enqueued_at=enqueued,
                answered_at=answered,
                ended_at=answered + timedelta(seconds=talk),
            )
        )
    calls.append(
        VoiceCall(
            call_sid="CA" + "a" * 32,
            language="es",
            country="GT",
            line=LINE_GT,
            state=CallState.ENDED,
            outcome="abandoned",
            created_at=START,
            enqueued_at=START,
            ended_at=START + timedelta(seconds=95),
        )
    )
    calls.append(
        VoiceCall(
            call_sid="CA" + "b" * 32,
            language="en",
            country="BZ",
            line=LINE_BZ,
            state=CallState.ENDED,
            outcome="no_operator",
            created_at=START + timedelta(hours=1),
            ended_at=START + timedelta(hours=1),
        )
    )
    with app.app_context(), app.extensions["database"].session() as session:
        session.add_all(calls)
        session.commit()


def test_call_figures_per_line_language_and_hour(app: Flask) -> None:
    add_calls(app)
    period = Filters(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    with app.app_context(), app.extensions["database"].session() as session:
        by_line = {row.group: row for row in call_figures(session, period, "line")}
        by_language = {row.group: row for row in call_figures(session, period, "language")}
        by_hour = {row.group: row.offered for row in call_figures(session, period, "hour")}
        only_bz = call_figures(session, Filters(start=period.start, end=period.end, scope=frozenset({"BZ"})), "line")
        none_later = call_figures(session, Filters(start=datetime(2026, 1, 1, tzinfo=UTC)), "line")
    gt = by_line[LINE_GT]
    assert (gt.offered, gt.answered, gt.abandoned) == (4, 3, 1)
    assert (gt.seconds_to_answer, gt.talk_seconds) == (Measure(20.0, 3), Measure(120.0, 3))
    bz = by_line[LINE_BZ]
    assert (bz.offered, bz.answered, bz.abandoned, bz.seconds_to_answer) == (1, 0, 0, Measure(None, 0))
    assert (by_language["es"].offered, by_language["en"].offered) == (4, 1)
    assert by_hour == {"14:00": 4, "15:00": 1}
    assert [row.group for row in only_bz] == [LINE_BZ] and none_later == []


def test_the_stats_page_shows_calls_with_small_counts_suppressed(app: Flask, staff_client: FlaskClient) -> None:
    add_calls(app)
    signed_in(app, staff_client, role="supervisor", regional=True)
    page = staff_client.get(f"/stats/?{PERIOD}&lang=en").get_data(as_text=True)
    lines = table_rows(page, "calls_line")
    # Belize's single call is "<3"; Guatemala's 4 is withheld with it ("x"), or the total would give it away.
    assert lines[LINE_BZ][0] == "<3" and lines[LINE_BZ][3] == "n/a"
    assert lines[LINE_GT] == ["x", "3", "<3", "20.0", "120.0"]
    assert table_rows(page, "calls_language")["Español"][:2] == ["x", "3"]
    assert "14:00" in table_rows(page, "calls_hour")
