"""Signing in to the operator console and out of it.

The sign-in form is CSRF-protected like every other console form, although no session
exists yet: the page gives the browser a random console cookie (which names no session)
and the form's token is derived from it (lti_tool.csrf). A page on another site can make
a browser post the form but cannot read the token, and the SameSite=Strict cookie does
not even travel with its post. Signing in replaces that cookie with the new session's.

Every failure gets the same message, whether the address, the password or the code was
wrong, so the page tells a guesser nothing; the audit log records it without the
password or the code.
"""

from __future__ import annotations

import secrets

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from lti_tool.csrf import token_for
from lti_tool.db import get_session
from lti_tool.operations import accounts, audit
from lti_tool.ratelimit import client_address
from lti_tool.settings import current_settings
from lti_tool.views.operator import sign_in_limits
from lti_tool.views.operator.access import (
    COOKIE,
    bp,
    clear_session_cookie,
    console_path,
    current_operator,
    record,
    set_session_cookie,
)

#: Where a signed-in operator lands when no page was asked for.
HOME = "operator.registrations"


def _sign_in_page(status: int = 200, **shown: object) -> Response:
    """The form, with a console cookie to derive its CSRF token from."""
    cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    page = render_template(
        "operator/sign_in.html",
        form_token=token_for(cookie),
        next=console_path(request.values.get("next")) or "",
        **shown,
    )
    response = make_response(page, status)
    if COOKIE not in request.cookies:
        set_session_cookie(response, cookie, current_settings())
    return response


@bp.get("/")
def home() -> Response:
    """``/operator/``: the console's first page (sign-in first, without a session)."""
    return redirect(url_for(HOME))


@bp.get("/sign-in")
def sign_in() -> Response:
    if current_operator() is not None:
        return redirect(console_path(request.args.get("next")) or url_for(HOME))
    return _sign_in_page(signed_out="signed_out" in request.args)


@bp.post("/sign-in")
def sign_in_post() -> Response:
    email = request.form.get("email", "")[:320]
    wait = sign_in_limits.count_attempt(email)
    if wait:
        response = _sign_in_page(429, email=email, retry_after=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    session, settings = get_session(), current_settings()
    password, code = request.form.get("password", ""), request.form.get("code", "")
    operator = accounts.authenticate(session, settings, email, password, code.replace(" ", ""))
    if operator is None:
        known = accounts.find_operator(session, email)
        audit.record(
            session,
            "operator.sign_in_failed",
            actor=client_address(),
            target=f"operator {known.email}" if known else "",
            account="known" if known else "unknown",
        )
        # 200, not 401: the failure must be committed to the audit log.
        return _sign_in_page(email=email, failed=True)
    sign_in_limits.forgive_attempt(email)
    token = accounts.start_session(session, settings, operator)
    audit.record(
        session,
        "operator.sign_in",
        actor=operator.email,
        operator_id=operator.id,
        target=f"operator {operator.email}",
        address=client_address(),
    )
    response = redirect(console_path(request.form.get("next")) or url_for(HOME), 303)
    set_session_cookie(response, token, settings)
    return response


@bp.post("/sign-out")
def sign_out() -> Response:
    operator = current_operator()
    if operator is not None:
        record("operator.sign_out", f"operator {operator.email}")
    accounts.end_session(get_session(), request.cookies.get(COOKIE, ""))
    response = redirect(url_for("operator.sign_in", signed_out=1), 303)
    clear_session_cookie(response)
    return response
