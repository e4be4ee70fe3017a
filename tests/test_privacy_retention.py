"""`skillcert privacy purge`: each kind of data by its own age, never work whose score has
not reached the LMS or that awaits grading; a credential outlives the work it was for."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from lti_tool.db import transaction
from lti_tool.models import (
    AccessLogEntry,
    Attempt,
    Credential,
    LabSubmission,
    ProjectFile,
    User,
    utcnow,
)
from lti_tool.privacy.retention import OUTPUTS_PURGED
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.gradesync_driver import GradeCourse
from tests.test_credentials import api_verify
from tests.test_credentials_renewal import hold_credential
from tests.test_gradebook import take_quiz
from tests.test_privacy_export import PDF, grade_labs, launch, staff, submit_lab, user_id
from tests.test_project_files import hand_in

RETENTION = {
    "retention_attempt_days": 30,
    "retention_project_file_days": 10,
    "retention_lab_output_days": 5,
    "retention_access_log_days": 20,
}
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture
def kept(make_app, simulated_lms):
    """The sample course, with retention periods set."""
    app = make_app(content_path=str(SAMPLE_CONTENT), **RETENTION)
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver
    app.extensions["skillcert.engine"].dispose()


def days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)


def age(app, model, column: str, when: dt.datetime, *where) -> None:
    with transaction(app) as session:
        session.execute(update(model).where(*where).values({column: when}))


def purge(app) -> dict[str, int]:
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    return {k: int(v) for k, v in (part.split(": ") for part in result.output.strip().split(", "))}


def count(app, model, *where) -> int:
    with transaction(app) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_purge_removes_each_kind_by_its_own_age(kept):
    app = kept.app
    ada = launch(kept, "ada", "Ada")
    take_quiz(kept, ada, "zero")
    assert hand_in(ada, "plan", [("report.pdf", PDF)]).status_code == 302  # awaits grading
    submit_lab(ada)
    grade_labs(app, "ada", graded_at=days_ago(6))
    take_quiz(kept, launch(kept, "bob", "Bob"), "one")
    teacher = staff(kept, [INSTRUCTOR])
    uid = user_id(app, "ada")
    assert teacher.get(f"/teach/learner/{uid}/sample/basics-quiz").status_code == 200
    assert teacher.get(f"/teach/learner/{uid}/sample/prompt-lab").status_code == 200
    held = hold_credential(app, "ada", valid_until=utcnow() + dt.timedelta(days=400))

    quiz = Attempt.activity_id == "basics-quiz"
    age(app, Attempt, "submitted_at", days_ago(31), quiz, Attempt.user_id == uid)
    age(app, Attempt, "submitted_at", days_ago(31), Attempt.activity_id == "capstone-project")
    age(app, ProjectFile, "created_at", days_ago(40))
    age(app, LabSubmission, "created_at", days_ago(6))
    age(app, AccessLogEntry, "at", days_ago(21), AccessLogEntry.id == 1)

    assert purge(app) == {
        "attempts": 1,  # Ada's quiz; not Bob's (new), not the project (awaits grading)
        "lab_submissions": 0,
        "project_files": 0,  # its attempt awaits grading
        "lab_outputs": 1,
        "access_log": 1,
        "jobs": 0,
    }
    assert count(app, Attempt, quiz) == 1 and count(app, Attempt, Attempt.user_id == uid) == 1
    assert count(app, ProjectFile) == 1 and count(app, AccessLogEntry) == 1
    with transaction(app) as session:
        (lab,) = session.scalars(select(LabSubmission)).all()
    assert lab.score == 0.5 and lab.result["staff_output"] == ""
    assert [t["output"] for t in lab.result["tests"]] == ["", ""]
    assert OUTPUTS_PURGED in lab.result["timestamps"]
    assert "50.0%" in ada.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    assert purge(app)["lab_outputs"] == 0  # once

    # The credential the work counted toward is untouched; the progress page no longer
    # shows the purged quiz.
    with transaction(app) as session:
        credential = session.get(Credential, held)
    assert api_verify(kept, credential.document)["verified"] is True
    assert "You earned the credential" in ada.get("/learn/progress").get_data(as_text=True)


def test_zero_keeps_everything(course):
    ada = launch(course, "ada", "Ada")
    take_quiz(course, ada, "zero")
    age(course.app, Attempt, "submitted_at", days_ago(4000))
    assert purge(course.app) == {"jobs": 0}
    assert count(course.app, Attempt) == 1


def test_work_waiting_for_the_lms_is_kept_until_its_score_arrives(make_app, sim):
    app = make_app(content_path=str(SAMPLE_CONTENT), **RETENTION)
    grades = GradeCourse(app, sim)
    # A project with a file, graded and released: its file may go, its attempt stays.
    project = grades.launch("bob")
    assert hand_in(project, "plan", [("report.pdf", PDF)]).status_code == 302
    grades.grade_project("bob")
    quiz = grades.launch("ada", target="activity:sample/basics-quiz", link="link-quiz")
    take_quiz(grades.driver, quiz, "zero")
    assert [job.status.value for job in grades.jobs()] == ["queued", "queued"]
    age(app, Attempt, "submitted_at", days_ago(31), Attempt.activity_id == "basics-quiz")
    age(app, ProjectFile, "created_at", days_ago(11))

    counts = purge(app)
    assert counts["attempts"] == 0  # the quiz's score is still queued for the LMS
    assert counts["project_files"] == 0  # the project's score is still queued too
    assert grades.deliver_all() >= 2
    counts = purge(app)
    assert counts["attempts"] == 1 and counts["project_files"] == 1
    with transaction(app) as session:
        bob = session.scalar(select(User.id).where(User.sub == "bob"))
        assert (
            session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == bob))
            == 1
        )
    app.extensions["skillcert.engine"].dispose()
