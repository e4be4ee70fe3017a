"""Learner pages under load, against SkillCert as deployed (part of `bench/pages.py`).

Issue 6's target: learner pages p95 < 100 ms at concurrency 16 on 2 workers. The tool runs
as ``skillcert serve --workers 2`` (gunicorn, gthread) on a fresh instance folder, with the
simulated platform of ``bench/harness.py``. ``LEARNERS`` learners launch from a link placed
on a module (so home shows their progress), each starts a quiz attempt, and then the
load driver (asyncio + aiohttp, in this process) requests their pages — home, my progress,
the module, a lesson, the open quiz attempt and a lab — in turn:

* c=1: one request at a time (the pages' latency without queueing);
* c=16: 16 clients, each sending its next request when the last one answered;
* baseline, in the same run and server: ``/healthz`` (one ``SELECT 1``) at c=16, the
  floor of gunicorn + Flask + the database under that concurrency.

Every response must be HTTP 200 with the page's marker text; anything else is an error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import re
import statistics
import time
from collections import Counter

import aiohttp
from harness import (
    LTI,
    SESSION_COOKIE,
    ConnectionCounter,
    CycleError,
    Platform,
    Target,
    ToolServer,
    client,
    cookie_header,
    expect,
    login,
    met,
    post_launch,
)

TRACK = "enterprise-ai-practitioner"
MODULE = "building-with-apis"
QUIZ = "apis-practice-quiz"
LEARNERS = 32
#: (name, path, text the page must contain); "{attempt}" is the learner's open attempt.
PAGES = (
    ("home", "/learn/", "Building with model APIs"),
    ("progress", "/learn/progress", "Enterprise"),
    ("module", f"/learn/m/{TRACK}/{MODULE}", "Building with model APIs"),
    ("lesson", f"/learn/a/{TRACK}/calling-models", "<h1"),
    ("quiz attempt", "{attempt}", "csrf_token"),
    ("lab", f"/learn/a/{TRACK}/structured-output-lab", "<h1"),
)
HEALTHZ = (("healthz", "/healthz", "ok"),)


@dataclasses.dataclass(frozen=True)
class Level:
    name: str
    concurrency: int
    requests: int
    pages: tuple[tuple[str, str, str], ...] = PAGES


LEVELS = (
    Level("pages c=1", 1, 120),
    Level("pages c=16", 16, 1_600),
    Level("healthz c=16 (baseline)", 16, 1_600, HEALTHZ),
)
QUICK_LEVELS = (
    Level("pages c=1", 1, 60),
    Level("pages c=16", 16, 480),
    Level("healthz c=16 (baseline)", 16, 480, HEALTHZ),
)


@dataclasses.dataclass
class Learner:
    cookies: dict[str, str]
    attempt: str = ""


async def launch_learner(http: aiohttp.ClientSession, target: Target, n: int) -> Learner:
    """Login + launch from a link placed on the module; then start the quiz."""
    jar: dict[str, str] = {}
    state, nonce = await login(http, target, jar, f"learner-{n}")
    claims = target.platform.claims(
        sub=f"learner-{n}", name=f"Learner {n}", nonce=nonce, target=target.launch_url
    )
    claims[LTI + "custom"] = {"skillcert_target": f"module:{TRACK}/{MODULE}"}
    await post_launch(http, target, jar, claims, state)
    if SESSION_COOKIE not in jar:
        raise CycleError("launch: no session cookie")
    learner = Learner(jar)
    quiz = f"{target.tool_url}/learn/a/{TRACK}/{QUIZ}"
    async with http.get(quiz, headers=cookie_header(jar)) as response:
        page = await response.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise CycleError("quiz page: no form to start an attempt")
    async with http.post(
        quiz + "/start",
        data={"csrf_token": token.group(1)},
        headers=cookie_header(jar),
        allow_redirects=False,
    ) as response:
        await expect(response, 302, "start quiz")
        learner.attempt = response.headers["Location"]
    return learner


@dataclasses.dataclass
class Result:
    level: Level
    seconds: float
    #: page name → latencies (s) of its successful requests
    latencies: dict[str, list[float]]
    errors: Counter[str]
    #: CPU seconds during the level: tool, database, driver, other (see bench/harness.py).
    cpu: dict[str, float]

    @property
    def all_latencies(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]

    def summary(self) -> dict[str, object]:
        done = self.all_latencies
        return {
            "level": self.level.name,
            "requests": len(done) + sum(self.errors.values()),
            "errors": dict(self.errors),
            "per_s": len(done) / self.seconds,
            **percentiles(done),
            "cpu_ms": {k: self.cpu[k] / max(1, len(done)) * 1000 for k in CPU_PARTS},
            "other_percent": 100 * self.cpu["other"] / (self.seconds * os.cpu_count()),
            "pages": {name: percentiles(values) for name, values in self.latencies.items()},
        }


CPU_PARTS = ("tool", "database", "driver")


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


async def run_level(
    level: Level, target: Target, learners: list[Learner], deadline: float, server: ToolServer
) -> Result:
    latencies: dict[str, list[float]] = {name: [] for name, _path, _text in level.pages}
    errors: Counter[str] = Counter()
    numbers = itertools.count()

    async def browser(http: aiohttp.ClientSession) -> None:
        for n in numbers:
            if n >= level.requests or time.monotonic() > deadline:
                return
            learner = learners[n % len(learners)]
            name, path, marker = level.pages[n % len(level.pages)]
            url = target.tool_url + path.replace("{attempt}", learner.attempt)
            started = time.perf_counter()
            try:
                async with http.get(url, headers=cookie_header(learner.cookies)) as response:
                    body = await response.text()
                    if response.status != 200 or marker not in body:
                        errors[f"{name}: HTTP {response.status}"] += 1
                        continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[f"{name}: {type(exc).__name__}"] += 1
                continue
            latencies[name].append(time.perf_counter() - started)

    started, cpu_before = time.perf_counter(), server.cpu()
    async with client(level.concurrency, ConnectionCounter()) as http:
        await asyncio.gather(*(browser(http) for _ in range(level.concurrency)))
    cpu = server.cpu() - cpu_before
    return Result(level, time.perf_counter() - started, latencies, errors, cpu)


async def drive(
    target: Target, server: ToolServer, levels: tuple[Level, ...], max_seconds: float
) -> list[Result]:
    async with client(8, ConnectionCounter()) as http:
        learners = await asyncio.gather(*(launch_learner(http, target, n) for n in range(LEARNERS)))
    # Warm every worker: content loaded, templates compiled, connections open (unmeasured).
    warm = Level("warm-up", 4, 2 * LEARNERS * len(PAGES) // 4)
    warmed = await run_level(warm, target, list(learners), time.monotonic() + 60, server)
    if warmed.errors:
        raise RuntimeError(f"warm-up requests failed: {dict(warmed.errors)}")
    deadline = time.monotonic() + max_seconds
    return [await run_level(level, target, list(learners), deadline, server) for level in levels]


def measure(database_url: str | None, quick: bool, max_seconds: float = 300) -> list[Result]:
    """Serve the tool with 2 workers, launch the learners, run the levels; stop the server."""
    platform = Platform()
    platform.start()
    server = ToolServer(workers=2, database_url=database_url)
    try:
        server.prepare(platform)
        server.start()
        server.wait_healthy()
        target = Target(server.base_url, platform)
        return asyncio.run(drive(target, server, QUICK_LEVELS if quick else LEVELS, max_seconds))
    finally:
        server.stop()
        platform.stop()


def report(results: list[Result]) -> list[str]:
    """Lines to print: each level, each page at c=16, and the ratios to the baselines."""
    ms = 1000
    lines = []
    by_name = {r.level.name: r.summary() for r in results}
    for s in by_name.values():
        lines.append(
            f"{s['level']}: {s['requests']} requests, {s['per_s']:.0f}/s, "
            f"p50 {s['p50'] * ms:.1f} ms, p95 {s['p95'] * ms:.1f} ms, "
            f"p99 {s['p99'] * ms:.1f} ms, errors {sum(s['errors'].values())} {s['errors'] or ''}"
        )
        cpu = s["cpu_ms"]
        lines.append(
            f"  CPU per request: tool {cpu['tool']:.2f} ms, database server "
            f"{cpu['database']:.2f} ms, driver {cpu['driver']:.2f} ms; "
            f"other processes {s['other_percent']:.0f} % of the machine"
        )
    loaded, alone = by_name["pages c=16"], by_name["pages c=1"]
    floor = by_name["healthz c=16 (baseline)"]
    for name, page in loaded["pages"].items():
        lines.append(
            f"  {name:<13} c=16 p50 {page['p50'] * ms:6.1f} ms, p95 {page['p95'] * ms:6.1f} ms"
            f"   (c=1 p50 {alone['pages'][name]['p50'] * ms:5.1f} ms)"
        )
    ok = loaded["p95"] < 0.1 and not loaded["errors"]
    lines.append(
        f"learner pages p95 at c=16: {loaded['p95'] * ms:.0f} ms (target < 100 ms): "
        f"{met(ok)}; ratio to /healthz p95 at c=16: "
        f"{loaded['p95'] / floor['p95']:.1f}x; to the pages' own p95 at c=1: "
        f"{loaded['p95'] / alone['p95']:.1f}x"
    )
    return lines
