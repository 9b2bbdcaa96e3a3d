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
from hotline.conversations.models import Conversation, ConversationTurn
from hotline.jobs.queue import redis_connection
from hotline.settings import Settings
from hotline.tickets.models import Ticket
from tests.channels.test_web_form import FORM
from tests.helpers import REPORTS, csrf_token, message_bodies, new_partner_key, twilio_post


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
    key_a = {"Authorization": f"Bearer {new_partner_key(limited, 'Partner A')}"}
    for _ in range(120):
        assert client.post(REPORTS, data="not json", headers=key_a).status_code == 400
    refused = client.post(REPORTS, data="not json", headers=key_a)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and _a_number(limited) in {n["number"] for n in body["hotline_numbers"]}
    # Another partner, from the same address, has its own allowance.
    key_b = {"Authorization": f"Bearer {new_partner_key(limited, 'Partner B')}"}
    assert client.post(REPORTS, data="not json", headers=key_b).status_code == 400


def test_requests_without_a_valid_key_are_limited_by_address_and_cannot_spend_a_partners(limited: Flask) -> None:
    client = limited.test_client()
    guesser = {"REMOTE_ADDR": "203.0.113.50"}
    for n in range(20):
        invented = {"Authorization": f"Bearer hp_{n:012x}_invented-secret"}
        assert client.post(REPORTS, json={}, headers=invented, environ_base=guesser).status_code == 401
    assert client.post(REPORTS, json={}, environ_base=guesser).status_code == 429
    # A valid key is counted against its own allowance, even from that address.
    partner = {"Authorization": f"Bearer {new_partner_key(limited)}"}
    assert client.post(REPORTS, data="not json", headers=partner, environ_base=guesser).status_code == 400


def _kept_words(app: Flask) -> str:
    """Every word a reporter's texts left with us: the conversation's turns and the tickets' messages."""
    with app.app_context(), app.extensions["database"].session() as session:
        turns = [t.body for t in session.scalars(select(ConversationTurn).where(ConversationTurn.direction == "in"))]
        messages = message_bodies(session)
        return "\n".join([*turns, *messages])


@pytest.mark.parametrize("sender", ["+50255501234", "whatsapp:+50255501234"])
def test_a_burst_of_signed_texts_is_stored_whole_and_only_the_replies_stop(limited: Flask, sender: str) -> None:
    client = limited.test_client()
    # A case is open (language, not in danger, a place); then the burst.
    for n, words in enumerate(["hola", "1", "no", "Escuintla"]):
        twilio_post(client, "/twilio/sms", {"From": sender, "Body": words, "MessageSid": f"SM-a-{n}"})
    replies = []
    for n in range(75):
        sent = twilio_post(
            client, "/twilio/sms", {"From": sender, "Body": f"palabra{n:03d}", "MessageSid": f"SM-b-{n}"}
        )
        assert sent.status_code == 200
        replies.append(sent.get_data(as_text=True))
    # 60 texts a minute are answered; past the allowance Twilio gets an empty answer: nothing is texted back.
    assert all("<Message>" in reply for reply in replies[:56])
    assert all("<Message>" not in reply for reply in replies[56:])
    kept = _kept_words(limited)
    assert [n for n in range(75) if f"palabra{n:03d}" not in kept] == []
    with limited.app_context(), limited.extensions["database"].session() as session:
        # Folded into one conversation, not 75.
        assert session.scalar(select(func.count()).select_from(Conversation)) == 1
    other = twilio_post(client, "/twilio/sms", {"From": "+50255509999", "Body": "hola", "MessageSid": "SM-other"})
    assert "<Message>" in other.get_data(as_text=True)


def test_unsigned_requests_are_counted_by_address_and_cannot_use_up_a_victims_allowance(limited: Flask) -> None:
    client = limited.test_client()
    victim = "+50255501234"
    for n in range(300):
        forged = twilio_post(
            client, "/twilio/sms", {"From": victim, "Body": "x", "MessageSid": f"SM-f-{n}"}, sign=False
        )
        assert forged.status_code == 403
    assert twilio_post(client, "/twilio/sms", {"From": victim, "Body": "x"}, sign=False).status_code == 429
    answered = twilio_post(client, "/twilio/sms", {"From": victim, "Body": "hola", "MessageSid": "SM-victim-1"})
    assert answered.status_code == 200 and "<Message>" in answered.get_data(as_text=True)
    assert "x" not in _kept_words(limited).split("\n")


def test_a_caller_who_calls_again_and_again_is_always_answered(limited: Flask) -> None:
    client = limited.test_client()
    for n in range(30):
        answered = twilio_post(client, "/twilio/voice", {"From": "+50255501234", "CallSid": f"CA-again-{n}"})
        assert answered.status_code == 200
        spoken = answered.get_data(as_text=True)
        assert "<Hangup" not in spoken and ("<Gather" in spoken or "<Record" in spoken or "<Enqueue" in spoken), spoken


def test_with_the_limiter_store_away_reports_are_accepted_and_a_line_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    away = create_app(settings.with_changes(rate_limit_scale=1, redis_url="redis://127.0.0.1:9/0"), surface="public")
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
