"""What the benchmarks share, so each bench file holds only what it measures.

* the checkout on ``sys.path`` (a bench runs as ``.venv/bin/python bench/<name>.py``, which
  puts ``bench/`` there, not the repository whose ``lti_tool`` and ``tests`` it measures);
  import this module before anything of SkillCert's;
* timing, the met / NOT MET verdict and printing the results under the database's name;
* CPU seconds by process from /proc: the tool, PostgreSQL, this driver, the whole machine;
* databases: a scratch PostgreSQL schema per run, and the tool in this process on one;
* the simulated LMS (``Platform``) and the tool served by ``skillcert serve`` (``ToolServer``);
* a browser's side of an LTI launch: cookies, the OIDC login and the launch POST.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lti_tool.app import create_app
from lti_tool.cli import prepare_database
from lti_tool.models import Registration

CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "bench-dep"
SESSION_COOKIE = "skillcert_session"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=15)

T = TypeVar("T")


# -- timing and reporting ---------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall-clock seconds one call of ``fn`` took, and what it returned."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def met(ok: bool) -> str:
    """How a result line says whether a target was met."""
    return "met" if ok else "NOT MET"


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", help="a loopback postgresql:// URL (default: SQLite)")


def print_results(database_url: str | None, lines: list[str]) -> None:
    """The result lines, under the name of the database they were measured on."""
    print(f"\n{'PostgreSQL' if database_url else 'SQLite'}:")
    print("\n".join(lines))


# -- CPU time, from /proc ---------------------------------------------------------------


def proc_stats() -> Iterator[tuple[int, str, list[str]]]:
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


def user_system(fields: list[str], reaped: bool = False) -> tuple[int, int]:
    """utime and stime in clock ticks; with ``reaped``, plus those of waited-for children."""
    user, system, child_user, child_system = (int(v) for v in fields[11:15])
    return (user + child_user, system + child_system) if reaped else (user, system)


def postgres_seconds(stats: list[tuple[int, str, list[str]]]) -> float:
    """CPU seconds of the PostgreSQL server among ``stats`` (``proc_stats``): its processes,
    plus what the postmaster reaped. A backend that exits between two readings would
    otherwise take its time with it, and the difference could even come out negative."""
    server = {pid: fields for pid, name, fields in stats if name == "postgres"}
    ticks = sum(
        sum(user_system(fields, reaped=int(fields[1]) not in server))  # the postmaster
        for fields in server.values()
    )
    return ticks / CLOCK_TICKS


def machine_busy_seconds() -> float:
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


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


def cpu_snapshot(master: int) -> CpuSnapshot:
    tool_user = tool_system = 0
    pids = set()
    stats = list(proc_stats())
    for pid, _, fields in stats:
        if pid == master or int(fields[1]) == master:
            user, system = user_system(fields, reaped=pid == master)
            tool_user, tool_system = tool_user + user, tool_system + system
            pids.add(pid)
    if master not in pids:
        raise RuntimeError("The gunicorn master has exited.")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSnapshot(
        tool=(tool_user + tool_system) / CLOCK_TICKS,
        tool_system=tool_system / CLOCK_TICKS,
        database=postgres_seconds(stats),
        driver=usage.ru_utime + usage.ru_stime,
        machine=machine_busy_seconds(),
        tool_pids=frozenset(pids),
    )


# -- databases --------------------------------------------------------------------------


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


@contextlib.contextmanager
def scratch_database(url: str | None) -> Iterator[str | None]:
    """The tool's database URL for one run: a scratch schema in the PostgreSQL at ``url``,
    dropped at the end; without ``url``, None (the bench's SQLite file)."""
    if url is None:
        yield None
        return
    schema = ScratchSchema(url)
    schema.create()
    try:
        yield schema.tool_url
    finally:
        schema.drop()


def in_process_app(instance: str | Path, database_url: str | None, **config: Any) -> Flask:
    """SkillCert in this process on a fresh instance folder, schema migrated and a tool key
    made; without ``database_url``, on a SQLite file in the instance folder."""
    settings = {"instance_path": str(instance), **config}
    if database_url:
        settings["database_url"] = database_url
    app = create_app(settings)
    prepare_database(app)
    return app


def made_up_registration(session) -> Registration:
    """A flushed registration of an LMS that the benches seeding rows never call."""
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


# -- the tool under test, served --------------------------------------------------------


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


class GunicornApp:
    """An app served by gunicorn on loopback from a fresh folder, in its own process group:
    what SkillCert's ``skillcert serve`` and the launch bench's baseline tool share."""

    def __init__(self, workers: int, prefix: str) -> None:
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.instance = Path(tempfile.mkdtemp(prefix=prefix))
        self.log_path = self.instance / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def prepare(self, platform: Platform) -> None:
        """What the app needs before it starts: its storage, the platform's registration."""
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def spawn(self, argv: list[str], env: dict[str, str]) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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


class ToolServer(GunicornApp):
    """``skillcert serve`` on a fresh instance folder."""

    def __init__(self, workers: int, database_url: str | None) -> None:
        super().__init__(workers, prefix="skillcert-bench-")
        self.database_url = database_url or f"sqlite:///{self.instance / 'skillcert.db'}"
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
        self.spawn([self._cli, "serve", "--workers", str(self.workers), "--bind", bind], self.env())


# -- a browser's side of a launch -------------------------------------------------------


class CycleError(Exception):
    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class Target:
    """A tool to launch, and how its LTI endpoints are laid out (SkillCert's by default)."""

    tool_url: str
    platform: Platform
    login_path: str = "/lti/login"
    launch_path: str = "/lti/launch"
    #: The state cookie's name is this followed by the state.
    state_cookie_prefix: str = "lti_"
    #: The cookie that holds the user's session after the launch.
    session_cookie: str = SESSION_COOKIE

    @property
    def launch_url(self) -> str:
        return self.tool_url + self.launch_path


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


async def expect(
    response: aiohttp.ClientResponse, status: int | tuple[int, ...], step: str
) -> bytes:
    """The response's body, if its status is ``status`` (or one of them)."""
    body = await response.read()
    if response.status not in (status if isinstance(status, tuple) else (status,)):
        raise CycleError(f"{step}: HTTP {response.status}", text_snippet(body))
    return body


def parse_auth_redirect(location: str, target: Target) -> tuple[str, str]:
    """State and nonce from the tool's redirect to the platform's authorisation endpoint."""
    if not location.startswith(target.platform.auth_url + "?"):
        raise CycleError("login: redirect not to the platform", location[:200])
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    expected = {"client_id": CLIENT_ID, "redirect_uri": target.launch_url}
    if any(query.get(k) != v for k, v in expected.items()) or not {"state", "nonce"} <= set(query):
        raise CycleError("login: incomplete auth request", location[:200])
    return query["state"], query["nonce"]


async def login(
    http: aiohttp.ClientSession,
    target: Target,
    jar: dict[str, str],
    sub: str,
    headers: dict[str, str] | None = None,
) -> tuple[str, str]:
    """The OIDC login a launch starts with: its state and nonce, its cookies in ``jar``."""
    login = {
        "iss": target.platform.issuer,
        "login_hint": sub,
        "target_link_uri": target.launch_url,
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    login_url = target.tool_url + target.login_path + "?" + urlencode(login)
    async with http.get(login_url, headers=headers, allow_redirects=False) as response:
        await expect(response, 302, "login")
        take_cookies(jar, response, "login")
        state, nonce = parse_auth_redirect(response.headers.get("Location", ""), target)
    if target.state_cookie_prefix + state not in jar:
        raise CycleError(f"login: no {target.state_cookie_prefix}<state> cookie")
    return state, nonce


async def post_launch(
    http: aiohttp.ClientSession,
    target: Target,
    jar: dict[str, str],
    claims: dict[str, Any],
    state: str,
) -> str:
    """The signed id_token POSTed as the platform's form does; where the tool redirects to."""
    _, location, _ = await post_id_token(http, target, jar, claims, state, status=302)
    return location


async def post_id_token(
    http: aiohttp.ClientSession,
    target: Target,
    jar: dict[str, str],
    claims: dict[str, Any],
    state: str,
    status: int | tuple[int, ...],
    headers: dict[str, str] | None = None,
) -> tuple[int, str, bytes]:
    """The launch POST, expecting ``status``: the status, the Location header and the body."""
    form = {"id_token": target.platform.sign(claims), "state": state}
    headers = cookie_header(jar) | (headers or {})
    async with http.post(
        target.launch_url, data=form, headers=headers, allow_redirects=False
    ) as response:
        body = await expect(response, status, "launch")
        take_cookies(jar, response, "launch")
        return response.status, response.headers.get("Location", ""), body


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
