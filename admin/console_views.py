"""The operator console: the queue (filtered, sorted by risk then deadline, polled for new contacts),
and the ticket page's actions. Each action parses its form, calls one service, and redirects."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.views import GROUND_LABELS, TICKET_ROLES, blueprint, login_required
from hotline import floods
from hotline.access import may_see_ticket
from hotline.accounts import StaffUser
from hotline.calls.service import records_for_ticket as call_records
from hotline.conversations.service import (
    canned_replies,
    reply_channel,
    reporter_language,
    whatsapp_templates,
    within_whatsapp_window,
)
from hotline.db import db_session
from hotline.early_warning import service as warning_service
from hotline.hygiene import whole_number
from hotline.labels import LABELS
from hotline.outbox import OutboxKind, OutboxMessage
from hotline.referrals.lifecycle import IllegalTransition
from hotline.referrals.models import Referral
from hotline.tickets import operations, triage_check
from hotline.tickets.models import Ticket, TicketStatus
from hotline.tickets.operations import CLOSE_OUTCOMES, PERSON_CHOICES, RISK_LEVELS, ConsoleError, QueueFilters
from hotline.tickets.people import CasePerson

CHANNELS = ("voice", "sms", "whatsapp", "chat", "web", "api")
# Who may let a flood's held reports through to the agencies.
FLOOD_RELEASERS = ("supervisor", "admin")
STATUSES = ("received", "held_for_review", "triaged", "referred", "acknowledged", "assisted", "closed", "all")
OVERRULE_LABELS = {
    "country": _l("Country"),
    "language": _l("Language"),
    "risk": _l("Risk"),
    "case_type": _l("Case type"),
}
OUTCOME_LABELS = {
    "assisted": _l("Assisted"),
    "referred": _l("Referred to an agency"),
    "information_only": _l("Information given, nothing to refer"),
    "not_applicable": _l("Not a trafficking or smuggling case"),
    "duplicate": _l("Duplicate"),
    "unreachable": _l("Reporter unreachable"),
    "no_competent_agency": _l("No competent agency"),
}


def _filters() -> QueueFilters:
    args = request.args
    status = args.get("status") or None
    return QueueFilters(
        country=(args.get("country") or "").upper() or None,
        language=(args.get("language") or "").lower() or None,
        channel=args.get("channel") if args.get("channel") in CHANNELS else None,
        status=status if status in STATUSES else None,
    )


DISPATCH_LABELS = {
    "proposed": _l("Proposed: waiting for your review"),
    "held": _l("Held, not sent"),
    "dropped": _l("Dropped"),
}
HELD_LABELS = LABELS["held"]

# How sure triage was and what to check of it, for the decision panel and the queue's badge.
blueprint.add_app_template_global(triage_check.certainty, "triage_certainty")
blueprint.add_app_template_global(triage_check.fields_to_check, "triage_to_check")
blueprint.add_app_template_global(triage_check.second_readings, "second_readings")
blueprint.add_app_template_global(triage_check.overrule_field, "overrule_field_of")
blueprint.add_app_template_filter(format_percent, "percent")


@blueprint.get("/tickets")
@login_required(*TICKET_ROLES)
def tickets() -> str:
    filters = _filters()
    rows = operations.queue(db_session(), g.user, filters)
    found = [ticket for ticket, _due in rows]
    newest = db_session().scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 0
    return render_template(
        "staff/tickets.html",
        rows=rows,
        filters=filters,
        channels=CHANNELS,
        statuses=STATUSES,
        assigned=operations.assignees(db_session(), found),
        names=_staff_names(),
        newest=newest,
        floods=floods.open_floods(db_session()),
        may_release=g.user.role in FLOOD_RELEASERS,
    )


@blueprint.post("/floods/<int:flood_id>/release")
@login_required(*FLOOD_RELEASERS)
def release_flood(flood_id: int) -> Response:
    released = floods.release(db_session(), flood_id, g.user.actor)
    if released is None:
        abort(404)
    flash(_("%(count)s held reports released and routed.", count=released))
    return redirect(url_for("staff.tickets"))


@blueprint.post("/tickets/<reference>/release-hold")
@login_required(*FLOOD_RELEASERS)
def release_held_ticket(reference: str) -> Response:
    """One report let out of its flood (a critical one, say) while the rest stay held."""
    found = _visible_ticket(reference)
    if floods.release_ticket(db_session(), found.id, g.user.actor):
        flash(_("The report is released from the flood and goes on as any other."))
    else:
        flash(_("This report is not held in a flood."))
    return redirect(url_for("staff.ticket", reference=found.reference))


@blueprint.get("/api/v1/queue")
@login_required(*TICKET_ROLES)
def queue_updates() -> Response:
    """New contacts since `after` (a ticket id) for the console's poll; the page works without it."""
    after = request.args.get("after", 0, type=whole_number)
    rows = operations.queue_after(db_session(), g.user, after, _filters())
    return jsonify(
        newest=max([after, *(t.id for t in rows)]),
        tickets=[
            {
                "id": t.id,
                "reference": t.reference,
                "url": url_for("staff.ticket", reference=t.reference),
                "received": format_datetime(t.created_at, "short"),
                "channel": t.channel,
                "country": t.incident_country or "",
                "language": t.language,
                "risk": t.risk_level,
                "status": t.status,
                "check_triage": t.status != TicketStatus.CLOSED and bool(triage_check.fields_to_check(t.routing)),
            }
            for t in rows
        ],
    )


