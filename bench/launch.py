"""Launch benchmark: full LTI 1.3 login + launch cycles against SkillCert in production mode.

What is measured, and why
-------------------------
A class that starts an exam at once is the load that matters most for an LTI tool: every
student's browser runs the OIDC login, posts a signed id_token to the tool and lands on
the tool's first page within a few seconds of each other. This script reproduces that on
loopback, with the tool exactly as it is deployed:

* a simulated LMS (the "platform") lives in this process: its own RSA key, and a JWKS
  endpoint served over real HTTP from a thread, which the tool fetches to verify tokens;
* the tool runs as ``skillcert serve --workers 2`` (gunicorn, gthread workers) on a fresh
  instance folder and a fresh database (SQLite file, or a new schema in PostgreSQL);
* one *launch* is what a browser does: ``GET /lti/login`` (302 to the platform with state
  and nonce, plus the ``lti_<state>`` cookie) -> the platform signs an id_token with that
  nonce (done here, locally, as the LMS would) -> ``POST /lti/launch`` with the cookie
  (302 to ``/learn/`` plus the ``skillcert_session`` cookie) -> ``GET /learn/`` (200).

Launches run at concurrency 1, 16 and 300 (300 = waves of simultaneous launches, each on
its own new connection). For each level we report launches/s, p50/p95/p99 latency of the
whole cycle, errors (any unexpected status, missing cookie or exception), and CPU seconds
per launch read from /proc before and after the level:

* tool: utime+stime of the gunicorn master and its workers (the target is about this);
* DB: the PostgreSQL server processes (with SQLite the database works inside the tool);
* driver: this process (signing, HTTP client) — kept out of the tool's number, shown
  because on a small machine both compete for the same cores;
* other %: the rest of the machine's busy time; a high value means the latencies of that
  level were disturbed by something else running.

The unit for CPU is the cost of one RS256 verification: PyJWT ``jwt.decode`` of a typical
LTI id_token (the claims this script sends) with a parsed public key, timed in CPU time in
the same run, before and after the load (the lower is used; the RSA check alone is
reported too). The targets: tool CPU per launch at most 15 such verifications; at 300
simultaneous launches p95 under one second and zero errors.
Results are printed and written to bench/results/launch-<database>-<time>.json.

Run:  .venv/bin/python bench/launch.py [--quick] [--database postgresql://127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import importlib.util
import itertools
import json
import math
import os
import platform as py_platform
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import timeit
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "bench-dep"
SESSION_COOKIE = "skillcert_session"
LANDING_PATH = "/learn/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"

#: Targets from the issue.
CPU_RATIO_TARGET = 15.0
BURST_P95_TARGET_S = 1.0

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=15)


@dataclasses.dataclass(frozen=True)
class Level:
    """One load level: ``burst`` levels start ``concurrency`` cycles at the same instant."""

    concurrency: int
    launches: int
    burst: bool = False

    @property
    def name(self) -> str:
        return f"c={self.concurrency}"

    @property
    def class_size(self) -> int:
        # A burst is one class launching together (a second wave is the same students
        # again); a steady level is a stream of different students.
        return self.concurrency if self.burst else self.launches


FULL_LEVELS = (Level(1, 200), Level(16, 800), Level(300, 600, burst=True))
QUICK_LEVELS = (Level(1, 50), Level(16, 160), Level(300, 300, burst=True))


# -- the simulated platform -------------------------------------------------------------


class Platform:
    """The LMS side: an RSA key, a JWKS endpoint over HTTP, and id_token signing."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "bench-" + secrets.token_hex(4)
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def auth_url(self) -> str:
        return self.issuer + "/auth"

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        return {"keys": [jwk]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/jwks.json":
                    self.send_error(404)
                    return
                platform.jwks_requests += 1
                body = json.dumps(platform.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def claims(self, *, sub: str, name: str, nonce: str, target: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": sub,
            "name": name,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": target,
            LTI + "resource_link": {"id": "link-1", "title": "Certification exam"},
            LTI + "roles": [LEARNER],
            LTI + "context": {"id": "course-1", "title": "Bench course"},
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


@dataclasses.dataclass(frozen=True)
class VerifyCost:
    """Seconds of CPU for one verification of a typical LTI id_token (this driver's claims)."""

    #: PyJWT ``jwt.decode`` with a parsed public key: the unit of the issue's target.
    pyjwt_decode: float
    #: The RSA PKCS#1 v1.5 signature check alone (cryptography), for comparison.
    rsa_only: float

    def best(self, other: VerifyCost) -> VerifyCost:
        """The lower of two measurements: the one least disturbed by other processes."""
        return VerifyCost(
            min(self.pyjwt_decode, other.pyjwt_decode), min(self.rsa_only, other.rsa_only)
        )

    def as_us(self) -> dict[str, float]:
        return {
            "pyjwt_decode": round(self.pyjwt_decode * 1e6, 2),
            "rsa_only": round(self.rsa_only * 1e6, 2),
        }


def measure_verify_cost(platform: Platform, number: int = 2000, repeat: int = 5) -> VerifyCost:
    """Best-of-``repeat`` mean over ``number`` runs, timed in this thread's CPU time."""
    claims = platform.claims(
        sub="student-0", name="Student 0", nonce=secrets.token_urlsafe(24), target=platform.issuer
    )
    token = platform.sign(claims)
    public_key = platform.private_key.public_key()
    signing_input, signature = token.rsplit(".", 1)
    raw_signature = jwt.utils.base64url_decode(signature)

    def decode() -> None:
        jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            audience=CLIENT_ID,
            issuer=platform.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )

    def rsa_verify() -> None:
        public_key.verify(raw_signature, signing_input.encode(), PKCS1v15(), SHA256())

    def best(function: Any) -> float:
        runs = timeit.repeat(function, number=number, repeat=repeat, timer=time.thread_time)
        return min(runs) / number

    return VerifyCost(pyjwt_decode=best(decode), rsa_only=best(rsa_verify))


# -- the tool under test ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skillcert_executable() -> str:
    beside = Path(sys.executable).parent / "skillcert"
    found = str(beside) if beside.exists() else shutil.which("skillcert")
    if not found:
        sys.exit("skillcert is not installed: run `pip install -e .[test]` in the venv first.")
    return found


def _proc_stats() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, fields after the name) of every process; state is field 0."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # the process has just exited
        name, rest = raw.split(" (", 1)[1].rsplit(")", 1)
        yield int(entry.name), name, rest.split()


def _user_system(fields: list[str], reaped: bool = False) -> tuple[int, int]:
    """utime and stime in clock ticks; with ``reaped``, plus those of waited-for children."""
    user, system, child_user, child_system = (int(v) for v in fields[11:15])
    return (user + child_user, system + child_system) if reaped else (user, system)


@dataclasses.dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far, by whom; a level's share is the difference of two."""

    #: gunicorn master + workers (the master's cutime/cstime keep workers already reaped).
    tool: float
    #: The part of ``tool`` spent in the kernel (socket I/O, scheduling, file writes).
    tool_system: float
    #: PostgreSQL server processes (with SQLite the database works inside the tool).
    database: float
    #: This process: the load driver and the platform's JWKS thread.
    driver: float
    #: Every process on the machine (busy time in /proc/stat).
    machine: float
    tool_pids: frozenset[int]

    def __sub__(self, other: CpuSnapshot) -> dict[str, float]:
        names = ("tool", "tool_system", "database", "driver", "machine")
        used = {name: getattr(self, name) - getattr(other, name) for name in names}
        used["other"] = max(0.0, used["machine"] - used["tool"] - used["database"] - used["driver"])
        return used


def machine_busy_seconds() -> float:
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_snapshot(master: int) -> CpuSnapshot:
    tool_user = tool_system = database = 0
    pids = set()
    for pid, name, fields in _proc_stats():
        if pid == master or int(fields[1]) == master:
            user, system = _user_system(fields, reaped=pid == master)
            tool_user, tool_system = tool_user + user, tool_system + system
            pids.add(pid)
        elif name == "postgres":
            database += sum(_user_system(fields))
    if master not in pids:
        raise RuntimeError("The gunicorn master has exited.")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSnapshot(
        tool=(tool_user + tool_system) / CLOCK_TICKS,
        tool_system=tool_system / CLOCK_TICKS,
        database=database / CLOCK_TICKS,
        driver=usage.ru_utime + usage.ru_stime,
        machine=machine_busy_seconds(),
        tool_pids=frozenset(pids),
    )


class ToolServer:
    """``skillcert serve`` on a fresh instance folder, in its own process group."""

    def __init__(self, workers: int, database_url: str | None) -> None:
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.instance = Path(tempfile.mkdtemp(prefix="skillcert-bench-"))
        self.database_url = database_url or f"sqlite:///{self.instance / 'skillcert.db'}"
        self.log_path = self.instance / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._cli = skillcert_executable()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLCERT_")}
        env.update(
            SKILLCERT_BASE_URL=self.base_url,
            SKILLCERT_INSTANCE_PATH=str(self.instance),
            SKILLCERT_DATABASE_URL=self.database_url,
        )
        return env

    def cli(self, *args: str) -> None:
        done = subprocess.run(
            [self._cli, *args], env=self.env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"skillcert {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def prepare(self, platform: Platform) -> None:
        self.cli("db", "upgrade")
        self.cli(
            "platform", "add", "--preset", "generic", "--issuer", platform.issuer,
            "--client-id", CLIENT_ID, "--deployment-id", DEPLOYMENT_ID,
            "--auth-login-url", platform.auth_url,
            "--auth-token-url", platform.issuer + "/token",
            "--key-set-url", platform.issuer + "/jwks.json",
        )  # fmt: skip

    def start(self) -> None:
        bind = f"127.0.0.1:{self.port}"
        argv = [self._cli, "serve", "--workers", str(self.workers), "--bind", bind]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The tool exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            if self._healthz() == 200 and self.all_workers_up():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"The tool did not become healthy in {timeout:.0f} s:\n{self.log_tail()}"
        )

    def _healthz(self) -> int | None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                status_line = sock.makefile("rb").readline().decode()
            return int(status_line.split()[1])
        except (OSError, ValueError, IndexError):
            return None

    def all_workers_up(self) -> bool:
        return len(self.cpu().tool_pids) > self.workers

    def cpu(self) -> CpuSnapshot:
        assert self.process is not None
        return cpu_snapshot(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """SIGTERM the whole process group (gunicorn shuts down gracefully), then SIGKILL."""
        if self.process is None:
            return
        try:  # even if the master has died: its workers may still be in the group
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def made_up_registration(session) -> Any:
    """A flushed registration of an LMS that the benches seeding rows never call."""
    from lti_tool.models import Registration

    registration = Registration(
        name="Bench",
        issuer="https://lms.example",
        client_id="c",
        auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token",
        key_set_url="https://lms.example/jwks",
    )
    session.add(registration)
    session.flush()
    return registration


# -- PostgreSQL: a fresh schema for each run --------------------------------------------


class ScratchSchema:
    """A new schema in the given PostgreSQL database, dropped again at the end.

    The tool reaches it through ``search_path`` in the URL, so nothing else in the database
    (another engineer's tests in ``public``, for instance) is touched.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            sys.exit("--database must be a postgresql:// URL.")
        if parsed.host not in {"127.0.0.1", "localhost", "::1"}:
            sys.exit("--database must point at a PostgreSQL server on this machine (loopback).")
        self.name = f"skillcert_bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.admin_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.tool_url = parsed.update_query_dict(
            {"options": f"-csearch_path={self.name}"}
        ).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> tuple[Any, ...] | None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchone() if cursor.description else None

    def create(self) -> None:
        print(f"PostgreSQL: creating scratch schema {self.name} (dropped at the end).")
        self._execute(f'CREATE SCHEMA "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')

    def server_version(self) -> str:
        row = self._execute("SHOW server_version")
        return str(row[0]) if row else "?"


# -- one launch, as a browser does it ---------------------------------------------------


class CycleError(Exception):
    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class Outcome:
    seconds: float
    error: str | None = None
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Target:
    tool_url: str
    platform: Platform

    @property
    def launch_url(self) -> str:
        return self.tool_url + "/lti/launch"


def text_snippet(body: bytes, limit: int = 240) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body.decode(errors="replace"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:limit]


def take_cookies(jar: dict[str, str], response: aiohttp.ClientResponse, step: str) -> None:
    """Apply Set-Cookie as a browser on http://127.0.0.1 would (no Secure cookies kept)."""
    for name, morsel in response.cookies.items():
        if morsel["secure"]:
            raise CycleError(f"{step}: cookie {name[:16]}… set with Secure on plain http")
        if morsel["max-age"] == "0":
            jar.pop(name, None)
        else:
            jar[name] = morsel.value


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


async def expect(response: aiohttp.ClientResponse, status: int, step: str) -> None:
    body = await response.read()
    if response.status != status:
        raise CycleError(f"{step}: HTTP {response.status}", text_snippet(body))


def parse_auth_redirect(location: str, target: Target) -> tuple[str, str]:
    """State and nonce from the tool's redirect to the platform's authorisation endpoint."""
    if not location.startswith(target.platform.auth_url + "?"):
        raise CycleError("login: redirect not to the platform", location[:200])
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    expected = {"client_id": CLIENT_ID, "redirect_uri": target.launch_url}
    if any(query.get(k) != v for k, v in expected.items()) or not {"state", "nonce"} <= set(query):
        raise CycleError("login: incomplete auth request", location[:200])
    return query["state"], query["nonce"]


@dataclasses.dataclass(frozen=True)
class Student:
    sub: str
    name: str


def student(level: Level, n: int) -> Student:
    """The n-th launch of a level: a new student, or (second burst wave) one returning."""
    number = n % level.class_size
    return Student(f"c{level.concurrency}-student-{number}", f"Student {number}")


async def launch_cycle(http: aiohttp.ClientSession, target: Target, who: Student) -> Outcome:
    """One login + launch + landing page; errors become an :class:`Outcome` with a key."""
    started = time.perf_counter()
    step = "login"
    try:
        jar: dict[str, str] = {}
        sub = who.sub
        login = {
            "iss": target.platform.issuer,
            "login_hint": sub,
            "target_link_uri": target.launch_url,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        }
        login_url = target.tool_url + "/lti/login?" + urlencode(login)
        async with http.get(login_url, allow_redirects=False) as response:
            await expect(response, 302, step)
            take_cookies(jar, response, step)
            state, nonce = parse_auth_redirect(response.headers.get("Location", ""), target)
        if f"lti_{state}" not in jar:
            raise CycleError("login: no lti_<state> cookie")

        step = "launch"
        claims = target.platform.claims(
            sub=sub, name=who.name, nonce=nonce, target=target.launch_url
        )
        form = {"id_token": target.platform.sign(claims), "state": state}
        async with http.post(
            target.launch_url, data=form, headers=cookie_header(jar), allow_redirects=False
        ) as response:
            await expect(response, 302, step)
            take_cookies(jar, response, step)
            landing = urljoin(target.tool_url + "/", response.headers.get("Location", ""))
        if urlsplit(landing).path != LANDING_PATH:
            raise CycleError("launch: redirect not to the landing page", landing)
        if SESSION_COOKIE not in jar:
            raise CycleError("launch: no session cookie")

        step = "landing"
        async with http.get(landing, headers=cookie_header(jar), allow_redirects=False) as response:
            await expect(response, 200, step)
    except CycleError as exc:
        return Outcome(time.perf_counter() - started, exc.key, exc.detail)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(time.perf_counter() - started, f"{step}: {type(exc).__name__}", str(exc))
    return Outcome(time.perf_counter() - started)


# -- load levels ------------------------------------------------------------------------


class ConnectionCounter:
    """Counts TCP connections the client opens (proof that a burst is really concurrent)."""

    def __init__(self) -> None:
        self.opened = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._opened)

    async def _opened(self, *_: Any) -> None:
        self.opened += 1


def client(concurrency: int, counter: ConnectionCounter) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
        cookie_jar=aiohttp.DummyCookieJar(),  # each cycle keeps its own cookies, by hand
        timeout=REQUEST_TIMEOUT,
        trace_configs=[counter.trace],
    )


