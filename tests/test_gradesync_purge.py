"""`skillcert db purge` deletes old finished jobs but keeps each learner's newest delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from lti_tool.db import transaction
from lti_tool.jobs import queue
from lti_tool.models import Job, JobEvent, JobStatus, utcnow
from tests.conftest import SAMPLE_CONTENT
from tests.gradesync_driver import GradeCourse


@pytest.fixture
def grades(make_app, simulated_lms):
    app = make_app(content_path=str(SAMPLE_CONTENT), job_retention_days=30)
    yield GradeCourse(app, simulated_lms)
    app.extensions["skillcert.engine"].dispose()


def finished_days_ago(grades, days: int, *job_ids: int) -> None:
    with transaction(grades.app) as session:
        session.execute(
            update(Job)
            .where(Job.id.in_(job_ids))
            .values(finished_at=utcnow() - dt.timedelta(days=days))
        )


def test_purge_deletes_old_done_jobs_and_keeps_each_newest_delivery(grades):
    grades.hand_in_project("ada")
    grades.deliver_all()
    grades.grade_project("ada")
    grades.hand_in_project("bob")
    grades.deliver_all()
    ada_old, ada_new, bob_only = grades.jobs()
    assert {ada_old.status, ada_new.status, bob_only.status} == {JobStatus.DONE}
    with transaction(grades.app) as session:
        other = queue.enqueue(session.connection(), "grade_lab", {"submission": 1})
        session.execute(update(Job).where(Job.id == other).values(status=JobStatus.DONE))
        waiting = queue.enqueue(session.connection(), "grade_lab", {"submission": 2})
    finished_days_ago(grades, 31, ada_old.id, ada_new.id, bob_only.id, other)

    result = grades.app.test_cli_runner().invoke(args=["db", "purge"])

    assert result.exit_code == 0, result.output
    assert "job: 2" in result.output
    kept = {job.id for job in grades.jobs()}
    assert kept == {ada_new.id, bob_only.id}  # the newest of each learner and line item
    with transaction(grades.app) as session:
        assert session.get(Job, waiting) is not None  # not finished: never purged
        assert session.get(Job, other) is None
        gone_events = select(func.count()).where(JobEvent.job_id.in_([ada_old.id, other]))
        assert session.scalar(gone_events) == 0
    page = grades.learners["ada"].get("/learn/a/sample/capstone-project").get_data(as_text=True)
    assert "Sent to your LMS gradebook" in page


def test_purge_keeps_finished_jobs_younger_than_the_retention(grades):
    grades.hand_in_project("ada")
    grades.deliver_all()
    grades.grade_project("ada")
    grades.deliver_all()
    older, _ = grades.jobs()
    finished_days_ago(grades, 29, older.id)
    result = grades.app.test_cli_runner().invoke(args=["db", "purge"])
    assert "job: 0" in result.output
    assert len(grades.jobs()) == 2
