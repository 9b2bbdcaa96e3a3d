"""The one-time acknowledge link in a notification: no sign-in, shows only the minimum, single use."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from hotline.db import db_session
from hotline.labels import agency_name
from hotline.referrals.models import Referral
from hotline.referrals.service import find_ack_link, redeem_ack_link

blueprint = Blueprint("ack", __name__, template_folder="templates")


@blueprint.get("/ack/<token>")
def show(token: str) -> str:
    link = find_ack_link(db_session(), token)
    if link is None:
        abort(404)
    return _page(link.referral, done=False)


@blueprint.post("/ack/<token>")
def confirm(token: str) -> str:
    referral = redeem_ack_link(db_session(), token)
    if referral is None:
        abort(404)
    return _page(referral, done=True)


def _page(referral: Referral, done: bool) -> str:
    """Only the minimum: the reference, the risk and the agency; never what was reported."""
    ticket = referral.ticket
    return render_template(
        "public/ack.html",
        reference=ticket.reference,
        risk=ticket.risk_level,
        agency=agency_name(referral.agency),
        done=done,
    )
