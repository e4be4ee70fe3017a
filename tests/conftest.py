"""Fixtures: ``app``, ``client``, ``runner`` and ``lms`` (a simulated LMS that launches the tool).

The database comes from ``db_url``: a fresh SQLite file per test, and the same tests again
on PostgreSQL in a schema of their own, emptied between tests: the server named by
SKILLCERT_TEST_POSTGRES_URL (CI sets it), else the documented default when a server answers
there. Without one the PostgreSQL half skips, and the report's header says why.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.test import TestResponse

from assessments.loader import load_track
from assessments.model import Track
from lti_tool import migrations
from lti_tool.app import create_app
from lti_tool.db import transaction
from lti_tool.lti.registrations import add_deployment, add_platform
from lti_tool.models import Base, Registration
from tests.independent_verifier import node  # noqa: F401 (a fixture for every test module)
from tests.simulated_lms import LaunchSpec, SimulatedLMS

BASE_URL = "http://localhost"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _postgres() -> tuple[str | None, str]:
    """The PostgreSQL the tests run on, or None and why there is none."""
    configured = os.environ.get("SKILLCERT_TEST_POSTGRES_URL")
    if configured:
        return configured, ""
    try:
        with psycopg.connect(DEFAULT_POSTGRES_URL, connect_timeout=2):
            return DEFAULT_POSTGRES_URL, ""
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, (
            f"no PostgreSQL answers at {DEFAULT_POSTGRES_URL} ({reason}); "
            "set SKILLCERT_TEST_POSTGRES_URL to run them"
        )


POSTGRES_URL, NO_POSTGRES = _postgres()


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"PostgreSQL tests: on {POSTGRES_URL}"
    return f"PostgreSQL tests: skipped, {NO_POSTGRES}"


# -- no traffic beyond this machine -----------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else ""
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
        "127.0.0.1",
        "::1",
        "localhost",
    ):
        raise RuntimeError(f"Tests must not connect beyond loopback (tried {address!r}).")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only_connect)


# -- databases --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database that each test copies (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "skillcert.db"
    engine = create_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema in the CI PostgreSQL database, migrated once, dropped at the end."""
    schema = f"skillcert_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "skillcert.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = request.getfixturevalue("postgres_schema_url")
    yield url
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


# -- the app ----------------------------------------------------------------------------


@pytest.fixture
def make_app(db_url: str, tmp_path: Path):
    """Build an app on this test's database with some settings changed."""

    def make(**overrides: Any) -> Flask:
        config = {
            "testing": True,
            "database_url": db_url,
            "instance_path": str(tmp_path / "instance"),
            "base_url": BASE_URL,
            "secret_key": "test-secret-key",
            **overrides,
        }
        return create_app(config)

    return make


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    app = make_app()
    yield app
    app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# -- the simulated LMS ------------------------------------------------------------------


@pytest.fixture(scope="session")
def simulated_lms() -> Iterator[SimulatedLMS]:
    lms = SimulatedLMS()
    yield lms
    lms.close()


@pytest.fixture
def sim(simulated_lms: SimulatedLMS) -> Iterator[SimulatedLMS]:
    """The simulated LMS, for a test that injects faults: they are cleared after it."""
    yield simulated_lms
    simulated_lms.clear_faults()


@pytest.fixture
def redis_url() -> str:
    """The Redis that shared rate limits are tested on (SKILLCERT_TEST_REDIS_URL, else this
    machine's database 15): skipped when none answers, a failure in CI."""
    import redis

    url = os.environ.get("SKILLCERT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis answers at {url} ({exc}): CI runs the shared-limit tests")
        pytest.skip(f"no Redis answers at {url} ({exc}); set SKILLCERT_TEST_REDIS_URL")
    return url


@pytest.fixture
def grades(make_app, sim: SimulatedLMS):
    """A course on the sample track that sends its scores to the simulated LMS."""
    from tests.gradesync_driver import GradeCourse  # it builds on this module's LmsDriver

    app = make_app(content_path=str(SAMPLE_CONTENT), http_timeout_seconds=0.5)
    yield GradeCourse(app, sim)
    app.extensions["skillcert.engine"].dispose()


