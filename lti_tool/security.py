"""Security headers for pages that live inside LMS iframes.

``frame-ancestors`` names ``'self'`` and the LMS behind the request, never every tenant's:

- a launch's pages: the origins of the launch's registration (issuer, OIDC login URL, its
  preset's and its own configured frame origins), and the launch's
  ``launch_presentation.return_url`` origin only when it is one of those;
- the login (``/lti/login``) and the launch post (``/lti/launch``: the hand-off page, the
  platform-storage page, "Open SkillCert in a new window", a refused launch's error page):
  the registration the request names (``iss`` and ``client_id``, or the id token's
  ``iss`` and ``aud``/``azp``), since no session exists yet. An id token whose signature
  fails only lets that registered LMS frame an error page, which offers no action;
- a page whose view names the LMS framing it (``g.frame_origins``): Dynamic Registration's
  pages, framed by the LMS being registered (lti_tool.views.registration);
- everything else (the public pages, a browser without a launch): ``'self'`` only.

A registration waiting for an operator's approval (Dynamic Registration) counts for the
login and the launch post: its logins are refused, and the LMS must be able to show why.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import jwt
from cachetools import TTLCache
from flask import Flask, Response, current_app, g, request
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.db import get_connection
from lti_tool.lti.constants import Claim
from lti_tool.lti.presets import load_presets
from lti_tool.models import Registration

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; "
)
#: An origin that may stand in a CSP source expression: nothing that could end the directive.
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")
#: Longer values are no login parameter or id token of ours (the launch refuses them too).
_MAX_PARAM = 4096
_MAX_TOKEN = 64 * 1024
#: How long a registration's origins are reused: a new frame origin counts within a minute.
CACHE_SECONDS = 60


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def admits(origins: tuple[str, ...], origin: str) -> bool:
    """Whether ``origin`` is one of ``origins`` or matches one's ``https://*.`` wildcard
    (a subdomain, on the default port, as a browser matches it)."""
    if not _ORIGIN.fullmatch(origin):
        return False
    host = origin.removeprefix("https://")
    for allowed in origins:
        suffix = allowed.removeprefix("https://*")
        if origin == allowed or (
            suffix.startswith(".") and host != origin and ":" not in host and host.endswith(suffix)
        ):
            return True
    return False


class FramingOrigins:
    """Each registration's framing origins, computed at most every ``seconds`` per process.

    Read in the request's own transaction: on SQLite a second connection would wait for the
    request's write lock.
    """

    def __init__(self, seconds: float) -> None:
        self._cache: TTLCache[int, tuple[str, ...]] = TTLCache(maxsize=4096, ttl=seconds)
        self._lock = threading.Lock()

    def of(
        self, registration_id: int, compute: Callable[[int], tuple[str, ...]]
    ) -> tuple[str, ...]:
        with self._lock:
            found = self._cache.get(registration_id)
        if found is None:
            found = compute(registration_id)
            with self._lock:
                self._cache[registration_id] = found
        return found


#: A registration whose LMS may frame SkillCert: active, or pending approval.
_MAY_FRAME = or_(Registration.is_active, Registration.pending_since.is_not(None))


def _registration_origins(registration_id: int) -> tuple[str, ...]:
    """The origins an active (or pending) registration's LMS frames the tool from (none if
    switched off)."""
    row = (
        get_connection()
        .execute(
            select(
                Registration.issuer,
                Registration.auth_login_url,
                Registration.preset,
                Registration.frame_origins,
            ).where(Registration.id == registration_id, _MAY_FRAME)
        )
        .first()
    )
    if row is None:
        return ()
    origins = {o for o in (_origin(row.issuer), _origin(row.auth_login_url)) if o}
    origins.update(o.lower() for o in row.frame_origins or () if isinstance(o, str))
    presets = load_presets()
    if row.preset in presets:
        origins.update(presets[row.preset].frame_origins)
    # Registration values were checked when added; keep only what is safe in a header.
    return tuple(sorted(o for o in origins if _ORIGIN.fullmatch(o.replace("*.", "", 1))))


def _registration_named(issuer: Any, client_id: Any) -> int | None:
    """The active (or pending) registration of ``issuer`` and ``client_id`` (or the issuer's
    only one)."""
    if not isinstance(issuer, str) or not issuer or len(issuer) > _MAX_PARAM:
        return None
    query = select(Registration.id).where(Registration.issuer == issuer, _MAY_FRAME)
    if isinstance(client_id, str) and client_id and len(client_id) <= _MAX_PARAM:
        return get_connection().execute(query.where(Registration.client_id == client_id)).scalar()
    if client_id:  # not a string, or far too long
        return None
    ids = get_connection().execute(query.limit(2)).scalars().all()
    return ids[0] if len(ids) == 1 else None


def _token_claims(token: Any) -> Mapping[str, Any]:
    """The claims of an id token, unverified: only to name the registration it claims."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        return {}
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _token_registration(token: Any) -> int | None:
    claims = _token_claims(token)
    audience, party = claims.get("aud"), claims.get("azp")
    if isinstance(party, str):
        client_id = party
    elif isinstance(audience, str):
        client_id = audience
    elif isinstance(audience, list) and len(audience) == 1:
        client_id = audience[0]
    else:
        return None
    return _registration_named(claims.get("iss"), client_id)


def _return_origin(claims: Mapping[str, Any]) -> str | None:
    presentation = claims.get(Claim.LAUNCH_PRESENTATION)
    return_url = presentation.get("return_url") if isinstance(presentation, dict) else None
    return _origin(return_url) if isinstance(return_url, str) else None


def _framing() -> tuple[int | None, str | None]:
    """The registration whose LMS may frame this response, and the launch's return origin.

    The login and the launch post come before any session cookie the browser still holds
    from an earlier launch: they name their own registration. Once their view has found it
    (``g.frame_registration_id``: an active registration the request names), it is not
    looked up a second time.
    """
    if "frame_registration_id" in g and request.endpoint in ("lti.login", "lti.launch"):
        return g.frame_registration_id, None
    if request.endpoint == "lti.login":
        values = request.values
        return _registration_named(values.get("iss"), values.get("client_id")), None
    if request.endpoint == "lti.launch":
        return _token_registration(request.form.get("id_token")), None
    launch = g.get("launch")
    if launch is None:
        return None, None
    return launch.registration_id, _return_origin(launch.claims)


def frame_ancestors() -> str:
    """``frame-ancestors`` for this response (see the module's docstring)."""
    sources = ["'self'"]
    try:
        registration_id, return_origin = _framing()
        if registration_id is not None:
            cache: FramingOrigins = current_app.extensions["skillcert.csp"]
            origins = cache.of(registration_id, _registration_origins)
            sources.extend(origins)
            if return_origin and return_origin not in origins and admits(origins, return_origin):
                sources.append(return_origin)
        sources.extend(o for o in g.get("frame_origins", ()) if _ORIGIN.fullmatch(o))
    except SQLAlchemyError:  # an error page for a failing database: frameable by us only
        pass
    return "frame-ancestors " + " ".join(sources)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _POLICY + frame_ancestors())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["skillcert.csp"] = FramingOrigins(seconds=CACHE_SECONDS)
    app.after_request(_add_headers)
