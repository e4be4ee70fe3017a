"""Redis that SkillCert can do without: the shared rate limits and LMS access tokens.

Every command has a short timeout and no retry, so a Redis that hangs costs a request a
quarter of a second at most. When Redis fails, the caller goes on alone (each process
counts its limits or keeps its tokens itself); :class:`Fallback` says when to ask Redis
again, and logs the failure once and Redis's return once.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from lti_tool.errors import SettingsError

#: How long one Redis command may take (connecting included): a Redis on the local
#: network answers in about a millisecond.
TIMEOUT_SECONDS = 0.25
#: After Redis failed, go on alone this long before asking it again, so a Redis that
#: hangs costs one timeout per process every half minute, not one per request.
RETRY_SECONDS = 30.0


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts and no retries (redis-py retries 3 times
    by default); a malformed URL is a settings error."""
    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError:
        raise SettingsError(
            "SKILLCERT_REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0 "
            "(rediss:// for TLS, unix:///path/to/redis.sock for a socket)."
        ) from None


def location(url: str) -> str:
    """Where Redis is, for logs and the health page: never the URL, which may hold a
    password."""
    parts = urlsplit(url)
    where = parts.hostname or parts.path or "?"
    return f"{where}:{parts.port}" if parts.port else where


class Fallback:
    """Whether to ask Redis now, and the log lines when it fails and when it is back."""

    def __init__(self, log: logging.Logger, what: str, alone: str, shared: str, where: str):
        self._log = log
        #: What is shared, as the log lines start ("Rate limits").
        self._what = what
        #: What each process does meanwhile ("each process counts alone").
        self._alone = alone
        #: What is true again when Redis answers ("limits are shared").
        self._shared = shared
        self._where = where
        self._lock = threading.Lock()
        self._down = False
        self._ask_at = 0.0

    def asking(self) -> bool:
        return time.monotonic() >= self._ask_at

    def failed(self, exc: Exception) -> None:
        with self._lock:
            self._ask_at = time.monotonic() + RETRY_SECONDS
            first, self._down = not self._down, True
        if first:
            self._log.warning(
                "%s: Redis at %s does not answer (%s); %s until it does (asked again every %d s).",
                self._what,
                self._where,
                type(exc).__name__,
                self._alone,
                RETRY_SECONDS,
            )

    def answered(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            self._log.info(
                "%s: Redis at %s answers again; %s.", self._what, self._where, self._shared
            )
