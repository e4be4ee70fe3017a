"""Security headers for pages that live inside LMS iframes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from sqlalchemy import select

from lti_tool.db import get_connection
from lti_tool.lti.constants import Claim
from lti_tool.lti.presets import load_presets
from lti_tool.models import Registration

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; "
)
#: What may stand in a CSP source expression: nothing that could end the directive.
_ORIGIN = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class _Expiring:
    """A value recomputed at most every ``seconds``; swapping one tuple needs no lock."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._value: tuple[str, float] = ("", 0.0)

    def get(self, compute: Callable[[], str]) -> str:
        value, expires = self._value
        now = time.monotonic()
        if now >= expires:
            value = compute()
            self._value = (value, now + self._seconds)
        return value


def _frame_ancestors() -> str:
    """'self' plus every active registration's LMS origins.

    Read in the request's own transaction: on SQLite a second connection would wait for
    the request's write lock.
    """
    presets = load_presets()
    origins: set[str] = set()
    rows = get_connection().execute(
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
    return _POLICY + " ".join(["frame-ancestors 'self'", *sorted(origins)])


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
    policy: _Expiring = current_app.extensions["skillcert.csp"]
    headers.setdefault("Content-Security-Policy", policy.get(_frame_ancestors) + _launch_origin())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # Registrations change rarely; a new LMS can frame the tool within a minute.
    app.extensions["skillcert.csp"] = _Expiring(seconds=60)
    app.after_request(_add_headers)
