"""A call answered by a person is a conference (`call-<id>`): the operator can bring in the receiving
agency's duty line (a warm transfer once the operator leaves) or an interpreter in the caller's
language, and put the caller on hold. The only writer of those steps; each one is a call event, and
every request to Twilio goes through the CallControl the outbound gateway implements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Agency
from hotline.calls.control import CallControl
from hotline.calls.models import CallEvent, CallState, VoiceCall
from hotline.calls.service import step
from hotline.db import utcnow
from hotline.referrals.models import Referral

# Twilio fetches these on our public surface (channels/twilio_voice.py).
HOLD_PATH = "/twilio/voice/hold?lang={lang}"
CONFERENCE_STATUS_PATH = "/twilio/voice/conference?call={call}"
JOIN_PATH = "/twilio/voice/join?call={call}"
# Agencies whose duty line may be brought into a call; interpreters are their own kind.
INTERPRETER = "interpreter"
PARTICIPANT_LABELS = ("caller", "operator", "agency", "interpreter")


class ConferenceRefused(ValueError):
    """Not possible on this call now (not talking, its conference not started, not a number offered)."""


@dataclass(frozen=True)
class Line:
    """A number the operator may bring into the call: whose it is, what it is, and how we name it on
    the page (`key`) so the number itself never leaves the server."""

    key: str
    number: str
    agency_id: str
    agency_name: str
    kind: str
    referred: bool = False


def conference_name(call: VoiceCall) -> str:
    return f"call-{call.id}"


def agencies_for(session: Session, call: VoiceCall) -> list[Line]:
    """Duty lines of the agencies this call's ticket was referred to, then of the incident country's
    other agencies: one per agency."""
    referred: set[str] = set()
    if call.ticket_id is not None:
        referred = set(session.scalars(select(Referral.agency_id).where(Referral.ticket_id == call.ticket_id)))
    where = Agency.country == call.country if call.country else Agency.id.in_(referred)
    agencies = session.scalars(select(Agency).where(where, Agency.kind != INTERPRETER).order_by(Agency.name))
    lines = [line for agency in agencies if (line := duty_line(agency, agency.id in referred)) is not None]
    return sorted(lines, key=lambda line: not line.referred)


def interpreters_for(session: Session, call: VoiceCall) -> list[Line]:
    """Interpreter services that speak the caller's language, in the incident country or region-wide."""
    agencies = session.scalars(select(Agency).where(Agency.kind == INTERPRETER).order_by(Agency.name))
    return [
        line
        for agency in agencies
        if agency.country in (None, call.country)
        and any(call.language in (service.languages or ()) for service in agency.services)
        and (line := duty_line(agency)) is not None
    ]


def duty_line(agency: Agency, referred: bool = False) -> Line | None:
    """The number Twilio can dial to reach someone at the agency now: its first E.164 voice line, else
    its first active referral contact's phone (the duty officer)."""
    for phone in agency.phones:
        if phone.type == "voice" and phone.number:
            return Line(f"phone-{phone.id}", phone.number, agency.id, agency.name, agency.kind, referred)
    for contact in agency.active_contacts:
        if contact.sms:
            return Line(f"contact-{contact.id}", contact.sms, agency.id, agency.name, agency.kind, referred)
    return None


def _live(call: VoiceCall) -> str:
    if call.state != CallState.TALKING:
        raise ConferenceRefused("the call is not in progress")
    if call.conference_sid is None:
        raise ConferenceRefused("the call's conference has not started yet")
    return call.conference_sid


def bring_in(session: Session, control: CallControl, call: VoiceCall, key: str, actor: str) -> Line:
    """Dial an agency's duty line or an interpreter into the call. Commits."""
    _live(call)
    offered = {line.key: line for line in agencies_for(session, call) + interpreters_for(session, call)}
    line = offered.get(key)
    if line is None:
        raise ConferenceRefused("not a line that can be brought into this call")
    label = "interpreter" if line.kind == INTERPRETER else "agency"
    control.add_participant(
        conference_name(call), line.number, call.line, label, CONFERENCE_STATUS_PATH.format(call=call.id)
    )
    if label == "interpreter":
        call.interpreter = line.agency_id
    else:
        call.transferred_to = line.agency_id
    step(session, call, f"{label}_added", actor, detail=line.agency_id)
    session.commit()
    return line


def hold(session: Session, control: CallControl, call: VoiceCall, on: bool, actor: str) -> None:
    """Put the caller on hold (music and a word in their language) or bring them back. Commits."""
    conference_sid = _live(call)
    if call.on_hold == on:
        return
    control.hold(conference_sid, call.call_sid, on, HOLD_PATH.format(lang=call.language))
    call.on_hold = on
    step(session, call, "held" if on else "resumed", actor)
    session.commit()


def conference_status(session: Session, call: VoiceCall, event: str, conference_sid: str, label: str) -> None:
    """Twilio's conference callback: keep its sid, record who joined and left. Idempotent. Commits."""
    if conference_sid and call.conference_sid is None:
        call.conference_sid = conference_sid
    who = label if label in PARTICIPANT_LABELS else "participant"
    kind = {
        "conference-start": "conference_started",
        "conference-end": "conference_ended",
        "participant-join": f"{who}_joined",
        "participant-leave": f"{who}_left",
    }.get(event)
    last = session.scalar(select(CallEvent.kind).where(CallEvent.call_id == call.id).order_by(CallEvent.id.desc()))
    if kind is None or last == kind:
        session.commit()
        return
    if kind == "conference_ended" and call.state != CallState.ENDED:
        call.ended_at = utcnow()
        step(session, call, kind, "system", to=CallState.ENDED)
    else:
        step(session, call, kind, "system")
    session.commit()
