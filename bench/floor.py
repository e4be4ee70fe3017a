"""The cheapest request a tool answers: a floor under what its launch cycle can cost.

A launch is several HTTP requests (SkillCert's: login, launch, landing page; the pylti1p3
baseline's: login, and a launch that answers with the page). Each pays gunicorn, the WSGI
framework and the tool's per-request hooks before any LTI work. ``GET /healthz`` is the
cheapest request of both tools (SkillCert's runs ``SELECT 1``; the baseline's returns a
string), so its CPU times the number of requests bounds from below what a launch can
cost under the same server: if that floor is already above a target, no work on the
launch path alone meets it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

from harness import ConnectionCounter, GunicornApp, client

REQUESTS = 400
CONCURRENCY = 16


@dataclasses.dataclass(frozen=True)
class Floor:
    requests: int
    errors: int
    cpu_seconds: float

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.requests)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": "/healthz",
            "concurrency": CONCURRENCY,
            "requests": self.requests,
            "errors": self.errors,
            "tool_cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
        }


async def request_floor(base_url: str, server: GunicornApp, deadline: float) -> Floor:
    """``REQUESTS`` GETs of ``/healthz`` at ``CONCURRENCY`` on keep-alive connections, and
    the tool's CPU (gunicorn master and workers) they cost."""
    statuses: list[int] = []
    remaining = iter(range(REQUESTS))

    async def browser(http: Any) -> None:
        for _ in remaining:
            if time.monotonic() > deadline:
                return
            async with http.get(base_url + "/healthz") as response:
                await response.read()
                statuses.append(response.status)

    before = server.cpu()
    async with client(CONCURRENCY, ConnectionCounter()) as http:
        await asyncio.gather(*(browser(http) for _ in range(CONCURRENCY)))
    used = server.cpu() - before
    errors = sum(1 for status in statuses if status != 200)
    return Floor(len(statuses), errors, used["tool"])