class LmsDriver:
    """Launches the tool from the simulated LMS the way a browser would.

    ``launch()`` runs the whole flow — login at the tool, the LMS's auth endpoint over
    HTTP, the form post back — and returns the tool's answer to the launch post.
    """

    def __init__(self, app: Flask, client: FlaskClient, sim: SimulatedLMS) -> None:
        self.app = app
        self.client = client
        self.sim = sim
        self.issuer = sim.url
        self.client_id = "client-" + secrets.token_hex(3)
        self.deployment_id = "deployment-1"

    def register(
        self,
        preset: str = "generic",
        issuer: str | None = None,
        deployment_id: str = "deployment-1",
        client_id: str | None = None,
    ) -> Registration:
        self.issuer = issuer or self.sim.url
        self.deployment_id = deployment_id
        self.client_id = client_id or self.client_id
        with transaction(self.app) as session:
            return add_platform(
                session,
                self.app.config["SETTINGS"],
                preset=preset,
                issuer=self.issuer,
                client_id=self.client_id,
                deployment_id=deployment_id,
                auth_login_url=self.sim.auth_login_url,
                auth_token_url=self.sim.token_url,
                key_set_url=self.sim.key_set_url,
            )

    def add_deployment(self, deployment_id: str) -> None:
        with transaction(self.app) as session:
            registration = (
                session.query(Registration)
                .filter_by(issuer=self.issuer, client_id=self.client_id)
                .one()
            )
            add_deployment(session, registration, deployment_id)

    def spec(self, **fields: Any) -> LaunchSpec:
        defaults = {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_id": self.deployment_id,
            "target_link_uri": f"{BASE_URL}/lti/launch",
        }
        return LaunchSpec(**{**defaults, **fields})

    def login(self, spec: LaunchSpec, client: FlaskClient | None = None, **params: str):
        """Start a login at the tool; returns its response (a redirect to the LMS)."""
        query = {
            "iss": self.issuer,
            "login_hint": self.sim.expect_launch(spec),
            "target_link_uri": spec.target_link_uri,
            "client_id": self.client_id,
            "lti_deployment_id": spec.deployment_id,
            **params,
        }
        return (client or self.client).get("/lti/login?" + urlencode(query))

    def authorize(self, login_response: TestResponse) -> dict[str, str]:
        assert login_response.status_code == 302, login_response.get_data(as_text=True)
        return self.sim.authorize(login_response.headers["Location"])

    def launch(
        self, role: str = "learner", client: FlaskClient | None = None, **fields: Any
    ) -> TestResponse:
        if role == "instructor":
            fields.setdefault("roles", [INSTRUCTOR])
            fields.setdefault("sub", "teacher-1")
            fields.setdefault("name", "Grace Hopper")
        client = client or self.client
        form = self.authorize(self.login(self.spec(**fields), client))
        return client.post("/lti/launch", data=form)

    def session_info(self, client: FlaskClient | None = None) -> TestResponse:
        return (client or self.client).get("/session")


@pytest.fixture
def lms(app: Flask, client: FlaskClient, simulated_lms: SimulatedLMS) -> LmsDriver:
    driver = LmsDriver(app, client, simulated_lms)
    driver.register()
    return driver


#: The sample track (every activity kind) that page tests serve instead of the real tracks.
SAMPLE_CONTENT = Path(__file__).parent / "assessments"


@pytest.fixture(scope="session")
def sample_track() -> Track:
    """The sample track (tests/assessments/sample_track), loaded without problems."""
    result = load_track(SAMPLE_CONTENT / "sample_track")
    assert result.problems == []
    (track,) = result.tracks
    return track


@pytest.fixture
def course(make_app, simulated_lms) -> Iterator[LmsDriver]:
    """A tool serving the sample track, registered with the simulated LMS."""
    app = make_app(content_path=str(SAMPLE_CONTENT))
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver
    app.extensions["skillcert.engine"].dispose()


def csrf_token_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
