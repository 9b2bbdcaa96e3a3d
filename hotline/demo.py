"""Demo data for `make run`: the real directory with fictional duty contacts, and demo staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.load import DEMO_CONTACTS_FILE, REGION_FILE, apply_demo_contacts, load_document, read_json
from directory.models import Agency
from hotline.accounts import StaffUser


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    name: str
    role: str
    countries: tuple[str, ...] = ()
    regional: bool = False
    agency_kind: tuple[str, str] | None = None  # (country, kind) of the agency an agency user works for


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "demo-admin", "Demo admin", "admin", regional=True),
    DemoAccount("operator@example.org", "demo-operator", "Demo regional operator", "operator", regional=True),
    DemoAccount("operator.gt@example.org", "demo-operator", "Demo operator, Guatemala", "operator", ("GT",)),
    DemoAccount(
        "agency.gt@example.org",
        "demo-agency",
        "Demo officer, Guatemala",
        "agency",
        agency_kind=("GT", "coordinating_body"),
    ),
    DemoAccount(
        "agency.regional@example.org",
        "demo-agency",
        "Demo officer, regional focal point",
        "agency",
        agency_kind=("", "regional_focal_point"),
    ),
)


def seed(session: Session) -> int:
    """Load the directory and the demo contacts and accounts; return how many accounts were created.

    Only fills what is empty, so restarting `make run` never undoes an edit made in the app.
    """
    if session.scalar(select(Agency.id).limit(1)) is None:
        load_document(session, read_json(REGION_FILE), actor="seed-demo")
        session.flush()
        apply_demo_contacts(session, read_json(DEMO_CONTACTS_FILE))
    created = 0
    for account in DEMO_ACCOUNTS:
        if session.scalar(select(StaffUser).where(StaffUser.email == account.email)) is not None:
            continue
        user = StaffUser(
            email=account.email,
            name=account.name,
            role=account.role,
            countries=list(account.countries),
            regional=account.regional,
            agency_id=_agency_for(session, account.agency_kind) if account.agency_kind else None,
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
