"""A flood of reports is stored whole but held: no agency is told past the rule's threshold, the
supervisors are alerted once, the staff queue shows a banner, and a supervisor releases the held
reports in bulk, which routes them as any other. The rest of the suite raises the thresholds with the
rate limits (tests/conftest.py); these tests set the scale back to 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline import create_app
from hotline.floods import FLOOD_ALERT, Flood, load_rules, normalised_words
from hotline.jobs.queue import redis_connection
from hotline.outbox import OutboxKind, OutboxMessage
from hotline.settings import Settings
from hotline.tickets.models import Ticket, TicketEvent, TicketStatus
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import REPORTS, new_partner_key, run_jobs
from tests.hotline.test_api import REPORT


@pytest.fixture
def unscaled(settings: Settings) -> Iterator[tuple[Flask, Flask]]:
    public = create_app(settings.with_changes(rate_limit_scale=1), surface="public")
    staff = create_app(settings.with_changes(rate_limit_scale=1), surface="staff")
    with public.app_context():
        redis_connection().flushdb()
    yield public, staff
    public.extensions["database"].engine.dispose()
    staff.extensions["database"].engine.dispose()


def _file(
    app: Flask, count: int, *, text: str | None = None, source: str | None = None, prefix: str = "q"
) -> list[str]:
    """File `count` reports through the partner API: all with one partner's key when `source` names
    the partner, else each with a key of its own from an address of its own (many sources)."""
    client = app.test_client()
    keys: dict[str, str] = {}
    references = []
    for n in range(count):
        # Different words each time, unless the test wants the same: digits alone do not tell texts apart.
        tag = f"{prefix}{chr(97 + n // 26 % 26)}{chr(97 + n % 26)}"
        body = {**REPORT, "text": text or f"Report {tag}: " + REPORT["text"]}
        partner = source or f"partner {n}"
        if partner not in keys:
            keys[partner] = new_partner_key(app, partner)
        sent = client.post(
            REPORTS,
            json=body,
            headers={"Authorization": f"Bearer {keys[partner]}"},
            environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.7"},
        )
        assert sent.status_code == 201, sent.get_data(as_text=True)
        references.append(sent.get_json()["reference"])
    return references


def _statuses(app: Flask) -> dict[str, int]:
    with app.app_context(), app.extensions["database"].session() as session:
        rows = session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
        return {status: int(n) for status, n in rows}


def _agency_notices_for_held(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
                .where(OutboxMessage.kind == OutboxKind.AGENCY_NOTICE, Ticket.status == TicketStatus.HELD_FOR_REVIEW)
            )
            or 0
        )


def _alerts(app: Flask) -> list[str]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == FLOOD_ALERT)))


def test_a_flood_of_500_reports_notifies_no_agency_and_alerts_each_supervisor_once(
    unscaled: tuple[Flask, Flask],
) -> None:
    app, _staff = unscaled
    supervisors = [make_user(app, role="supervisor", regional=True)[0] for _ in range(2)]
    make_user(app, role="operator", regional=True)
    # The same words from 500 sources (no per-source limit stops them): a distributed flood.
    _file(app, 500, text="Help help there are people locked in the blue house near the market, come now")
    run_jobs(app)
    statuses = _statuses(app)
    # Nothing is lost: 500 tickets. The same words twice is not yet a flood; from the third, every one is held.
    assert sum(statuses.values()) == 500
    assert statuses[TicketStatus.HELD_FOR_REVIEW] == 498
    assert _agency_notices_for_held(app) == 0
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(func.count()).select_from(Flood)) == 1
        holds = session.scalars(select(TicketEvent.reason).where(TicketEvent.kind == "flood_hold")).all()
        assert len(holds) == 498 and all("same words" in (reason or "") for reason in holds)
        notices_routed = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == OutboxKind.AGENCY_NOTICE)
        )
    # The two reports before the flood was recognised were routed as any report; none of the 498 after.
    assert notices_routed and notices_routed <= 2 * 3
    assert sorted(_alerts(app)) == sorted(supervisors)


def test_many_different_reports_from_one_source_are_held_from_the_tenth(unscaled: tuple[Flask, Flask]) -> None:
    app, _staff = unscaled
    references = _file(app, 15, source="Partner A")
    with app.app_context(), app.extensions["database"].session() as session:
        held = session.scalars(
            select(Ticket.reference).where(Ticket.status == TicketStatus.HELD_FOR_REVIEW).order_by(Ticket.id)
        ).all()
    assert held == references[9:]
    # Another partner is not part of that flood.
    [other] = _file(app, 1, source="Partner B", prefix="z")
    assert other not in held and _statuses(app).get(TicketStatus.HELD_FOR_REVIEW) == 6


def test_a_held_report_gets_the_same_answer_as_a_routed_one(unscaled: tuple[Flask, Flask]) -> None:
    app, _staff = unscaled
    client = app.test_client()
    headers = {"Authorization": f"Bearer {new_partner_key(app, 'Partner C')}"}
    answers = []
    for n in range(10):
        body = {**REPORT, "text": f"Report {chr(97 + n)}{chr(98 + n)}: " + str(REPORT["text"])}
        answers.append(client.post(REPORTS, json=body, headers=headers))
    routed, held = answers[0], answers[9]
    with app.app_context(), app.extensions["database"].session() as session:
        status = dict(session.execute(select(Ticket.reference, Ticket.status)).all())
    assert status[held.get_json()["reference"]] == TicketStatus.HELD_FOR_REVIEW
    assert status[routed.get_json()["reference"]] != TicketStatus.HELD_FOR_REVIEW
    # Nothing in the answer tells the sender that the flood rules caught it.
    for answer in (routed, held):
        assert answer.status_code == 201
        assert sorted(answer.get_json()) == ["follow_up_passphrase", "reference", "status"]
        assert answer.get_json()["status"] == "received"
    assert sorted(routed.headers.keys()) == sorted(held.headers.keys())


def test_the_queue_shows_the_flood_and_a_supervisor_releases_it_in_bulk(unscaled: tuple[Flask, Flask]) -> None:
    app, staff = unscaled
    _file(app, 6, text="Help help there are people locked in the blue house near the market, come now")
    assert _statuses(app)[TicketStatus.HELD_FOR_REVIEW] == 4

    operator = staff.test_client()
    sign_in(operator, *make_user(staff, role="operator", regional=True))
    page = operator.get("/tickets?lang=en").get_data(as_text=True)
    assert "Possible flood of reports" in page and "4 reports held for review" in page
    assert "Release them all" not in page  # an operator sees it; a supervisor decides
    with staff.app_context(), staff.extensions["database"].session() as session:
        flood_id = session.scalar(select(Flood.id))
    assert operator.post(f"/floods/{flood_id}/release", data={"csrf_token": "x"}).status_code in (302, 400, 403)
    assert _statuses(app)[TicketStatus.HELD_FOR_REVIEW] == 4

    supervisor = staff.test_client()
    sign_in(supervisor, *make_user(staff, role="supervisor", regional=True))
    page = supervisor.get("/tickets?lang=en").get_data(as_text=True)
    assert "Release them all" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    released = supervisor.post(f"/floods/{flood_id}/release?lang=en", data={"csrf_token": token}, follow_redirects=True)
    assert "4 held reports released and routed" in released.get_data(as_text=True)
    assert "flood-banner" not in released.get_data(as_text=True)
    statuses = _statuses(app)
    assert TicketStatus.HELD_FOR_REVIEW not in statuses and statuses[TicketStatus.REFERRED] == 6
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(func.count()).where(TicketEvent.kind == "flood_released")) == 4
        assert session.scalar(select(Flood.released_by)).startswith("staff:")


def test_words_are_compared_without_case_accents_digits_or_punctuation() -> None:
    assert normalised_words("¡AYÚDENME! 3 personas, en la casa 12.") == normalised_words("ayudenme personas en la casa")


def test_a_rules_file_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"version": "x", "window_minutes": 10, "rules": [
        {"name": "r", "key": "colour", "threshold": 5, "why": "?"}
    ]}))  # fmt: skip
    with pytest.raises(ValueError, match="key must be one of"):
        load_rules(bad)


def test_calls_that_said_no_story_are_not_a_flood_of_the_same_words(unscaled: tuple[Flask, Flask]) -> None:
    app, _staff = unscaled
    from hotline.reports import file_report
    from hotline.tickets.intake import parse_intake

    with app.app_context(), app.extensions["database"].session() as session:
        for n in range(5):
            body = {**REPORT, "channel": "voice", "text": "(Call: no narrative given; see the recording if any.)"}
            body["caller_phone"] = f"+502 5512 34{n:02d}"
            file_report(session, app.config["SETTINGS"], parse_intake(body))
    assert TicketStatus.HELD_FOR_REVIEW not in _statuses(app)
