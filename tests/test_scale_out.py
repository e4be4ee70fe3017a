"""Scale-out on real components: two hosts behind HAProxy, two workers, PostgreSQL, Redis.

One learner's consecutive requests alternate hosts (the balancer names the host in
``X-SkillCert-Host``) through login, launch, pages and a hand-in; a job worker killed with
SIGKILL in the middle of delivering the grade is replaced by the other one (stall recovery)
and the LMS gets the score once, with one token request between them (tokens shared
through Redis); the instructors' marking completes the track and a worker issues the
credential once; a web host killed under a stream of page loads costs no page (the
balancer retries them on the other host). Also: LMS access tokens shared between
processes through Redis, encrypted, and kept per process while Redis is down.

Needs PostgreSQL, Redis and haproxy: skipped without them, a failure in CI (CI=true).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import select

from bench.harness import scratch_database
from lti_tool.app import create_app
from lti_tool.db import transaction
from lti_tool.models import Credential, Job, JobEvent, JobStatus
from lti_tool.ratelimit import key_prefix
from lti_tool.services.shared_tokens import SharedTokenStore
from lti_tool.services.tokens import TokenCache
from tests.conftest import INSTRUCTOR, POSTGRES_URL, SAMPLE_CONTENT, LmsDriver
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import CAPSTONE
from tests.scaleout import HOST_HEADER, Cluster, missing_component, running
from tests.services_driver import ServiceCourse
from tests.simulated_lms import LTI, Course, SimulatedLMS, ToolClient
from tests.test_credentials_completion import record_scores

STALL_SECONDS = 4


# -- LMS access tokens shared through Redis ---------------------------------------------


def _tokens(app: Flask, **settings: Any) -> TokenCache:
    """A token cache as another process of the same installation would build it."""
    changed = dataclasses.replace(app.config["SETTINGS"], **settings)
    return TokenCache(changed, app.extensions["skillcert.http"])


def test_processes_sharing_redis_ask_the_lms_for_one_token(app, sim, redis_url):
    course = ServiceCourse(app, sim)
    secret = secrets.token_urlsafe(16)  # a fresh installation: nothing shared yet
    first, second = (_tokens(app, redis_url=redis_url, secret_key=secret) for _ in range(2))
    prefix = SharedTokenStore(redis_url, secret).prefix
    with redis.Redis.from_url(redis_url) as client:
        try:
            course.tokens = first
            course.ags().line_items()
            course.tokens = second
            course.ags().line_items()
            assert (first.requests_sent, second.requests_sent) == (1, 0)
            assert len(course.tool.assertions) == 1
            (name,) = client.keys(prefix + "*")
            assert 0 < client.pttl(name) <= 3600 * 1000
            # Encrypted, under a name that gives nothing away.
            assert course.driver.client_id.encode() not in name
            issued = issued_tokens(sim, course.tool)
            assert len(issued) == 1 and issued[0].encode() not in client.get(name)

            # The LMS revokes it: the process that gets the 401 fetches a new one and
            # shares it; the other, whose copy is refused too, takes the new one.
            assert sim.revoke_tokens(course.driver.client_id) == 1
            course.tokens = first
            course.ags().line_items()
            course.tokens = second
            course.ags().line_items()
            assert (first.requests_sent, second.requests_sent) == (2, 0)
            assert len(course.tool.assertions) == 2
        finally:
            for name in client.keys(prefix + "*"):
                client.delete(name)


def issued_tokens(sim: SimulatedLMS, tool: ToolClient) -> list[str]:
    """The bearer tokens the LMS has issued to ``tool`` and not revoked."""
    return [value for value, grant in sim._tokens.items() if grant[0] == tool.client_id]


def test_redis_down_keeps_tokens_per_process(app, sim, caplog):
    course = ServiceCourse(app, sim)
    down = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on port 1
    caplog.set_level(logging.INFO, logger="lti_tool")
    first, second = (_tokens(app, redis_url=down) for _ in range(2))
    for tokens in (first, second, first):
        course.tokens = tokens
        assert course.ags().line_items() is not None
    assert (first.requests_sent, second.requests_sent) == (1, 1)  # each process alone
    warnings = [r for r in caplog.records if "Redis" in r.getMessage()]
    assert warnings and all(w.levelno == logging.WARNING for w in warnings)
    assert len(warnings) == 2  # once per process, not once per token
    assert "hunter2" not in caplog.text


# -- two hosts, a balancer, two workers -------------------------------------------------


@pytest.fixture
def cluster(redis_url: str) -> Iterator[Cluster]:
    why = missing_component(POSTGRES_URL, redis_url)
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: CI runs the scale-out test")
        pytest.skip(why)
    settings = {
        "SKILLCERT_CONTENT_PATH": str(SAMPLE_CONTENT),
        "SKILLCERT_HTTP_TIMEOUT_SECONDS": "3",
        "SKILLCERT_GRADESYNC_STALL_SECONDS": str(STALL_SECONDS),
    }
    with (
        scratch_database(POSTGRES_URL) as database_url,
        running(database_url, redis_url, settings=settings) as started,
    ):
        yield started


@pytest.fixture
def tool(cluster: Cluster, tmp_path) -> Iterator[Flask]:
    """The installation seen from this process: to register the LMS and read the rows."""
    shared = cluster.shared
    app = create_app(
        {
            "database_url": shared["SKILLCERT_DATABASE_URL"],
            "instance_path": str(tmp_path / "instance"),
            "base_url": cluster.url,
            "secret_key": shared["SKILLCERT_SECRET_KEY"],
            "key_encryption_key": shared["SKILLCERT_KEY_ENCRYPTION_KEY"],
            "content_path": str(SAMPLE_CONTENT),
        }
    )
    yield app
    app.extensions["skillcert.engine"].dispose()


class Browser:
    """A browser going through the balancer; remembers which host answered each request."""

    def __init__(self, cluster: Cluster, lms: Lms) -> None:
        self.cluster = cluster
        self.lms = lms
        self.http = requests.Session()
        self.hosts: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.cluster.url + path
        response = self.http.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        self.hosts.append(response.headers.get(HOST_HEADER, "?"))
        return response

    def page(self, path: str) -> str:
        response = self.request("GET", path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.text

    def launch(self, sub: str, role: str = "learner") -> None:
        """Login (a host), the LMS's auth page, the launch POST (a host), the landing page."""
        spec = self.lms.driver.spec(
            target_link_uri=self.cluster.url + "/lti/launch",
            sub=sub,
            name=sub.title(),
            context={"id": self.lms.course.id, "title": "Grades 101"},
            resource_link={"id": "link-capstone", "title": "Capstone"},
            claims={
                **self.lms.course.ags_claim(),
                LTI + "custom": {"skillcert_target": CAPSTONE},
            },
            **({"roles": [INSTRUCTOR]} if role == "instructor" else {}),
        )
        query = {
            "iss": self.lms.driver.issuer,
            "login_hint": self.lms.sim.expect_launch(spec),
            "target_link_uri": spec.target_link_uri,
            "client_id": self.lms.driver.client_id,
            "lti_deployment_id": spec.deployment_id,
        }
        login = self.request("GET", "/lti/login?" + urlencode(query))
        assert login.status_code == 302, login.text[:500]
        form = self.lms.sim.authorize(login.headers["Location"])
        launched = self.request("POST", "/lti/launch", data=form)
        assert launched.status_code in (200, 302), launched.text[:500]
        if launched.status_code == 302:
            self.page(launched.headers["Location"])


