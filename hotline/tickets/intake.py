"""Validation of the Intake JSON every channel sends: clear errors that name the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pycountry
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from hotline.hygiene import clean
from hotline.privacy import InvalidPhone, normalise_phone, phone_country
from routing.intake import (
    BOOLEAN_ANSWERS,
    CHANNELS,
    CONSENT_KEYS,
    COUNTRY_ANSWERS,
    MAX_TEXT_LENGTH,
    REPORTER_ROLES,
    Intake,
    Location,
)
from routing.regions import current_region_code

TOP_LEVEL_KEYS = (
    "channel",
    "text",
    "language",
    "caller_phone",
    "location",
    "answers",
    "reporter_role",
    "contact_ok",
    "consent",
)
LOCATION_KEYS = ("country", "region", "place")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
MAX_PLACE_LENGTH = 200


class IntakeError(ValueError):
    """One field of an intake is wrong; `message` is translated when shown."""

    def __init__(self, field: str, message: LazyString) -> None:
        super().__init__(field)
        self.field = field
        self.message = message

    def as_json(self) -> dict[str, str]:
        return {"error": "invalid_intake", "field": self.field, "message": str(self.message)}


@dataclass(frozen=True)
class ParsedIntake:
    """What the core needs: the routing Intake, plus the caller's number kept apart from it."""

    intake: Intake
    caller_phone: str | None


def is_country(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def is_region(code: str) -> bool:
    return pycountry.subdivisions.get(code=code) is not None


def parse_intake(data: Any, channel: str | None = None) -> ParsedIntake:
    """Check and normalise an Intake JSON object; raise IntakeError naming the first bad field.

    `channel`, when given, is the channel the request really came through and wins over the body.
    """
    if not isinstance(data, Mapping):
        raise IntakeError("", _l("The report must be a JSON object."))
    # Requests arrive cleaned already; an intake built elsewhere (a conversation, a script) is cleaned here.
    data = clean(data)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise IntakeError(str(key)[:64], _l("Unknown field “%(field)s”.", field=str(key)[:64]))

    channel = channel or data.get("channel")
    if channel not in CHANNELS:
        raise IntakeError("channel", _l("Channel must be one of: %(choices)s.", choices=", ".join(CHANNELS)))

    text = data.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise IntakeError("text", _l("The text must be a string."))
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise IntakeError(
            "text", _l("The text is too long: at most %(limit)s characters.", limit=f"{MAX_TEXT_LENGTH:,}")
        )

    language = _optional_str(data, "language")
    if language is not None:
        if not LANGUAGE_TAG.match(language):
            raise IntakeError("language", _l("The language must be a code such as “es” or “en”."))
        language = language.split("-")[0].lower()

    location = _parse_location(data.get("location"))
    answers = _parse_answers(data.get("answers"))
    if not text and not any(value is not None for value in answers.values()):
        raise IntakeError("text", _l("Please tell us what is happening."))

    caller_phone = None
    caller_country = None
    raw_phone = data.get("caller_phone")
    if raw_phone not in (None, ""):
        if not isinstance(raw_phone, str):
            raise IntakeError("caller_phone", _l("The phone number must be a string."))
        try:
            caller_phone = normalise_phone(raw_phone, location.country)
        except InvalidPhone:
            raise IntakeError(
                "caller_phone", _l("The phone number is not valid; include the country code, such as +502.")
            ) from None
        caller_country = phone_country(caller_phone)

    reporter_role = _optional_str(data, "reporter_role")
    if reporter_role is not None and reporter_role not in REPORTER_ROLES:
        raise IntakeError("reporter_role", _l("Role must be one of: %(choices)s.", choices=", ".join(REPORTER_ROLES)))
    contact_ok = data.get("contact_ok", False)
    if contact_ok is None:
        contact_ok = False
    if not isinstance(contact_ok, bool):
        raise IntakeError("contact_ok", _l("This field must be true or false."))

    consent = _parse_consent(data.get("consent"))
    if consent.get("contact_back") is None and contact_ok:
        consent["contact_back"] = True
    intake = Intake(
        channel=channel,
        text=text,
        language=language,
        caller_country=caller_country,
        location=location,
        answers=MappingProxyType(answers),
        reporter_role=reporter_role,
        contact_ok=contact_ok,
        consent=MappingProxyType(consent),
    )
    return ParsedIntake(intake=intake, caller_phone=caller_phone)


def _optional_str(data: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise IntakeError(prefix + key, _l("This field must be text."))
    return value.strip() or None


def _parse_location(raw: Any) -> Location:
    if raw is None:
        return Location()
    if not isinstance(raw, Mapping):
        raise IntakeError("location", _l("The location must be an object with country, region and place."))
    for key in raw:
        if key not in LOCATION_KEYS:
            field = f"location.{str(key)[:64]}"
            raise IntakeError(field, _l("Unknown field “%(field)s”.", field=field))
    country = _optional_str(raw, "country", "location.")
    if country is not None:
        country = country.upper()
        if not is_country(country):
            raise IntakeError("location.country", _l("Unknown country code “%(code)s”.", code=country[:8]))
    region = _optional_str(raw, "region", "location.")
    if region is not None:
        if len(region) > MAX_PLACE_LENGTH:
            raise IntakeError("location.region", _l("This field is too long."))
        if REGION_CODE.match(region.upper()):
            code = current_region_code(region)
            if not is_region(code) or (country is not None and not code.startswith(country + "-")):
                raise IntakeError("location.region", _l("Unknown region code “%(code)s”.", code=code))
            region = code
            country = country or code[:2]
    place = _optional_str(raw, "place", "location.")
    if place is not None and len(place) > MAX_PLACE_LENGTH:
        raise IntakeError("location.place", _l("This field is too long."))
    return Location(country=country, region=region, place=place)


def _parse_answers(raw: Any) -> dict[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise IntakeError("answers", _l("The answers must be an object."))
    answers: dict[str, object] = {}
    for key, value in raw.items():
        field = f"answers.{str(key)[:64]}"
        if key in BOOLEAN_ANSWERS:
            if value is not None and not isinstance(value, bool):
                raise IntakeError(field, _l("This answer must be true, false or null."))
            answers[key] = value
        elif key in COUNTRY_ANSWERS:
            if value is None:
                answers[key] = None
                continue
            code = value.upper() if isinstance(value, str) else value
            if not is_country(code):
                raise IntakeError(field, _l("Unknown country code “%(code)s”.", code=str(value)[:8]))
            answers[key] = code
        else:
            raise IntakeError(field, _l("Unknown field “%(field)s”.", field=field))
    return answers


def _parse_consent(raw: Any) -> dict[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise IntakeError("consent", _l("The consent must be an object."))
    consent: dict[str, object] = {}
    for key, value in raw.items():
        field = f"consent.{str(key)[:64]}"
        if key not in CONSENT_KEYS:
            raise IntakeError(field, _l("Unknown field “%(field)s”.", field=field))
        if value is not None and not isinstance(value, bool):
            raise IntakeError(field, _l("This field must be true or false."))
        if value is not None:
            consent[key] = value
    return consent
