"""A flood of reports is stored whole but held: no agency is told of any of its reports (those before
the rule's threshold included: their notices wait the hold and are withheld), the supervisors are
alerted once, the staff queue shows a banner, and a supervisor releases the held reports in bulk, or
one alone, which lets them go on as any other. The rest of the suite raises the thresholds with the
rate limits and sends agency notices at once (tests/conftest.py); these tests set the scale back to
1 and the hold back to the rules file's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline import create_app
from hotline.db import utcnow
from hotline.floods import FLOOD_ALERT, Flood, FloodHold, flood_rules, load_rules, normalised_words
from hotline.jobs.queue import redis_connection
from hotline.outbox import OutboxKind, OutboxMessage, OutboxStatus, sweep_outbox
from hotline.reports import file_report
from hotline.settings import Settings
from hotline.tickets.intake import parse_intake
from hotline.tickets.models import Ticket, TicketEvent, TicketStatus
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import REPORTS, api_headers, new_partner_key, run_jobs
from tests.hotline.test_api import REPORT

SAME_WORDS = "Help help there are people locked in the blue house near the market, come now"
# Imminent danger with a stated place: routed to the immediate responder at once (routing/dispatch_policy.json).
CRITICAL = {
    "channel": "api",
    "text": "La tienen encerrada en una casa y tienen armas",
    "location": {"country": "GT"},
    "answers": {"in_danger_now": True},
}


@pytest.fixture
def unscaled(settings: Settings) -> Iterator[tuple[Flask, Flask]]:
    unscaled = settings.with_changes(rate_limit_scale=1, notice_hold_seconds=None)
    public = create_app(unscaled, surface="public")
    staff = create_app(unscaled, surface="staff")
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


def _alerts(app: Flask) -> list[str]:
    with app.app_context(), app.extensions["database"].session() as session:
        return list(session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == FLOOD_ALERT)))


def _past_the_hold(app: Flask) -> list[str]:
    """Run every job queued, then the outbox sweep as it runs once the hold has passed; the kinds of
    the messages the gateway handed off, in order."""
    run_jobs(app)
    gateway = app.extensions["outbound"]
    later = utcnow() + flood_rules().hold + timedelta(seconds=1)
    with app.app_context(), app.extensions["database"].session() as session:
        sweep_outbox(session, gateway, later)
    return _kinds_handed_off(app)


def _assert_held_and_untold(app: Flask, supervisors: list[str], handed_off: list[str], rule: str) -> None:
    """All 500 stored and held by one flood of this rule; no agency notice left; each supervisor alerted once."""
    statuses = _statuses(app)
    assert statuses == {TicketStatus.HELD_FOR_REVIEW: 500}
    assert OutboxKind.AGENCY_NOTICE not in handed_off
    assert handed_off.count(FLOOD_ALERT) == len(supervisors)
    assert sorted(_alerts(app)) == sorted(supervisors)
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalars(select(Flood.rule)).all() == [rule]
        assert session.scalar(select(func.count()).select_from(FloodHold)) == 500
        holds = session.scalar(select(func.count()).where(TicketEvent.kind == "flood_hold"))
        assert holds == 500
        notices = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind == OutboxKind.AGENCY_NOTICE)
        ).all()
    # The reports before the threshold were routed as any report: their notices are kept, set aside.
    assert notices and set(notices) == {OutboxStatus.WITHHELD}


def test_a_flood_of_500_alike_reports_notifies_no_agency_and_alerts_each_supervisor_once(
    unscaled: tuple[Flask, Flask],
) -> None:
    app, _staff = unscaled
    supervisors = [make_user(app, role="supervisor", regional=True)[0] for _ in range(2)]
    make_user(app, role="operator", regional=True)
    # The same words from 500 sources (no per-source limit stops them): a distributed flood.
    _file(app, 2, text=SAME_WORDS)
    # A worker runs what is due before the flood is recognised: the first two's notices wait their hold.
    run_jobs(app)
    _file(app, 498, text=SAME_WORDS, prefix="r")
    _assert_held_and_untold(app, supervisors, _past_the_hold(app), "same_words")


def test_a_flood_of_500_reports_from_one_source_notifies_no_agency_and_alerts_once(
    unscaled: tuple[Flask, Flask],
) -> None:
    app, _staff = unscaled
    supervisors = [make_user(app, role="supervisor", regional=True)[0]]
    # Different words each time from one address, past its rate limit: filed as the form and API do.
    with app.app_context(), app.extensions["database"].session() as session:
        for n in range(500):
            body = {**REPORT, "text": f"Report {chr(97 + n // 26 % 26)}{chr(97 + n % 26)}{n // 676}: {REPORT['text']}"}
            file_report(session, app.config["SETTINGS"], parse_intake(body), origin="addr:192.0.2.44")
            if n == 8:
                # A worker runs what is due before the tenth: the first nine's notices wait their hold.
                run_jobs(app)
    _assert_held_and_untold(app, supervisors, _past_the_hold(app), "same_source")


@pytest.mark.parametrize("body", [REPORT, CRITICAL], ids=["ordinary", "critical"])
def test_a_report_alone_reaches_its_agency_once_the_hold_has_passed(
    unscaled: tuple[Flask, Flask], body: dict[str, object]
) -> None:
    app, _staff = unscaled
    client = app.test_client()
    assert client.post(REPORTS, json=body, headers=api_headers(app)).status_code == 201
    run_jobs(app)
    gateway = app.extensions["outbound"]
    # Within the hold, nothing has gone: a flood recognised now could still withhold it.
    with app.app_context(), app.extensions["database"].session() as session:
        sweep_outbox(session, gateway, utcnow())
    assert OutboxKind.AGENCY_NOTICE not in _kinds_handed_off(app)
    assert OutboxKind.AGENCY_NOTICE in _past_the_hold(app)
    assert TicketStatus.HELD_FOR_REVIEW not in _statuses(app)


def test_a_texted_report_is_not_held_back(unscaled: tuple[Flask, Flask]) -> None:
    """A Twilio-signed text costs its sender a line and is counted by caller: its notice goes at once."""
    app, _staff = unscaled
    with app.app_context(), app.extensions["database"].session() as session:
        file_report(session, app.config["SETTINGS"], parse_intake({**CRITICAL, "channel": "sms"}))
    run_jobs(app)
    assert any(kind == OutboxKind.AGENCY_NOTICE for kind in _kinds_handed_off(app)), (
        "an SMS report's agency notice went without waiting"
    )


def _kinds_handed_off(app: Flask) -> list[str]:
    gateway = app.extensions["outbound"]
    ids = [recorded.outbox_id for recorded in gateway.recorded]
    with app.app_context(), app.extensions["database"].session() as session:
        found = select(OutboxMessage.id, OutboxMessage.kind).where(OutboxMessage.id.in_(ids))
        kinds = dict(session.execute(found).all())
    return [kinds[outbox_id] for outbox_id in ids]


def test_critical_reports_in_a_flood_lead_and_one_can_be_released_alone(unscaled: tuple[Flask, Flask]) -> None:
    app, staff = unscaled
    supervisor_email, password = make_user(staff, role="supervisor", regional=True)
    client = app.test_client()
    for n in range(4):
        address = {"REMOTE_ADDR": f"10.9.{n}.7"}
        sent = client.post(REPORTS, json=CRITICAL, headers=api_headers(app), environ_base=address)
        assert sent.status_code == 201
    assert _statuses(app) == {TicketStatus.HELD_FOR_REVIEW: 4}
    with app.app_context(), app.extensions["database"].session() as session:
        [alert] = session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == FLOOD_ALERT)).all()
        first = session.scalars(select(Ticket.reference).order_by(Ticket.id)).first()
    # The flood opened on the third, pulling in two; the alert is in the agencies' language (here es).
    assert alert.startswith("3 de ellos son críticos")

    supervisor = staff.test_client()
    sign_in(supervisor, supervisor_email, password)
    queue = supervisor.get("/tickets?lang=en").get_data(as_text=True)
    assert "4 of them critical (imminent danger), held in the flood" in queue
    page = supervisor.get(f"/tickets/{first}?lang=en").get_data(as_text=True)
    assert "Release this report alone" in page and "Confirm and send" not in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = supervisor.post(f"/tickets/{first}/release-hold?lang=en", data={"csrf_token": token}, follow_redirects=True)
    assert "released from the flood" in done.get_data(as_text=True)
    assert _statuses(app) == {TicketStatus.HELD_FOR_REVIEW: 3, TicketStatus.REFERRED: 1}
    # Its withheld notices go now; the other three stay withheld.
    run_jobs(app)
    with app.app_context(), app.extensions["database"].session() as session:
        rows = session.execute(
            select(Ticket.reference, OutboxMessage.status)
            .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(OutboxMessage.kind == OutboxKind.AGENCY_NOTICE)
        ).all()
    assert {status for reference, status in rows if reference == first} == {OutboxStatus.RECORDED}
    assert {status for reference, status in rows if reference != first} == {OutboxStatus.WITHHELD}


def test_many_different_reports_from_one_source_are_all_held_from_the_tenth(unscaled: tuple[Flask, Flask]) -> None:
    app, _staff = unscaled
    references = _file(app, 15, source="Partner A")
    with app.app_context(), app.extensions["database"].session() as session:
        held = session.scalars(
            select(Ticket.reference).where(Ticket.status == TicketStatus.HELD_FOR_REVIEW).order_by(Ticket.id)
        ).all()
        pulled = (TicketEvent.kind == "flood_hold") & (TicketEvent.from_state == TicketStatus.REFERRED)
        pulled_in = session.scalar(select(func.count()).where(pulled))
    # From the tenth the flood is recognised, and the nine before it (still within their hold) are pulled in.
    assert held == references and pulled_in == 9
    # Another partner is not part of that flood.
    [other] = _file(app, 1, source="Partner B", prefix="z")
    assert other not in held and _statuses(app).get(TicketStatus.HELD_FOR_REVIEW) == 15


def test_a_held_report_gets_the_same_answer_as_a_routed_one(unscaled: tuple[Flask, Flask]) -> None:
    app, _staff = unscaled
    client = app.test_client()
    headers = {"Authorization": f"Bearer {new_partner_key(app, 'Partner C')}"}
    answers = []
    for n in range(10):
        body = {**REPORT, "text": f"Report {chr(97 + n)}{chr(98 + n)}: " + str(REPORT["text"])}
        answers.append(client.post(REPORTS, json=body, headers=headers))
    # The tenth opens the flood and pulls in the nine before it; another partner's report is routed.
    other = {"Authorization": f"Bearer {new_partner_key(app, 'Partner D')}"}
    routed, held = (
        client.post(REPORTS, json={**REPORT, "text": "Report zz: " + str(REPORT["text"])}, headers=other),
        answers[9],
    )
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
    _file(app, 6, text=SAME_WORDS)
    assert _statuses(app) == {TicketStatus.HELD_FOR_REVIEW: 6}

    operator = staff.test_client()
    sign_in(operator, *make_user(staff, role="operator", regional=True))
    page = operator.get("/tickets?lang=en").get_data(as_text=True)
    assert "Possible flood of reports" in page and "6 reports held for review" in page
    assert "Release them all" not in page  # an operator sees it; a supervisor decides
    with staff.app_context(), staff.extensions["database"].session() as session:
        flood_id = session.scalar(select(Flood.id))
    assert operator.post(f"/floods/{flood_id}/release", data={"csrf_token": "x"}).status_code in (302, 400, 403)
    assert _statuses(app) == {TicketStatus.HELD_FOR_REVIEW: 6}

    supervisor = staff.test_client()
    sign_in(supervisor, *make_user(staff, role="supervisor", regional=True))
    page = supervisor.get("/tickets?lang=en").get_data(as_text=True)
    assert "Release them all" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    released = supervisor.post(f"/floods/{flood_id}/release?lang=en", data={"csrf_token": token}, follow_redirects=True)
    assert "6 held reports released and routed" in released.get_data(as_text=True)
    assert "flood-banner" not in released.get_data(as_text=True)
    statuses = _statuses(app)
    assert TicketStatus.HELD_FOR_REVIEW not in statuses and statuses[TicketStatus.REFERRED] == 6
    # The two pulled in after routing get their withheld notices back, the four routed now get theirs:
    # a supervisor has looked at them, so none waits for the rest of its hold.
    run_jobs(app)
    handed_off = _kinds_handed_off(app)
    assert handed_off.count(OutboxKind.AGENCY_NOTICE) >= 6
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(func.count()).where(TicketEvent.kind == "flood_released")) == 6
        assert OutboxStatus.WITHHELD not in session.scalars(select(OutboxMessage.status)).all()
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
