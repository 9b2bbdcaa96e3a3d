"""Demo data for `make run`: the real directory with fictional duty contacts, and demo staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.load import (
    DEMO_CONTACTS_FILE,
    LINES_FILE,
    REGION_FILE,
    apply_demo_contacts,
    bump_version,
    load_document,
    load_lines,
    read_json,
)
from directory.models import Agency, AgencyPhone, AgencyService, HotlineLine
from hotline.accounts import StaffUser
from hotline.db import utcnow
from hotline.settings import Settings


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    name: str
    role: str
    countries: tuple[str, ...] = ()
    regional: bool = False
    languages: tuple[str, ...] = ()  # the languages they take calls and chats in
    agency_kind: tuple[str, str] | None = None  # (country, kind) of the agency an agency user works for


# Every demo account is enrolled with this second-factor secret, so `make run` works out of the box:
# add it to an authenticator app, or print the current code with
#   .venv/bin/python -c "import pyotp; print(pyotp.TOTP('DEMOHOTLINESECONDFACTORKEY234567').now())"
# It is public: demo accounts exist only in a local demo database, never in production.
DEMO_TOTP_SECRET = "DEMOHOTLINESECONDFACTORKEY234567"

DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "demo-admin", "Demo admin", "admin", regional=True),
    DemoAccount(
        "operator@example.org",
        "demo-operator",
        "Demo regional operator",
        "operator",
        regional=True,
        languages=("es", "en", "fr", "ht"),
    ),
    DemoAccount(
        "operator.gt@example.org", "demo-operator", "Demo operator, Guatemala", "operator", ("GT",), languages=("es",)
    ),
    DemoAccount(
        "supervisor@example.org",
        "demo-supervisor",
        "Demo supervisor",
        "supervisor",
        regional=True,
        languages=("es", "en", "pt"),
    ),
    DemoAccount(
        "agency.gt@example.org",
        "demo-agency",
        "Demo officer, Guatemala",
        "agency",
        # The immediate response team: the first to receive a trafficking report in Guatemala.
        agency_kind=("GT", "response_team"),
    ),
    DemoAccount(
        "agency.regional@example.org",
        "demo-agency",
        "Demo officer, regional focal point",
        "agency",
        agency_kind=("", "regional_focal_point"),
    ),
)


def demo_interpreters() -> Agency:
    """A FICTIONAL interpreter desk for the softphone's "bring in an interpreter" (no source lists a real
    one; the seeds only recommend a regional bank of interpreters). Its number is in the US range
    reserved for fiction: replace it with a real service before going live."""
    return Agency(
        id="demo-interpreters",
        name="Demo interpreter desk (fictional)",
        names={"en": "Demo interpreter desk (fictional)", "es": "Intérpretes de demostración (ficticio)"},
        country=None,
        kind="interpreter",
        takes_cases=False,
        provenance={
            "demo": True,
            "note": "Fictional. S002 L541 and S004 L60 recommend a regional bank of interpreters; none is listed.",
        },
        services=[
            AgencyService(
                id="demo-interpreters-phone",
                names={"en": "Telephone interpreting"},
                languages=["es", "en", "fr", "pt", "ht"],
                interpretation="yes",
            )
        ],
        phones=[AgencyPhone(number="+12025550189", dialable="+1 202 555 0189", country="US", type="voice")],
    )


def seed(session: Session) -> int:
    """Load the directory and the demo contacts and accounts; return how many accounts were created.

    Only fills what is empty, so restarting `make run` never undoes an edit made in the app.
    """
    if session.scalar(select(Agency.id).limit(1)) is None:
        load_document(session, read_json(REGION_FILE), actor="seed-demo")
        session.flush()
        apply_demo_contacts(session, read_json(DEMO_CONTACTS_FILE))
    if session.scalar(select(HotlineLine.number).limit(1)) is None:
        load_lines(session, read_json(LINES_FILE))
    if session.scalar(select(Agency.id).where(Agency.kind == "interpreter").limit(1)) is None:
        session.add(demo_interpreters())
        bump_version(session)
    created = 0
    for account in DEMO_ACCOUNTS:
        existing = session.scalar(select(StaffUser).where(StaffUser.email == account.email))
        if existing is not None:
            if existing.totp_secret is None:  # an account seeded before the second factor existed
                existing.totp_secret, existing.totp_enrolled_at = DEMO_TOTP_SECRET, utcnow()
            if not existing.languages and account.languages:  # seeded before operators had languages
                existing.languages = list(account.languages)
            continue
        user = StaffUser(
            email=account.email,
            name=account.name,
            role=account.role,
            countries=list(account.countries),
            regional=account.regional,
            languages=list(account.languages),
            agency_id=_agency_for(session, account.agency_kind) if account.agency_kind else None,
            totp_secret=DEMO_TOTP_SECRET,
            totp_enrolled_at=utcnow(),
        )
        user.set_password(account.password)
        session.add(user)
        created += 1
    return created


def _agency_for(session: Session, country_kind: tuple[str, str]) -> str | None:
    country, kind = country_kind
    if kind == "regional_focal_point":
        query = select(Agency.id).where(Agency.regional_focal_point.is_(True))
    else:
        query = select(Agency.id).where(Agency.country == country, Agency.kind == kind)
    return session.scalar(query.order_by(Agency.id))


@dataclass(frozen=True)
class DemoCase:
    """A fictional report and how far along its work the demo takes it."""

    text: str
    country: str
    stage: str  # proposed | referred | acknowledged | assisted | closed
    answers: tuple[tuple[str, bool], ...] = ()
    claimed_by: str | None = None  # a demo account's email


# Fictional reports, one per stage, so each role's pages show something (the agency's steps included).
DEMO_CASES = (
    DemoCase(
        "Me ofrecieron trabajo en una finca y ahora no me dejan salir.", "GT", "proposed", (("in_danger_now", True),)
    ),
    DemoCase(
        "Trabajan sin paga en una finca de Escuintla; les quitaron los documentos.",
        "GT",
        "referred",
        claimed_by="operator.gt@example.org",
    ),
    DemoCase(
        "Una menor trabaja en una casa en Mixco y no va a la escuela.",
        "GT",
        "acknowledged",
        claimed_by="operator.gt@example.org",
    ),
    DemoCase(
        "Mi prima fue llevada a un bar en Quetzaltenango y le deben dinero.",
        "GT",
        "assisted",
        claimed_by="operator@example.org",
    ),
    DemoCase(
        "Hombres encerrados en un taller de costura en Villa Nueva.",
        "GT",
        "closed",
        claimed_by="supervisor@example.org",
    ),
    DemoCase("Un coyote nos dejó en una casa en San Pedro Sula y pide más dinero.", "HN", "proposed"),
)
# The agency's moves for each stage after acknowledgement, with the values its forms would send.
AGENCY_STEPS = {
    "assisted": (("accept", {}), ("identify", {}), ("start_assistance", {})),
    "closed": (
        ("accept", {}),
        ("identify", {}),
        ("start_assistance", {}),
        ("record_wish", {"wish": "integration"}),
        ("close", {"outcome": "integrated"}),
    ),
}


def seed_cases(session: Session, settings: Settings) -> int:
    """File the demo reports and carry each to its stage through the same services staff use.

    Only when there are no tickets yet; returns how many were filed.
    """
    from hotline.referrals.dispatch import confirm
    from hotline.referrals.models import DispatchState, Referral
    from hotline.referrals.service import acknowledge, agency_act
    from hotline.reports import file_report
    from hotline.tickets.intake import parse_intake
    from hotline.tickets.models import Ticket
    from hotline.tickets.operations import agency_identify, claim, close_ticket

    if session.scalar(select(Ticket.id).limit(1)) is not None:
        return 0
    officer = session.scalar(select(StaffUser).where(StaffUser.email == "agency.gt@example.org"))
    for case in DEMO_CASES:
        body = {
            "channel": "web",
            "text": case.text,
            "location": {"country": case.country},
            "answers": dict(case.answers),
        }
        ticket = file_report(session, settings, parse_intake(body)).ticket
        operator = (
            session.scalar(select(StaffUser).where(StaffUser.email == case.claimed_by)) if case.claimed_by else None
        )
        if operator is not None:
            claim(session, ticket, operator)
        if case.stage == "proposed":
            continue
        proposed = session.scalars(
            select(Referral).where(Referral.ticket_id == ticket.id, Referral.dispatch == DispatchState.PROPOSED)
        ).all()
        for referral in proposed:
            confirm(session, referral, operator.actor if operator else "system", utcnow(), reason="demo")
        session.commit()
        if case.stage == "referred" or officer is None:
            continue
        own = session.scalar(
            select(Referral).where(Referral.ticket_id == ticket.id, Referral.agency_id == officer.agency_id)
        )
        if own is None:
            continue
        acknowledge(session, own.id, officer.actor, "portal")
        for event, payload in AGENCY_STEPS.get(case.stage, ()):
            if event == "identify":
                agency_identify(session, own, officer.actor, [])
            else:
                agency_act(session, own.id, event, officer.actor, payload)
        if case.stage == "closed" and operator is not None:
            close_ticket(
                session, ticket, "assisted", "The agency closed its referral: the person is integrated.", operator
            )
    session.commit()
    return len(DEMO_CASES)
