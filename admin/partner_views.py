"""Partners' API keys (admins only): the list, a new key shown once, revocation with a reason, and the
history of both."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.views import blueprint, login_required
from hotline.db import db_session
from hotline.partners import SCOPES, IssuedKey, PartnerKeyError, all_keys, create_key, key_events, revoke_key


@blueprint.get("/partner-keys")
@login_required("admin")
def partner_keys() -> str:
    return _page()


@blueprint.post("/partner-keys")
@login_required("admin")
def new_partner_key() -> tuple[str, int, dict[str, str]]:
    form = request.form
    try:
        issued = create_key(
            db_session(), form.get("partner", ""), form.getlist("scopes"), g.user.actor, form.get("reason", "")
        )
    except PartnerKeyError as error:
        db_session().rollback()
        return _page(error=error), 400, {}
    # The page holding the key is never cached: the key is shown here once and kept nowhere.
    return _page(issued=issued), 201, {"Cache-Control": "no-store"}


@blueprint.post("/partner-keys/<public_id>/revoke")
@login_required("admin")
def revoke_partner_key(public_id: str) -> Response | tuple[str, int, dict[str, str]]:
    try:
        key = revoke_key(db_session(), public_id, g.user.actor, request.form.get("reason", ""))
    except LookupError:
        abort(404)
    except PartnerKeyError as error:
        db_session().rollback()
        return _page(error=error), 400, {}
    flash(_("Key %(id)s of %(partner)s revoked: it is refused from now on.", id=key.public_id, partner=key.partner))
    return redirect(url_for("staff.partner_keys"))


def _page(issued: IssuedKey | None = None, error: PartnerKeyError | None = None) -> str:
    session = db_session()
    keys = all_keys(session)
    return render_template(
        "staff/partner_keys.html",
        keys=keys,
        names={key.id: (key.public_id, key.partner) for key in keys},
        events=key_events(session),
        scopes=SCOPES,
        issued=issued,
        error=error,
        openapi_url=current_app.config["SETTINGS"].public_base_url + "/api/v1/openapi.json",
        form=request.form if request.method == "POST" and issued is None else {},
    )