async def run_steady(
    level: Level, target: Target, deadline: float, counter: ConnectionCounter
) -> list[Outcome]:
    """``concurrency`` simulated browsers, each starting its next launch when one ends."""
    outcomes: list[Outcome] = []
    numbers = itertools.count()

    async def browser(http: aiohttp.ClientSession) -> None:
        for n in numbers:
            if n >= level.launches or time.monotonic() > deadline:
                return
            outcomes.append(await launch_cycle(http, target, student(level, n)))

    async with client(level.concurrency, counter) as http:
        await asyncio.gather(*(browser(http) for _ in range(level.concurrency)))
    return outcomes


async def run_burst(
    level: Level, target: Target, deadline: float, counter: ConnectionCounter
) -> list[Outcome]:
    """Waves of ``concurrency`` launches released at one instant, each on a new connection."""
    outcomes: list[Outcome] = []
    while len(outcomes) < level.launches and time.monotonic() < deadline:
        size = min(level.concurrency, level.launches - len(outcomes))
        async with client(level.concurrency, counter) as http:
            outcomes.extend(await one_wave(http, target, [student(level, n) for n in range(size)]))
    return outcomes


async def one_wave(
    http: aiohttp.ClientSession, target: Target, students: list[Student]
) -> list[Outcome]:
    """One launch per student, all waiting at one gate, then released together."""
    gate = asyncio.Event()

    async def gated(who: Student) -> Outcome:
        await gate.wait()
        return await launch_cycle(http, target, who)

    tasks = [asyncio.create_task(gated(who)) for who in students]
    await asyncio.sleep(0.05)  # let every task reach the gate
    gate.set()
    return list(await asyncio.gather(*tasks))


