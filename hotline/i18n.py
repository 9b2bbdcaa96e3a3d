"""Languages: which locales each surface offers, how a request's locale is chosen, and the catalogs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale
from flask import Response, current_app, g, has_request_context, request
from flask_babel import get_locale

from hotline.accounts import staff_time_zone
from hotline.db import db_session

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LOCALE = "en"
PUBLIC_LOCALES = ("es", "en", "fr", "pt", "ht")
STAFF_LOCALES = ("es", "en", "fr", "pt")
LOCALE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "ht": "Kreyòl ayisyen"}


class MissingCatalog(RuntimeError):
    """A locale we offer has no compiled catalog: refuse to start rather than show mixed languages."""


def check_catalogs() -> None:
    for locale in set(PUBLIC_LOCALES + STAFF_LOCALES) - {SOURCE_LOCALE}:
        if not (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").exists():
            raise MissingCatalog(f"no compiled catalog for {locale}; run `make translations`")


def offered() -> tuple[str, ...]:
    return PUBLIC_LOCALES if current_app.config["SURFACE"] == "public" else STAFF_LOCALES


def language_cookie() -> str:
    return f"{current_app.config['SESSION_COOKIE_NAME']}_lang"


def select_locale() -> str:
    """An explicit ?lang= choice (remembered in its own cookie), then the remembered choice, then the
    staff user's first language we offer, then the browser, then Spanish.

    The choice is not kept in the session: every staff request re-sends the session cookie, and a
    request that began before the choice (a poll, a page being left) would answer with the session
    as it was and undo it, so the next page came in another language.

    Outside a request (the command line) messages are in the source language.
    """
    if not has_request_context():
        return SOURCE_LOCALE
    locales = offered()
    chosen = request.args.get("lang")
    if chosen in locales:
        g.chosen_lang = chosen
        return chosen
    remembered = request.cookies.get(language_cookie())
    if remembered in locales:
        return remembered
    user = g.get("user")
    spoken = [code for code in (getattr(user, "languages", None) or []) if code in locales]
    if spoken:
        return spoken[0]
    return request.accept_languages.best_match(locales) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_choice(response: Response) -> Response:
    """Set the language cookie on the answer to a request that chose a language (and only then)."""
    chosen = g.get("chosen_lang")
    if chosen is not None and request.cookies.get(language_cookie()) != chosen:
        response.set_cookie(
            language_cookie(),
            chosen,
            path=current_app.config.get("SESSION_COOKIE_PATH") or request.script_root or "/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def select_timezone() -> str | None:
    """A staff user's chosen zone, else their first country's, else their agency's; otherwise the
    default (UTC)."""
    if not has_request_context():
        return None
    user = g.get("user")
    if user is None:
        return None
    return staff_time_zone(db_session(), user)


def current_locale() -> str:
    return str(get_locale())


# CLDR has no territory names in Haitian Creole: the region's countries by their Kreyòl names, and
# any other by its French one (the other language of Haiti's schools and papers), never a raw code.
KREYOL_COUNTRIES = {
    "HT": "Ayiti", "DO": "Dominikani", "MX": "Meksik", "GT": "Gwatemala", "HN": "Ondiras",
    "SV": "Salvadò", "NI": "Nikaragwa", "CR": "Kosta Rika", "PA": "Panama", "BZ": "Beliz",
    "US": "Etazini", "CA": "Kanada", "CO": "Kolonbi", "VE": "Venezwela", "EC": "Ekwatè", "PE": "Pewou",
    "BR": "Brezil", "CL": "Chili", "AR": "Ajantin", "CU": "Kiba", "BS": "Bahamas", "JM": "Jamayik",
    "PR": "Pòtoriko", "GY": "Giyàn", "TC": "Zile Tik ak Kayik", "ES": "Espay", "FR": "Lafrans",
}  # fmt: skip


def territory_names(locale: Any = None) -> Mapping[str, str]:
    """Country names in `locale` (the current one by default): CLDR's through Babel; for Haitian
    Creole, which CLDR lacks, the Kreyòl names above over the French ones."""
    return _names(locale, "territories")


KREYOL_LANGUAGES = {"es": "panyòl", "en": "angle", "fr": "franse", "pt": "pòtigè", "ht": "kreyòl ayisyen"}


def language_names(locale: Any = None) -> Mapping[str, str]:
    """Language names in `locale`: CLDR's; for Haitian Creole, the hotline's five in Kreyòl over the
    French names of the others."""
    return _names(locale, "languages")


def _names(locale: Any, kind: str) -> Mapping[str, str]:
    locale = locale or get_locale()
    return _kreyol_names(kind) if str(locale) == "ht" else getattr(locale, kind)


@lru_cache(maxsize=2)
def _kreyol_names(kind: str) -> Mapping[str, str]:
    """CLDR's French names of `kind` with the Kreyòl ones over them, merged once."""
    own = KREYOL_COUNTRIES if kind == "territories" else KREYOL_LANGUAGES
    return MappingProxyType({**getattr(Locale.parse("fr"), kind), **own})


def country_name(code: str) -> str:
    """The country's name in the current locale, never its code where a name is known."""
    return territory_names().get(code, code)
