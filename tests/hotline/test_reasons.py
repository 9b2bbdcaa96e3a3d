"""The system's event reasons: stored in English exactly as before, read back in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from hotline import labels
from hotline.reasons import TEMPLATES, candidates, system_reason

TRANSLATIONS = Path(labels.__file__).resolve().parent / "translations"
HOTLINE = Path(labels.__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_the_stored_sentence_is_the_one_written_before_templates() -> None:
    # What tests, exports and the audit chain of events written before this change hold.
    assert system_reason("timer_passed", timer="ack_deadline") == "ack_deadline passed"
    assert system_reason("via", channel="api") == "via api"
    assert system_reason("referrals_sent", count=1) == "1 referral(s) sent"
    assert system_reason("rung_contact", agency="gt-eri") == "rung 1: gt-eri's next referral contact notified"
    assert (
        system_reason(
            "triaged",
            risk="low",
            rules="risk-rules/2026-12-5",
            case_type="unclear",
            where="GT",
            location_source="stated",
            language="es",
            language_source="fallback",
        )
        == "risk low (risk-rules/2026-12-5), unclear, location GT from stated, language es from fallback"
    )


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_is_recognised_with_its_parameters(key: str) -> None:
    names = PLACEHOLDER.findall(TEMPLATES[key])
    params = {name: f"p{index}-{name}" for index, name in enumerate(names)}
    assert (key, params) in candidates(system_reason(key, **params))


def test_staff_words_are_not_taken_for_a_system_reason(app: Flask) -> None:
    with app.test_request_context(), force_locale("fr"):
        assert labels.stored_reason("llamar mañana") == "llamar mañana"
        # Shaped like "%(timer)s passed", but not a timer: staff words, shown as typed.
        assert labels.stored_reason("the deadline passed") == "the deadline passed"
        assert labels.stored_reason("via a friend") == "via a friend"


def test_a_system_reason_reads_in_the_pages_language(app: Flask) -> None:
    with app.test_request_context(), force_locale("fr"):
        shown = labels.stored_reason("ack_deadline passed")
        assert "passed" not in shown and "ack_deadline" not in shown, shown
        triaged = labels.stored_reason(
            "risk critical (risk-rules/2026-12-5), trafficking, location GT from stated, language es from detected"
        )
        assert triaged.startswith("risque critique"), triaged
        assert "Guatemala" in triaged and "espagnol" in triaged and "stated" not in triaged, triaged
    with app.test_request_context(), force_locale("es"):
        assert labels.stored_reason("via api") != "via api"


@pytest.mark.parametrize("locale", ["es", "fr", "pt"])
def test_every_template_has_words_with_the_same_placeholders(locale: str) -> None:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for template in TEMPLATES.values():
        message = catalog.get(template)
        assert message is not None and message.string, (locale, template)
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(template)), (locale, template)


def test_no_system_reason_is_written_as_an_english_literal_any_more() -> None:
    """The event writers take their reasons from hotline/reasons.py; a new literal is a new untranslated
    sentence on a French page."""
    # A sentence, not a one-word code nor a join of template-written parts.
    literal = re.compile(r'reason=f?"(?![a-z_]+"|, "\.join\(system_reason)')
    offenders = []
    for path in HOTLINE.rglob("*.py"):
        if path.name in ("demo.py", "reasons.py") or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if literal.search(line):
                offenders.append(f"{path.relative_to(HOTLINE)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