@dataclasses.dataclass(frozen=True)
class LevelResult:
    level: Level
    outcomes: list[Outcome]
    wall_seconds: float
    #: CPU seconds used during the level: tool (tool_system of it), database, driver,
    #: machine, other.
    cpu: dict[str, float]
    connections_opened: int
    worker_pids_changed: bool

    @property
    def latencies(self) -> list[float]:
        return sorted(o.seconds for o in self.outcomes if o.error is None)

    @property
    def errors(self) -> Counter[str]:
        return Counter(o.error for o in self.outcomes if o.error is not None)

    def error_samples(self) -> dict[str, str]:
        samples: dict[str, str] = {}
        for o in self.outcomes:
            if o.error is not None:
                samples.setdefault(o.error, o.detail)
        return samples

    def percentile_ms(self, p: float) -> float | None:
        """Nearest-rank percentile of the successful cycles' latency."""
        values = self.latencies
        if not values:
            return None
        return round(values[max(0, math.ceil(p / 100 * len(values)) - 1)] * 1000, 1)

    def summary(self, verify: VerifyCost, nproc: int) -> dict[str, Any]:
        launches = max(1, len(self.outcomes))

        def per_launch_ms(seconds: float) -> float:
            return round(seconds / launches * 1000, 3)

        return {
            "level": self.level.name,
            "concurrency": self.level.concurrency,
            "burst": self.level.burst,
            "launches": len(self.outcomes),
            "launches_planned": self.level.launches,
            "succeeded": len(self.latencies),
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors),
            "error_samples": self.error_samples(),
            "wall_seconds": round(self.wall_seconds, 3),
            "launches_per_second": round(len(self.outcomes) / max(self.wall_seconds, 1e-9), 2),
            "latency_ms": {f"p{p}": self.percentile_ms(p) for p in (50, 95, 99)}
            | {"max": self.percentile_ms(100)},
            "tool_cpu_ms_per_launch": per_launch_ms(self.cpu["tool"]),
            "tool_cpu_ms_per_launch_in_kernel": per_launch_ms(self.cpu["tool_system"]),
            "tool_cpu_per_launch_in_rs256_verifies": round(
                self.cpu["tool"] / launches / verify.pyjwt_decode, 1
            ),
            "database_server_cpu_ms_per_launch": per_launch_ms(self.cpu["database"]),
            "driver_cpu_ms_per_launch": per_launch_ms(self.cpu["driver"]),
            "other_processes_cpu_percent": round(
                100 * self.cpu["other"] / max(self.wall_seconds * nproc, 1e-9), 1
            ),
            "tcp_connections_opened": self.connections_opened,
            "gunicorn_workers_restarted": self.worker_pids_changed,
        }


