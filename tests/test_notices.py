"""The Platform Notification Service against the simulated LMS: a launch that offers it
has a job set SkillCert's notice handlers (never the launch itself); signed notices posted
to the handler are checked like launches, handled once (a replay changes nothing), and an
LtiContextCopyNotice makes the copied course's links open what the original's opened."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import transaction
from lti_tool.jobs.worker import Worker
from lti_tool.lti.keys import ensure_key
from lti_tool.lti.notices import MAX_DELIVERY_BYTES, MAX_NOTICES
from lti_tool.models import (
    Context,
    Deployment,
    Job,
    JobStatus,
    PlatformNotice,
    Registration,
    utcnow,
)
from lti_tool.notice_handlers import JOB_KIND
from tests.conftest import BASE_URL, SAMPLE_CONTENT
from tests.course_copy_driver import NEW, OLD, QUIZ, Tenant
from tests.gradesync_driver import NO_BACKOFF
from tests.simulated_lms import AGS_SCOPES, DELETE, LTI, NRPS_SCOPE, SimulatedLMS
from tests.simulated_notices import NOTICE_SCOPE, SimulatedPNS

HANDLER = f"{BASE_URL}/lti/notices"
LINK = {"id": "canvas-link-1", "title": "Week 1"}
BOTH = {"LtiContextCopyNotice": HANDLER, "LtiHelloWorldNotice": HANDLER}


@pytest.fixture(scope="module")
def pns(simulated_lms: SimulatedLMS) -> Iterator[SimulatedPNS]:
    service = SimulatedPNS(simulated_lms)
    yield service
    service.close()


class NoticeCourse:
    """A tool registered with the simulated LMS, which grants it the noticehandlers scope."""

    def __init__(self, app: Flask, sim: SimulatedLMS, pns: SimulatedPNS) -> None:
        self.app = app
        self.pns = pns
        self.school = Tenant.registered(app, sim)
        with transaction(app) as session:
            ensure_key(session)
        jwks = app.test_client().get("/lti/jwks.json").get_json()
        sim.register_tool(self.client_id, jwks, scopes=(*AGS_SCOPES, NRPS_SCOPE, NOTICE_SCOPE))

    @property
    def client_id(self) -> str:
        return self.school.driver.client_id

    def offer(self, tenant: Tenant | None = None, **options: Any) -> dict[str, Any]:
        """The PNS claim of a launch from ``tenant``'s deployment (ours by default)."""
        return self.pns.claim((tenant or self.school).driver.deployment_id, **options)

    def run_jobs(self) -> None:
        worker = Worker(self.app, "notices-test", retry=NO_BACKOFF)
        while worker.run_once():
            pass

    def jobs(self) -> list[Job]:
        with transaction(self.app) as session:
            return list(session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id)))

    def handlers(self, deployment_id: str = "deployment-1") -> dict[str, str]:
        return self.pns.handlers.get((self.client_id, deployment_id), {})

    def registered_types(self) -> list[str]:
        with transaction(self.app) as session:
            return session.scalars(select(Registration.notice_handlers)).one()

    def notice(self, notice_type: str, **fields: Any) -> dict[str, Any]:
        return self.pns.notice(notice_type, **self._sender(), **fields)

    def context_copy(self, new: dict[str, str], origins: list[str], **fields: Any):
        return self.pns.context_copy(new, origins, **{**self._sender(), **fields})

    def _sender(self) -> dict[str, str]:
        driver = self.school.driver
        return {
            "issuer": driver.issuer,
            "client_id": driver.client_id,
            "deployment_id": driver.deployment_id,
        }

    def deliver(self, *claims: dict[str, Any], handler: str = HANDLER):
        return self.pns.deliver(
            self.app.test_client(), handler, *(self.pns.token(c) for c in claims)
        )

    def stored(self) -> tuple[int, int]:
        """How many notices and courses SkillCert holds."""
        with transaction(self.app) as session:
            notices = session.scalar(select(func.count()).select_from(PlatformNotice))
            courses = session.scalar(select(func.count()).select_from(Context))
        return notices, courses


@pytest.fixture
def course(make_app, simulated_lms: SimulatedLMS, pns: SimulatedPNS) -> Iterator[NoticeCourse]:
    app = make_app(content_path=str(SAMPLE_CONTENT))
    yield NoticeCourse(app, simulated_lms, pns)
    pns.clear_faults()  # nothing left over for the next test
    app.extensions["skillcert.engine"].dispose()


