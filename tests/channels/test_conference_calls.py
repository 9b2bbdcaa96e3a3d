"""A call in a conference: the operator brings in the agency and leaves (a warm transfer), brings in an
interpreter, puts the caller on hold; as signed webhooks on the public app and the operator's clicks on
the staff app, with the REST requests the outbound gateway recorded."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from channels.outbound import RecordedCall
from directory.load import bump_version
from directory.models import Agency, AgencyPhone, AgencyService
from hotline.accounts import StaffUser
from hotline.calls import service as calls
from hotline.calls.models import CallEvent, CallState, VoiceCall
from tests.admin.test_staff_pages import sign_in
from tests.channels.test_live_calls import (
    CONFERENCE_SID,
    conference_event,
    danger_call,
    moves_of,
    softphone,
    voice_calls,
)
from tests.channels.test_twilio_voice import call, said, tickets
from tests.factories import make_user

# A fictional number (the US range reserved for fiction), never a real interpreter.
DEMO_INTERPRETER = "+12025550188"


def operator(app: Flask, languages: tuple[str, ...] = ("es",)) -> tuple[int, str, str]:
    email, password = make_user(app, role="operator", countries=("GT",), languages=languages)
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        calls.set_presence(session, user, "available", user.actor, "starting my shift")
        return user.id, email, password


def in_conference(app: Flask, client: FlaskClient, operator_id: int, sid: str, leg: str) -> tuple[VoiceCall, str]:
    """A caller in danger put through to the operator; their conference has started. Returns the call
    and the operator leg's Dial action (Twilio posts it when the operator leaves)."""
    danger_call(client, sid)
    dialled = softphone(client, "/twilio/voice/operator", operator_id, leg)
    [waiting] = voice_calls(app)
    call(client, f"/twilio/voice/join?call={waiting.id}", sid)
    conference_event(client, waiting.id, "conference-start")
    conference_event(client, waiting.id, "participant-join", "caller")
    dial = dialled.find("Dial")
    assert dial is not None
    [talking] = voice_calls(app)
    return talking, dial.attrib["action"]


def staff_beat(staff: FlaskClient) -> tuple[dict[str, Any], str]:
    page = staff.get("/calls/").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match
    csrf = match.group(1)
    response = staff.post("/calls/beat", headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    assert response.status_code == 200
    return response.get_json(), csrf


def staff_post(staff: FlaskClient, csrf: str, path: str, **form: str) -> Any:
    return staff.post(path, data=form, headers={"X-CSRFToken": csrf, "Accept": "application/json"})


def steps(app: Flask, call_id: int) -> list[tuple[str, str | None, str | None]]:
    with app.app_context(), app.extensions["database"].session() as session:
        return [
            (e.kind, e.to_state, e.detail)
            for e in session.scalars(select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id))
        ]


