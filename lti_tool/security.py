"""Security headers for pages that live inside LMS iframes."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, request
from sqlalchemy import select

from lti_tool.db import get_session
from lti_tool.lti.constants import Claim
from lti_tool.lti.presets import load_presets
from lti_tool.models import Registration

_CACHE_KEY = "frame_ancestors"
#: What may stand in a CSP source expression: nothing that could end the directive.
_ORIGIN = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def frame_ancestors(app: Flask) -> str:
    """'self' plus every active registration's LMS origins, refreshed every 60 s.

    Read in the request's own session: on SQLite a second connection would wait for the
    request's write lock.
    """
    cache: TTLCache = app.extensions["skillcert.frame_ancestors"]
    lock: threading.Lock = app.extensions["skillcert.frame_ancestors_lock"]
    with lock:
        value = cache.get(_CACHE_KEY)
    if value is not None:
        return value
    presets = load_presets()
    origins: set[str] = set()
    rows = get_session().execute(
        select(
            Registration.issuer,
            Registration.auth_login_url,
            Registration.preset,
            Registration.frame_origins,
        ).where(Registration.is_active)
    )
    for issuer, login_url, preset, frame_origins in rows:
        origins.update(o for o in (_origin(issuer), _origin(login_url)) if o)
        origins.update(frame_origins or ())
        if preset in presets:
            origins.update(presets[preset].frame_origins)
    value = " ".join(["'self'", *sorted(origins)])
    with lock:
        cache[_CACHE_KEY] = value
    return value


def forget_frame_ancestors(app: Flask) -> None:
    """Call after registrations change, so the next page lists the new LMS at once."""
    app.extensions["skillcert.frame_ancestors"].clear()


def _launch_origin() -> str:
    """The origin of the LMS page that launched this session (its return URL), if known.

    It comes from a signed launch, so it is as trustworthy as the registration: it lets an
    LMS on a domain nobody configured (canvas.school.edu) frame the pages it launched.
    """
    launch = g.get("launch")
    if launch is None:
        return ""
    presentation = launch.claims.get(Claim.LAUNCH_PRESENTATION) or {}
    return_url = presentation.get("return_url")
    origin = _origin(return_url) if isinstance(return_url, str) else None
    if origin is None or not origin.startswith("https://") or not _ORIGIN.fullmatch(origin):
        return ""
    return " " + origin


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; "
        f"frame-ancestors {frame_ancestors(current_app._get_current_object())}"
        f"{_launch_origin()}",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["skillcert.frame_ancestors"] = TTLCache(maxsize=1, ttl=60)
    app.extensions["skillcert.frame_ancestors_lock"] = threading.Lock()
    app.after_request(_add_headers)
