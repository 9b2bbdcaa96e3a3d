"""The read-only HSDS 3.1 API on the public surface: /hsds/organizations, /hsds/services, /hsds/service_at_locations.

Thin views over directory.hsds_api, which serves only the public part of the directory.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _

from directory import hsds_api
from hotline.db import db_session

blueprint = Blueprint("hsds_api", __name__, url_prefix="/hsds")


@blueprint.get("/")
def about() -> Response:
    return jsonify(hsds_api.about())


@blueprint.get("/organizations")
def organizations() -> Response | tuple[Response, int]:
    try:
        page, per_page = hsds_api.paging(request.args.get("page"), request.args.get("per_page"))
    except hsds_api.PageError:
        return _bad_paging()
    return jsonify(hsds_api.organizations_page(db_session(), page, per_page))


@blueprint.get("/services")
def services() -> Response | tuple[Response, int]:
    try:
        page, per_page = hsds_api.paging(request.args.get("page"), request.args.get("per_page"))
    except hsds_api.PageError:
        return _bad_paging()
    organization_id = request.args.get("organization_id") or None
    return jsonify(hsds_api.services_page(db_session(), page, per_page, organization_id))


@blueprint.get("/services/<service_id>")
def service(service_id: str) -> Response | tuple[Response, int]:
    found = hsds_api.service(db_session(), service_id)
    if found is None:
        return jsonify({"error": _("No public service has this id.")}), 404
    return jsonify(found)


@blueprint.get("/service_at_locations")
def service_at_locations() -> Response | tuple[Response, int]:
    try:
        page, per_page = hsds_api.paging(request.args.get("page"), request.args.get("per_page"))
    except hsds_api.PageError:
        return _bad_paging()
    return jsonify(hsds_api.service_at_locations_page(db_session(), page, per_page))


def _bad_paging() -> tuple[Response, int]:
    return jsonify({"error": _("page and per_page must be whole numbers from 1.")}), 400