def test_the_operator_brings_in_the_agency_and_leaves_the_caller_with_it(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    operator_id, email, password = operator(app)
    live, operator_leaves = in_conference(app, client, operator_id, "CA" + "1" * 32, "CA" + "0" * 31 + "1")
    staff = staff_app.test_client()
    sign_in(staff, email, password)

    # The console shows the call and the duty lines of Guatemala's agencies (never their numbers).
    beat, csrf = staff_beat(staff)
    assert beat["live"]["id"] == live.id and beat["live"]["ready"] is True
    labels = {line["label"]: line["key"] for line in beat["live"]["lines"]}
    eri = next(key for label, key in labels.items() if "Response" in label or "ERI" in label)
    assert "+1202555" not in str(beat)

    answer = staff_post(staff, csrf, f"/calls/{live.id}/bring-in", line=eri)
    assert answer.status_code == 200, answer.get_json()
    [added] = moves_of(staff_app)
    assert (added.action, added.target, added.params[1]) == ("add_participant", f"call-{live.id}", ("label", "agency"))
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.get(Agency, "gt-eri")
        assert agency is not None and added.to == agency.active_contacts[0].sms  # the demo duty officer
    conference_event(client, live.id, "participant-join", "agency")

    # The operator introduces the caller, then hangs up: the caller and the agency stay together.
    softphone(client, operator_leaves, operator_id, "CA" + "0" * 31 + "1", DialCallStatus="completed")
    assert [m.action for m in moves_of(app)] == ["redirect"]  # no end_conference
    [transferred] = voice_calls(app)
    assert transferred.state == CallState.TALKING
    assert (transferred.outcome, transferred.transferred_to) == ("transferred", "gt-eri")
    beat, _csrf = staff_beat(staff)
    assert beat["live"] is None and beat["status"] == "available"

    # Later the caller and the agency hang up; the conference ends; the record keeps the transfer.
    conference_event(client, live.id, "participant-leave", "caller")
    conference_event(client, live.id, "conference-end")
    conference_event(client, live.id, "conference-end")  # Twilio retrying changes nothing
    [ended] = voice_calls(app)
    assert (ended.state, ended.outcome, ended.conference_sid) == (CallState.ENDED, "transferred", CONFERENCE_SID)
    assert [(kind, to) for kind, to, _detail in steps(app, live.id)] == [
        ("queued", "waiting"),
        ("offered", "offered"),
        ("answered", "talking"),
        ("conference_started", "talking"),
        ("caller_joined", "talking"),
        ("agency_added", "talking"),
        ("agency_joined", "talking"),
        ("operator_left", "talking"),
        ("caller_left", "talking"),
        ("conference_ended", "ended"),
    ]
    assert ("operator_left", "talking", "transferred to gt-eri") in steps(app, live.id)

    # The ticket shows the call's record and its steps.
    [ticket] = tickets(app)
    page = staff.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    record = page[page.index(f'id="call-{live.id}"') :]
    assert "<strong>transferred</strong> (gt-eri)" in record and "agency_added" in record
    assert "+1202555" not in page


def add_interpreter(app: Flask, languages: list[str], country: str | None = None) -> str:
    agency_id = f"demo-interpreters-{'-'.join(languages)}"
    with app.app_context(), app.extensions["database"].session() as session:
        agency = Agency(
            id=agency_id,
            name=f"Demo interpreters ({', '.join(languages)})",
            country=country,
            kind="interpreter",
            takes_cases=False,
            provenance={"demo": True},
        )
        agency.services = [AgencyService(id=f"{agency_id}-svc", languages=languages)]
        agency.phones = [AgencyPhone(number=DEMO_INTERPRETER, dialable=DEMO_INTERPRETER, country="US")]
        session.add(agency)
        bump_version(session)
    return agency_id


def test_an_interpreter_in_the_callers_language_is_brought_in_and_stays_when_the_operator_leaves(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    spanish = add_interpreter(app, ["es", "ht"])
    add_interpreter(app, ["pt"])
    operator_id, email, password = operator(app)
    live, operator_leaves = in_conference(app, client, operator_id, "CA" + "2" * 32, "CA" + "0" * 31 + "2")
    staff = staff_app.test_client()
    sign_in(staff, email, password)
    beat, csrf = staff_beat(staff)
    # The operator's console speaks their language (Spanish); the Portuguese-only interpreter is not offered.
    interpreters = [line for line in beat["live"]["lines"] if "Demo interpreters" in line["label"]]
    assert [line["label"] for line in interpreters] == ["Intérprete: Demo interpreters (es, ht)"]

    assert staff_post(staff, csrf, f"/calls/{live.id}/bring-in", line=interpreters[0]["key"]).status_code == 200
    [added] = moves_of(staff_app)
    assert (added.to, added.params[1]) == (DEMO_INTERPRETER, ("label", "interpreter"))
    softphone(client, operator_leaves, operator_id, "CA" + "0" * 31 + "2", DialCallStatus="completed")
    [record] = voice_calls(app)
    assert (record.state, record.interpreter, record.outcome) == (CallState.TALKING, spanish, "answered")


def test_the_caller_is_put_on_hold_hearing_their_language_and_brought_back(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    operator_id, email, password = operator(app)
    live, _leaves = in_conference(app, client, operator_id, "CA" + "3" * 32, "CA" + "0" * 31 + "3")
    staff = staff_app.test_client()
    sign_in(staff, email, password)
    _beat, csrf = staff_beat(staff)

    held = staff_post(staff, csrf, f"/calls/{live.id}/hold", on="1")
    assert held.status_code == 200 and held.get_json()["on_hold"] is True
    staff_post(staff, csrf, f"/calls/{live.id}/hold", on="1")  # a second click asks Twilio nothing
    resumed = staff_post(staff, csrf, f"/calls/{live.id}/hold", on="0")
    assert resumed.get_json()["on_hold"] is False
    assert moves_of(staff_app) == [
        RecordedCall("hold", live.call_sid, params=(("hold_url", "/twilio/voice/hold?lang=es"),)),
        RecordedCall("resume", live.call_sid, params=(("hold_url", "/twilio/voice/hold?lang=es"),)),
    ]
    assert [k for k, _to, _d in steps(app, live.id)][-2:] == ["held", "resumed"]

    music = call(client, "/twilio/voice/hold?lang=es", live.call_sid)
    assert said(music) == [("es-MX", "Por favor, espere un momento; seguimos con usted.")]
    assert music.find("Say").attrib["voice"] == "Polly.Mia"  # type: ignore[union-attr]
    creole = call(client, "/twilio/voice/hold?lang=ht", live.call_sid)
    assert said(creole) == [("fr-FR", "Tanpri tann yon ti moman; nou toujou avè w.")]


def test_no_one_but_the_calls_operator_acts_on_it_and_nothing_before_its_conference_starts(
    app: Flask, client: FlaskClient, staff_app: Flask
) -> None:
    operator_id, email, password = operator(app)
    danger_call(client, "CA" + "4" * 32)
    softphone(client, "/twilio/voice/operator", operator_id, "CA" + "0" * 31 + "4")
    [waiting] = voice_calls(app)
    call(client, f"/twilio/voice/join?call={waiting.id}", waiting.call_sid)
    staff = staff_app.test_client()
    sign_in(staff, email, password)
    beat, csrf = staff_beat(staff)
    assert beat["live"]["ready"] is False
    key = beat["live"]["lines"][0]["key"]
    refused = staff_post(staff, csrf, f"/calls/{waiting.id}/bring-in", line=key)
    assert refused.status_code == 409 and refused.get_json()["message"]

    _other, other_email, other_password = operator(app)
    other = staff_app.test_client()
    sign_in(other, other_email, other_password)
    _beat, other_csrf = staff_beat(other)
    conference_event(client, waiting.id, "conference-start")
    assert staff_post(other, other_csrf, f"/calls/{waiting.id}/hold", on="1").status_code == 403
    assert staff_post(staff, csrf, f"/calls/{waiting.id}/bring-in", line="phone-999999").status_code == 409
    assert moves_of(staff_app) == []
