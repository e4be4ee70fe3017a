"""Platforms' public keys: fetched with limits, cached, refetched when a new kid appears.

pylti1p3 fetches the key set on every launch without a timeout and converts each key to
PEM; here parsed keys are cached per key set URL for ``jwks_cache_seconds``, and a kid
the cache does not know triggers a refetch — the LMS rotated its key — but at most one per
``_REFETCH_SECONDS`` per URL, so a flood of made-up kids cannot turn us into a load
generator against the LMS.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from cachetools import TTLCache
from flask_babel import lazy_gettext as _l
from jwt import PyJWK, PyJWKError

from lti_tool.errors import LaunchError, PlatformFetchError
from lti_tool.outbound import OutboundError, fetch_json
from lti_tool.settings import Settings

_REFETCH_SECONDS = 10.0


class PlatformKeyCache:
    def __init__(self, settings: Settings, http: requests.Session) -> None:
        self._settings = settings
        self.http = http
        self._keys: TTLCache[str, dict[str, PyJWK]] = TTLCache(
            maxsize=1024, ttl=settings.jwks_cache_seconds
        )
        self._refetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def key_for(
        self, *, key_set_url: str | None, key_set: dict[str, Any] | None, kid: str
    ) -> PyJWK:
        """The platform key with ``kid``; raises :class:`LaunchError` when there is none."""
        if key_set is not None:
            keys = _parse_key_set(key_set)
        elif key_set_url:
            keys = self._cached_or_fetched(key_set_url, kid)
        else:
            raise LaunchError(_l("This LMS registration has neither a key set URL nor keys."))
        try:
            return keys[kid]
        except KeyError:
            raise LaunchError(
                _l(
                    "The launch was signed with a key (kid %(kid)s) that your LMS does not "
                    "publish.",
                    kid=repr(kid),
                ),
                advice=_l(
                    "Reload the page in your course. If it keeps happening, ask your "
                    "administrator to check the LMS key set URL."
                ),
            ) from None

    def _cached_or_fetched(self, url: str, kid: str) -> dict[str, PyJWK]:
        with self._lock:
            keys = self._keys.get(url)
            if keys is not None:
                if kid in keys:
                    return keys
                now = time.monotonic()
                if now - self._refetched_at.get(url, -_REFETCH_SECONDS) < _REFETCH_SECONDS:
                    return keys
                self._refetched_at[url] = now
        # Fetch outside the lock: a slow LMS must not stall launches from other LMSs.
        try:
            document = fetch_json(self.http, url, self._settings)
        except OutboundError as exc:
            # One message whatever failed: the page is shown before anyone is signed in,
            # and must not tell a closed port from a failed TLS handshake. The detail is
            # in the log (lti_tool.outbound).
            raise PlatformFetchError() from exc
        keys = _parse_key_set(document)
        with self._lock:
            self._keys[url] = keys
        return keys


def _parse_key_set(document: Any) -> dict[str, PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise PlatformFetchError(_l("Your LMS's key set is not a JSON Web Key Set."))
    keys = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or "kid" not in jwk:
            continue  # LTI requires RSA keys with a kid; skip the rest of the set
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[str(jwk["kid"])] = PyJWK(jwk, algorithm="RS256")
        except PyJWKError:
            continue
    return keys