class Lms(SimpleNamespace):
    sim: SimulatedLMS
    driver: LmsDriver
    course: Course
    tool: ToolClient


def register(tool: Flask, cluster: Cluster, sim: SimulatedLMS) -> Lms:
    """The tool registered with the simulated LMS on both sides, and a course with grades."""
    driver = LmsDriver(tool, tool.test_client(), sim)
    registration = driver.register()
    jwks = requests.get(cluster.url + "/lti/jwks.json", timeout=10).json()
    lms_tool = sim.register_tool(driver.client_id, jwks, audience=registration.auth_audience)
    return Lms(sim=sim, driver=driver, course=sim.add_course(driver.client_id), tool=lms_tool)


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def jobs(tool: Flask, kind: str) -> list[Job]:
    with transaction(tool) as session:
        return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def idle(tool: Flask) -> bool:
    with transaction(tool) as session:
        busy = (JobStatus.QUEUED, JobStatus.RUNNING)
        return session.scalar(select(Job.id).where(Job.status.in_(busy)).limit(1)) is None


def rate_limit_count(cluster: Cluster) -> int:
    """Logins and launches counted in Redis (the minute windows) for this installation."""
    prefix = key_prefix(cluster.shared["SKILLCERT_SECRET_KEY"])
    with redis.Redis.from_url(cluster.redis_url) as client:
        return sum(int(client.get(name) or 0) for name in client.keys(f"{prefix}60:*"))


