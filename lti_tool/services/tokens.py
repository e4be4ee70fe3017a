"""OAuth2 access tokens for LMS services: client credentials with a signed JWT assertion.

LTI Advantage (1EdTech Security Framework §4.1, RFC 7523): the tool proves who it is with a
JWT signed by its current key — ``iss`` and ``sub`` are its client_id, ``aud`` the
platform's token audience (the token URL unless the registration names another, as
Brightspace does), a fresh ``jti`` and a short ``exp``. Tokens are cached per registration
and scope set until shortly before they expire; a 401 from a service drops the token once
(:meth:`TokenCache.invalidate`) so the next call fetches a new one. Fetches are single-flight
per registration and scope set: when the LMS revokes a token, the deliveries in flight that
all see the 401 at once wait for one new token instead of each asking for its own. With
``redis_url`` the tokens are shared by every process and host as well
(:mod:`lti_tool.services.shared_tokens`): a process's miss asks Redis before the LMS.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Future

import jwt
import requests
from cachetools import TLRUCache
from jwt.api_jwk import PyJWK

from lti_tool.observability.events import elapsed_ms, event
from lti_tool.services.errors import ServiceError, error_from_response
from lti_tool.services.shared_tokens import SharedTokenStore
from lti_tool.services.transport import check_url, send
from lti_tool.settings import Settings

#: Lifetime of a client assertion: the platform reads it at once.
ASSERTION_SECONDS = 300
#: A token is dropped this long before the platform says it expires (clock skew, slow calls).
EXPIRY_MARGIN_SECONDS = 60
#: Lifetime assumed when the platform does not say (``expires_in`` is only recommended).
DEFAULT_EXPIRES_IN = 300
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclasses.dataclass(frozen=True, eq=False)
class ClientCredentials:
    """What a token request needs from one registration, read once from its row."""

    registration_id: int
    client_id: str
    token_url: str
    #: ``aud`` of the assertion: the registration's auth audience, else its token URL.
    audience: str
    #: The tool's current private key (with its kid).
    signing_key: PyJWK


@dataclasses.dataclass(frozen=True)
class _Token:
    value: str
    lifetime: float


def client_assertion(credentials: ClientCredentials, now: float | None = None) -> str:
    now = int(now if now is not None else time.time())
    claims = {
        "iss": credentials.client_id,
        "sub": credentials.client_id,
        "aud": credentials.audience,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
        "jti": uuid.uuid4().hex,
    }
    key = credentials.signing_key
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": key.key_id})


def _lifetime(expires_in: object) -> float:
    seconds = expires_in if isinstance(expires_in, int | float) else DEFAULT_EXPIRES_IN
    seconds = max(float(seconds), 0.0)
    # Keep a short-lived token for half its life rather than not at all.
    return seconds - EXPIRY_MARGIN_SECONDS if seconds > 2 * EXPIRY_MARGIN_SECONDS else seconds / 2


def _log_fetch(
    credentials: ClientCredentials,
    scopes: frozenset[str],
    started: float,
    error: ServiceError | None,
) -> None:
    """The ``token.fetch`` event: which registration asked for which scopes, and how it went
    (never the token or the assertion)."""
    event(
        "token.fetch",
        registration_id=credentials.registration_id,
        scopes=sorted(scopes),
        outcome="ok" if error is None else "failed",
        http_status=200 if error is None else error.status,
        duration_ms=elapsed_ms(started),
    )


class TokenCache:
    """Access tokens per (registration, scope set); safe to share between threads."""

    def __init__(self, settings: Settings, http: requests.Session, maxsize: int = 1024) -> None:
        self._settings = settings
        self._http = http
        self._tokens: TLRUCache[tuple, _Token] = TLRUCache(
            maxsize=maxsize, ttu=lambda _key, token, now: now + token.lifetime
        )
        self._lock = threading.Lock()
        #: The fetch under way for a key: callers that miss the cache meanwhile wait for it.
        self._fetching: dict[tuple, Future[_Token]] = {}
        #: Token requests sent (for tests and the worker's status).
        self.requests_sent = 0
        self._shared = (
            SharedTokenStore(settings.redis_url, settings.secret_key)
            if settings.redis_url
            else None
        )

    @staticmethod
    def _key(credentials: ClientCredentials, scopes: Iterable[str]) -> tuple:
        scope_set = frozenset(scopes)
        return (
            credentials.registration_id,
            credentials.client_id,
            credentials.token_url,
            scope_set,
        )

    def get(self, credentials: ClientCredentials, scopes: Iterable[str]) -> str:
        """A valid access token for ``scopes``: from the cache, else from the fetch another
        thread has under way for them, else from another process (Redis), else from the
        platform."""
        key = self._key(credentials, scopes)
        with self._lock:
            token = self._tokens.get(key)
            if token is not None:
                return token.value
            fetching = self._fetching.get(key)
            leader = fetching is None
            if fetching is None:
                fetching = self._fetching[key] = Future()
        if not leader:
            # Bounded: the leader's request has the outbound timeout, and it always settles
            # the future (with its token or its error).
            return fetching.result().value
        # Fetch outside the lock: a slow LMS must not hold up tokens for the others.
        started = time.monotonic()
        try:
            token = self._shared_token(key)
            if token is None:
                token = self._fetch(credentials, key[-1])
                _log_fetch(credentials, key[-1], started, None)
                if self._shared is not None:
                    self._shared.put(key, token.value, token.lifetime)
        except BaseException as exc:
            with self._lock:
                del self._fetching[key]
            fetching.set_exception(exc)
            if isinstance(exc, ServiceError):
                _log_fetch(credentials, key[-1], started, exc)
            raise
        with self._lock:
            self._tokens[key] = token
            del self._fetching[key]
        fetching.set_result(token)
        return token.value

    def invalidate(self, credentials: ClientCredentials, scopes: Iterable[str], token: str) -> None:
        """Forget ``token`` after the platform refused it (401), unless it was replaced."""
        key = self._key(credentials, scopes)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.value == token:
                del self._tokens[key]
        if self._shared is not None:
            self._shared.forget(key, token)

    def _shared_token(self, key: tuple) -> _Token | None:
        """The token another process fetched and shared for ``key``, if any."""
        if self._shared is None:
            return None
        found = self._shared.get(key)
        return _Token(found[0], found[1]) if found else None

    def _fetch(self, credentials: ClientCredentials, scopes: frozenset[str]) -> _Token:
        url = credentials.token_url
        what = f"Access token request to {url}"
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": client_assertion(credentials),
            "scope": " ".join(sorted(scopes)),
        }
        check_url(url, self._settings, "The LMS token URL")
        with self._lock:
            self.requests_sent += 1
        response, body = send(
            self._http,
            self._settings,
            "POST",
            url,
            what,
            data=form,
            headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            raise error_from_response(response, body, what)
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if (
            not isinstance(document, dict)
            or not isinstance(document.get("access_token"), str)
            or str(document.get("token_type", "")).lower() != "bearer"
        ):
            raise ServiceError(f"{what}: the LMS's answer is not a bearer token.", status=200)
        return _Token(document["access_token"], _lifetime(document.get("expires_in")))