@blueprint.get("/tickets/<reference>")
@login_required(*TICKET_ROLES)
def ticket(reference: str) -> str:
    return _ticket_page(_visible_ticket(reference), None)


def _ticket_page(found: Ticket, error: str | None) -> str:
    session = db_session()
    referrals = session.scalars(select(Referral).where(Referral.ticket_id == found.id).order_by(Referral.id)).all()
    people = session.scalars(select(CasePerson).where(CasePerson.ticket_id == found.id).order_by(CasePerson.id)).all()
    colleagues = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role.in_(TICKET_ROLES)).order_by(StaffUser.name)
    ).all()
    # The overrule form shows one field at a time: the one chosen (a GET), or the one just refused.
    chosen = request.form.get("field") if request.endpoint == "staff.overrule_triage" else request.args.get("change")
    return render_template(
        "staff/ticket.html",
        ticket=found,
        overrule_field=chosen if chosen in OVERRULE_LABELS else None,
        referrals=referrals,
        people=people,
        error=error,
        may_release=g.user.role in FLOOD_RELEASERS,
        assigned=operations.assignees(session, [found]).get(found.id),
        names=_staff_names(),
        colleagues=[c for c in colleagues if may_see_ticket(c, found)],
        earlier=operations.earlier_contacts(session, found),
        linked=operations.linked_contacts(session, found),
        shared=[
            (warning_service.kind_label(kind), reference)
            for kind, reference, country in warning_service.linked_by_details(session, found.id)
            if g.user.covers_country(country)
        ],
        agencies=operations.agencies_for_referral(session, found.incident_country),
        calls=call_records(session, found.id),
        overrule_labels=OVERRULE_LABELS,
        risk_levels=RISK_LEVELS,
        case_types=operations.CASE_TYPES,
        outcome_labels=OUTCOME_LABELS,
        close_outcomes=CLOSE_OUTCOMES,
        person_choices=PERSON_CHOICES,
        closed=found.status == TicketStatus.CLOSED,
        dispatch_labels=DISPATCH_LABELS,
        held_labels=HELD_LABELS,
        ground_labels=GROUND_LABELS,
        reply_channel=reply_channel(found) if found.caller_phone_encrypted else None,
        canned=canned_replies(reporter_language(session, found)),
        whatsapp_window_open=reply_channel(found) != "whatsapp" or within_whatsapp_window(session, found),
        whatsapp_templates=[
            (template.id, template.bodies[reporter_language(session, found)]) for template in whatsapp_templates()
        ]
        if reply_channel(found) == "whatsapp"
        else [],
        replies=session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ticket_id == found.id, OutboxMessage.kind == OutboxKind.REPORTER_REPLY)
            .order_by(OutboxMessage.id)
        ).all(),
    )


def _act(reference: str, action: Callable[[Ticket], object], done: str) -> Response | tuple[str, int]:
    """Run one console service on a ticket this user may see; a refusal re-renders the page with why."""
    found = _visible_ticket(reference)
    try:
        action(found)
    except ConsoleError as error:
        db_session().rollback()
        return _ticket_page(found, f"{error.field}: {error.message}"), 400
    except IllegalTransition:
        db_session().rollback()
        return _ticket_page(found, _("That is not possible at this stage of the referral.")), 400
    flash(done)
    return redirect(url_for("staff.ticket", reference=found.reference))


@blueprint.post("/tickets/<reference>/claim")
@login_required(*TICKET_ROLES)
def claim_ticket(reference: str) -> Response | tuple[str, int]:
    return _act(reference, lambda t: operations.claim(db_session(), t, g.user), _("The ticket is yours."))


@blueprint.post("/tickets/<reference>/assign")
@login_required(*TICKET_ROLES)
def assign_ticket(reference: str) -> Response | tuple[str, int]:
    assignee = request.form.get("assignee", 0, type=whole_number)
    reason = request.form.get("reason", "")
    return _act(reference, lambda t: operations.assign(db_session(), t, assignee, g.user, reason), _("Assigned."))


