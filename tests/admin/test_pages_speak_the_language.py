"""Done when: every staff page, in French, Spanish and Portuguese, shows words and not codes.

A fixture reaches the states a person meets (received, triaged, referred and proposed, acknowledged,
escalated past a deadline, closed; a person in the case; an operator's note and overrule), then
each page's visible text is scanned for the known codes and the engine's English reason templates.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.referrals.escalation import sweep
from hotline.referrals.models import Referral
from tests.admin.test_staff_pages import sign_in
from tests.factories import make_user
from tests.helpers import dispatch_proposals, new_partner_key, post_form, post_report

# Codes that are not words of French, Spanish or Portuguese: finding one in a page's text means a value
# was shown raw. (Codes such as "protection" or "validation" are French words, so they are left out.)
CODES = {
    "critical",
    "high",
    "medium",
    "low",
    "received",
    "needs_triage",
    "triaged",
    "referred",
    "acknowledged",
    "assisted",
    "closed",
    "declined",
    "escalated",
    "withdrawn",
    "expired",
    "accepted",
    "more_info_requested",
    "not_identified",
    "trafficking",
    "smuggling",
    "unclear",
    "female",
    "male",
    "domestic_servitude",
    "forced_begging",
    "proposed",
    "dispatched",
    "dropped",
    "in_danger_now",
    "minor_involved",
    "operator_choice",
    "origin_country",
    "ack_deadline",
    "accept_deadline",
    "review_deadline",
    "status_changed",
    "staff",
    "information_only",
    "not_applicable",
    "no_competent_agency",
}
CODE_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(sorted(CODES, key=len, reverse=True)) + r")(?![\w-])")
ENGLISH_REASONS = (
    "Acknowledge within",
    "covers all of",
    "serves the whole region",
    "is open now",
    "works in ",
    "takes referrals after hours",
    "opening hours unknown",
    "The risk is critical",
    "Possible trafficking",
    "No agency in the incident country",
    "staff:",
)
# Words of the system's English event reasons ("ack_deadline passed", "a referral was dispatched",
# "risk low (...), unclear, location GT from ...", "via api", "legal ground: ..."). What staff type in the
# fixture is Spanish and what a report says is in a blockquote, so any of these in a `stored-text`
# cell is a sentence the system wrote in English and the page did not translate.
ENGLISH_WORDS = re.compile(
    r"(?<![\w-])(passed|was|were|the|referral|referrals|sent|dispatched|via|from|risk|location|language|"
    r"legal ground|acknowledged|declined|deadline|for|by|not|rung|did)(?![\w-])"
)
# What staff typed in the fixture, in English: tests/helpers.dispatch_proposals confirms proposals with it.
STAFF_TYPED = {"confirmed in the test"}
CRITICAL = {
    "channel": "api",
    "text": "Están encerradas en una casa y no las dejan salir, una es menor, les quitaron los documentos",
    "location": {"country": "GT"},
    "answers": {"in_danger_now": True, "minor_involved": True, "documents_withheld": True},
}


class _Text(HTMLParser):
    """A page's text as a person reads it: no tags, attributes, scripts or the people's own words.

    Cells marked `stored-text` hold sentences as they were written (a staff member's reason, a risk
    rule's evidence quoting the report) or a system's reason shown through hotline/reasons.py; they are
    not scanned for codes (a staff member may type one), but they are kept apart in `stored` so the
    test can look for English sentences the system wrote."""

    SKIPPED = ("script", "style", "textarea", "blockquote")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0
        self.open: list[str] = []
        self.stored: list[str] = []
        self.stored_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        stored = "stored-text" in (dict(attrs).get("class") or "").split()
        if stored and not self.depth:
            self.stored.append("")
            self.stored_depth = 1
        elif self.stored_depth:
            self.stored_depth += 1
        if self.depth or tag in self.SKIPPED or stored:
            self.open.append(tag)
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
            self.depth -= 1
            if self.stored_depth:
                self.stored_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)
        elif self.stored_depth:
            self.stored[-1] += data


def stored_cells(html: str) -> list[str]:
    """The text of each `stored-text` cell: what staff typed, or what the system wrote."""
    parser = _Text()
    parser.feed(html)
    return [" ".join(cell.split()) for cell in parser.stored if cell.strip()]


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _fixture(app: Flask, client: FlaskClient, staff_client: FlaskClient) -> tuple[list[str], int, str]:
    """Tickets in every state a page shows; returns their references, an agency's referral and its agency."""
    simple = post_report(client, json={"channel": "api", "text": "Una consulta", "location": {"country": "GT"}})
    critical = post_report(client, json=CRITICAL)
    proposed = post_report(client, json={**CRITICAL, "text": "otra casa, mismas personas"})
    references = [r.get_json()["reference"] for r in (simple, critical, proposed)]
    dispatch_proposals(app)
    # One more left as a proposal waiting for review.
    references.append(post_report(client, json={**CRITICAL, "text": "tercera"}).get_json()["reference"])
    with app.app_context(), app.extensions["database"].session() as session:
        referrals = session.scalars(select(Referral).where(Referral.dispatch == "dispatched")).all()
        referral_id, agency = referrals[0].id, referrals[0].agency_id
        due = max(r.deadline_at for r in referrals if r.deadline_at)
        sweep(session, due)  # type: ignore[arg-type]  # escalates what was not acknowledged in time
    return references, referral_id, agency


@pytest.mark.parametrize("locale", ["fr", "es", "pt"])
def test_every_staff_page_shows_words_not_codes(
    app: Flask, client: FlaskClient, staff_client: FlaskClient, locale: str
) -> None:
    references, referral_id, agency = _fixture(app, client, staff_client)
    admin = make_user(app, role="admin", countries=("GT",), regional=True, languages=(locale,))
    sign_in(staff_client, *admin)
    first = f"/tickets/{references[0]}"
    post_form(staff_client, first, {"note": "llamar mañana"}, f"{first}/note")
    post_form(
        staff_client, first, {"field": "risk", "value_risk": "high", "reason": "segunda llamada"}, f"{first}/overrule"
    )
    post_form(
        staff_client,
        first,
        {"new-sex": "female", "new-age_band": "12-17", "new-exploitation": "domestic_servitude", "new-wish": "return"},
        f"{first}/people",
    )
    post_form(staff_client, first, {"outcome": "information_only", "reason": "respondida"}, f"{first}/close")
    pages = [
        "/tickets",
        "/tickets?status=all",
        *(f"/tickets/{r}" for r in references),
        "/deadlines",
        "/users",
        "/inbox",
        "/chat/",
        "/early-warning/",
        "/calls/",
        "/stats/",
        "/directory/",
        "/partner-keys",
    ]
    new_partner_key(app, "Refugio Esperanza")
    problems = _scan(staff_client, pages, locale)
    staff_client.post("/logout")
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency, languages=(locale,)))
    problems += _scan(staff_client, ["/referrals", f"/referrals/{referral_id}"], locale)
    assert not problems, "\n".join(problems)


