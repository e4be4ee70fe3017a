"""Roster sync (NRPS) against the simulated LMS: paging, statuses, failures, jobs, tenancy."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.db import transaction
from lti_tool.jobs.worker import Worker
from lti_tool.lti.constants import ContextRole
from lti_tool.lti.keys import ensure_key
from lti_tool.models import Context, Job, JobStatus, Membership, MemberStatus, Registration, User
from lti_tool.roster import JOB_KIND
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import NO_BACKOFF
from tests.simulated_lms import LTI, SimulatedLMS

PLACED = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}


def member(sub: str, role: str = ContextRole.LEARNER, **fields) -> dict:
    return {"user_id": sub, "name": sub.title(), "email": f"{sub}@school.edu", "roles": [role]}


#: Nine learners who never launched (one inactive, one deleted) and the instructor: four pages.
ROSTER = [
    *(member(f"learner-{n}") for n in range(7)),
    {**member("sleepy"), "status": "Inactive"},
    {**member("gone"), "status": "Deleted"},
    member("teacher-1", ContextRole.INSTRUCTOR),
]


class RosterCourse:
    """A course in the simulated LMS with a roster, launched by its instructor."""

    def __init__(self, app, sim: SimulatedLMS, members: list[dict], driver=None) -> None:
        self.app = app
        self.sim = sim
        if driver is None:
            driver = LmsDriver(app, app.test_client(), sim)
            registration = driver.register()
            with transaction(app) as session:
                ensure_key(session)
            jwks = driver.client.get("/lti/jwks.json").get_json()
            sim.register_tool(driver.client_id, jwks, audience=registration.auth_audience)
        self.driver = driver
        self.lms = sim.add_course(driver.client_id, members=members, page_size=3)
        self.teacher = self.launch("teacher-1", role="instructor")

    def launch(self, sub: str, role: str = "learner", **fields) -> FlaskClient:
        client = self.driver.app.test_client()
        response = self.driver.launch(
            role=role,
            client=client,
            sub=sub,
            context={"id": self.lms.id, "title": "Roster 101"},
            resource_link={"id": "link-basics", "title": "Basics"},
            claims={**self.lms.nrps_claim(), **PLACED, **fields.pop("claims", {})},
            **fields,
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    def context_id(self) -> int:
        with transaction(self.app) as session:
            return session.scalar(select(Context.id).where(Context.context_id == self.lms.id))

    def statuses(self) -> dict[str, MemberStatus]:
        with transaction(self.app) as session:
            rows = session.execute(
                select(User.sub, Membership.status)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.context_id == self.context_id())
            ).all()
        return dict(rows)

    def home(self) -> str:
        response = self.teacher.get("/teach/")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def sync_now(self) -> None:
        response = self.teacher.post("/teach/roster/sync", data={"csrf_token": token(self.home())})
        assert response.status_code == 302 and "roster=queued" in response.headers["Location"]


def run_jobs(app) -> int:
    worker, ran = Worker(app, "roster-test", retry=NO_BACKOFF), 0
    while ran < 20 and worker.run_once():
        ran += 1
    return ran


def roster_jobs(app) -> list[Job]:
    with transaction(app) as session:
        return list(session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id)))


@pytest.fixture
def app(make_app):
    app = make_app(content_path=str(SAMPLE_CONTENT), http_timeout_seconds=0.5)
    yield app
    app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def roster(app, sim) -> RosterCourse:
    return RosterCourse(app, sim, ROSTER)


def test_a_visit_syncs_every_page_and_never_launched_learners_join_the_gradebook(roster):
    roster.home()  # the visit queues the sync; the page does not wait for it
    assert [job.status for job in roster_jobs(roster.app)] == [JobStatus.QUEUED]
    assert run_jobs(roster.app) == 1
    assert len([p for m, p in roster.lms.requests if "/memberships" in p]) == 4  # 10 by 3

    statuses = roster.statuses()
    assert len(statuses) == 10
    assert statuses["learner-0"] is MemberStatus.ACTIVE
    assert statuses["sleepy"] is MemberStatus.INACTIVE
    assert statuses["gone"] is MemberStatus.DELETED
    with transaction(roster.app) as session:  # only what we use: no email anywhere
        assert session.scalar(select(User.name).where(User.sub == "learner-3")) == "Learner-3"

    gradebook = roster.teacher.get("/teach/gradebook").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" lang="">([^<]+)</th>', gradebook)
    assert rows == [f"Learner-{n}" for n in range(7)]  # active learners only, none launched

    home = roster.home()
    assert "Inactive" in home and "Removed from the course" in home
    assert "Roster last read from" in home
    learner_row = re.search(r'<tr><td><span lang="">Learner-4</span></td>.*?</tr>', home).group(0)
    assert learner_row.endswith("<td></td></tr>")  # never launched: no last launch
    teacher_row = re.search(r'<tr><td><span lang="">Teacher-1</span></td>.*?</tr>', home)
    # The roster's name; the last launch in the page's (English) date format.
    assert re.search(
        r"\w+ \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d\s[AP]M</td></tr>$", teacher_row.group(0)
    )


def test_statuses_follow_the_lms_and_a_launch_makes_a_member_active_again(roster):
    roster.sync_now()
    run_jobs(roster.app)
    roster.lms.members[2] = {**roster.lms.members[2], "status": "Inactive"}
    del roster.lms.members[3]  # learner-3 left the course: the LMS no longer lists them
    roster.sync_now()
    assert run_jobs(roster.app) == 1
    statuses = roster.statuses()
    assert statuses["learner-2"] is MemberStatus.INACTIVE
    assert statuses["learner-3"] is MemberStatus.DELETED  # kept, marked
    assert statuses["learner-4"] is MemberStatus.ACTIVE

    roster.launch("learner-3", name="Learner-3")
    assert roster.statuses()["learner-3"] is MemberStatus.ACTIVE


def test_a_failing_lms_leaves_the_roster_as_it_was_with_a_message(roster, sim):
    roster.sync_now()
    run_jobs(roster.app)
    before = roster.statuses()
    roster.lms.members.clear()  # were it read, everyone would be marked removed

    sim.fail_next(1, status=403)
    roster.sync_now()
    assert run_jobs(roster.app) == 1
    assert roster.statuses() == before
    job = roster_jobs(roster.app)[-1]
    assert job.status is JobStatus.DEAD and "HTTP 403" in job.last_error
    with transaction(roster.app) as session:
        platform = session.scalar(select(Registration.name))
    home = roster.home()
    assert f'The roster could not be read from <span lang="">{platform}</span>: ' in home
    assert "Learner-6" in home  # the stored roster is still shown


def test_a_passing_failure_is_retried(roster, sim):
    sim.fail_next(2, status=503)
    roster.sync_now()
    assert run_jobs(roster.app) == 3
    assert [job.status for job in roster_jobs(roster.app)] == [JobStatus.DONE]
    assert len(roster.statuses()) == 10


def test_visits_queue_one_sync_per_course_at_most_every_interval(roster):
    roster.home()
    roster.home()
    assert len(roster_jobs(roster.app)) == 1  # due once
    run_jobs(roster.app)
    roster.home()
    assert len(roster_jobs(roster.app)) == 1  # synced just now: not due again

    roster.sync_now()
    roster.sync_now()  # the second replaces the first, still waiting
    jobs = roster_jobs(roster.app)
    assert [job.status for job in jobs] == [JobStatus.DONE, JobStatus.QUEUED]
    page = roster.home()
    assert "The list below is being refreshed" in page
    assert "The roster is being read" not in page


def test_the_first_sync_says_the_roster_is_being_read_until_someone_is_listed(app, sim):
    # The instructor's own launch lists them; with nobody listed the first read is pending.
    course = RosterCourse(app, sim, ROSTER)
    with transaction(app) as session:
        session.query(Membership).delete()
    page = course.home()
    assert [job.status for job in roster_jobs(app)] == [JobStatus.QUEUED]
    assert "The roster is being read" in page
    assert "being refreshed" not in page
    assert "Nobody is on this course's roster in SkillCert yet." in page

    run_jobs(app)
    course.sync_now()
    page = course.home()
    assert "People in this course (10)" in page
    assert "The list below is being refreshed" in page
    assert "The roster is being read" not in page


def test_sync_now_needs_an_instructor_and_the_form_token(roster):
    assert roster.teacher.post("/teach/roster/sync").status_code in (400, 403)
    learner = roster.launch("learner-0")
    page = learner.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    response = learner.post("/teach/roster/sync", data={"csrf_token": token(page)})
    assert response.status_code == 403
    assert roster_jobs(roster.app) == []


def test_a_sync_touches_only_its_own_course(roster, sim):
    # Another course of the same LMS, where ada launched; its roster is never read here.
    other = RosterCourse(roster.app, sim, [member("ada")], driver=roster.driver)
    other.launch("ada")
    roster.sync_now()
    run_jobs(roster.app)
    assert "ada" not in roster.statuses()
    assert other.statuses() == {"ada": MemberStatus.ACTIVE, "teacher-1": MemberStatus.ACTIVE}
    with transaction(roster.app) as session:  # one user row per person of the registration
        assert session.scalar(select(func.count()).where(User.sub == "teacher-1")) == 1


def test_cli_syncs_one_course_and_reports_failures(roster, sim):
    runner = roster.app.test_cli_runner()
    result = runner.invoke(args=["roster", "sync", "--context", str(roster.context_id())])
    assert result.exit_code == 0, result.output
    assert "Read 10 members" in result.output and "1 no longer listed" not in result.output
    assert len(roster.statuses()) == 10

    sim.fail_next(1, status=404)
    result = runner.invoke(args=["roster", "sync", "--context", str(roster.context_id())])
    assert result.exit_code != 0
    assert "The roster could not be read from" in result.output and "HTTP 404" in result.output
    assert len(roster.statuses()) == 10

    result = runner.invoke(args=["roster", "sync", "--context", "999999"])
    assert result.exit_code != 0 and "not in SkillCert" in result.output
