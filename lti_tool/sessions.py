"""Launch sessions: a validated launch becomes a row; the browser holds only a random token.

Every view reads the tenant (registration, deployment), context, resource link, user and
role from :class:`CurrentLaunch`, loaded once a request from the session cookie.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from flask import g, request
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from lti_tool.db import get_connection
from lti_tool.errors import ForbiddenError, NoLaunchSessionError
from lti_tool.lti import statements
from lti_tool.models import Role, utcnow
from lti_tool.scope import CurrentLaunch
from lti_tool.settings import Settings

SESSION_COOKIE = "skillcert_session"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: Fields of a launch session that a hand-off carries over.
SESSION_FIELDS = (
    "registration_id",
    "deployment_id",
    "context_id",
    "resource_link_id",
    "user_id",
    "role",
    "message_type",
    "claims",
)
#: How long a hand-off link (cookie-less launch → new window) may wait to be opened.
HANDOFF_LIFETIME = dt.timedelta(minutes=2)


def create_launch_session(
    conn: Connection, settings: Settings, lifetime: dt.timedelta | None = None, **fields: Any
) -> str:
    """Store a launch session and return the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = lifetime or dt.timedelta(minutes=settings.session_lifetime_minutes)
    conn.execute(
        statements.INSERT_LAUNCH,
        {"id": _token_hash(token), "created_at": now, "expires_at": now + lifetime, **fields},
    )
    return token


def take_handoff(conn: Connection, token: str) -> dict[str, Any] | None:
    """Consume a hand-off session (once, before it expires); its fields, or None."""
    if not token or len(token) > 100:
        return None
    row = conn.execute(statements.TAKE_LAUNCH, {"id": _token_hash(token), "now": utcnow()}).first()
    return None if row is None else {name: getattr(row, name) for name in SESSION_FIELDS}


def set_cookie(response: Response, name: str, value: str, max_age: int, settings: Settings) -> None:
    """Cookies that survive an LMS iframe: SameSite=None; Secure (Lax on local http only)."""
    local = settings.is_local_http
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=not local,
        httponly=True,
        samesite="Lax" if local else "None",
    )


def current_launch() -> CurrentLaunch | None:
    """The launch this request's session cookie names, or None."""
    if "launch" not in g:
        g.launch = _load_launch(request.cookies.get(SESSION_COOKIE))
    return g.launch


def required_launch() -> CurrentLaunch:
    """The launch of a view behind :func:`launch_required`, which guarantees there is one."""
    launch = current_launch()
    if launch is None:
        raise NoLaunchSessionError()
    return launch


def _load_launch(token: str | None) -> CurrentLaunch | None:
    if not token or len(token) > 100:
        return None
    row = (
        get_connection()
        .execute(statements.LAUNCH_SESSION, {"id": _token_hash(token), "now": utcnow()})
        .first()
    )
    if row is None:
        return None
    return CurrentLaunch(
        registration_id=row.registration_id,
        deployment_id=row.deployment_id,
        context_id=row.context_id,
        resource_link_id=row.resource_link_id,
        user_id=row.user_id,
        role=Role(row.role),
        message_type=row.message_type,
        claims=row.claims,
        user_name=row.user_name,
        context_title=row.context_title or "",
        resource_link_title=row.resource_link_title or "",
        platform_name=row.platform_name,
        resource_link_target=row.resource_link_target,
    )


def launch_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401 page) a request without a launch session."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        required_launch()  # raises NoLaunchSessionError (401) without one
        return view(*args, **kwargs)

    return wrapped


def instructor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a request unless its launch is an instructor's or administrator's (401/403)."""

    @functools.wraps(view)
    @launch_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not required_launch().is_instructor:
            raise ForbiddenError()
        return view(*args, **kwargs)

    return wrapped
