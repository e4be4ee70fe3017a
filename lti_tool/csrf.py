"""CSRF protection for every form, bound to the launch session rather than another cookie.

Inside an LMS iframe every extra cookie is one more thing a browser may block, so the
token is derived from the session cookie the launch already set: HMAC(secret, session
token). A cross-site page can make the browser send the cookie, but cannot read it or the
token. Views marked @exempt take no token: the LTI login and launch (platforms post them
cross-site by design; state, nonce and the signed id_token protect them) and the demo
LMS's deep-linking return (a signed JWT protects it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from lti_tool.errors import SkillCertError
from lti_tool.sessions import SESSION_COOKIE

#: The operator console's session cookie (lti_tool.views.operator.access.COOKIE).
OPERATOR_COOKIE = "skillcert_operator"

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(SkillCertError):
    """This form has expired or did not come from SkillCert."""

    status_code = 400
    default_message = _l("This form has expired or did not come from SkillCert.")
    advice = _l("Reload the page and try again. What you entered was not saved.")


def exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that other sites post to by design, protected by a signed token instead."""
    # mypy does not model attributes set on a function object.
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def csrf_token() -> str:
    """The token for forms on this page (empty without a session): from the launch
    session, or on the operator console's pages from the console's session cookie."""
    cookie = OPERATOR_COOKIE if request.blueprint == "operator" else SESSION_COOKIE
    return token_for(request.cookies.get(cookie, ""))


def token_for(session_token: str) -> str:
    """The forms' token for a session cookie's value (empty for none), for a page whose
    response sets that cookie: the operator console's sign-in page."""
    if not session_token:
        return ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def _check() -> None:
    if request.method in _SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False):
        return
    expected = csrf_token()
    given = request.form.get(FIELD) or request.headers.get(HEADER, "")
    if not expected or not hmac.compare_digest(expected, given):
        raise CsrfError()


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