async def run_level(
    level: Level, target: Target, server: ToolServer, deadline: float
) -> LevelResult:
    counter = ConnectionCounter()
    runner = run_burst if level.burst else run_steady
    before, started = server.cpu(), time.perf_counter()
    outcomes = await runner(level, target, deadline, counter)
    wall = time.perf_counter() - started
    after = server.cpu()
    return LevelResult(
        level=level,
        outcomes=outcomes,
        wall_seconds=wall,
        cpu=after - before,
        connections_opened=counter.opened,
        worker_pids_changed=before.tool_pids != after.tool_pids,
    )


async def warm_up(target: Target, workers: int) -> None:
    """A few unmeasured launches so every worker has imported, connected and fetched JWKS.

    Some failing is reported and the levels still run (their errors are counted there);
    all failing means the setup is wrong, and the run stops.
    """
    level = Level(concurrency=2 * workers, launches=10 * workers)
    outcomes = await run_steady(level, target, time.monotonic() + 60, ConnectionCounter())
    failed = [o for o in outcomes if o.error]
    if not failed:
        return
    message = f"{len(failed)}/{len(outcomes)} warm-up launches failed: {failed[0].error} — "
    message += failed[0].detail
    if len(failed) == len(outcomes):
        raise RuntimeError(message)
    print(f"  {message}")