# -- setting the handlers ---------------------------------------------------------------


def test_a_launch_offering_pns_has_a_job_set_both_handlers_once_per_deployment(course):
    started = time.monotonic()
    course.school.launch(OLD, LINK, claims=course.offer())
    course.school.launch(OLD, LINK, role="instructor", claims=course.offer())

    (job,) = course.jobs()  # the second launch found it queued
    assert job.status == JobStatus.QUEUED
    assert job.payload["types"] == ["LtiHelloWorldNotice", "LtiContextCopyNotice"]
    assert course.handlers() == {}  # the launches themselves never called the LMS
    assert time.monotonic() - started < 5

    course.run_jobs()

    assert course.handlers() == BOTH  # not the Asset Processor type it also offered
    assert course.registered_types() == ["LtiContextCopyNotice", "LtiHelloWorldNotice"]
    assert all(NOTICE_SCOPE in scopes for _, _, scopes in course.pns.requests if scopes)
    course.school.launch(OLD, LINK, claims=course.offer())
    assert len(course.jobs()) == 1  # set for this deployment: nothing more to do

    second = course.school.another_deployment("deployment-2")
    second.launch(OLD, LINK, claims=course.offer(second))
    course.run_jobs()
    assert course.handlers("deployment-2") == BOTH
    assert [job.status for job in course.jobs()] == [JobStatus.DONE, JobStatus.DONE]


def test_an_lms_that_refuses_is_asked_again_only_after_an_hour(course):
    course.pns.fail_next(403)
    course.school.launch(OLD, LINK, claims=course.offer())
    course.run_jobs()

    (job,) = course.jobs()
    assert job.status == JobStatus.DEAD and "HTTP 403" in job.last_error
    assert course.registered_types() == []
    course.school.launch(OLD, LINK, claims=course.offer())
    assert len(course.jobs()) == 1

    with transaction(course.app) as session:
        session.execute(update(Job).values(created_at=utcnow() - dt.timedelta(hours=2)))
    course.school.launch(OLD, LINK, claims=course.offer())
    course.run_jobs()
    assert course.handlers() == BOTH
    assert course.registered_types() == ["LtiContextCopyNotice", "LtiHelloWorldNotice"]


@pytest.mark.parametrize(
    "offer",
    [
        {},
        {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]},
        {"types": ["LtiAssetProcessorSubmissionNotice"]},
    ],
    ids=["no PNS claim", "no noticehandlers scope", "no type SkillCert handles"],
)
def test_a_launch_without_a_usable_offer_queues_nothing(course, offer):
    claims = course.offer(**offer) if offer else {}
    course.school.launch(OLD, LINK, claims=claims)
    assert course.jobs() == []


# -- receiving notices -------------------------------------------------------------------


def test_a_hello_world_notice_is_recorded_and_answered(course):
    course.school.launch(OLD, LINK)

    response = course.deliver(course.notice("LtiHelloWorldNotice", notice_id="hello-1"))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "notices": [
            {
                "id": "hello-1",
                "type": "LtiHelloWorldNotice",
                "outcome": "received",
                "replayed": False,
            }
        ]
    }
    with transaction(course.app) as session:
        row = session.scalars(select(PlatformNotice)).one()
    assert (row.notice_id, row.notice_type, row.outcome) == (
        "hello-1",
        "LtiHelloWorldNotice",
        "received",
    )


def test_a_context_copy_notice_carries_placements_to_the_new_course_once(course):
    course.school.place(OLD, LINK, QUIZ, claims=course.offer())
    course.run_jobs()
    handler = course.handlers()["LtiContextCopyNotice"]
    copy = course.context_copy(NEW, [OLD["id"]], notice_id="copy-1")

    first = course.deliver(copy, handler=handler)

    assert first.status_code == 200, first.get_data(as_text=True)
    (answer,) = first.get_json()["notices"]
    assert answer["replayed"] is False
    assert answer["outcome"].startswith("course course-2026 is a copy of course course-2025")
    assert course.school.course(NEW).copied_from_id == course.school.course(OLD).id

    replay = course.deliver(copy, handler=handler)
    assert replay.status_code == 200
    assert replay.get_json()["notices"] == [{**answer, "replayed": True}]
    # The same notice again with other contents (a replay by someone who could sign) too.
    third = {"id": "course-2024"}
    course.school.launch(third, {"id": "old-link", "title": "x"})
    resent = course.context_copy(NEW, [third["id"]], notice_id="copy-1")
    assert course.deliver(resent, handler=handler).get_json()["notices"][0]["replayed"]
    assert course.school.course(NEW).copied_from_id == course.school.course(OLD).id
    assert course.stored() == (1, 3)

    # Canvas gives the copied link a new id and names no link history: same title.
    learner = course.school.launch(NEW, {"id": "canvas-link-77", "title": LINK["title"]})
    home = learner.get("/learn/").get_data(as_text=True)
    assert 'href="/learn/a/sample/basics-quiz"' in home
    copied = course.school.link(NEW, {"id": "canvas-link-77"})
    assert copied.target == QUIZ
    assert copied.copied_from_id == course.school.link(OLD, LINK).id


