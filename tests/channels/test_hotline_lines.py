"""Each hotline number (Twilio's To) is a line in the directory: its country and language are the prior
for a caller's location and language, its hours say when a caller is told the team is away, and /help
lists it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from directory.models import HotlineLine
from hotline.calls import lines
from tests.channels.test_live_calls import voice_calls
from tests.channels.test_twilio_voice import next_path, said
from tests.helpers import twilio_post

GUATEMALA_LINE = "+12025550190"  # demo line, 07:00-22:00 every day
HONDURAS_LINE = "+12025550191"  # demo line, 24/7
BELIZE_LINE = "+12025550193"  # demo line, English


def ring(client: FlaskClient, path: str, sid: str, to: str, caller: str = "anonymous", **params: str) -> ET.Element:
    response = twilio_post(client, path, {"CallSid": sid, "From": caller, "To": to, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def test_a_withheld_caller_on_the_honduras_line_is_asked_about_honduras_first(client: FlaskClient) -> None:
    sid = "CA" + "1" * 32
    twiml = ring(client, "/twilio/voice", sid, HONDURAS_LINE)
    twiml = ring(client, next_path(twiml), sid, HONDURAS_LINE, Digits="1")  # español
    twiml = ring(client, next_path(twiml), sid, HONDURAS_LINE, Digits="1")  # in danger
    assert any("Usted llama desde Honduras" in text for _lang, text in said(twiml))


def test_a_caller_who_never_chose_a_language_hears_the_lines_language(app: Flask, client: FlaskClient) -> None:
    open_now(app, BELIZE_LINE)  # the demo line's own hours would make this depend on the hour it runs
    sid = "CA" + "2" * 32
    twiml = ring(client, "/twilio/voice", sid, BELIZE_LINE)
    for _ in range(3):
        twiml = ring(client, next_path(twiml), sid, BELIZE_LINE, Digits="8")
    assert ("en-US", "No one from our team can take your call at the moment.") in said(twiml)
    [record] = voice_calls(app)
    assert (record.line, record.language) == (BELIZE_LINE, "en")


def open_now(app: Flask, number: str) -> None:
    """Answer the line at every hour, so what a caller hears does not depend on when the test runs."""
    with app.app_context(), app.extensions["database"].session() as session:
        line = session.get(HotlineLine, number)
        assert line is not None
        line.hours = "24/7"
        session.commit()
        assert lines.is_open(line)


def close_now(app: Flask, number: str) -> None:
    """Give the line hours on every day but today (in its time zone), so it is closed now."""
    with app.app_context(), app.extensions["database"].session() as session:
        line = session.get(HotlineLine, number)
        assert line is not None
        today = datetime.now(UTC).astimezone(ZoneInfo(line.time_zone)).weekday()
        days = [d for i, d in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su")) if i != today]
        line.hours = [{"days": days, "opens": "00:00", "closes": "24:00"}]
        session.commit()
        assert not lines.is_open(line)


def test_after_hours_a_caller_in_danger_is_told_so_then_hears_the_countrys_number(
    app: Flask, client: FlaskClient
) -> None:
    close_now(app, GUATEMALA_LINE)
    sid = "CA" + "3" * 32
    caller = "+50255501234"
    twiml = ring(client, "/twilio/voice", sid, GUATEMALA_LINE, caller)
    twiml = ring(client, next_path(twiml), sid, GUATEMALA_LINE, caller, Digits="1")  # español
    twiml = ring(client, next_path(twiml), sid, GUATEMALA_LINE, caller, Digits="1")  # in danger
    twiml = ring(client, next_path(twiml), sid, GUATEMALA_LINE, caller, Digits="1")  # in Guatemala
    twiml = ring(client, next_path(twiml), sid, GUATEMALA_LINE, caller, SpeechResult="Zona 1")
    spoken = [text for _lang, text in said(twiml)]
    assert any(text.startswith("Nuestro equipo atiende esta línea") for text in spoken)
    assert any("1 1 0" in text for text in spoken)  # Guatemala's emergency number, said
    assert [child.tag for child in twiml][-2:] == ["Record", "Hangup"]
    [record] = voice_calls(app)
    assert (record.outcome, record.line) == ("after_hours", GUATEMALA_LINE)


def test_hours_are_read_in_the_lines_time_zone_and_said_in_the_callers_language() -> None:
    line = HotlineLine(
        number="+12025550199",
        country="DO",
        language="es",
        time_zone="America/Santo_Domingo",
        hours=[{"days": ["mo", "tu", "we", "th", "fr"], "opens": "08:00", "closes": "18:00"}],
    )
    # Tuesday 12 May 2026: 13:00 UTC is 09:00 in Santo Domingo; 23:00 UTC is 19:00 there.
    assert lines.is_open(line, datetime(2026, 5, 12, 13, 0, tzinfo=UTC))
    assert not lines.is_open(line, datetime(2026, 5, 12, 23, 0, tzinfo=UTC))
    assert not lines.is_open(line, datetime(2026, 5, 16, 13, 0, tzinfo=UTC))  # Saturday
    assert lines.hours_text(line, "es") == "lunes–viernes, de 08:00 a 18:00"
    assert lines.hours_text(line, "en") == "Monday–Friday, from 08:00 to 18:00"
    always = HotlineLine(
        number="+12025550198", country="HN", language="es", time_zone="America/Tegucigalpa", hours="24/7"
    )
    assert lines.is_open(always, datetime(2026, 5, 16, 3, 0, tzinfo=UTC))
    assert lines.hours_text(always, "ht") == "24 èdtan sou 24"


def test_help_lists_each_line_with_its_hours(client: FlaskClient) -> None:
    page = client.get("/help?lang=en").get_data(as_text=True)
    block = page[page.index('id="our-lines"') : page.index("</section>", page.index('id="our-lines"'))]
    assert f'href="tel:{HONDURAS_LINE}"' in block and "24 hours a day" in block
    assert "Monday–Friday, from 08:00 to 17:00" in block  # Belize
    assert block.count("a demonstration number") == 4
