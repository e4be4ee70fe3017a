"""Rate limits on login and launch per client address: a burst window and a minute window.

Two fixed windows per client address, counted together: ten seconds (``rate_limit_burst``)
and one minute (``rate_limit_per_minute``). A request over either is refused with 429, a
``Retry-After`` giving the seconds until that window ends, and a page that says so. Fixed
windows, not sliding ones: one counter per window is one atomic INCR in Redis, and the
time until the window ends is the exact Retry-After. The price is the boundary: a client
may spend one window's budget at its end and the next at its start (twice the burst in a
moment, never more in a minute than the minute limit allows).

With ``redis_url`` every process and host counts in Redis (INCR and EXPIRE of each
counter in one MULTI/EXEC transaction; the window's number is part of the key, so
traffic never extends a window). Without it, or while Redis does not answer, each
process counts alone: a Redis that is down never fails a request; it is logged once,
asked again after :data:`lti_tool.redis_link.RETRY_SECONDS`, and logged again when it
answers.

Who the client is: the address the trusted proxy forwarded (ProxyFix, as configured by
``trusted_proxy_count``), unless the connection itself came from a public address. Our
proxy connects from loopback or a private network; a public peer talked to the tool
directly, and its X-Forwarded-For is whatever it chose to write (docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from flask import Flask, current_app, g, request
from flask_babel import ngettext
from werkzeug.wrappers import Response

from lti_tool.errors import RateLimitedError
from lti_tool.redis_link import Fallback, connect, location
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

EXTENSION = "skillcert.ratelimit"
BURST_SECONDS = 10
MINUTE_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Window:
    seconds: int
    limit: int


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    #: Whole seconds until every window the request exceeded has ended (0 when allowed).
    retry_after: int = 0


def key_prefix(secret_key: str) -> str:
    """The Redis key prefix of one installation: its hosts share the secret key, and
    another installation on the same Redis has another."""
    namespace = hmac.new(secret_key.encode(), b"ratelimit namespace", hashlib.sha256)
    return f"skillcert:rl:{namespace.hexdigest()[:12]}:"


class LocalCounter:
    """Counters in this process's memory; each window keeps only its current counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[int, tuple[int, dict[str, int]]] = {}

    def count(self, windows: Sequence[Window], key: str, now: float, amount: int = 1) -> list[int]:
        counts = []
        with self._lock:
            for window in windows:
                index = int(now // window.seconds)
                current, per_key = self._windows.get(window.seconds, (index, {}))
                if current != index:
                    per_key = {}
                per_key[key] = per_key.get(key, 0) + amount
                self._windows[window.seconds] = (index, per_key)
                counts.append(per_key[key])
        return counts


class RedisCounter:
    """Counters in Redis, shared by every process and host of the installation."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = connect(url)
        self.prefix = prefix
        #: Where Redis is, for the log: never the URL itself, which may hold a password.
        self.where = location(url)

    def count(self, windows: Sequence[Window], key: str, now: float, amount: int = 1) -> list[int]:
        pipe = self.client.pipeline(transaction=True)
        for window in windows:
            name = f"{self.prefix}{window.seconds}:{int(now // window.seconds)}:{key}"
            pipe.incrby(name, amount)
            pipe.expire(name, window.seconds)
        replies = pipe.execute()
        return [int(reply) for reply in replies[0::2]]


class RateLimiter:
    """Counts a request against each window and decides whether it may go on.

    The login and launch limits, unless given other ``windows`` (the operator console's
    failed sign-ins: lti_tool.views.operator.sign_in_limits).
    """

    def __init__(self, settings: Settings, windows: Sequence[Window] | None = None) -> None:
        if windows is None:
            windows = (
                Window(BURST_SECONDS, settings.rate_limit_burst),
                Window(MINUTE_SECONDS, settings.rate_limit_per_minute),
            )
        self.windows = tuple(window for window in windows if window.limit)
        self._secret = settings.secret_key.encode()
        self.local = LocalCounter()
        self.shared: RedisCounter | None = None
        if settings.redis_url and self.windows:
            self.shared = RedisCounter(settings.redis_url, key_prefix(settings.secret_key))
            self._fallback = Fallback(
                log,
                "Rate limits",
                "each process counts alone",
                "limits are shared",
                self.shared.where,
            )

    def hit(self, address: str, now: float | None = None, *, amount: int = 1) -> Decision:
        """Count one login or launch from ``address``; refused when over a limit.

        ``amount`` -1 takes back one counted earlier in the same windows.
        """
        if not self.windows:
            return Decision(True)
        now = time.time() if now is None else now
        key = hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]
        counts = self._count(key, now, amount)
        over = [w for w, count in zip(self.windows, counts, strict=True) if count > w.limit]
        if not over:
            return Decision(True)
        wait = max(window.seconds - now % window.seconds for window in over)
        return Decision(False, max(1, math.ceil(wait)))

    def _count(self, key: str, now: float, amount: int) -> list[int]:
        shared = self.shared
        if shared is not None and self._fallback.asking():
            try:
                counts = shared.count(self.windows, key, now, amount)
            except (redis.RedisError, OSError) as exc:
                self._fallback.failed(exc)
            else:
                self._fallback.answered()
                return counts
        return self.local.count(self.windows, key, now, amount)


# -- the request side -------------------------------------------------------------------

_direct_warned = threading.Event()


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:  # a Unix socket's empty or path-like peer: a local proxy
        return False


def client_address() -> str:
    """The address this request is counted against, and its login state kept for.

    The forwarded address when the connection came from loopback or a private network
    (where our proxy is); the connection's own address when it came from the Internet:
    then nothing vouches for its X-Forwarded-For.
    """
    forwarded = request.remote_addr or "unknown"
    original = request.environ.get("werkzeug.proxy_fix.orig")
    peer = original.get("REMOTE_ADDR") if original else None
    if not peer or not _is_public(peer):
        return forwarded
    if not _direct_warned.is_set():
        _direct_warned.set()
        log.warning(
            "A login or launch came from a public address although trusted_proxy_count is "
            "set: it is counted against that address, not its X-Forwarded-For. Make "
            "SkillCert reachable only through the proxy (bind it to 127.0.0.1 or a private "
            "network); a proxy that connects from public addresses needs a local one "
            "(nginx on the tool's host) behind it."
        )
    return peer


def rate_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Count the request against its client's limits before the view runs."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        limiter: RateLimiter = current_app.extensions[EXTENSION]
        decision = limiter.hit(client_address())
        if not decision.allowed:
            g.retry_after = decision.retry_after
            raise RateLimitedError(
                advice=ngettext(
                    "Wait %(num)d second, then reload the page in your course.",
                    "Wait %(num)d seconds, then reload the page in your course.",
                    decision.retry_after,
                )
            )
        return view(*args, **kwargs)

    return wrapped


def _retry_after_header(response: Response) -> Response:
    retry_after = g.get("retry_after")
    if response.status_code == 429 and retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = RateLimiter(app.config["SETTINGS"])
    app.after_request(_retry_after_header)
