"""LMS access tokens shared by every process and host through Redis (``redis_url``).

Without it each process asks the LMS for its own token per registration and scope set:
with H hosts of W gunicorn workers and K job workers that is up to H·W+K token requests
where one would do, and some LMSs limit them. With it the first process to fetch a token
stores it here, with the lifetime left as the key's expiry, and the others take it.

A token is a bearer secret, so it is stored encrypted (Fernet, with a key derived from the
installation's secret key, which every host shares) under a key that names neither the
registration nor the scopes (an HMAC of them). Redis being down never fails a delivery:
each process then keeps its tokens alone, as before (:mod:`lti_tool.redis_link`: the
failure is logged once, Redis asked again every half minute, its return logged). Two
processes that miss at the same moment may both fetch a token (single flight is per
process): the LMS issues two valid tokens and the later one stays shared.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

import redis
from cryptography.fernet import Fernet, InvalidToken

from lti_tool.redis_link import Fallback, connect, location

log = logging.getLogger(__name__)


class SharedTokenStore:
    """Encrypted tokens in Redis, keyed per (registration, client, token URL, scope set)."""

    def __init__(self, url: str, secret_key: str) -> None:
        self._client = connect(url)
        secret = secret_key.encode()
        self._naming_key = hmac.new(secret, b"token store names", hashlib.sha256).digest()
        fernet_key = hmac.new(secret, b"token store encryption", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(fernet_key))
        self.prefix = f"skillcert:tok:{self._naming_key.hex()[:12]}:"
        self._fallback = Fallback(
            log,
            "LMS access tokens",
            "each process keeps its own tokens",
            "tokens are shared",
            location(url),
        )

    def name(self, key: tuple) -> str:
        """The Redis key of a cache key (registration id, client id, token URL, scopes)."""
        registration_id, client_id, token_url, scopes = key
        text = "\x00".join([str(registration_id), client_id, token_url, *sorted(scopes)])
        digest = hmac.new(self._naming_key, text.encode(), hashlib.sha256).hexdigest()
        return self.prefix + digest[:40]

    def get(self, key: tuple) -> tuple[str, float] | None:
        """The shared token and the seconds it has left, or None (none, or Redis down)."""
        if not self._fallback.asking():
            return None
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.get(self.name(key))
            pipe.pttl(self.name(key))
            stored, pttl = pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._fallback.failed(exc)
            return None
        self._fallback.answered()
        if stored is None or pttl is None or pttl <= 0:
            return None
        try:
            return self._fernet.decrypt(stored).decode(), pttl / 1000
        except (InvalidToken, UnicodeError):
            return None  # written by another installation's secret: not ours to use

    def put(self, key: tuple, token: str, lifetime: float) -> None:
        milliseconds = int(lifetime * 1000)
        if milliseconds <= 0 or not self._fallback.asking():
            return
        try:
            self._client.set(self.name(key), self._fernet.encrypt(token.encode()), px=milliseconds)
        except (redis.RedisError, OSError) as exc:
            self._fallback.failed(exc)
        else:
            self._fallback.answered()

    def forget(self, key: tuple, token: str) -> None:
        """Drop ``token`` (the LMS refused it) unless another process has replaced it."""
        shared = self.get(key)
        if shared is None or shared[0] != token:
            return
        try:
            self._client.delete(self.name(key))
        except (redis.RedisError, OSError) as exc:
            self._fallback.failed(exc)
