"""Per-address rate limit on login and launch: a fixed one-minute window.

Counts are kept per process: with N gunicorn workers an address can make up to N times
the limit. That is deliberate — the limit exists to blunt floods, and the default is far
above what a whole school behind one NAT address launches in a minute.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request

from lti_tool.errors import RateLimitedError


class FixedWindowLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._window = 0
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.per_minute == 0:
            return True
        window = int((time.time() if now is None else now) // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        return count <= self.per_minute


def init_app(app: Flask) -> None:
    app.extensions["skillcert.ratelimit"] = FixedWindowLimiter(
        app.config["SETTINGS"].rate_limit_per_minute
    )


def rate_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        limiter: FixedWindowLimiter = current_app.extensions["skillcert.ratelimit"]
        if not limiter.allow(request.remote_addr or "unknown"):
            raise RateLimitedError()
        return view(*args, **kwargs)

    return wrapped
