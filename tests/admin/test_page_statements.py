"""The staff pages send the same number of SQL statements however many rows they show: a page that asks
the database once per row (a referral's ticket, an event's author, a message's key) slows with every
report, as the load run found on the agency's referrals page (issue 19; figures in bench/pages.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from directory.models import Agency
from hotline.referrals.models import Referral
from hotline.referrals.service import AGENCY_PAGE_SIZE
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_user
from tests.helpers import post_form


@contextmanager
def counted() -> Iterator[list[str]]:
    """The statements every engine (the app's and the key store's) sends while the block runs."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def statements(client: FlaskClient, path: str) -> tuple[list[str], str]:
    """The statements of one request for `path` (after one that fills per-process caches), and the page."""
    assert client.get(path).status_code == 200
    with counted() as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return seen, response.get_data(as_text=True)


def _agency_of_first_referral(app: Flask) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        agency = session.scalar(select(Referral.agency_id).order_by(Referral.id).limit(1))
    assert agency is not None
    return agency


def test_queue_and_agency_list_ask_the_same_for_2_or_14_reports(
    app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    for _ in range(2):
        file_report(client, "GT")
    officer = staff_client
    sign_in(officer, *make_user(app, role="agency", agency_id=_agency_of_first_referral(app)))
    operator = staff_app.test_client()
    sign_in(operator, *make_user(app, role="operator", regional=True))
    queue_few, queue_page = statements(operator, "/tickets")
    list_few, list_page = statements(officer, "/referrals")
    assert queue_page.count('href="/tickets/') == 2 and list_page.count('href="/referrals/') == 2

    for _ in range(12):
        file_report(client, "GT")
    queue_many, queue_page = statements(operator, "/tickets")
    list_many, list_page = statements(officer, "/referrals")
    assert queue_page.count('href="/tickets/') == 14 and list_page.count('href="/referrals/') == 14
    assert len(queue_many) == len(queue_few), queue_many
    assert len(list_many) == len(list_few), list_many


def test_ticket_page_asks_the_same_with_more_referrals_notes_and_people(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    sign_in(staff_client, *make_user(app, role="operator", regional=True))
    page = f"/tickets/{reference}"
    few, _html = statements(staff_client, page)

    with app.app_context(), app.extensions["database"].session() as session:
        referred = set(session.scalars(select(Referral.agency_id)))
        others = session.scalars(select(Agency.id).where(Agency.country == "GT", Agency.id.not_in(referred))).all()
    assert len(others) >= 2
    for agency in others[:3]:
        post_form(staff_client, page, {"agency": agency, "reason": "a second opinion"}, action=f"{page}/refer")
    for number in range(4):
        post_form(staff_client, page, {"note": f"note {number}"}, action=f"{page}/note")
        post_form(staff_client, page, {"new-sex": "female"}, action=f"{page}/people")
    many, html = statements(staff_client, page)
    assert html.count('class="referral"') >= len(referred) + 2
    assert html.count("note 3") == 1
    assert len(many) == len(few), many


def test_referral_page_asks_the_same_with_more_steps_and_people(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    file_report(client, "GT")
    agency = _agency_of_first_referral(app)
    with app.app_context(), app.extensions["database"].session() as session:
        referral_id = session.scalar(select(Referral.id).where(Referral.agency_id == agency))
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    page = f"/referrals/{referral_id}"
    few, _html = statements(staff_client, page)

    post_form(staff_client, "/referrals", {}, action=f"{page}/acknowledge")
    post_form(staff_client, page, {"action": "request_info", "request_info-question": "¿Dónde?"}, action=f"{page}/act")
    many, html = statements(staff_client, page)
    assert "¿Dónde?" in html
    assert len(many) == len(few), many


def test_the_agency_list_pages_past_its_first_hundred_waiting_ones_first(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    file_report(client, "GT")
    agency = _agency_of_first_referral(app)
    with app.app_context(), app.extensions["database"].session() as session:
        first = session.scalars(select(Referral).where(Referral.agency_id == agency)).one()
        # Copies of the referral: the list's paging is what is proven, not routing a hundred reports.
        columns = {c.key: getattr(first, c.key) for c in Referral.__table__.columns if c.key != "id"}
        session.add_all(Referral(**columns) for _ in range(AGENCY_PAGE_SIZE))
        session.flush()
        first.status = "closed"
    sign_in(staff_client, *make_user(app, role="agency", agency_id=agency))
    page_one = staff_client.get("/referrals?lang=en").get_data(as_text=True)
    assert page_one.count('href="/referrals/') == AGENCY_PAGE_SIZE
    assert f'href="/referrals/{first.id}"' not in page_one  # the closed one comes after the waiting ones
    assert "Page 1 of 2" in page_one and 'href="/referrals?page=2"' in page_one
    page_two = staff_client.get("/referrals?page=2").get_data(as_text=True)
    assert re.findall(r'href="/referrals/(\d+)"', page_two) == [str(first.id)]
    assert 'href="/referrals?page=1"' in page_two and "Next page" not in page_two
    # A page past the last, or no page at all, shows a page; never an error.
    assert staff_client.get("/referrals?page=99").get_data(as_text=True).count("Page 2 of 2") == 1
    assert staff_client.get("/referrals?page=-1").status_code == 200
    spanish = staff_client.get("/referrals?page=2&lang=es").get_data(as_text=True)
    assert "Página 2 de 2" in spanish and "Página anterior" in spanish