@blueprint.post("/tickets/<reference>/overrule")
@login_required(*TICKET_ROLES)
def overrule_triage(reference: str) -> Response | tuple[str, int]:
    form = request.form
    field = form.get("field", "")
    value = form.get(f"value_{field}", "")
    return _act(
        reference,
        lambda t: operations.overrule(db_session(), t, field, value, form.get("reason", ""), g.user),
        _("Triage overruled; the reason is recorded."),
    )


@blueprint.post("/tickets/<reference>/triage/keep")
@login_required(*TICKET_ROLES)
def keep_triage(reference: str) -> Response | tuple[str, int]:
    return _act(
        reference,
        lambda t: operations.keep_triage(db_session(), t, g.user),
        _("Triage kept as read; your check is recorded."),
    )


@blueprint.post("/tickets/<reference>/note")
@login_required(*TICKET_ROLES)
def add_note(reference: str) -> Response | tuple[str, int]:
    text = request.form.get("note", "")
    return _act(reference, lambda t: operations.add_note(db_session(), t, text, g.user), _("Note added."))


@blueprint.post("/tickets/<reference>/refer")
@login_required(*TICKET_ROLES)
def refer_ticket(reference: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        reference,
        lambda t: operations.refer_to(db_session(), t, form.get("agency", ""), form.get("reason", ""), g.user),
        _("Referral sent."),
    )


@blueprint.post("/tickets/<reference>/referrals/<int:referral_id>/withdraw")
@login_required(*TICKET_ROLES)
def withdraw_referral(reference: str, referral_id: int) -> Response | tuple[str, int]:
    reason = request.form.get("reason", "")
    return _act(
        reference,
        lambda t: operations.withdraw_referral(db_session(), t, referral_id, reason, g.user),
        _("Referral withdrawn."),
    )


@blueprint.post("/tickets/<reference>/referrals/<int:referral_id>/dispatch")
@login_required(*TICKET_ROLES)
def decide_proposal(reference: str, referral_id: int) -> Response | tuple[str, int]:
    form = request.form
    decision = form.get("decision", "")
    return _act(
        reference,
        lambda t: operations.decide_proposal(
            db_session(), t, referral_id, decision, form.get("reason", ""), form.get("ground", ""), g.user
        ),
        {"confirm": _("Referral sent."), "hold": _("Referral held."), "drop": _("Proposal dropped.")}.get(
            decision, _("Done.")
        ),
    )


@blueprint.get("/api/v1/tickets/<reference>")
@login_required(*TICKET_ROLES)
def ticket_api(reference: str) -> Response:
    """The ticket's referrals for tools: each with its state (proposed, held, dispatched, then the
    flowchart's) and whether its notice has been queued."""
    return jsonify(operations.ticket_summary(db_session(), _visible_ticket(reference)))


@blueprint.post("/tickets/<reference>/referrals/<int:referral_id>/answer")
@login_required(*TICKET_ROLES)
def answer_agency(reference: str, referral_id: int) -> Response | tuple[str, int]:
    answer = request.form.get("answer", "")
    return _act(
        reference, lambda t: operations.provide_info(db_session(), t, referral_id, answer, g.user), _("Answer sent.")
    )


@blueprint.post("/tickets/<reference>/link")
@login_required(*TICKET_ROLES)
def link_ticket(reference: str) -> Response | tuple[str, int]:
    form = request.form
    merge = form.get("how") == "merge"
    return _act(
        reference,
        lambda t: operations.link_contacts(
            db_session(), t, form.get("other", ""), g.user, merge=merge, reason=form.get("reason", "")
        ),
        _("Merged; nothing was deleted.") if merge else _("Linked."),
    )


@blueprint.post("/tickets/<reference>/close")
@login_required(*TICKET_ROLES)
def close_ticket(reference: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        reference,
        lambda t: operations.close_ticket(db_session(), t, form.get("outcome", ""), form.get("reason", ""), g.user),
        _("Ticket closed."),
    )


@blueprint.post("/tickets/<reference>/people")
@blueprint.post("/tickets/<reference>/people/<int:person_id>")
@login_required(*TICKET_ROLES)
def save_person(reference: str, person_id: int | None = None) -> Response | tuple[str, int]:
    prefix = f"p{person_id}-" if person_id else "new-"
    fields = {name: request.form.get(prefix + name, "") for name in (*PERSON_CHOICES, "nationality", "vulnerability")}
    return _act(
        reference,
        lambda t: operations.save_person(db_session(), t, fields, g.user, person_id),
        _("Person saved."),
    )


def _visible_ticket(reference: str) -> Ticket:
    found = db_session().scalar(select(Ticket).where(Ticket.reference == reference))
    if found is None or not may_see_ticket(g.user, found):
        abort(404)
    return found


def _staff_names() -> dict[str, str]:
    return {user.actor: user.name for user in db_session().scalars(select(StaffUser))}
