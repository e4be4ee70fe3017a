"""Grade sync against the simulated LMS over loopback HTTP: values, outbox, faults."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from lti_tool.db import transaction
from lti_tool.jobs import queue
from lti_tool.jobs.retry import RetryPolicy
from lti_tool.models import Deployment, Job, JobEvent, JobStatus, ResourceLink, utcnow
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import GradeCourse


def test_rubric_work_is_pending_manual_until_graded_then_fully_graded(grades):
    grades.hand_in_project("ada")
    assert grades.deliver_all() == 1
    (pending,) = grades.scores()
    assert pending["userId"] == "ada"
    assert pending["gradingProgress"] == "PendingManual"
    assert pending["activityProgress"] == "Submitted"
    assert "scoreGiven" not in pending

    grades.grade_project("ada")
    assert grades.deliver_all() == 1
    graded = grades.scores()[-1]
    assert graded["gradingProgress"] == "FullyGraded"
    assert graded["activityProgress"] == "Completed"
    assert graded["scoreGiven"] == pytest.approx(70.0)
    assert graded["scoreMaximum"] == 100
    assert graded["timestamp"] > pending["timestamp"]
    # One line item, created for the link and remembered on it.
    (item,) = grades.lms.line_items.values()
    assert item["resourceLinkId"] == "link-capstone"
    assert item["resourceId"] == "sample/capstone-project"
    assert item["tag"] == "skillcert" and item["scoreMaximum"] == 100
    with transaction(grades.app) as session:
        link = session.query(ResourceLink).filter_by(resource_link_id="link-capstone").one()
        assert link.ags_lineitem_url == item["id"]
    assert [job.status for job in grades.jobs()] == [JobStatus.DONE, JobStatus.DONE]


def arrivals(grades, user: str) -> list[dict]:
    return [score for score in grades.scores() if score["userId"] == user]


def test_lms_500s_then_recovers_every_score_arrives_once(grades, sim):
    for learner in ("ada", "bob", "cy"):
        grades.hand_in_project(learner)
    sim.fail_next(3, status=500)
    grades.deliver_all()
    for learner in ("ada", "bob", "cy"):
        assert len(arrivals(grades, learner)) == 1
    assert all(job.status is JobStatus.DONE for job in grades.jobs())
    assert any("HTTP 500" in (event.detail or "") for event in events(grades))


def test_429_waits_for_retry_after_and_drops_nothing(grades, sim):
    grades.hand_in_project("ada")
    sim.fail_next(1, status=429, retry_after="1")
    worker = grades.worker()
    before = utcnow()
    assert worker.run_once()
    (job,) = grades.jobs()
    assert job.status is JobStatus.QUEUED and "HTTP 429" in job.last_error
    assert job.run_after >= before + dt.timedelta(seconds=1)
    assert not worker.run_once()  # not due before the LMS said
    wait_until(lambda: utcnow() >= job.run_after)
    assert worker.run_once()
    assert len(arrivals(grades, "ada")) == 1


def test_a_hanging_lms_times_out_and_the_worker_moves_on(grades, sim):
    grades.hand_in_project("ada")
    grades.hand_in_project("bob")
    sim.hang_next(1.5)  # ada's first request: longer than the 0.5 s timeout
    worker = grades.worker(retry=RetryPolicy(first_delay=dt.timedelta(seconds=0.3), jitter=0))
    assert worker.run_once() and worker.run_once()
    assert arrivals(grades, "bob") and not arrivals(grades, "ada")
    ada_job = grades.jobs()[0]
    assert ada_job.status is JobStatus.QUEUED and "timed out" in ada_job.last_error
    wait_until(lambda: utcnow() >= ada_job.run_after)
    grades.deliver_all(worker)
    assert len(arrivals(grades, "ada")) == 1 and len(arrivals(grades, "bob")) == 1


def test_a_revoked_token_is_refreshed_once_and_delivery_continues(grades, sim):
    grades.hand_in_project("ada")
    grades.deliver_all()
    tokens_before = len(sim.tools[grades.driver.client_id].assertions)
    assert sim.revoke_tokens(grades.driver.client_id) == 1
    grades.hand_in_project("bob")
    grades.hand_in_project("cy")
    grades.deliver_all()
    assert len(sim.tools[grades.driver.client_id].assertions) == tokens_before + 1
    assert len(arrivals(grades, "bob")) == 1 and len(arrivals(grades, "cy")) == 1
    assert all(job.status is JobStatus.DONE for job in grades.jobs())


def test_a_deleted_line_item_makes_the_delivery_dead_and_others_continue(grades, sim):
    grades.launch("ada", target="module:sample/capstone", link="link-module")
    grades.hand_in_project("ada")  # covered by the activity link and the module link
    grades.deliver_all()
    with transaction(grades.app) as session:
        activity_link = session.query(ResourceLink).filter_by(resource_link_id="link-capstone")
        activity_link = activity_link.one()
    sim.delete_line_item(grades.lms, activity_link.ags_lineitem_url)
    grades.grade_project("ada")
    grades.deliver_all()
    by_link = {job.payload["link"]: job for job in grades.jobs()[-2:]}
    dead = by_link.pop(activity_link.id)
    assert dead.status is JobStatus.DEAD
    assert dead.last_error.startswith("The line item was deleted in the LMS (Send again")
    ((_, delivered),) = by_link.items()
    assert delivered.status is JobStatus.DONE
    module_scores = [s for s in arrivals(grades, "ada") if s["gradingProgress"] == "FullyGraded"]
    assert [s["scoreGiven"] for s in module_scores] == [pytest.approx(70.0)]

    # The instructor's Send again goes to a new column, not to the deleted one again.
    teacher = grades.launch("teacher", role="instructor", link="link-capstone")
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Send again makes a new one" in page
    sent = teacher.post(f"/teach/grade-sync/{dead.id}/send-again", data={"csrf_token": token(page)})
    assert sent.status_code == 302
    grades.deliver_all()
    with transaction(grades.app) as session:
        new_url = session.get(ResourceLink, activity_link.id).ags_lineitem_url
        resent = session.get(Job, dead.id)
    assert resent.status is JobStatus.DONE
    assert new_url is not None and new_url != activity_link.ags_lineitem_url


def test_a_removed_deployment_sends_nothing_anywhere(grades, sim):
    grades.hand_in_project("ada")
    with transaction(grades.app) as session:
        session.execute(update(Deployment).values(is_active=False))
    requests_before = len(grades.lms.requests)
    tokens_before = len(sim.tools[grades.driver.client_id].assertions)
    grades.deliver_all()
    (job,) = grades.jobs()
    assert job.status is JobStatus.DEAD and "no longer active" in job.last_error
    assert len(grades.lms.requests) == requests_before
    assert len(sim.tools[grades.driver.client_id].assertions) == tokens_before
    assert grades.scores() == []


def test_newest_score_replaces_one_still_waiting(grades):
    grades.hand_in_project("ada")
    grades.grade_project("ada")  # before any worker ran: the hand-in's score is superseded
    (job,) = grades.jobs()
    assert job.payload["grading_progress"] == "FullyGraded"
    grades.deliver_all()
    assert [s["gradingProgress"] for s in arrivals(grades, "ada")] == ["FullyGraded"]


def events(grades) -> list[JobEvent]:
    with transaction(grades.app) as session:
        return list(session.scalars(select(JobEvent).order_by(JobEvent.id)))


def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def run_workers(grades: GradeCourse, *workers) -> None:
    """Run the workers (threads of their own) until every delivery is done."""
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop, 0.05)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: all(job.status is JobStatus.DONE for job in grades.jobs()), 30)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def test_instructor_sees_a_dead_delivery_and_sends_it_again(grades):
    grades.hand_in_project("ada")
    teacher = grades.launch("teacher", role="instructor")  # launches stop with the deployment
    set_deployment_active(grades, False)
    grades.deliver_all()
    learner_page = grades.learners["ada"].get("/learn/a/sample/capstone-project")
    assert "Could not be sent — your instructor can see why" in learner_page.get_data(as_text=True)

    assert "/teach/grade-sync" in teacher.get("/teach/").get_data(as_text=True)
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Ada" in page and "no longer active" in page and "capstone-project" in page
    assert "Waiting to be sent: 0" in page
    (job,) = grades.jobs()
    refused = teacher.post(f"/teach/grade-sync/{job.id}/send-again")  # no CSRF token
    assert refused.status_code == 400 and grades.jobs()[0].status is JobStatus.DEAD

    set_deployment_active(grades, True)
    sent = teacher.post(f"/teach/grade-sync/{job.id}/send-again", data={"csrf_token": token(page)})
    assert sent.status_code == 302
    assert "Queued to be sent again." in teacher.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    assert "Waiting to be sent" in grades.learners["ada"].get(
        "/learn/a/sample/capstone-project"
    ).get_data(as_text=True)
    grades.deliver_all()
    assert len(arrivals(grades, "ada")) == 1
    assert "Sent to your LMS gradebook" in grades.learners["ada"].get(
        "/learn/a/sample/capstone-project"
    ).get_data(as_text=True)
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Scores in the LMS gradebook: 1." in page and "Nothing failed" in page


def test_another_course_cannot_see_or_resend_its_deliveries(grades, sim):
    grades.hand_in_project("ada")
    other = grades.app.test_client()
    grades.driver.launch(
        role="instructor", client=other, context={"id": "course-other", "title": "Other"}
    )
    set_deployment_active(grades, False)
    grades.deliver_all()
    (job,) = grades.jobs()
    page = other.get("/teach/grade-sync").get_data(as_text=True)
    assert "no longer active" not in page and "Nothing failed" in page
    any_form = other.get("/teach/").get_data(as_text=True)  # asks what its link opens
    response = other.post(
        f"/teach/grade-sync/{job.id}/send-again", data={"csrf_token": token(any_form)}
    )
    assert response.status_code == 404
    assert grades.jobs()[0].status is JobStatus.DEAD


def set_deployment_active(grades, active: bool) -> None:
    with transaction(grades.app) as session:
        session.execute(update(Deployment).values(is_active=active))


def test_status_command_counts_per_platform_and_lists_dead_rows(grades):
    grades.hand_in_project("ada")
    grades.hand_in_project("bob")
    grades.deliver_all(limit=1)
    set_deployment_active(grades, False)
    grades.deliver_all()
    result = grades.app.test_cli_runner().invoke(args=["gradesync", "status"])
    assert result.exit_code == 0, result.output
    assert "dead: 1, done: 1" in result.output
    assert "no longer active" in result.output and "activity capstone-project" in result.output
    # Named by the LMS's own ids too, which its administrator can look up.
    dead = next(line for line in result.output.splitlines() if "no longer active" in line)
    in_the_lms = r"\(in the LMS: course \S+ '.*', link \S+ '.*', learner (ada|bob)\)"
    assert re.search(in_the_lms, dead), dead


def test_per_platform_cap_leaves_room_for_other_platforms(app):
    with transaction(app) as session:
        conn = session.connection()
        for n in range(3):
            queue.enqueue(conn, "grade-sync", {"n": n}, group_key="registration:1")
        queue.enqueue(conn, "grade-sync", {"n": 9}, group_key="registration:2")
    claimed = []
    for worker in ("w1", "w2", "w3", "w4"):
        with transaction(app) as session:
            job = queue.claim(session.connection(), worker, ["grade-sync"], group_cap=2)
        claimed.append(job.payload["n"] if job else None)
    assert claimed == [0, 1, 9, None]  # the third of registration 1 waits for a slot


#: Several workers need PostgreSQL (SQLite runs one worker).
ON_POSTGRES_ONLY = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@ON_POSTGRES_ONLY
def test_two_workers_on_postgres_never_deliver_the_same_row(grades):
    learners = [f"learner-{n}" for n in range(8)]
    for learner in learners:
        grades.hand_in_project(learner)
    run_workers(grades, *(grades.worker(n, concurrency=2, group_cap=4) for n in ("w1", "w2")))
    for learner in learners:
        assert len(arrivals(grades, learner)) == 1
    claims = [e for e in events(grades) if e.status == "running"]
    assert len(claims) == len(learners)  # every job claimed exactly once
    assert {e.detail for e in claims} == {"w1", "w2"}  # both workers took part


@ON_POSTGRES_ONLY
def test_a_worker_killed_mid_delivery_is_replaced_and_delivers_once_in_order(grades, sim, tmp_path):
    settings = grades.app.config["SETTINGS"]
    # Another host: its own instance folder, the same database, so the same key-encryption key.
    kek = (Path(settings.instance_path) / "key_encryption_key").read_text().strip()
    env = {
        **os.environ,
        "SKILLCERT_DATABASE_URL": settings.database_url,
        "SKILLCERT_CONTENT_PATH": str(SAMPLE_CONTENT),
        "SKILLCERT_INSTANCE_PATH": str(tmp_path / "worker"),
        "SKILLCERT_SECRET_KEY": "test-secret-key",
        "SKILLCERT_KEY_ENCRYPTION_KEY": kek,
        "SKILLCERT_HTTP_TIMEOUT_SECONDS": "3",
        "SKILLCERT_GRADESYNC_STALL_SECONDS": "4",
    }
    command = [sys.executable, "-m", "lti_tool.entry", "worker", "--poll-seconds", "0.2"]
    grades.hand_in_project("ada")
    sim.hang_next(4)  # the worker's first LMS request (finding the line item) hangs
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: any("/lineitems" in path for _, path in grades.lms.requests), 20)
        assert grades.jobs()[0].status is JobStatus.RUNNING
        grades.grade_project("ada")  # a newer score, queued behind the one in flight
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: all(job.status is JobStatus.DONE for job in grades.jobs()), 30)
    finally:
        second.terminate()
        second.wait(10)
    # The score in flight was superseded by the newer one: only the newest goes out, once.
    assert [s["gradingProgress"] for s in arrivals(grades, "ada")] == ["FullyGraded"]


def test_a_failed_score_superseded_while_in_flight_is_dropped_for_the_newer(app):
    with transaction(app) as session:
        queue.enqueue(session.connection(), "grade-sync", {"n": 1}, lock_key="k", dedupe_key="k")
    with transaction(app) as session:
        older = queue.claim(session.connection(), "w1", ["grade-sync"])
        queue.enqueue(session.connection(), "grade-sync", {"n": 2}, lock_key="k", dedupe_key="k")
    with transaction(app) as session:
        assert queue.fail(session.connection(), older, "w1", "HTTP 503") is None
    with transaction(app) as session:
        newer = queue.claim(session.connection(), "w1", ["grade-sync"])
    assert newer.payload == {"n": 2}
