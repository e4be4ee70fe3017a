"""`skillcert gradesync reconcile` against the simulated LMS, and what Canvas is told."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.lti.constants import CANVAS_SUBMISSION_EXTENSION
from lti_tool.models import Attempt, JobStatus
from tests.conftest import SAMPLE_CONTENT
from tests.gradesync_driver import GradeCourse


@pytest.fixture
def make_grades(make_app, sim):
    apps = []

    def make(preset: str = "generic") -> GradeCourse:
        app = make_app(content_path=str(SAMPLE_CONTENT), http_timeout_seconds=0.5)
        apps.append(app)
        return GradeCourse(app, sim, preset=preset)

    yield make
    for app in apps:
        app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def grades(make_grades):
    return make_grades()


def reconcile(grades, *args: str):
    return grades.app.test_cli_runner().invoke(args=["gradesync", "reconcile", *args])


def held(grades, user: str) -> dict | None:
    """The LMS gradebook's newest score of ``user`` (what its results report)."""
    mine = [score for score in grades.scores() if score["userId"] == user]
    return mine[-1] if mine else None


def test_reconcile_requeues_missing_results_keeps_changed_ones_and_leaves_matching_ones(grades):
    for learner in ("ada", "bob", "cy"):
        grades.hand_in_project(learner)
    grades.grade_project("ada")
    grades.grade_project("bob")
    grades.deliver_all()
    assert held(grades, "ada")["scoreGiven"] == pytest.approx(70.0)
    assert "scoreGiven" not in held(grades, "cy")  # PendingManual: no score, none held
    (number,) = grades.lms.line_items
    # Someone edits Ada's grade by hand in the LMS; Bob's result is lost there.
    grades.lms.scores.append((number, {**held(grades, "ada"), "scoreGiven": 15}))
    grades.lms.scores[:] = [(n, s) for n, s in grades.lms.scores if s["userId"] != "bob"]
    jobs_before = grades.jobs()

    result = reconcile(grades)

    assert result.exit_code == 0, result.output
    # Ada's edit is a teacher's decision, kept (test_gradesync_overrides.py); Bob's is re-sent.
    assert "checked 3, matching 1, changed in the LMS 1, re-queued 1, errors 0" in result.output
    (new_job,) = grades.jobs()[len(jobs_before) :]
    assert new_job.payload["score_given"] == 70.0
    assert new_job.status is JobStatus.QUEUED
    assert new_job.payload["new_submission"] is False
    grades.deliver_all()
    assert held(grades, "ada")["scoreGiven"] == 15
    assert held(grades, "bob")["scoreGiven"] == pytest.approx(70.0)
    assert held(grades, "bob")["timestamp"] > grades.scores()[0]["timestamp"]
    again = reconcile(grades)
    assert "checked 3, matching 2, changed in the LMS 1, re-queued 0, errors 0" in again.output


def test_an_lms_error_is_reported_and_nothing_is_lost_or_requeued(grades, sim):
    grades.hand_in_project("ada")
    grades.grade_project("ada")
    grades.deliver_all()
    jobs_before = [(job.id, job.status) for job in grades.jobs()]
    grades.lms.scores.clear()  # the LMS lost Ada's result
    sim.fail_next(1, status=500)

    result = reconcile(grades)

    assert result.exit_code == 1
    assert "checked 0, matching 0, changed in the LMS 0, re-queued 0, errors 1" in result.output
    assert "HTTP 500" in result.output and "nothing of those was changed" in result.output
    assert [(job.id, job.status) for job in grades.jobs()] == jobs_before
    # The LMS is back: the next run finds and fixes the difference.
    assert "re-queued 1, errors 0" in reconcile(grades).output
    grades.deliver_all()
    assert held(grades, "ada")["scoreGiven"] == pytest.approx(70.0)


def test_a_score_still_waiting_is_left_to_the_queue(grades):
    grades.hand_in_project("ada")
    grades.deliver_all()
    grades.grade_project("ada")  # queued, not delivered: the LMS still shows PendingManual
    result = reconcile(grades)
    assert "checked 0, matching 0, changed in the LMS 0, re-queued 0, errors 0" in result.output
    assert [job.status for job in grades.jobs()] == [JobStatus.DONE, JobStatus.QUEUED]


def test_reconcile_of_one_course_leaves_the_others(grades):
    grades.hand_in_project("ada")
    grades.deliver_all()
    (course_id,) = {job.payload["context"] for job in grades.jobs()}
    assert "checked 1, matching 1" in reconcile(grades, "--context", str(course_id)).output
    other = reconcile(grades, "--context", str(course_id + 1))
    assert other.exit_code == 0 and "nothing to compare" in other.output


def test_canvas_is_told_when_the_learner_handed_in_not_when_the_grade_was_sent(make_grades):
    grades = make_grades("canvas")
    grades.hand_in_project("ada")
    grades.grade_project("ada")  # later: the score's timestamp moves on, the hand-in does not
    grades.deliver_all()
    with transaction(grades.app) as session:
        handed_in = session.scalar(select(Attempt.submitted_at))
    (score,) = grades.scores()
    submission = score[CANVAS_SUBMISSION_EXTENSION]
    assert dt.datetime.fromisoformat(submission["submitted_at"]) == handed_in.replace(
        microsecond=handed_in.microsecond // 1000 * 1000
    )
    assert submission["submitted_at"] != score["timestamp"]
    assert submission["new_submission"] is False  # the instructor's grading changed it
