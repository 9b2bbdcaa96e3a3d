"""The app factory: one core, two surfaces (public for reporters and webhooks, staff for everyone else)."""

from __future__ import annotations

import gc
import logging
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

import hotline.models  # noqa: F401  (every table, and the statistics' stale marks on every flush)
from hotline import cli, db, health, i18n, labels, metrics
from hotline.access_log import scrub
from hotline.embedded_redis import embedded_redis_url
from hotline.hygiene import CONVERTERS, HygienicRequest, JSONTooDeep
from hotline.jobs import queue
from hotline.keystore import open_keystore
from hotline.reports import ServiceBusy
from hotline.settings import Settings

SURFACES = ("public", "staff")
PACKAGE_DIR = Path(__file__).resolve().parent
MAX_REQUEST_BYTES = 256 * 1024
# How a surface's webhooks answer an error (TwiML for Twilio's), given the status code.
ErrorAnswer = Callable[[int], tuple[Response, int]]

csrf = CSRFProtect()
babel = Babel()


def create_app(settings: Settings | None = None, surface: str = "public") -> Flask:
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {SURFACES}")
    settings = settings or Settings.from_env()
    i18n.check_catalogs()

    app = Flask(
        f"hotline.{surface}",
        instance_path=str(settings.instance_path),
        template_folder=str(PACKAGE_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    # Before any route exists: every view, on either surface, gets cleaned input and bounded ids.
    app.request_class = HygienicRequest
    app.url_map.converters.update(CONVERTERS)
    secret = settings.public_secret_key if surface == "public" else settings.staff_secret_key
    staff_base = settings.public_base_url + "/staff"
    app.config.update(
        SETTINGS=settings,
        SURFACE=surface,
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME=f"hotline_{surface}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.staff_session_minutes if surface == "staff" else 30),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        WTF_CSRF_TIME_LIMIT=None if surface == "public" else 8 * 3600,
        STAFF_BASE_URL=staff_base,
        AGENCY_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        # A code shown with no words for it fails loudly everywhere but production (hotline/labels.py).
        LABELS_STRICT=not settings.is_production,
    )
    if settings.behind_proxy:
        # Twilio signs the public https URL; behind a TLS proxy we must rebuild it from X-Forwarded-*.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]

    db.use_encryption_key(settings.phone_encryption_key)
    db.init_app(
        app,
        db.Database(settings.database_url, busy_seconds=settings.sqlite_busy_seconds, keystore=open_keystore(settings)),
    )
    redis_url = settings.redis_url or embedded_redis_url(settings.instance_path)
    queue.init_app(app, redis_url)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.after_request(i18n.remember_choice)
    csrf.init_app(app)
    labels.init_app(app)
    app.jinja_env.globals.update(
        supported_locales=i18n.PUBLIC_LOCALES if surface == "public" else i18n.STAFF_LOCALES,
        locale_names=i18n.LOCALE_NAMES,
        current_locale=i18n.current_locale,
        country_name=i18n.country_name,
    )

    from channels.outbound import OutboundGateway

    app.extensions["outbound"] = OutboundGateway(settings)
    app.register_blueprint(health.blueprint)
    # Browsers ask for /favicon.ico on their own, whatever the page links.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    metrics.init_app(app)
    _register_errors(app, _register_surface(app, surface, redis_url))
    _register_headers(app)
    cli.register(app)
    logging.getLogger("hotline").setLevel(logging.INFO)
    return app


def mount_staff(public: Flask, staff: Flask) -> Flask:
    """Serve both surfaces from one host: the staff app under /staff, the public app everywhere else."""
    public.wsgi_app = DispatcherMiddleware(public.wsgi_app, {"/staff": staff})  # type: ignore[method-assign]
    return public


def warm_snapshot(app: Flask) -> None:
    """Build the routing snapshot (the directory and its gazetteer) now, not on the first report."""
    from directory.snapshot import current_snapshot

    with app.app_context(), app.extensions["database"].session() as session:
        current_snapshot(session)


def freeze_startup_objects() -> int:
    """Collect, then move every object alive now out of the garbage collector's sight; how many moved.

    For a process that has built its app and the routing snapshot (the directory and the gazetteer:
    some 370,000 objects that live as long as the process). Left in view, every full collection
    walks them all again, a pause of a few hundred milliseconds that lands on whichever request is
    running: the load run's p99 on the staff pages. Called by gunicorn.conf.py in the master before
    it forks, so the workers inherit them frozen (and share their memory pages, which the
    collector would otherwise touch and copy)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _register_surface(app: Flask, surface: str, redis_url: str) -> ErrorAnswer | None:
    """Register the surface's blueprints; return how its webhooks answer an error, if it has any."""
    # The composition root: the only place where the core reaches up to its web layers.
    if surface == "public":
        from channels import ack, api, chat, help, hsds_api, limits, twilio_errors, twilio_sms, twilio_voice, web

        app.register_blueprint(web.blueprint)
        app.register_blueprint(api.blueprint)
        app.register_blueprint(help.blueprint)
        app.register_blueprint(ack.blueprint)
        app.register_blueprint(twilio_sms.blueprint)
        app.register_blueprint(twilio_voice.blueprint)
        app.register_blueprint(chat.blueprint)
        app.register_blueprint(hsds_api.blueprint)
        # The API has no session to forge; Twilio's webhooks are signed instead.
        csrf.exempt(api.blueprint)
        csrf.exempt(twilio_sms.blueprint)
        csrf.exempt(twilio_voice.blueprint)
        limits.limit_public(app, redis_url)
        return twilio_errors.webhook_error
    else:
        from admin import chat_views, directory_views, softphone_views, stats_views, views, warning_views

        app.register_blueprint(views.blueprint)
        app.register_blueprint(directory_views.blueprint)
        app.register_blueprint(stats_views.blueprint)
        app.register_blueprint(chat_views.blueprint)
        app.register_blueprint(softphone_views.blueprint)
        app.register_blueprint(warning_views.blueprint)
        return None


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_errors(app: Flask, webhook_error: ErrorAnswer | None = None) -> None:
    """Every error in the user's language and the caller's format: TwiML for a Twilio webhook, JSON for
    the API, a page for everyone else. No answer repeats what was sent."""

    def answer(code: int, name: str, message: str) -> tuple[Response | str, int]:
        if webhook_error is not None and request.path.startswith("/twilio/"):
            return webhook_error(code)
        if wants_json():
            return jsonify(error=name, message=message), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[Response | str, int]:
        return answer(400, "csrf", _("Your form expired. Please go back, reload the page and send it again."))

    @app.errorhandler(JSONTooDeep)
    def _json_too_deep(error: JSONTooDeep) -> tuple[Response | str, int]:
        return answer(400, "json_too_deep", str(error.message))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response | str, int]:
        code = error.code or 500
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("This page does not exist."),
            405: _("This page does not accept that kind of request."),
            413: _("What you sent is too large."),
        }
        message = messages.get(code, _("Something went wrong. Please try again."))
        return answer(code, error.name.lower().replace(" ", "_"), message)

    @app.errorhandler(ServiceBusy)
    def _busy(_error: ServiceBusy) -> tuple[Response | str, int, dict[str, str]]:
        # Nothing was stored: the reporter must know to send it again, in their language.
        message = _("We could not save your report just now. Please send it again in a minute.")
        retry = {"Retry-After": "30"}
        if request.path.startswith("/twilio/voice"):
            spoken = VoiceResponse()
            spoken.say(message)
            return Response(str(spoken), mimetype="text/xml"), 200, {}
        if request.path.startswith("/twilio/"):
            texted = MessagingResponse()
            texted.message(message)
            return Response(str(texted), mimetype="text/xml"), 200, {}
        if wants_json():
            return jsonify(error="busy", message=message), 503, retry
        return render_template("error.html", code=503, message=message), 503, retry

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response | str, int]:
        # Log the type and the code path only: the exception text (and SQL parameters in it) may hold
        # what a reporter typed or a phone number.
        frames = "".join(traceback.format_tb(error.__traceback__))
        path = scrub(request.path)  # a one-time acknowledge token is a secret, even in an error line
        app.logger.error("unhandled %s at %s %s\n%s", type(error).__name__, request.method, path, frames)
        # A failed flush leaves the request's session unusable; the error page itself reads from it
        # (the signed-in user), so roll back first or the error page fails too.
        session = g.get("db_session")
        if session is not None:
            session.rollback()
        message = _("Something went wrong on our side. What you sent may not have been saved; please try again.")
        return answer(500, "internal_error", message)


def _register_headers(app: Flask) -> None:
    production = app.config["SETTINGS"].is_production

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Nothing a reporter or officer saw stays in the browser's cache or history pages.
        response.headers.setdefault("Cache-Control", "no-store")
        if production:
            # Production is served over TLS only (behind the proxy); browsers must never try plain HTTP.
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response
