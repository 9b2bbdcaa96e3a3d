"""Catalogs: every string the code and templates use is translated, and the compiled catalogs are current."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from hotline.i18n import PUBLIC_LOCALES, SOURCE_LOCALE, STAFF_LOCALES, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
LOCALES = sorted(set(PUBLIC_LOCALES + STAFF_LOCALES) - {SOURCE_LOCALE})


def used_messages() -> set[str]:
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_string_in_use(locale: str) -> None:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {message.id for message in catalog if message.id and message.string}
    missing = sorted(used_messages() - translated)
    assert missing == [], f"{locale} lacks translations; run `make translations` and translate: {missing}"


def _messages(catalog: Catalog) -> dict[object, object]:
    """What a catalog translates, without its header (which names the generator and its version)."""
    return {message.id: message.string for message in catalog if message.id and message.string}


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale: str) -> None:
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        source = read_po(po)
    with open(folder / "messages.mo", "rb") as mo:
        compiled = read_mo(mo)
    assert _messages(compiled) == _messages(source), "run `make translations`"


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale: str) -> None:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    wrong = [
        message.id
        for message in catalog
        if message.id
        and message.string
        and set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string))
    ]
    assert wrong == []


def test_every_offered_locale_is_checked_and_staff_locales_are_public_too() -> None:
    assert set(PUBLIC_LOCALES) == {"es", "en", "fr", "pt", "ht"}
    assert set(STAFF_LOCALES) == {"es", "en", "fr", "pt"}
    assert set(LOCALES) == set(PUBLIC_LOCALES + STAFF_LOCALES) - {SOURCE_LOCALE}
