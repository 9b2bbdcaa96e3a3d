"""How sure triage was, made visible: the decision panel's words beside each field, its notice when a
person should check the triage, the queue's badge, and a learned reader's second reading, in the
operator's language and never with the engine's English reasons."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.tickets.models import Ticket
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_user
from tests.helpers import post_form

# English reasons as the engine stores them (routing/confidence.py): none may reach a page.
RISK_REASON = "Read from a level set by the score alone, near a band's edge: right 7 of 12 times."
CASE_REASON = "The case type rests on signs, not on the Palermo test."
SURE_REASON = "Read from a stated place: right 40 of 41 times on the development reports."


def _confidence(risk: float, case_type: float) -> dict[str, Any]:
    return {
        "language": {"score": 0.95, "reasons": ["Detected from many words."]},
        "location": {"score": 0.9, "reasons": [SURE_REASON]},
        "risk": {"score": risk, "reasons": [RISK_REASON]},
        "case_type": {"score": case_type, "reasons": [CASE_REASON]},
    }


def unsure(decision: dict[str, Any]) -> dict[str, Any]:
    decision.update(confidence=_confidence(0.4, 0.55), needs_review=True, unsure_fields=["risk", "case_type"])
    return decision


def sure(decision: dict[str, Any]) -> dict[str, Any]:
    decision.update(confidence=_confidence(0.9, 0.85), needs_review=False, unsure_fields=[], second_reading=[])
    return decision


def from_before_confidence(decision: dict[str, Any]) -> dict[str, Any]:
    for key in ("confidence", "needs_review", "unsure_fields", "second_reading"):
        decision.pop(key, None)
    return decision


def with_second_reading(decision: dict[str, Any]) -> dict[str, Any]:
    decision["second_reading"] = [
        {
            "question": "case_type",
            "answer": "trafficking",
            "probability": 0.82,
            "rules_answer": "unclear",
            "replaced": True,
        },
        {"question": "risk", "answer": "high", "probability": 0.61, "rules_answer": "low", "replaced": False},
    ]
    return unsure(decision)


def with_agreeing_reading(decision: dict[str, Any]) -> dict[str, Any]:
    decision = sure(decision)
    decision["second_reading"] = [
        {"question": "risk", "answer": "low", "probability": 0.97, "rules_answer": "low", "replaced": False},
    ]
    return decision


def unsure_ticket_signed_in(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> tuple[str, str, tuple[str, str]]:
    """A ticket whose triage is unsure of risk and case type, an operator of its country signed in:
    its reference, its page and the (risk, case type) it was routed with."""
    reference = report_with(app, client, unsure)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    with app.app_context(), app.extensions["database"].session() as session:
        risk, case_type = session.execute(
            select(Ticket.risk_level, Ticket.case_type).where(Ticket.reference == reference)
        ).one()
    return reference, f"/tickets/{reference}", (risk, case_type)


def report_with(app: Flask, client: FlaskClient, change: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
    """A real report routed by the engine, its stored decision then given the confidence under test."""
    reference = file_report(client, "GT")
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.routing
        ticket.routing = change(copy.deepcopy(ticket.routing))
    return reference


def text(response_text: str) -> str:
    # Babel writes "82 %" with a no-break space in Spanish and French.
    return response_text.replace("\xa0", " ").replace("\u202f", " ")


def panel(page: str) -> str:
    start = page.index('id="routing-decision"')
    return page[start : page.index("</section>", start)]


def queue_row(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a>")
    return page[start : page.index("</tr>", start)]


def assert_no_english_reason(page: str) -> None:
    for english in (RISK_REASON, CASE_REASON, SURE_REASON, "Palermo test", "right 7 of 12", "Detected from"):
        assert english not in page, english


def test_an_unsure_triage_asks_for_a_check_in_spanish(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, unsure)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True))
    decision = panel(page)
    notice = decision[decision.index('id="triage-check"') : decision.index("</div>")]
    assert "El triaje no está seguro de:" in notice
    assert "nivel de riesgo" in notice and "tipo de caso" in notice
    assert "idioma" not in notice and "lugar" not in notice, "only the unsure fields are named"
    # Each field named links to the overrule form with that field chosen.
    assert f"/tickets/{reference}?change=risk#overrule-triage" in notice
    assert f"/tickets/{reference}?change=case_type#overrule-triage" in notice
    assert re.search(r'id="certainty-risk">dudoso \(40 %\): verificar<', decision)
    assert re.search(r'id="certainty-case_type">dudoso \(55 %\): verificar<', decision)
    assert re.search(r'id="certainty-location">seguro \(90 %\)<', decision)
    assert re.search(r'id="certainty-language">seguro \(95 %\)<', decision)
    # The fold opens on its own, and the next actions point at the check.
    assert re.search(r'id="routing-fold"\s+open', page)
    assert "Verifique el triaje: no está seguro de nivel de riesgo, tipo de caso" in page
    assert_no_english_reason(page)

    queue = text(staff_client.get("/tickets?lang=es").get_data(as_text=True))
    assert 'class="check-triage">Verificar triaje<' in queue_row(queue, reference)
    assert_no_english_reason(queue)


def test_an_unsure_triage_asks_for_a_check_in_french(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, unsure)
    sign_in(staff_client, *make_user(app, countries=("GT",), languages=("fr",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=fr").get_data(as_text=True))
    decision = panel(page)
    assert "Le tri n&#39;est pas sûr de :" in decision or "Le tri n'est pas sûr de :" in decision
    assert "niveau de risque" in decision and "type de cas" in decision
    assert re.search(r'id="certainty-risk">incertain \(40 %\) : à vérifier<', decision)
    assert re.search(r'id="certainty-location">sûr \(90 %\)<', decision)
    assert_no_english_reason(page)
    queue = text(staff_client.get("/tickets?lang=fr").get_data(as_text=True))
    assert 'class="check-triage">Tri à vérifier<' in queue_row(queue, reference)


def test_a_sure_triage_shows_how_sure_and_asks_for_nothing(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, sure)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True))
    assert 'id="triage-check"' not in page and "Verifique el triaje" not in page
    assert re.search(r'id="certainty-risk">seguro \(90 %\)<', page)
    assert not re.search(r'id="routing-fold"\s+open', page), "nothing to check: the fold stays folded"
    assert 'id="second-reading"' not in page
    assert_no_english_reason(page)
    queue = staff_client.get("/tickets?lang=es").get_data(as_text=True)
    assert "check-triage" not in queue_row(queue, reference)
    polled = staff_client.get("/api/v1/queue?after=0").get_json()["tickets"]
    assert [t["check_triage"] for t in polled if t["reference"] == reference] == [False]


def test_the_poll_marks_a_new_contact_whose_triage_needs_a_check(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    reference = report_with(app, client, unsure)
    polled = staff_client.get("/api/v1/queue?after=0").get_json()["tickets"]
    assert [t["check_triage"] for t in polled if t["reference"] == reference] == [True]


def test_a_decision_from_before_confidence_renders_as_before(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, from_before_confidence)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    response = staff_client.get(f"/tickets/{reference}?lang=es")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="routing-decision"' in page
    assert 'class="certainty' not in page and 'id="triage-check"' not in page and 'id="second-reading"' not in page
    queue = staff_client.get("/tickets?lang=es")
    assert queue.status_code == 200 and "check-triage" not in queue_row(queue.get_data(as_text=True), reference)


@pytest.mark.parametrize(
    ("garbled", "not_shown"),
    [
        ({"confidence": "high", "needs_review": "yes", "unsure_fields": "risk"}, 'id="triage-check"'),
        (
            {"confidence": {"risk": {"score": "low"}, "case_type": None}, "needs_review": True, "unsure_fields": [3]},
            'id="triage-check"',
        ),
        (
            {"second_reading": [{"question": "risk"}, "trafficking", {"question": "weather", "answer": "rain"}]},
            'id="second-reading"',
        ),
    ],
)
def test_a_stored_decision_it_cannot_read_still_renders(
    app: Flask, client: FlaskClient, staff_client: FlaskClient, garbled: dict[str, Any], not_shown: str
) -> None:
    reference = report_with(app, client, lambda decision: {**decision, **garbled})
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = staff_client.get(f"/tickets/{reference}?lang=es")
    assert page.status_code == 200
    assert not_shown not in page.get_data(as_text=True), "what cannot be read is left out, not shown half-read"
    assert staff_client.get("/tickets?lang=es").status_code == 200


def test_a_reader_that_agrees_with_the_rules_adds_nothing_to_read(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, with_agreeing_reading)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True))
    assert 'id="certainty-risk"' in page and 'id="second-reading"' not in page


def test_a_second_reading_shows_beside_the_rules_answer_in_the_pages_language(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, with_second_reading)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True))
    readings = page[page.index('id="second-reading"') : page.index("</ul>", page.index('id="second-reading"'))]
    case_type, risk = re.findall(r"<li[^>]*>(.*?)</li>", readings, flags=re.S)
    assert (
        "Tipo de caso: el lector entrenado lee Trata de personas (82 %); las reglas leen Aún no está claro."
        in case_type
    )
    assert "Aplicada: reemplazó la respuesta de las reglas." in case_type
    assert "Riesgo: el lector entrenado lee Alto (61 %); las reglas leen Bajo." in risk
    assert "No aplicada: se mantiene la respuesta de las reglas." in risk
    assert "trafficking" not in readings and "unclear" not in readings.replace('data-question="case_type"', "")

    french = text(staff_client.get(f"/tickets/{reference}?lang=fr").get_data(as_text=True))
    assert "le lecteur entraîné lit Traite des personnes (82 %)" in french


def test_an_overrule_answers_triages_doubt_about_that_field(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference, page, (risk, case_type) = unsure_ticket_signed_in(app, client, staff_client)
    chosen = "low" if risk != "low" else "high"
    done = post_form(
        staff_client,
        page,
        {"field": "risk", "value_risk": chosen, "reason": "Checked with the reporter"},
        f"{page}/overrule",
    )
    assert done.status_code == 302
    shown = text(staff_client.get(f"{page}?lang=es").get_data(as_text=True))
    notice = shown[shown.index('id="triage-check"') : shown.index("</div>", shown.index('id="triage-check"'))]
    assert "tipo de caso" in notice and "nivel de riesgo" not in notice
    assert re.search(r'id="certainty-risk">corregido por un operador<', shown)
    answered = post_form(
        staff_client,
        page,
        {
            "field": "case_type",
            "value_case_type": "smuggling" if case_type != "smuggling" else "both",
            "reason": "Paid",
        },
        f"{page}/overrule",
    )
    assert answered.status_code == 302
    queue = staff_client.get("/tickets?lang=es").get_data(as_text=True)
    assert "check-triage" not in queue_row(queue, reference), "every doubt answered by a person: no badge"
    assert 'id="triage-check"' not in staff_client.get(page).get_data(as_text=True)


def test_an_operator_who_checked_keeps_triage_as_read_and_the_history_says_who(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference, page, before = unsure_ticket_signed_in(app, client, staff_client)
    shown = text(staff_client.get(f"{page}?lang=es").get_data(as_text=True))
    assert "Verificado: mantener como los leyó el triaje" in shown
    kept = post_form(staff_client, page, {}, f"{page}/triage/keep")
    assert kept.status_code == 302
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and (ticket.risk_level, ticket.case_type) == tuple(before), "nothing changed"
        events = [e for e in ticket.events if e.kind == "triage_kept"]
        assert sorted(e.to_state for e in events) == ["case_type", "risk"]
        assert all(e.actor and e.actor.startswith("staff:") and e.reason for e in events)
    shown = text(staff_client.get(f"{page}?lang=es").get_data(as_text=True))
    assert 'id="triage-check"' not in shown
    assert re.search(r'id="certainty-risk">verificado por un operador<', shown)
    assert "Triaje verificado y mantenido" in shown  # the history, in the page's language
    assert "verificado con el reporte y mantenido tal como lo leyó el triaje" in shown
    assert "check-triage" not in queue_row(staff_client.get("/tickets?lang=es").get_data(as_text=True), reference)
    staff_client.get(f"{page}?lang=es")
    again = post_form(staff_client, page, {}, f"{page}/triage/keep")
    assert again.status_code == 400, "a second check is refused, not recorded twice"
    assert "no queda nada del triaje por verificar" in again.get_data(as_text=True)


def with_place_reading(decision: dict[str, Any]) -> dict[str, Any]:
    decision = sure(decision)
    decision["second_reading"] = [
        {"question": "place", "answer": "not", "probability": 0.78, "rules_answer": "incident", "replaced": True},
    ]
    return decision


def test_a_second_reading_of_the_place_speaks_of_the_country_in_the_pages_language(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, with_place_reading)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True))
    readings = page[page.index('id="second-reading"') : page.index("</ul>", page.index('id="second-reading"'))]
    assert (
        "País: el lector entrenado lee otro lugar, no el que nombra el reporte (78 %); "
        "las reglas leen el lugar que nombra el reporte." in readings
    )
    assert "Aplicada: reemplazó la respuesta de las reglas." in readings
    french = text(staff_client.get(f"/tickets/{reference}?lang=fr").get_data(as_text=True))
    assert "Pays : le lecteur entraîné lit un autre lieu que celui que nomme le signalement (78 %)" in french
    assert "incident" not in readings.replace('data-question="place"', "")


def with_answered_and_implied_indicators(decision: dict[str, Any]) -> dict[str, Any]:
    decision = sure(decision)
    decision["risk"]["indicators"] = [
        {"key": "possible_danger", "weight": 30, "evidence": "answer"},
        {"key": "kidnapping", "weight": 50, "evidence": "implied by in_custody and money_demanded"},
        {"key": "forced_labour", "weight": 20, "evidence": "trabajar sin pago"},
    ]
    return decision


def test_an_indicators_evidence_reads_in_the_pages_language_where_it_is_not_the_reporters_words(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = report_with(app, client, with_answered_and_implied_indicators)
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    shown = panel(text(staff_client.get(f"/tickets/{reference}?lang=es").get_data(as_text=True)))
    assert "Posiblemente en peligro (+30): la respuesta de quien reporta" in shown
    assert "(+50): se deduce de: " in shown and "Le exigen dinero" in shown
    assert "trabajar sin pago" in shown  # the reporter's own words stay as they were written
    assert ": answer<" not in shown and "implied by" not in shown and "money_demanded" not in shown