def test_a_copy_of_a_copy_finds_the_placement_two_courses_back(course):
    course.school.place(OLD, LINK, QUIZ)
    newer = {"id": "course-2027", "title": "AI basics 2027"}
    for new, origin in ((NEW, OLD), (newer, NEW)):  # nobody opened the middle course
        assert course.deliver(course.context_copy(new, [origin["id"]])).status_code == 200

    course.school.launch(newer, {"id": "canvas-link-99", "title": LINK["title"]})

    copied = course.school.link(newer, {"id": "canvas-link-99"})
    assert copied.target == QUIZ
    assert copied.copied_from_id == course.school.link(OLD, LINK).id


BAD_NOTICES = {
    "forged signature": (401, {}, {"signing": "stranger"}),
    "unsigned (alg none)": (401, {}, {"signing": "none"}),
    "unknown signing key": (401, {}, {"kid": "nope"}),
    "wrong audience": (401, {"aud": "someone-else", "azp": DELETE}, {}),
    "azp not an audience": (401, {"azp": "someone-else"}, {}),
    "unknown issuer": (401, {"iss": "https://elsewhere.example"}, {}),
    "unknown deployment": (403, {LTI + "deployment_id": "deployment-9"}, {}),
    "expired": (401, {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, {}),
    "issued in the future": (401, {"iat": int(time.time()) + 3600}, {}),
    "no notice claim": (400, {LTI + "notice": DELETE}, {}),
    "notice without an id": (400, {LTI + "notice": {"type": "LtiHelloWorldNotice"}}, {}),
    "copy without its course": (400, {LTI + "context": DELETE}, {}),
}


@pytest.mark.parametrize("case", BAD_NOTICES, ids=list(BAD_NOTICES))
def test_a_bad_notice_refuses_the_delivery_and_nothing_is_stored(course, case):
    status, claims, signing = BAD_NOTICES[case]
    course.school.launch(OLD, LINK)
    before = course.stored()
    good = course.pns.token(course.context_copy(NEW, [OLD["id"]]))
    bad = course.pns.token(
        course.context_copy(NEW, [OLD["id"]], **claims),
        signing=signing.get("signing", "platform"),
        **{k: v for k, v in signing.items() if k != "signing"},
    )

    response = course.pns.deliver(course.app.test_client(), HANDLER, good, bad)

    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.get_json()) == {"error"} and response.get_json()["error"]
    assert course.stored() == before  # not even the good notice, nor the new course


def test_a_notice_of_a_registration_or_deployment_switched_off_is_refused(course):
    course.school.launch(OLD, LINK)
    with transaction(course.app) as session:
        session.execute(update(Deployment).values(is_active=False))
    assert course.deliver(course.notice("LtiHelloWorldNotice")).status_code == 403
    with transaction(course.app) as session:
        session.execute(update(Deployment).values(is_active=True))
        session.execute(update(Registration).values(is_active=False))
    assert course.deliver(course.notice("LtiHelloWorldNotice")).status_code == 401
    assert course.stored()[0] == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (json.dumps({"notices": []}).encode(), 400),
        (json.dumps({"notices": [{"jwt": 5}]}).encode(), 400),
        (json.dumps({"notices": [{"jwt": "x"}] * (MAX_NOTICES + 1)}).encode(), 413),
        (b"{" + b" " * MAX_DELIVERY_BYTES + b"}", 413),
    ],
    ids=["not JSON", "no notices", "not a token", "too many notices", "too large"],
)
def test_a_malformed_delivery_gets_a_clear_error(course, body, status):
    response = course.app.test_client().post(
        "/lti/notices", data=body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.get_json()["error"]
