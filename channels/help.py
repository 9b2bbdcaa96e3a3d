"""The public `/help` page: the lines a person can call or text now, per country, from the directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.models import Agency, AgencyService, Country
from hotline.calls import lines
from hotline.db import db_session
from hotline.i18n import country_name, current_locale

blueprint = Blueprint("help", __name__, template_folder="templates")

# Phones a person can reach from any handset; fax is not a way to ask for help.
REACHABLE_TYPES = ("voice", "sms", "whatsapp")
# The marks a caller weighs before dialling, from the service's yes/no/unknown features.
MARKS = (("free", _l("Free of charge")), ("always_open", _l("Open 24/7")), ("anonymous", _l("Anonymous calls")))
ANSWERS = {"yes": _l("yes"), "no": _l("no"), "unknown": _l("unknown")}
KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")
# Our own source citations ("(S003 L894)", "(L915)") are for staff, never for the public page.
CITATION = re.compile(r"\s*\((?:[^()]*?\b)?(?:S\d{3}\b|L\d+)[^()]*\)")


@dataclass(frozen=True)
class Line:
    """One number to call or text, with what the directory knows about it."""

    service_name: str
    service_name_lang: str
    agency_name: str
    agency_name_lang: str
    dialable: str | None
    href: str | None  # None: nothing to dial (no number given, or printed incomplete)
    type: str
    description: str
    description_lang: str
    marks: tuple[tuple[str, str, str], ...]
    as_of: str | None
    verified: bool
    incomplete: bool = False


@blueprint.get("/help")
def help_page() -> str:
    countries, websites = lines_and_websites()
    return render_template(
        "public/help.html",
        countries=countries,
        websites=websites,
        our_number=current_app.config["SETTINGS"].twilio_from_number,
        answers=ANSWERS,
        our_lines=our_lines(),
    )


@dataclass(frozen=True)
class OurLine:
    """One of this hotline's own numbers: where it serves, its language, its hours as the reader reads them."""

    country: str
    number: str
    href: str
    language: str
    hours: str
    demo: bool


def our_lines() -> list[OurLine]:
    """Our hotline numbers from the directory, in the reader's language."""
    locale = current_locale()
    return [
        OurLine(
            line.country,
            line.number,
            f"tel:{line.number}",
            line.language,
            lines.hours_text(line, locale if locale in ("es", "en", "fr", "pt", "ht") else "en"),
            line.demo,
        )
        for line in lines.all_lines(db_session())
    ]


def lines_by_country() -> list[tuple[str, list[Line]]]:
    """Every reachable line from the directory, grouped by country (what a refused reporter is shown)."""
    return lines_and_websites()[0]


def lines_and_websites() -> tuple[list[tuple[str, list[Line]]], dict[str, list[tuple[str, str, str]]]]:
    """Every reachable line from the directory, grouped by country: the CORETT nine first (each listed
    even without a line, so its people learn we have none), then the others, in the reader's order;
    and, for a country with no line, the institutions' own web pages."""
    session = db_session()
    locale = current_locale()
    countries = session.scalars(select(Country)).all()
    agencies = session.scalars(
        select(Agency).options(selectinload(Agency.services).selectinload(AgencyService.phones)).order_by(Agency.id)
    ).all()
    lines: dict[str, list[Line]] = {}
    numberless: dict[str, list[Line]] = {}
    websites: dict[str, list[tuple[str, str, str]]] = {}
    for agency in agencies:
        for service in agency.services:
            phones = [phone for phone in service.phones if phone.type in REACHABLE_TYPES]
            for phone in phones:
                lines.setdefault(phone.country, []).append(_line(agency, service, phone, locale))
            if not service.phones and agency.country and (service.provenance or {}).get("source"):
                # The source names a line but prints no number: people should know it exists.
                numberless.setdefault(agency.country, []).append(_line(agency, service, None, locale))
        if agency.country and agency.urls and (agency.provenance or {}).get("source"):
            lang, name = _in_language(agency.names, locale, fallback=agency.name)
            websites.setdefault(agency.country, []).extend((lang, name, u["url"]) for u in agency.urls)
    # The CORETT nine first, then the others, each group in the reader's alphabetical order.
    ordered = sorted(countries, key=lambda c: (not c.corett, country_name(c.code)))
    # A CORETT country stays listed without a line, so its people learn we have none to offer.
    listed = [
        (c.code, lines.get(c.code, []) + numberless.get(c.code, [])) for c in ordered if c.code in lines or c.corett
    ]
    # A country with no line at all shows the institutions' own pages the sources give.
    return listed, {code: sites for code, sites in websites.items() if code not in lines}


def tel_href(dialable: str, phone_type: str) -> str:
    """A tel: (or sms:) link as RFC 3966 wants it: digits and + only, keypad letters turned to digits."""
    digits = "".join(ch for ch in dialable.lower() if ch.isalnum() or ch == "+").translate(KEYPAD)
    return f"{'sms' if phone_type == 'sms' else 'tel'}:{digits}"


def _line(agency: Agency, service: AgencyService, phone: Any | None, locale: str) -> Line:
    service_lang, service_name = _in_language(service.names, locale, fallback=agency.name)
    agency_lang, agency_name = _in_language(agency.names, locale, fallback=agency.name)
    description = _in_language(phone.description, locale, fallback="") if phone is not None else (locale, "")
    incomplete = phone is not None and bool((phone.provenance or {}).get("incomplete_number"))
    return Line(
        service_name=service_name,
        service_name_lang=service_lang,
        agency_name=agency_name + (f" ({agency.acronym})" if agency.acronym else ""),
        agency_name_lang=agency_lang,
        dialable=phone.dialable if phone is not None else None,
        href=tel_href(phone.dialable, phone.type) if phone is not None and not incomplete else None,
        type=phone.type if phone is not None else "voice",
        description_lang=description[0],
        description=description[1],
        incomplete=incomplete,
        marks=tuple((key, str(label), _mark(key, service, phone)) for key, label in MARKS),
        as_of=(service.provenance or {}).get("as_of"),
        verified=bool((service.provenance or {}).get("verified")),
    )


def _mark(feature: str, service: AgencyService, phone: Any | None) -> str:
    value = service.features.get(feature, "unknown")
    # A number the source calls toll-free is free to call, even where the service's cost is not stated.
    if feature == "free" and value == "unknown" and phone is not None:
        return str(phone.toll_free)
    return value


def _in_language(names: dict[str, str], locale: str, fallback: str) -> tuple[str, str]:
    """The name in the reader's language when the directory has it, else the first it has, with its language;
    without our source citations."""
    if locale in names:
        return locale, CITATION.sub("", names[locale])
    # Spanish is the region's common language, and the directory's other one besides English.
    for lang in ("es", "en", *names):
        if lang in names:
            return lang, CITATION.sub("", names[lang])
    return locale, fallback
