"""The operator console's blueprint, its session cookie, and who may use it.

The console is for the people who host SkillCert, not LMS users: it lives outside any LMS
frame, so its cookie is SameSite=Strict and scoped to /operator, and it has its own CSRF
source (lti_tool.csrf derives the token from this cookie on console pages).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.wrappers import Response

from lti_tool.csrf import OPERATOR_COOKIE
from lti_tool.db import get_session
from lti_tool.models import Operator
from lti_tool.operations import accounts, audit
from lti_tool.settings import Settings, current_settings

bp = Blueprint("operator", __name__, url_prefix="/operator")

COOKIE = OPERATOR_COOKIE


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.operator_session_hours * 3600,
        path=bp.url_prefix,
        secure=not settings.is_local_http,
        httponly=True,
        samesite="Strict",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=bp.url_prefix)


def current_operator() -> Operator | None:
    """The signed-in operator of this request (loaded once), or None."""
    if "operator" not in g:
        g.operator = accounts.session_operator(
            get_session(), current_settings(), request.cookies.get(COOKIE, "")
        )
    return g.operator


@bp.context_processor
def _signed_in_operator() -> dict[str, Any]:
    """Every console page's layout shows its navigation to the signed-in operator."""
    return {"operator": current_operator()}


def console_path(value: str | None) -> str | None:
    """``value`` if it is a path on the console (where sign-in may send the browser
    next), else None: never another site, nor another part of SkillCert."""
    if not value or any(ord(char) < 0x20 or char == "\\" for char in value):
        return None
    parts = urlsplit(value)
    prefix = bp.url_prefix or ""
    inside = parts.path == prefix or parts.path.startswith(prefix + "/")
    if parts.scheme or parts.netloc or not inside or ".." in parts.path.split("/"):
        return None
    return value


def operator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send a request without a live console session to the sign-in page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_operator() is None:
            return redirect(url_for("operator.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def record(action: str, target: str = "", **details: Any) -> None:
    """Write the signed-in operator's action to the audit log (the request commits it with
    the change, or neither)."""
    operator = current_operator()
    if operator is None:
        raise RuntimeError("record() outside operator_required")
    audit.record(
        get_session(),
        action,
        actor=operator.email,
        operator_id=operator.id,
        target=target,
        **details,
    )