# -- report -----------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    model = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": py_platform.release(),
        "python": py_platform.python_version(),
    }


def tool_source() -> Path:
    """The folder holding the ``lti_tool`` package this interpreter (and so the tool) uses."""
    spec = importlib.util.find_spec("lti_tool")
    if spec is None or spec.origin is None:
        sys.exit("lti_tool is not importable: install SkillCert in this environment first.")
    return Path(spec.origin).resolve().parent.parent


def git_state() -> dict[str, Any]:
    """The tool's source folder, its commit and uncommitted changes (read-only git calls)."""
    source = tool_source()
    env = os.environ | {"GIT_OPTIONAL_LOCKS": "0"}  # git status must not touch the index

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=source, env=env, capture_output=True, text=True, check=False
        )
        return done.stdout.rstrip("\n") if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    commit = git("rev-parse", "--short", "HEAD") or None
    return {"source": str(source), "commit": commit, "uncommitted": changed}


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


COLUMNS = (  # (header, width, key in the level summary, format)
    ("level", 7, "level", ""),
    ("launches", 9, "launches", "d"),
    ("errors", 7, "errors", "d"),
    ("launch/s", 9, "launches_per_second", ".1f"),
    ("p50 ms", 8, "p50", ".0f"),
    ("p95 ms", 8, "p95", ".0f"),
    ("p99 ms", 8, "p99", ".0f"),
    ("tool CPU ms", 12, "tool_cpu_ms_per_launch", ".2f"),
    ("x verify", 9, "tool_cpu_per_launch_in_rs256_verifies", ".1f"),
    ("DB CPU ms", 10, "database_server_cpu_ms_per_launch", ".2f"),
    ("driver ms", 10, "driver_cpu_ms_per_launch", ".2f"),
    ("other %", 8, "other_processes_cpu_percent", ".0f"),
)


