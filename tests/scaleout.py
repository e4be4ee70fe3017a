"""SkillCert scaled out on loopback: two hosts behind HAProxy, two job workers, one
PostgreSQL schema and one Redis, as docs/deployment.md lays it out in production.

Each host is ``skillcert serve`` (gunicorn) with its own port and instance folder; they
share the secret key, the key-encryption key, the database and Redis, and know the
balancer's URL as their public one. HAProxy balances round-robin with no stickiness, adds
``X-SkillCert-Host`` (which host answered) to every response, retries a request whose
connection failed on the other host, and retries a GET or HEAD that a dying host left
unanswered; a POST that was already sent is never replayed (``disable-l7-retry``):
HAProxy's configuration manual, /usr/share/doc/haproxy/configuration.txt.gz (2.6,
"retry-on" and "http-request disable-l7-retry"), read 2026-12-06.

Used by tests/test_scale_out.py and bench/scale.py; everything it starts is stopped in
``Cluster.stop`` (each process in its own group), even when starting failed half-way.
"""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from bench.harness import ToolServer, free_port, skillcert_executable
from lti_tool.keyring import new_kek
from lti_tool.resources import resource_dir

#: The response header naming the host that answered (HAProxy's server name).
HOST_HEADER = "X-SkillCert-Host"
HOST_NAMES = ("web-a", "web-b", "web-c", "web-d")
START_SECONDS = 60.0
#: Requests a gunicorn worker serves at once (config/gunicorn.conf.py): HAProxy queues the
#: rest itself, so a burst waits in its queue, not in gunicorn's backlog behind /healthz.
GUNICORN_THREADS = runpy.run_path(str(resource_dir("config") / "gunicorn.conf.py"))["threads"]

HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 60s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503
    option forwardfor
frontend skillcert
    bind 127.0.0.1:{port}
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    http-request set-priority-class int(1) if {{ path_beg /lti/login }}
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /healthz
    http-response set-header {header} %[srv_name]
{servers}
"""


def missing_component(database_url: str | None, redis_url: str) -> str | None:
    """Why the scale-out layout cannot run here (None: it can)."""
    if not shutil.which("haproxy"):
        return "haproxy is not installed (apt-get install -y haproxy)"
    if not database_url:
        return "no PostgreSQL to share between the hosts"
    try:
        with redis.Redis.from_url(redis_url, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        return f"no Redis answers at {redis_url} ({type(exc).__name__})"
    return None


class Host(ToolServer):
    """One web host: ``skillcert serve`` with the installation's shared settings."""

    def __init__(self, name: str, web_workers: int, shared: dict[str, str]) -> None:
        super().__init__(web_workers, shared["SKILLCERT_DATABASE_URL"])
        self.name = name
        self.shared = shared

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.shared}

    def kill(self) -> None:
        """SIGKILL the whole host (gunicorn master and workers): a machine that died."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class JobWorker:
    """``skillcert worker`` with the installation's shared settings and its own folder."""

    def __init__(self, workdir: Path, env: dict[str, str], poll_seconds: float) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="skillcert-worker-", dir=workdir))
        self.log_path = self.folder / "worker.log"
        env = {**env, "SKILLCERT_INSTANCE_PATH": str(self.folder)}
        argv = [skillcert_executable(), "worker", "--poll-seconds", str(poll_seconds)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def worker_id(self, timeout: float = START_SECONDS) -> str:
        """The id the worker claims jobs under (it prints it when it starts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"Worker (\S+) started", self.log_path.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"A worker exited:\n{self.log_path.read_text()}")
            time.sleep(0.1)
        raise RuntimeError("A worker did not start in time.")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


class Balancer:
    """HAProxy in the foreground with a generated configuration, in its own group."""

    def __init__(self, workdir: Path, port: int, hosts: list[Host]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.hosts = hosts
        self.config_path = workdir / "haproxy.cfg"
        self.log_path = workdir / "haproxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        servers = "\n".join(
            f"    server {host.name} 127.0.0.1:{host.port} check inter 1s fall 2 rise 1"
            f" maxconn {host.workers * GUNICORN_THREADS}"
            for host in self.hosts
        )
        self.config_path.write_text(
            HAPROXY_CONFIG.format(port=self.port, header=HOST_HEADER, servers=servers)
        )

    def start(self) -> None:
        self.write_config()
        argv = [shutil.which("haproxy") or "haproxy", "-db", "-f", str(self.config_path)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited:\n{self.log_path.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("haproxy did not listen in 10 s.")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Cluster:
    """The whole layout; ``start`` migrates the schema, then starts hosts, balancer and
    workers, and waits until every host answers its health check."""

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        *,
        hosts: int = 2,
        web_workers: int = 1,
        job_workers: int = 2,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="skillcert-scaleout-"))
        self.database_url = database_url
        self.redis_url = redis_url
        self.job_worker_count = job_workers
        balancer_port = free_port()
        self.shared: dict[str, str] = {
            "SKILLCERT_DATABASE_URL": database_url,
            "SKILLCERT_REDIS_URL": redis_url,
            "SKILLCERT_SECRET_KEY": secrets.token_urlsafe(32),
            "SKILLCERT_KEY_ENCRYPTION_KEY": new_kek(),
            "SKILLCERT_BASE_URL": f"http://127.0.0.1:{balancer_port}",
            "SKILLCERT_TRUSTED_PROXY_COUNT": "1",
            **(settings or {}),
        }
        self.hosts = [Host(HOST_NAMES[i], web_workers, self.shared) for i in range(hosts)]
        self.balancer = Balancer(self.workdir, balancer_port, self.hosts)
        self.workers: list[JobWorker] = []

    @property
    def url(self) -> str:
        return self.balancer.url

    def worker_env(self) -> dict[str, str]:
        return self.hosts[0].env()

    def start(self) -> None:
        try:
            self.hosts[0].cli("db", "upgrade")
            for host in self.hosts:
                host.start()
            for host in self.hosts:
                host.wait_healthy(START_SECONDS)
            self.balancer.start()
            self.start_workers(self.job_worker_count)
        except BaseException:
            self.stop()
            raise

    def start_workers(self, count: int, poll_seconds: float = 0.2) -> None:
        for _ in range(count):
            self.workers.append(JobWorker(self.workdir, self.worker_env(), poll_seconds))

    def stop(self) -> None:
        """Stop everything started, in reverse order; remove the folders."""
        for worker in self.workers:
            worker.stop()
        self.balancer.stop()
        for host in self.hosts:
            host.stop()
            shutil.rmtree(host.instance, ignore_errors=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def running(database_url: str, redis_url: str, **options) -> Iterator[Cluster]:
    cluster = Cluster(database_url, redis_url, **options)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
