"""Early warning for supervisors: reports that name the same detail, linked, each ticket shown only to
who may see it. The detail itself is never shown here: it is in each ticket's own words."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from admin.views import login_required
from hotline.db import db_session
from hotline.early_warning import service
from hotline.early_warning.service import THRESHOLD, WINDOW

blueprint = Blueprint("early_warning", __name__, url_prefix="/early-warning", template_folder="templates")

ROLES = ("supervisor", "admin")


@blueprint.get("/")
@login_required(*ROLES)
def page() -> str:
    found = service.warnings_for(db_session(), g.user.covers_country)
    return render_template(
        "staff/early_warning.html",
        warnings=found,
        kind_label=service.kind_label,
        threshold=THRESHOLD,
        days=WINDOW.days,
    )


@blueprint.post("/<int:warning_id>/seen")
@login_required(*ROLES)
def seen(warning_id: int) -> Response:
    session = db_session()
    visible = service.warnings_for(session, g.user.covers_country)
    if not any(item["warning"].id == warning_id for item in visible):
        abort(404)
    service.mark_seen(session, warning_id, g.user.actor)
    session.commit()
    return redirect(url_for("early_warning.page"))