def table_rows(summaries: list[dict[str, Any]]) -> list[str]:
    """A header and one line per level; the first column left-aligned, numbers right."""

    def line(cells: list[str]) -> str:
        widths = [width for _, width, _, _ in COLUMNS]
        return cells[0].ljust(widths[0]) + "".join(
            cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)
        )

    rows = [line([title for title, _, _, _ in COLUMNS])]
    for s in summaries:
        values = s | s["latency_ms"]
        rows.append(
            line(
                [
                    fmt(values[key], spec) if spec else str(values[key])
                    for _, _, key, spec in COLUMNS
                ]
            )
        )
    return rows


def print_report(summaries: list[dict[str, Any]], verify: VerifyCost, v: dict[str, Any]) -> None:
    def mark(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print("\n".join(table_rows(summaries)))
    print(
        f"\nOne RS256 verify: {verify.pyjwt_decode * 1e6:.1f} µs CPU with PyJWT jwt.decode "
        f"({verify.rsa_only * 1e6:.1f} µs for the RSA check alone)."
    )
    print(
        f"Tool CPU per launch, all levels: {v['tool_cpu_ms_per_launch']:.2f} ms = "
        f"{v['cpu_ratio']:.1f}x one RS256 verify (target ≤ {CPU_RATIO_TARGET:.0f}x): "
        f"{mark(v['cpu_target_met'])}"
    )
    print(
        f"300 simultaneous launches: p95 {fmt(v['burst_p95_ms'], '.0f')} ms "
        f"(target < {BURST_P95_TARGET_S * 1000:.0f} ms): {mark(v['burst_p95_target_met'])}; "
        f"errors {v['burst_errors']} (target 0): {mark(v['burst_zero_errors_met'])}"
    )
    if any(s["errors"] for s in summaries):
        print("  Failed launches cost less CPU: with errors the CPU per launch is too low.")
    for s in summaries:
        for kind, count in s["errors_by_kind"].items():
            print(f"  {s['level']} error x{count}: {kind} — {s['error_samples'][kind][:200]}")
        if s["gunicorn_workers_restarted"]:
            print(f"  {s['level']}: the set of gunicorn workers changed during the level")
        if s["launches"] < s["launches_planned"]:
            print(f"  {s['level']}: stopped at the time cap after {s['launches']} launches")
        if s["other_processes_cpu_percent"] > 10:
            print(
                f"  {s['level']}: other processes used {s['other_processes_cpu_percent']}% "
                "of the machine: the latencies are disturbed"
            )


def verdict(summaries: list[dict[str, Any]], verify: VerifyCost) -> dict[str, Any]:
    launches = max(1, sum(s["launches"] for s in summaries))
    cpu_ms = sum(s["tool_cpu_ms_per_launch"] * s["launches"] for s in summaries) / launches
    ratio = cpu_ms / 1000 / verify.pyjwt_decode
    bursts = [s for s in summaries if s["burst"]]
    p95s = [s["latency_ms"]["p95"] for s in bursts]
    p95 = None if not p95s or None in p95s else max(p95s)
    burst_errors = sum(s["errors"] for s in bursts)
    return {
        "tool_cpu_ms_per_launch": round(cpu_ms, 3),
        "cpu_ratio": round(ratio, 1),
        "cpu_ratio_vs_rsa_only": round(cpu_ms / 1000 / verify.rsa_only, 1),
        "cpu_ratio_target": CPU_RATIO_TARGET,
        "cpu_target_met": ratio <= CPU_RATIO_TARGET,
        "burst_p95_ms": p95,
        "burst_p95_target_ms": BURST_P95_TARGET_S * 1000,
        "burst_p95_target_met": p95 is not None and p95 < BURST_P95_TARGET_S * 1000,
        "burst_errors": burst_errors,
        "burst_zero_errors_met": bool(bursts) and burst_errors == 0,
        "all_levels_complete": all(s["launches"] == s["launches_planned"] for s in summaries),
    }


def results_stem(database: str) -> Path:
    """bench/results/launch-<database>-<time>: the JSON file (and server log) share it."""
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR / f"launch-{database}-{dt.datetime.now():%Y%m%d-%H%M%S}"


# -- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        help="PostgreSQL URL on loopback (a scratch schema is created in it and dropped). "
        "Default: a SQLite file in the temporary instance folder.",
    )
    parser.add_argument("--quick", action="store_true", help="Fewer launches (about a minute).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="Overall time cap for the load levels."
    )
    parser.add_argument("--keep-instance", action="store_true", help="Keep the instance folder.")
    return parser.parse_args(argv)


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


