"""The application factory: the only place the app is assembled."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool import csrf, db, error_reports, i18n, ratelimit, security
from lti_tool.errors import SkillCertError
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.observability import logs
from lti_tool.observability.events import current_reference, forget_reference, start_request
from lti_tool.outbound import make_http_session
from lti_tool.resources import resource_dir
from lti_tool.settings import load_settings
from lti_tool.uploads import UploadAwareRequest

log = logging.getLogger("lti_tool")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` overrides settings by name (tests pass a dict)."""
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder="static",
        instance_relative_config=True,
    )
    app.request_class = UploadAwareRequest  # upload forms raise MAX_CONTENT_LENGTH per view
    settings = load_settings(test_config, default_instance_path=app.instance_path)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_SECURE=not settings.is_local_http,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax" if settings.is_local_http else "None",
    )
    log_format = settings.log_format or logs.default_format(
        demo_or_tests=settings.demo or settings.testing
    )
    logs.configure(settings.log_level, log_format)
    # One reference id per request, before any other hook can refuse it: its log lines
    # carry it, and an error page shows it.
    app.before_request(start_request)
    app.teardown_request(forget_reference)
    if settings.trusted_proxy_count:
        # Rate limits believe the forwarded address only from a loopback or private peer
        # (ratelimit.client_address): the tool must be reachable only through the proxy.
        n = settings.trusted_proxy_count
        # Flask's documented way to add WSGI middleware; mypy refuses any assignment to a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n
        )

    db.init_app(app)
    error_reports.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app)
    http = make_http_session()
    app.extensions["skillcert.http"] = http
    app.extensions["skillcert.keys"] = PlatformKeyCache(settings, http)

    from lti_tool import views

    views.register_blueprints(app)
    if settings.demo:
        from lti_tool.demo_lms import blueprint as demo

        demo.init_app(app)

    from lti_tool import cli, credentials, gradesync, notice_handlers, roster
    from lti_tool.grading import labs

    labs.init_app(app)
    gradesync.init_app(app)
    roster.init_app(app)
    notice_handlers.init_app(app)
    credentials.init_app(app)
    cli.init_app(app)
    _register_error_pages(app)
    return app


def _register_error_pages(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path == "/session" or request.path.startswith("/api/")

    def page(status: int, message: str, advice: str, reference: str) -> ResponseReturnValue:
        if wants_json():
            body = {"error": message, "advice": advice, "reference": reference}
            return jsonify(body), status
        html = render_template(
            "errors/error.html", status=status, message=message, advice=advice, reference=reference
        )
        return html, status

    def report(error: Exception, status: int, reference: str) -> None:
        where = f"{request.method} {request.path}"
        error_reports.note_request_error(error, status, reference, where)

    @app.errorhandler(SkillCertError)
    def skillcert_error(error: SkillCertError) -> ResponseReturnValue:
        reference = current_reference()
        with force_locale("en"):  # the log is read by operators, in one language
            logged = error.message
        log.warning("ref=%s %s %s: %s", reference, request.method, request.path, logged)
        report(error, error.status_code, reference)
        return page(error.status_code, error.message, error.advice, reference)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        reference = current_reference()
        log.info("ref=%s %s %s: HTTP %s", reference, request.method, request.path, error.code)
        report(error, error.code or 500, reference)
        advice = gettext("Check the address, or open SkillCert again from your course.")
        return page(error.code or 500, _http_message(error), advice, reference)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        reference = current_reference()
        log.exception("ref=%s %s %s: unexpected error", reference, request.method, request.path)
        report(error, 500, reference)
        return page(
            500,
            gettext("Something went wrong in SkillCert."),
            gettext(
                "Try again in a moment. If it keeps happening, tell your administrator the "
                "reference."
            ),
            reference,
        )


def _http_message(error: HTTPException) -> str:
    """The page's heading: our own abort() text, else werkzeug's standard one, translated."""
    if error.description is not None and error.description != type(error).description:
        return error.description
    return str(HTTP_MESSAGES.get(error.code or 500, gettext("The request could not be handled.")))


#: Werkzeug's standard descriptions are English only; these are the ones a person can meet.
HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    404: _l("There is no page at this address."),
    405: _l("This page cannot be used that way."),
    413: _l("The upload is too large."),
}
