"""The operator console: the queue's order and filters, the poll, and each action on a ticket."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.accounts import StaffUser
from hotline.referrals.models import Referral
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.people import CasePerson
from routing.flow_engine import Run
from tests.admin.test_staff_pages import file_report, sign_in
from tests.factories import make_agency, make_user
from tests.helpers import post_form, post_report

CRITICAL = {
    "channel": "api",
    "text": "Me tienen encerrada",
    "location": {"country": "GT"},
    "answers": {"in_danger_now": True},
}


def _ticket(app: Flask, reference: str) -> Ticket:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        session.expunge(ticket)
        return ticket


def _events(app: Flask, reference: str, kind: str) -> list[TicketEvent]:
    with app.app_context(), app.extensions["database"].session() as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.reference == reference))
        rows = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id)
        )
        found = rows.all()
        session.expunge_all()
        return list(found)


def test_queue_puts_the_riskiest_first_and_filters_without_javascript(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    ordinary = file_report(client, "GT")
    critical = post_report(client, json=CRITICAL).get_json()["reference"]
    honduras = file_report(client, "HN")
    sign_in(staff_client, *make_user(app, regional=True))
    page = staff_client.get("/tickets").get_data(as_text=True)
    assert page.index(critical) < page.index(ordinary)
    filtered = staff_client.get("/tickets?country=HN").get_data(as_text=True)
    assert honduras in filtered and critical not in filtered
    assert ordinary not in staff_client.get("/tickets?channel=voice").get_data(as_text=True)


def test_poll_returns_only_new_contacts_the_user_may_see(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    newest = staff_client.get("/api/v1/queue?after=0").get_json()["newest"]
    guatemala, honduras = file_report(client, "GT"), file_report(client, "HN")
    body = staff_client.get(f"/api/v1/queue?after={newest}").get_json()
    assert [t["reference"] for t in body["tickets"]] == [guatemala]
    assert honduras not in str(body)
    assert staff_client.get(f"/api/v1/queue?after={body['newest']}").get_json()["tickets"] == []


REASON = "She said they are armed"


def actor_of(app: Flask, email: str) -> str:
    with app.app_context(), app.extensions["database"].session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        return user.actor


def test_overrule_needs_a_reason_and_the_explanation_says_what_was_overruled(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    before = _ticket(app, reference)
    email, password = make_user(app, regional=True)
    sign_in(staff_client, email, password)
    page = f"/tickets/{reference}"
    refused = post_form(
        staff_client, page, {"field": "risk", "value_risk": "critical", "reason": " "}, f"{page}/overrule"
    )
    assert refused.status_code == 400 and _ticket(app, reference).risk_level == before.risk_level
    done = post_form(
        staff_client,
        page,
        {"field": "risk", "value_risk": "critical", "reason": REASON},
        f"{page}/overrule",
    )
    assert done.status_code == 302
    after = _ticket(app, reference)
    # The explanation says the risk now is critical, that an operator overruled it, and keeps the evidence.
    assert after.risk_level == "critical" and after.routing["risk"]["level"] == "critical"  # type: ignore[index]
    assert after.routing["risk"]["indicators"] == before.routing["risk"]["indicators"]  # type: ignore[index]
    assert after.routing["overrules"] == [  # type: ignore[index]
        {"field": "risk", "from": before.risk_level, "to": "critical", "by": actor_of(app, email), "reason": REASON}
    ]
    page_text = staff_client.get(page).get_data(as_text=True)
    assert "She said they are armed" in page_text and 'id="overrules"' in page_text
    (event,) = _events(app, reference, "overruled_risk")
    assert (event.from_state, event.to_state, event.reason) == (
        before.risk_level,
        "critical",
        "She said they are armed",
    )
    # The deadlines follow the new risk: critical referrals must be acknowledged within 15 minutes.
    with app.app_context(), app.extensions["database"].session() as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.reference == reference))
        waiting = session.scalars(select(Referral).where(Referral.ticket_id == ticket_id)).all()
        # Counted from when each was referred (an operator confirmed the proposal), not proposed.
        assert waiting and all(
            r.ack_due_at - Run.from_dict(r.run).entered_at == timedelta(minutes=15) for r in waiting
        )
    assert len(_events(app, reference, "deadline_changed")) == len(waiting)


def test_claim_assign_note_and_close_are_recorded(app: Flask, client: FlaskClient, staff_client: FlaskClient) -> None:
    reference = file_report(client, "GT")
    colleague_email, _pw = make_user(app, countries=("GT",))
    sign_in(staff_client, *make_user(app, role="supervisor", countries=("GT",)))
    page = f"/tickets/{reference}"
    assert post_form(staff_client, page, {}, f"{page}/claim").status_code == 302
    assert post_form(staff_client, page, {}, f"{page}/claim").status_code == 302  # a second claim changes nothing
    assert len(_events(app, reference, "claimed")) == 1
    with app.app_context(), app.extensions["database"].session() as session:
        from hotline.accounts import StaffUser

        colleague = session.scalar(select(StaffUser.id).where(StaffUser.email == colleague_email))
    post_form(staff_client, page, {"assignee": str(colleague), "reason": "speaks K'iche'"}, f"{page}/assign")
    (assigned,) = _events(app, reference, "assigned")
    assert assigned.to_state == f"staff:{colleague}"
    post_form(staff_client, page, {"note": "Called back, no answer"}, f"{page}/note")
    assert [e.reason for e in _events(app, reference, "note")] == ["Called back, no answer"]
    refused = post_form(staff_client, page, {"outcome": "unreachable", "reason": ""}, f"{page}/close")
    assert refused.status_code == 400
    post_form(staff_client, page, {"outcome": "unreachable", "reason": "three calls"}, f"{page}/close")
    assert _ticket(app, reference).status == "closed"
    assert _events(app, reference, "closed")[0].reason == "unreachable: three calls"
    assert reference not in staff_client.get("/tickets").get_data(as_text=True)
    assert reference in staff_client.get("/tickets?status=closed").get_data(as_text=True)


def test_operator_refers_to_a_chosen_agency_and_withdraws_with_a_reason(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    chosen = make_agency(app, country="GT")
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = f"/tickets/{reference}"
    post_form(staff_client, page, {"agency": chosen, "reason": "shelter for minors"}, f"{page}/refer")
    again = post_form(staff_client, page, {"agency": chosen, "reason": "twice"}, f"{page}/refer")
    assert again.status_code == 400
    with app.app_context(), app.extensions["database"].session() as session:
        referral = session.scalar(select(Referral).where(Referral.agency_id == chosen))
        assert referral is not None and referral.status == "referred" and referral.role == "operator_choice"
        referral_id = referral.id
    action = f"{page}/referrals/{referral_id}/withdraw"
    assert post_form(staff_client, page, {"reason": ""}, action).status_code == 400
    assert post_form(staff_client, page, {"reason": "wrong agency"}, action).status_code == 302
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(Referral, referral_id).status == "withdrawn"  # type: ignore[union-attr]


def test_earlier_contacts_from_the_same_number_are_shown_and_merging_deletes_nothing(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    body = {"channel": "api", "text": "otra vez", "location": {"country": "GT"}, "caller_phone": "+50255550123"}
    first = post_report(client, json=body).get_json()["reference"]
    second = post_report(client, json={**body, "text": "de nuevo"}).get_json()["reference"]
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = staff_client.get(f"/tickets/{second}").get_data(as_text=True)
    earlier = page[page.index('id="earlier-contacts"') :]
    assert first in earlier[: earlier.index("</ul>")]
    action = f"/tickets/{second}/link"
    post_form(staff_client, f"/tickets/{second}", {"other": first, "how": "merge", "reason": "same caller"}, action)
    assert _ticket(app, first).status == "closed" and _ticket(app, second).status != "closed"
    assert _events(app, first, "merged_into")[0].to_state == second
    assert _events(app, second, "merged_from")[0].to_state == first
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.scalar(select(Ticket).where(Ticket.reference == first)) is not None


def test_people_are_added_and_edited_but_only_the_agency_identifies_them(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    reference = file_report(client, "GT")
    sign_in(staff_client, *make_user(app, countries=("GT",)))
    page = f"/tickets/{reference}"
    fields = {
        "new-sex": "female",
        "new-age_band": "12-17",
        "new-exploitation": "sexual",
        "new-wish": "unknown",
        "new-nationality": "hn",
        "new-vulnerability": "minor",
        "new-identified": "yes",
    }
    assert post_form(staff_client, page, fields, f"{page}/people").status_code == 302
    bad = post_form(staff_client, page, {**fields, "new-age_band": "elderly"}, f"{page}/people")
    assert bad.status_code == 400
    with app.app_context(), app.extensions["database"].session() as session:
        (person,) = session.scalars(select(CasePerson)).all()
        assert (person.sex, person.age_band, person.nationality, person.identified) == ("female", "12-17", "HN", False)
        person_id = person.id
    edit = {f"p{person_id}-{k[4:]}": v for k, v in fields.items()} | {f"p{person_id}-wish": "return"}
    post_form(staff_client, page, edit, f"{page}/people/{person_id}")
    with app.app_context(), app.extensions["database"].session() as session:
        assert session.get(CasePerson, person_id).wish == "return"  # type: ignore[union-attr]
    assert [e.kind for e in _events(app, reference, "person_added")] == ["person_added"]
    assert len(_events(app, reference, "person_changed")) == 1