@dataclasses.dataclass
class Run:
    """What one benchmark run measured, for the report."""

    database: str
    database_version: str = "?"
    levels: list[LevelResult] = dataclasses.field(default_factory=list)
    git_before: dict[str, Any] = dataclasses.field(default_factory=dict)
    server_log: str = ""


def measure(args: argparse.Namespace, platform: Platform) -> Run:
    """Start the platform and the tool, drive every level, stop everything again."""
    schema = ScratchSchema(args.database) if args.database else None
    run = Run(database="postgresql" if schema else "sqlite", git_before=git_state())
    server = ToolServer(args.workers, schema.tool_url if schema else None)
    try:
        if schema:
            schema.create()
            run.database_version = schema.server_version()
        else:
            run.database_version = sqlite3.sqlite_version
        platform.start()
        server.prepare(platform)
        server.start()
        server.wait_healthy()
        print(f"SkillCert at {server.base_url} ({args.workers} workers, {run.database})")
        levels = QUICK_LEVELS if args.quick else FULL_LEVELS
        target = Target(server.base_url, platform)
        run.levels = asyncio.run(drive(levels, target, server, args))
        run.server_log = server.log_path.read_text(errors="replace")
    except Exception:
        print(f"--- end of the tool's log ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        platform.stop()
        if schema:
            schema.drop()
        if not args.keep_instance:
            shutil.rmtree(server.instance, ignore_errors=True)
    return run


def report(args: argparse.Namespace, run: Run, verify: dict[str, VerifyCost], jwks: int) -> None:
    """Print the table and the verdict; write the JSON (and the server log after errors)."""
    machine = machine_info()
    unit = verify["before_load"].best(verify["after_load"])
    summaries = [level.summary(unit, machine["nproc"]) for level in run.levels]
    outcome = verdict(summaries, unit)
    print()
    print_report(summaries, unit, outcome)
    git_after = git_state()
    if git_after != run.git_before:
        print("  The tool's source changed during the run: the numbers mix two versions.")
    stem = results_stem(run.database)
    data = {
        "benchmark": "bench/launch.py",
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": {"before": run.git_before, "after": git_after},
        "quick": args.quick,
        "machine": machine,
        "database": {"kind": run.database, "version": run.database_version},
        "tool": {"workers": args.workers, "server": "gunicorn gthread, config/gunicorn.conf.py"},
        "rs256_verify_us": unit.as_us() | {k: v.as_us() for k, v in verify.items()},
        "jwks_requests": jwks,
        "levels": summaries,
        "verdict": outcome,
    }
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nResults written to {stem.relative_to(BENCH_DIR.parent)}.json")
    if any(s["errors"] for s in summaries):
        stem.with_suffix(".server.log").write_text(run.server_log)
        print(f"The tool's log (with the errors' tracebacks): {stem.name}.server.log")


def main_run(args: argparse.Namespace) -> int:
    platform = Platform()
    verify = {"before_load": measure_verify_cost(platform)}  # nothing else of ours runs yet
    print(f"One RS256 verify (PyJWT decode): {verify['before_load'].pyjwt_decode * 1e6:.1f} µs")
    run = measure(args, platform)
    verify["after_load"] = measure_verify_cost(platform)
    report(args, run, verify, platform.jwks_requests)
    return 0


async def drive(
    levels: tuple[Level, ...], target: Target, server: ToolServer, args: argparse.Namespace
) -> list[LevelResult]:
    await warm_up(target, args.workers)
    deadline = time.monotonic() + args.max_seconds
    results = []
    for level in levels:
        print(f"{level.name}: {level.launches} launches{' in bursts' if level.burst else ''}…")
        result = await run_level(level, target, server, deadline)
        results.append(result)
        if result.errors:
            print(f"  errors: {dict(result.errors)}")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return main_run(args)
    except KeyboardInterrupt:
        print("Interrupted: the server was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
