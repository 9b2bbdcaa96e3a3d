"""The public `/help` page: the lines a person can call or text now, per country, from the directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.models import Agency, AgencyService, Country
from hotline.db import db_session
from hotline.i18n import country_name, current_locale

blueprint = Blueprint("help", __name__, template_folder="templates")

# Phones a person can reach from any handset; fax is not a way to ask for help.
REACHABLE_TYPES = ("voice", "sms", "whatsapp")
# The marks a caller weighs before dialling, from the service's yes/no/unknown features.
MARKS = (("free", _l("Free of charge")), ("always_open", _l("Open 24/7")), ("anonymous", _l("Anonymous calls")))
ANSWERS = {"yes": _l("yes"), "no": _l("no"), "unknown": _l("unknown")}
KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")


@dataclass(frozen=True)
class Line:
    """One number to call or text, with what the directory knows about it."""

    service_name: str
    service_name_lang: str
    agency_name: str
    agency_name_lang: str
    dialable: str
    href: str
    type: str
    description: str
    description_lang: str
    marks: tuple[tuple[str, str, str], ...]
    as_of: str | None
    verified: bool


@blueprint.get("/help")
def help_page() -> str:
    return render_template("public/help.html", countries=lines_by_country(), answers=ANSWERS)


def lines_by_country() -> list[tuple[str, list[Line]]]:
    """Every reachable line from the directory, grouped by country: the CORETT nine first (each listed
    even without a line, so its people learn we have none), then the others, in the reader's order."""
    session = db_session()
    locale = current_locale()
    countries = session.scalars(select(Country)).all()
    agencies = session.scalars(
        select(Agency).options(selectinload(Agency.services).selectinload(AgencyService.phones)).order_by(Agency.id)
    ).all()
    lines: dict[str, list[Line]] = {}
    for agency in agencies:
        for service in agency.services:
            for phone in service.phones:
                if phone.type in REACHABLE_TYPES:
                    lines.setdefault(phone.country, []).append(_line(agency, service, phone, locale))
    ordered = sorted(countries, key=lambda c: (not c.corett, country_name(c.code)))
    return [(c.code, lines.get(c.code, [])) for c in ordered if c.code in lines or c.corett]


def tel_href(dialable: str, phone_type: str) -> str:
    """A tel: (or sms:) link as RFC 3966 wants it: digits and + only, keypad letters turned to digits."""
    digits = "".join(ch for ch in dialable.lower() if ch.isalnum() or ch == "+").translate(KEYPAD)
    return f"{'sms' if phone_type == 'sms' else 'tel'}:{digits}"


def _line(agency: Agency, service: AgencyService, phone: Any, locale: str) -> Line:
    service_lang, service_name = _in_language(service.names, locale, fallback=agency.name)
    agency_lang, agency_name = _in_language(agency.names, locale, fallback=agency.name)
    description = _in_language(phone.description, locale, fallback="")
    return Line(
        service_name=service_name,
        service_name_lang=service_lang,
        agency_name=agency_name + (f" ({agency.acronym})" if agency.acronym else ""),
        agency_name_lang=agency_lang,
        dialable=phone.dialable,
        href=tel_href(phone.dialable, phone.type),
        type=phone.type,
        description_lang=description[0],
        description=description[1],
        marks=tuple((key, str(label), _mark(key, service, phone)) for key, label in MARKS),
        as_of=(service.provenance or {}).get("as_of"),
        verified=bool((service.provenance or {}).get("verified")),
    )


def _mark(feature: str, service: AgencyService, phone: Any) -> str:
    value = service.features.get(feature, "unknown")
    # A number the source calls toll-free is free to call, even where the service's cost is not stated.
    if feature == "free" and value == "unknown":
        return str(phone.toll_free)
    return value


def _in_language(names: dict[str, str], locale: str, fallback: str) -> tuple[str, str]:
    """The name in the reader's language when the directory has it, else the first it has, with its language."""
    if locale in names:
        return locale, names[locale]
    for lang, name in names.items():
        return lang, name
    return locale, fallback