@pytest.mark.postgres
def test_a_session_moves_between_hosts_and_nothing_is_lost_when_processes_die(cluster, tool, sim):
    lms = register(tool, cluster, sim)
    ada = Browser(cluster, lms)

    # Login, launch, landing page and pages: each request on the other host.
    ada.launch("ada")
    assert rate_limit_count(cluster) == 2  # login on one host, launch on the other: shared
    page = ada.page("/learn/a/sample/capstone-project")
    assert "csrf_token" in page
    assert ada.request("GET", "/session").json()["role"] == "learner"
    wait_until(lambda: idle(tool), 30, "the launch's jobs")

    # Hand in the graded project (a POST, on the next host). The worker that takes the
    # grade delivery hangs on the LMS and is killed; the other one takes the job over.
    sim.hang_next(STALL_SECONDS)
    handed_in = ada.request(
        "POST",
        "/learn/a/sample/capstone-project/project",
        data={"csrf_token": token(page), "text": "My plan: held-out data."},
    )
    assert handed_in.status_code == 302, handed_in.text[:500]
    hosts = ada.hosts
    assert set(hosts) == {"web-a", "web-b"}
    assert all(a != b for a, b in itertools.pairwise(hosts)), hosts  # round robin

    ids = {worker.worker_id(): worker for worker in cluster.workers}
    wait_until(
        lambda: any("/lineitems" in path for _, path in lms.course.requests), 30, "the delivery"
    )
    (delivery,) = jobs(tool, "grade-sync")
    assert delivery.status is JobStatus.RUNNING and delivery.locked_by in ids
    ids[delivery.locked_by].kill()
    wait_until(lambda: jobs(tool, "grade-sync")[0].status is JobStatus.DONE, 60, "re-run")
    (score,) = [s for _, s in lms.course.scores if s["userId"] == "ada"]  # once, not twice
    assert score["gradingProgress"] == "PendingManual"
    with transaction(tool) as session:
        runners = session.scalars(
            select(JobEvent.detail).where(
                JobEvent.job_id == delivery.id, JobEvent.status == "running"
            )
        ).all()
    assert set(runners) == set(ids)  # claimed by the killed worker, then by the other
    assert len(lms.tool.assertions) == 1  # the second worker took the token from Redis

    # The instructors' marking completes the track: a worker issues the credential once.
    record_scores(
        SimpleNamespace(app=tool),
        "ada",
        {"basics-quiz": 1.0, "basics-exam": 0.9, "ethics-scenario": 1.0},
    )
    for teacher_sub in ("teacher", "teacher-2"):
        teacher = Browser(cluster, lms)
        teacher.launch(teacher_sub, role="instructor")
        queue = teacher.page("/teach/grading")
        (action,) = re.findall(r'action="(/teach/grading/\d+/project)"', queue)
        marked = teacher.request(
            "POST",
            action,
            data={"csrf_token": token(queue), "level-method": "sound", "level-risks": "present"},
        )
        assert marked.status_code == 302, marked.text[:500]
    wait_until(lambda: idle(tool), 60, "the credential and the grade")
    with transaction(tool) as session:
        (credential,) = session.scalars(select(Credential)).all()
        assert credential.track_id == "sample"
    graded = [s for _, s in lms.course.scores if s["userId"] == "ada"]
    assert graded[-1]["gradingProgress"] == "FullyGraded"

    # One web host dies under a stream of page loads: the balancer retries each GET that
    # host left unanswered on the other, and sends the rest there.
    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def keep_loading() -> None:
        browser = Browser(cluster, lms)
        browser.http.cookies.update(ada.http.cookies)
        while not stop.is_set():
            response = browser.request("GET", "/learn/")
            results.append((response.status_code, response.headers.get(HOST_HEADER, "?")))

    loader = threading.Thread(target=keep_loading)
    loader.start()
    try:
        wait_until(lambda: len(results) >= 10, 30, "page loads before the kill")
        cluster.hosts[1].kill()
        killed_at = len(results)
        wait_until(lambda: len(results) >= killed_at + 20, 30, "page loads after the kill")
    finally:
        stop.set()
        loader.join(30)
    assert [status for status, _ in results if status != 200] == []
    assert {host for _, host in results[killed_at + 5 :]} == {"web-a"}
