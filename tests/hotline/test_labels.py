"""Every code a person reads has words in every staff language; times show in the viewer's zone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask, g
from flask.testing import FlaskClient
from flask_babel import force_locale, refresh

from hotline import labels
from hotline.accounts import ROLES
from hotline.referrals.models import DispatchState
from hotline.tickets.models import TICKET_TRANSITIONS
from hotline.tickets.operations import CASE_TYPES, CLOSE_OUTCOMES, PERSON_CHOICES, RISK_LEVELS
from routing.intake import BOOLEAN_ANSWERS, CHANNELS, CONSENT_KEYS
from routing.snapshot import AGENCY_KINDS
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_user

FLOWS = Path(labels.__file__).resolve().parent.parent / "routing" / "flows"
TRANSLATIONS = Path(labels.__file__).resolve().parent / "translations"


def _flow_vocabulary() -> tuple[set[str], set[str], set[str]]:
    nodes: set[str] = set()
    actions: set[str] = set()
    timers: set[str] = set()
    for path in FLOWS.glob("referral_*.json"):
        chart = json.loads(path.read_text())
        timers |= set(chart["timers"])
        for node in chart["nodes"]:
            nodes.add(node["id"])
            for transition in node.get("transitions", ()):
                actions |= set(transition.get("on", ()))
    return nodes, actions, timers


def _vocabularies() -> dict[str, set]:
    nodes, actions, timers = _flow_vocabulary()
    return {
        "ticket_status": set(TICKET_TRANSITIONS),
        "referral_status": nodes,
        "event_kind": actions | timers,
        "timer": timers,
        "risk": set(RISK_LEVELS),
        "case_type": set(CASE_TYPES),
        "outcome": set(CLOSE_OUTCOMES),
        "channel": set(CHANNELS),
        "agency_kind": set(AGENCY_KINDS),
        "question": set(BOOLEAN_ANSWERS) | set(CONSENT_KEYS),
        "answer": {True, False, None},
        "dispatch": {DispatchState.PROPOSED, DispatchState.HELD, DispatchState.DISPATCHED, DispatchState.DROPPED},
        "staff_role": set(ROLES),
        **{kind: set(choices) for kind, choices in PERSON_CHOICES.items()},
    }


@pytest.mark.parametrize("kind", sorted(_vocabularies()))
def test_every_code_of_the_vocabulary_has_a_label(kind: str) -> None:
    missing = _vocabularies()[kind] - set(labels.LABELS[kind])
    assert not missing, f"{kind} codes with no words: {sorted(missing, key=str)}"


@pytest.mark.parametrize("locale", ["es", "fr", "pt"])
def test_every_label_is_translated_in_every_staff_language(locale: str) -> None:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    source = Path(labels.__file__).read_text()
    calls = re.findall(r'_l\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)', source)
    msgids = ["".join(re.findall(r'"((?:[^"\\]|\\.)*)"', call)) for call in calls]
    assert len(msgids) > 300
    untranslated = [msgid for msgid in dict.fromkeys(msgids) if not (catalog.get(msgid) and catalog.get(msgid).string)]
    assert not untranslated, f"{locale} has no words for {untranslated}"


def test_a_code_with_no_label_fails_in_development_and_reads_as_words_in_production(app: Flask) -> None:
    with app.test_request_context():
        with pytest.raises(labels.MissingLabel):
            labels.label("teleported", "ticket_status")
        app.config["LABELS_STRICT"] = False
        try:
            assert labels.label("teleported_away", "ticket_status") == "teleported away"
        finally:
            app.config["LABELS_STRICT"] = True


def test_labels_and_answers_are_in_the_pages_language(app: Flask) -> None:
    with app.test_request_context(), force_locale("fr"):
        assert labels.label("critical", "risk") == "Critique"
        assert labels.answer("in_danger_now", True) == "Quelqu'un en danger en ce moment: Oui"
        assert "in_danger_now" not in labels.answer("in_danger_now", None)


def test_every_risk_indicator_reads_in_the_pages_language(app: Flask) -> None:
    rules = json.loads((FLOWS.parent / "rules" / "risk.json").read_text())
    keys = [entry["key"] for entry in rules["indicators"]]
    with app.test_request_context():
        with force_locale("en"):
            english = {key: labels.indicator(key) for key in keys}  # strict: a key with no words raises
        with force_locale("es"):
            spanish = {key: labels.indicator(key) for key in keys}
    assert spanish["kidnapping"] == "Secuestro o rescate"
    assert all("_" not in words for words in spanish.values())
    untranslated = [key for key in keys if spanish[key] == english[key] and key != "lgbti"]
    assert not untranslated, f"indicators with no Spanish words: {untranslated}"


def test_a_time_shows_in_the_viewers_zone_with_the_zone_named(app: Flask) -> None:
    moment = datetime(2026, 12, 2, 9, 56, 50, tzinfo=UTC)
    with app.test_request_context(), force_locale("es"):
        g.user = type("User", (), {"countries": ["GT"], "languages": ["es"]})()
        refresh()
        shown = labels.when(moment)
        assert "3:56" in shown and "GMT-06:00" in shown, shown
        assert labels.when(moment.isoformat()) == shown, "an ISO string is shown as a time, never as text"


def test_the_ticket_page_in_french_shows_words_not_codes(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    sign_in(staff_client, *make_user(app, countries=("GT",), languages=("fr",)))
    page = staff_client.get(f"/tickets/{reference}?lang=fr").get_data(as_text=True)
    status = re.search(r'id="ticket-status">([^<]*)<', page)
    risk = re.search(r'id="ticket-risk">([^<]*)<', page)
    assert status and status.group(1) not in TICKET_TRANSITIONS, status
    assert risk and risk.group(1) in {"Critique", "Élevé", "Moyen", "Faible"}, risk
    language = re.search(r'id="ticket-language">([^<]*)<', page)
    assert language and language.group(1) in {"espagnol", "anglais", "français", "portugais", "créole haïtien"}, (
        language
    )
    queue = staff_client.get("/tickets?lang=fr").get_data(as_text=True)
    assert ">espagnol<" in queue or ">anglais<" in queue, "the queue names the language, not its code"
    events = page[page.index('id="events"') :]
    assert "staff:" not in events and "+00:00" not in events
    assert "-06:00" in events, "the event times show the viewer's zone"


def test_every_routing_reason_and_policy_sentence_has_words() -> None:
    engine = (FLOWS.parent / "engine.py").read_text()
    codes = set(re.findall(r'"((?:area|language|hours|agency)\.[a-z_]+)"', engine))
    codes |= set(re.findall(r'Reason\(\s*"([a-z_]+)"', engine)) | set(
        re.findall(r'"(acknowledge_within[a-z_]*)"', engine)
    )
    assert {"area.country", "hours.open", "acknowledge_within"} <= codes
    assert codes - {"policy"} <= set(labels._REASON), sorted(codes - {"policy"} - set(labels._REASON))
    policy = json.loads((FLOWS.parent / "policy.json").read_text())
    sentences = [step["reason"] for step in policy["steps"]] + [rule["reason"] for rule in policy["never"]]
    assert set(sentences) <= set(labels.POLICY_SENTENCES), set(sentences) - set(labels.POLICY_SENTENCES)


def test_the_routing_explanation_reads_in_the_pages_language(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True)
    start = page.index('id="routing-decision"')
    explanation = page[start : page.index("</section>", start)]
    for english in ("Acknowledge within", "covers all of", "works in", "is open now", "closed now", "serves the whole"):
        assert english not in explanation, english
    assert "Confirmar en" in explanation or "minutos" in explanation


@pytest.mark.parametrize("locale", ["es", "fr", "pt", "ht"])
def test_the_committed_compiled_catalog_is_its_po_file_compiled(locale: str) -> None:
    """The .mo files are committed (a fresh clone serves them as they are): one left behind its .po
    shows English on a translated page."""
    from babel.messages.mofile import read_mo

    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    with (folder / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    missing = sorted(str(key) for key in source if key not in compiled)
    assert not missing, f"{locale}: compile the catalogs (pybabel compile -d hotline/translations): {missing[:5]}"
    assert all(compiled[key] == words for key, words in source.items())


def test_someone_holding_a_person_is_not_called_the_authorities(app) -> None:  # type: ignore[no-untyped-def]
    # "La tienen trabajando en una casa": the indicator is someone holding her, which in a report is
    # most often the trafficker; calling it police custody misled the operator.
    from hotline.labels import label

    with app.test_request_context("/?lang=es"):
        assert label("in_custody", "indicator") == "En poder de alguien"
    with app.test_request_context("/?lang=en"):
        assert "authorit" not in label("in_custody", "indicator").lower()


def test_countries_and_languages_have_names_in_haitian_creole(app: Flask) -> None:
    # CLDR has no country or language names in Haitian Creole: a Kreyòl page showed "DO", "BR", "es".
    from hotline.i18n import country_name

    with app.test_request_context(), force_locale("ht"):
        assert country_name("DO") == "Dominikani" and country_name("BR") == "Brezil"
        assert country_name("DE") == "Allemagne"  # beyond the region: its French name, never a code
        assert labels.overrule_value("country", "GT") == "Gwatemala"
        assert labels.overrule_value("language", "es") == "panyòl"
        assert labels.answer("victim_nationality", "HN").endswith("Ondiras")
    with app.test_request_context(), force_locale("es"):
        assert country_name("DO") == "República Dominicana"
