"""Rate limits bite at their figures, per client, and a limited reporter keeps their words and gets the
hotline numbers. The rest of the suite runs with every limit raised a thousandfold (tests/conftest.py);
these tests set the scale back to 1."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from channels.help import lines_by_country
from hotline import create_app
from hotline.jobs.queue import redis_connection
from hotline.settings import Settings
from hotline.tickets.models import Ticket
from tests.channels.test_web_form import FORM
from tests.helpers import csrf_token, twilio_post


def _app(settings: Settings) -> Iterator[Flask]:
    made = create_app(settings, surface="public")
    with made.app_context():
        redis_connection().flushdb()
    yield made
    made.extensions["database"].engine.dispose()


@pytest.fixture
def limited(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings.with_changes(rate_limit_scale=1))


@pytest.fixture
def proxied(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings.with_changes(rate_limit_scale=1, behind_proxy=True))


def _a_number(app: Flask) -> str:
    with app.test_request_context("/"):
        return next(line.dialable for _code, found in lines_by_country() for line in found if line.dialable)


def _tickets(app: Flask) -> int:
    with app.app_context(), app.extensions["database"].session() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_the_61st_report_in_a_minute_gets_429_with_the_form_filled_and_the_hotline_numbers(limited: Flask) -> None:
    client = limited.test_client()
    token = csrf_token(client, "/report?lang=en")
    for _ in range(60):
        assert client.post("/report?lang=en", data={**FORM, "csrf_token": token}).status_code == 200
    refused = client.post("/report?lang=en", data={**FORM, "text": "my last words", "csrf_token": token})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    page = refused.get_data(as_text=True)
    assert "my last words</textarea>" in page
    assert 'value="Santa Ana"' in page
    assert _a_number(limited) in page
    assert "Please wait a minute" in page
    assert _tickets(limited) == 60
    # Another address is not held back by the first one's flood.
    other = limited.test_client()
    other_token = csrf_token(other, "/report?lang=en")
    sent = other.post(
        "/report?lang=en", data={**FORM, "csrf_token": other_token}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert sent.status_code == 200


def test_the_limited_page_is_in_the_reporters_language(limited: Flask) -> None:
    client = limited.test_client()
    token = csrf_token(client, "/follow-up?lang=es")
    for _ in range(10):
        client.post("/follow-up?lang=es", data={"reference": "HT-0000-0000", "text": "x", "csrf_token": token})
    refused = client.post(
        "/follow-up?lang=es", data={"reference": "HT-0000-0000", "text": "lo que escribí", "csrf_token": token}
    )
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "lo que escribí</textarea>" in page and 'value="HT-0000-0000"' in page
    assert "Espere un minuto" in page and "Ha enviado mucho" in page


def test_behind_the_proxy_each_forwarded_address_has_its_own_allowance(proxied: Flask) -> None:
    client = proxied.test_client()
    form = {"text": "x", "csrf_token": csrf_token(client, "/follow-up")}
    first = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(10):
        assert client.post("/follow-up", data=form, headers=first).status_code == 400
    assert client.post("/follow-up", data=form, headers=first).status_code == 429
    second = {"X-Forwarded-For": "198.51.100.4"}
    assert client.post("/follow-up", data=form, headers=second).status_code == 400


def test_a_partner_is_limited_by_its_key_and_told_so_in_json_with_the_numbers(limited: Flask) -> None:
    client = limited.test_client()
    key_a = {"Authorization": "Bearer partner-a-key"}
    for _ in range(120):
        assert client.post("/api/v1/reports", data="not json", headers=key_a).status_code == 400
    refused = client.post("/api/v1/reports", data="not json", headers=key_a)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and _a_number(limited) in {n["number"] for n in body["hotline_numbers"]}
    key_b = {"Authorization": "Bearer partner-b-key"}
    assert client.post("/api/v1/reports", data="not json", headers=key_b).status_code == 400


def test_texts_are_limited_by_sender_and_unsigned_requests_cannot_use_up_a_victims_allowance(
    limited: Flask,
) -> None:
    client = limited.test_client()
    victim = "+50255501234"
    for _ in range(61):
        forged = twilio_post(client, "/twilio/sms", {"From": victim, "Body": "x"}, sign=False)
        assert forged.status_code in (403, 200)  # the 61st: limited by address, answered in TwiML
    answered = twilio_post(client, "/twilio/sms", {"From": victim, "Body": "hola", "MessageSid": "SM-victim-1"})
    assert answered.status_code == 200 and "many messages" not in answered.get_data(as_text=True)
    for n in range(2, 61):
        twilio_post(client, "/twilio/sms", {"From": victim, "Body": "hola", "MessageSid": f"SM-victim-{n}"})
    limited_reply = twilio_post(client, "/twilio/sms", {"From": victim, "Body": "hola", "MessageSid": "SM-victim-61"})
    # Twilio is answered 200, so the texter reads why; another sender is untouched.
    assert limited_reply.status_code == 200 and "<Message>" in limited_reply.get_data(as_text=True)
    other = twilio_post(client, "/twilio/sms", {"From": "+50255509999", "Body": "hola", "MessageSid": "SM-other"})
    assert other.status_code == 200
    assert limited_reply.get_data(as_text=True) != other.get_data(as_text=True)


def test_with_the_limiter_store_away_reports_are_accepted_and_a_line_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    away = create_app(
        settings.with_changes(rate_limit_scale=1, redis_url="redis://127.0.0.1:9/0"), surface="public"
    )
    client = away.test_client()
    token = csrf_token(client, "/report?lang=en")
    with caplog.at_level(logging.ERROR, logger="hotline.ratelimit"):
        sent = client.post("/report?lang=en", data={**FORM, "csrf_token": token})
    assert sent.status_code == 200
    assert _tickets(away) == 1
    assert any(record.name == "hotline.ratelimit" for record in caplog.records)
    away.extensions["database"].engine.dispose()


def test_a_breach_leaves_no_caller_hash_or_address_in_the_log(limited: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = limited.test_client()
    with caplog.at_level(logging.DEBUG):
        for n in range(61):
            twilio_post(client, "/twilio/sms", {"From": "+50255501234", "Body": "hola", "MessageSid": f"SM-log-{n}"})
    assert not [r for r in caplog.records if "sender:" in r.getMessage() or "127.0.0.1" in r.getMessage()]