def _scan(staff_client: FlaskClient, pages: list[str], locale: str) -> list[str]:
    problems = []
    for page in pages:
        joiner = "&" if "?" in page else "?"
        response = staff_client.get(f"{page}{joiner}lang={locale}")
        assert response.status_code == 200, (page, response.status_code)
        text = visible_text(response.get_data(as_text=True))
        for match in CODE_PATTERN.finditer(text):
            context = text[max(0, match.start() - 60) : match.end() + 60].replace("\n", " ")
            problems.append(f"{page} [{locale}] shows the code {match.group(1)!r}: …{context}…")
        problems += [f"{page} [{locale}] shows English: {english!r}" for english in ENGLISH_REASONS if english in text]
        problems += [
            f"{page} [{locale}] shows a system's reason in English: {cell!r}"
            for cell in stored_cells(response.get_data(as_text=True))
            if ENGLISH_WORDS.search(cell) and cell not in STAFF_TYPED
        ]
    return problems


def test_a_chosen_language_survives_a_request_that_began_before_the_choice(
    app: Flask, staff_client: FlaskClient
) -> None:
    """Every staff answer re-sends the session cookie. A poll that left before the operator picked
    French answers after, with the session as it was; the next page must still be in French."""
    sign_in(staff_client, *make_user(app, role="supervisor", countries=("GT",), languages=("en",)))
    assert '<html lang="en">' in staff_client.get("/tickets").get_data(as_text=True)
    before_the_choice = staff_client.get_cookie("hotline_staff")
    assert before_the_choice is not None
    assert '<html lang="fr">' in staff_client.get("/tickets?lang=fr").get_data(as_text=True)
    # The late answer to the earlier request lands: the browser now holds the older session cookie.
    staff_client.set_cookie("hotline_staff", before_the_choice.value)
    assert '<html lang="fr">' in staff_client.get("/tickets").get_data(as_text=True)
