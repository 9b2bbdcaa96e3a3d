"""The public web form files a report without JavaScript, keeps what was typed on error, and follows up."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.tickets.models import Ticket, TicketMessage
from tests.helpers import post_form, post_report

FORM = {
    "text": "A man keeps two boys working in his bakery at night and took their papers.",
    "in_danger_now": "no",
    "minor_involved": "yes",
    "movement_restricted": "unknown",
    "documents_withheld": "yes",
    "paid_to_cross_border": "unknown",
    "country": "SV",
    "region": "",
    "place": "Santa Ana",
    "reporter_role": "witness",
    "caller_phone": "",
}


def test_form_files_a_report_and_shows_reference_and_passphrase_once(app: Flask, client: FlaskClient) -> None:
    response = post_form(client, "/report?lang=en", FORM, action="/report")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    reference = re.search(r'id="reference">(HT-[0-9A-Z-]+)<', page).group(1)  # type: ignore[union-attr]
    passphrase = re.search(r'id="passphrase">([0-9A-Z-]+)<', page).group(1)  # type: ignore[union-attr]
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.channel == "web" and ticket.language == "en"
        assert ticket.incident_country == "SV" and ticket.incident_place == "Santa Ana"
        assert ticket.risk_level == "high" and ticket.status == "triaged"  # proposals wait for review
        assert passphrase not in (ticket.followup_passphrase_hash or "")
        assert ticket.submissions[0].answers["documents_withheld"] is True
        assert ticket.submissions[0].answers["movement_restricted"] is None


def test_a_region_typed_by_name_is_kept_and_resolved_not_refused(app: Flask, client: FlaskClient) -> None:
    # The form's region is free text; the ticket's column holds a subdivision code. On PostgreSQL a
    # name stored there failed the insert, and the reporter got a 500 with nothing saved.
    typed = {**FORM, "country": "GT", "region": "Quetzaltenango", "place": ""}
    response = post_form(client, "/report?lang=en", typed, action="/report")
    assert response.status_code == 200
    reference = re.search(r'id="reference">(HT-[0-9A-Z-]+)<', response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.incident_country == "GT"
        assert ticket.incident_region in (None, "GT-09")
        assert ticket.submissions[0].location["region"] == "Quetzaltenango"


def test_form_without_csrf_token_is_refused_with_a_clear_page(app: Flask, client: FlaskClient) -> None:
    response = client.post("/report", data=FORM)
    assert response.status_code == 400
    assert "Su formulario caducó" in response.get_data(as_text=True)


def test_form_error_keeps_everything_typed(app: Flask, client: FlaskClient) -> None:
    response = post_form(client, "/report?lang=en", dict(FORM, caller_phone="12345"), action="/report")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "phone number is not valid" in page
    assert FORM["text"] in page
    assert 'value="Santa Ana"' in page
    assert 'aria-invalid="true"' in page
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(Ticket)) is None


def test_form_speaks_spanish_by_default_and_english_on_request(app: Flask, client: FlaskClient) -> None:
    assert "Denunciar trata o tráfico" in client.get("/report").get_data(as_text=True)
    assert "Report trafficking or smuggling" in client.get("/report?lang=en").get_data(as_text=True)
    # The choice is remembered for the next page.
    assert "Report trafficking or smuggling" in client.get("/report").get_data(as_text=True)


def test_public_pages_load_no_third_party_assets(app: Flask, client: FlaskClient) -> None:
    response = client.get("/report")
    page = response.get_data(as_text=True)
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        # The quick-exit link leaves the site on purpose; everything else is ours.
        assert src.startswith(("/", "?", "#")) or "quick" in page[page.find(src) - 80 : page.find(src)], src
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_follow_up_adds_to_the_ticket_only_with_the_right_passphrase(app: Flask, client: FlaskClient) -> None:
    created = post_report(client, json={"channel": "api", "text": "first report"}).get_json()
    wrong = post_form(
        client,
        "/follow-up",
        {"reference": created["reference"], "passphrase": "AAAA-BBBB-CCCC-DDDD", "text": "more"},
    )
    assert wrong.status_code == 400
    right = post_form(
        client,
        "/follow-up",
        {
            "reference": created["reference"].lower(),
            "passphrase": created["follow_up_passphrase"].lower(),
            "text": "They moved them to another house.",
        },
    )
    assert right.status_code == 200
    with app.app_context(), app.extensions["database"].session() as session:
        bodies = [m.body for m in session.scalars(select(TicketMessage).order_by(TicketMessage.id))]
        assert bodies == ["first report", "They moved them to another house."]


def _as_typed_carelessly(reference: str) -> str:
    """The reference as a person copies it off a note: lower case, no hyphens, 0 as O and 1 as l."""
    return reference.replace("-", " ").lower().replace("0", "o").replace("1", "l")


def test_follow_up_reads_a_reference_typed_in_any_case_without_hyphens_with_o_for_zero(
    app: Flask, client: FlaskClient
) -> None:
    # A reference with a 0 or a 1 in it, so the look-alike reading is exercised.
    for _attempt in range(60):
        created = post_report(client, json={"channel": "api", "text": "first report"}).get_json()
        if any(digit in created["reference"][3:] for digit in "01"):
            break
    typed = _as_typed_carelessly(created["reference"])
    assert typed != created["reference"].lower()
    answer = post_form(
        client,
        "/follow-up",
        {"reference": typed, "passphrase": created["follow_up_passphrase"], "text": "Now in the north."},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert created["reference"] in answer.get_data(as_text=True)
    with app.app_context(), app.extensions["database"].session() as session:
        bodies = [m.body for m in session.scalars(select(TicketMessage).order_by(TicketMessage.id))]
        assert "Now in the north." in bodies


def test_the_receipt_warns_before_a_language_switch_takes_the_reporter_away_from_it(
    app: Flask, client: FlaskClient
) -> None:
    page = post_form(client, "/report?lang=es", FORM, action="/report").get_data(as_text=True)
    header, _, body = page.partition("</header>")
    # The header's language links stay on the receipt: they lead to the warning, not away.
    assert re.findall(r'<a lang="[a-z]+" href="([^"]+)"', header) == ["#change-language"] * 4
    warning = body[body.index('id="change-language"') :]
    assert "su referencia y su frase clave no se volverán a mostrar" in warning
    assert 'href="/report?lang=en"' in warning and 'href="/report?lang=ht"' in warning
    assert 'id="passphrase"' in body  # still shown, once, above the warning
    # Elsewhere the links switch at once.
    form = client.get("/report?lang=es").get_data(as_text=True).partition("</header>")[0]
    assert 'href="?lang=en"' in form
