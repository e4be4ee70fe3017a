"""CSRF protection for every form, bound to the launch session rather than another cookie.

Inside an LMS iframe every extra cookie is one more thing a browser may block, so the
token is derived from the session cookie the launch already set: HMAC(secret, session
token). A cross-site page can make the browser send the cookie, but cannot read it or the
token. The LTI login and launch endpoints are exempt: platforms post them cross-site by
design, and state, nonce and the signed id_token protect them.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request

from lti_tool.errors import SkillCertError
from lti_tool.sessions import SESSION_COOKIE

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_EXEMPT = frozenset({"lti.login", "lti.launch"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(SkillCertError):
    """This form has expired or did not come from SkillCert."""

    status_code = 400
    advice = "Reload the page and try again. What you entered was not saved."


def csrf_token() -> str:
    """The token for forms on this page (empty without a launch session)."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    if not session_token:
        return ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def _check() -> None:
    if request.method in _SAFE_METHODS or request.endpoint in _EXEMPT:
        return
    expected = csrf_token()
    given = request.form.get(FIELD) or request.headers.get(HEADER, "")
    if not expected or not hmac.compare_digest(expected, given):
        raise CsrfError()


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
