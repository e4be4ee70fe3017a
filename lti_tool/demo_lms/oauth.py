"""The demo LMS's OAuth2 token endpoint and the bearer tokens it hands out.

As LTI Advantage platforms do (1EdTech Security Framework §4.1, RFC 7523): the tool asks
with ``grant_type=client_credentials`` and a JWT client assertion signed by one of the keys
it publishes; the demo checks the signature, ``iss`` = ``sub`` = its client_id, ``aud`` =
the token URL, ``exp`` and a ``jti`` used once, then issues a short-lived bearer token for
the requested scopes it offers. Tokens live in memory: after a restart the tool gets a
401, drops its cached token and asks again, as it must with any LMS.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import jwt

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Lifetime of an access token, in seconds.
TOKEN_SECONDS = 900
#: Longest lifetime accepted for a client assertion (they are meant to be used at once).
ASSERTION_MAX_SECONDS = 3600


class TokenRefused(Exception):
    """The token request is refused; ``error`` is the RFC 6749 §5.2 error code."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class AccessTokens:
    """Issued bearer tokens and their scopes; safe to share between request threads."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[frozenset[str], float]] = {}
        #: Assertion ids already used, with when they expire (then they can be forgotten).
        self._used_jtis: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, scopes: Iterable[str], lifetime: float = TOKEN_SECONDS) -> str:
        token = secrets.token_urlsafe(24)
        now = time.time()
        with self._lock:
            self._tokens = {t: g for t, g in self._tokens.items() if g[1] > now}
            self._tokens[token] = (frozenset(scopes), now + lifetime)
        return token

    def scopes_of(self, token: str) -> frozenset[str] | None:
        """The scopes ``token`` grants, or None if it is unknown or expired."""
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None or grant[1] <= time.time():
            return None
        return grant[0]

    def exchange(
        self,
        form: Mapping[str, str],
        *,
        tool_keys: list[dict[str, Any]],
        client_id: str,
        token_url: str,
        offered: frozenset[str],
        leeway: float = 0,
    ) -> dict[str, Any]:
        """Answer a token request: the token response, or :class:`TokenRefused`."""
        if form.get("grant_type") != "client_credentials":
            raise TokenRefused(
                400, "unsupported_grant_type", "grant_type must be client_credentials."
            )
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise TokenRefused(
                400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}."
            )
        claims = self._verified(
            form.get("client_assertion", ""), tool_keys, client_id, token_url, leeway
        )
        granted = frozenset(form.get("scope", "").split()) & offered
        if not granted:
            raise TokenRefused(400, "invalid_scope", "None of the requested scopes is offered.")
        with self._lock:
            now = time.time()
            self._used_jtis = {j: exp for j, exp in self._used_jtis.items() if exp > now}
            if claims["jti"] in self._used_jtis:
                raise TokenRefused(401, "invalid_client", "This client assertion was used before.")
            self._used_jtis[claims["jti"]] = float(claims["exp"]) + leeway
        return {
            "access_token": self.issue(granted),
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": " ".join(sorted(granted)),
        }

    @staticmethod
    def _verified(
        assertion: str,
        tool_keys: list[dict[str, Any]],
        client_id: str,
        token_url: str,
        leeway: float,
    ) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            jwk = next((k for k in tool_keys if k.get("kid") == kid), None)
            if jwk is None:
                raise TokenRefused(401, "invalid_client", f"The tool publishes no key {kid!r}.")
            claims = jwt.decode(
                assertion,
                jwt.PyJWK(jwk, algorithm="RS256").key,
                algorithms=["RS256"],
                audience=token_url,
                issuer=client_id,
                leeway=leeway,
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRefused(401, "invalid_client", f"Client assertion refused: {exc}.") from None
        if claims["sub"] != client_id:
            raise TokenRefused(401, "invalid_client", "The assertion's sub must be the client_id.")
        if claims["exp"] - claims["iat"] > ASSERTION_MAX_SECONDS:
            raise TokenRefused(
                401, "invalid_client", "The assertion may be valid for 1 hour at most."
            )
        return claims
