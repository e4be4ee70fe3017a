"""Lab submissions from a launch, graded by the worker in the sandbox, results stored."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assessments.catalog import list_tracks
from lti_tool.db import transaction
from lti_tool.grading.labs import SubmissionError, submit_lab
from lti_tool.jobs.worker import Worker
from lti_tool.models import Job, JobStatus, LabSubmission, Role, SubmissionStatus
from lti_tool.sessions import CurrentLaunch

CONTENT = Path(__file__).parent / "assessments"
GOOD = """
def classify(text):
    words = text.lower().replace(",", " ").split()
    negative = sum(w in {"broken", "terrible", "awful"} for w in words)
    positive = sum(w in {"great", "good", "well", "works"} for w in words)
    return "negative" if negative >= positive else "positive"
"""
ALWAYS_POSITIVE = "def classify(text):\n    return 'positive'\n"


@pytest.fixture
def lab_app(make_app):
    if shutil.which("bwrap") is None and os.environ.get("CI") != "true":
        pytest.skip("bubblewrap is not installed (the README's test command installs it)")
    app = make_app(content_path=str(CONTENT))
    yield app
    app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def learner(lab_app, simulated_lms):
    from tests.conftest import LmsDriver

    lms = LmsDriver(lab_app, lab_app.test_client(), simulated_lms)
    lms.register()
    assert lms.launch().status_code == 302
    info = lms.session_info().get_json()
    return CurrentLaunch(
        registration_id=info["registration_id"],
        deployment_id=info["deployment_id"],
        context_id=info["context"]["id"],
        resource_link_id=info["resource_link"]["id"],
        user_id=info["user"]["id"],
        role=Role.LEARNER,
        message_type=info["message_type"],
        claims={},
        user_name=info["user"]["name"],
        context_title="",
        resource_link_title="",
        platform_name="",
    )


def sample_track(app):
    (track,) = [t for t in list_tracks(app.config["SETTINGS"].tracks_dir) if t.id == "sample"]
    return track


def submit(app, launch, filename, data):
    with transaction(app) as session:
        return submit_lab(
            session.connection(), launch, sample_track(app), "prompt-lab", filename, data
        )


def graded(app, submission_id):
    assert Worker(app, "test-worker").run_once()
    with transaction(app) as session:
        return session.get(LabSubmission, submission_id)


def test_correct_solution_scores_full_marks(lab_app, learner):
    submission_id = submit(lab_app, learner, "solution.py", GOOD.encode())
    row = graded(lab_app, submission_id)
    assert row.status == SubmissionStatus.GRADED
    assert row.score == 1.0
    assert row.content_versions["activity"] == {"prompt-lab": "1.0.0"}
    assert {t["name"] for t in row.result["tests"]} >= {"clearly positive", "mixed case"}


def test_wrong_solution_loses_marks_and_zip_uploads_work(lab_app, learner):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("solution.py", ALWAYS_POSITIVE)
    row = graded(lab_app, submit(lab_app, learner, "project.zip", buffer.getvalue()))
    assert row.status == SubmissionStatus.GRADED
    assert 0 < row.score < 1


def test_syntax_error_is_not_gradable_and_not_counted(lab_app, learner):
    row = graded(lab_app, submit(lab_app, learner, "solution.py", b"def classify(:\n"))
    assert row.status == SubmissionStatus.NOT_GRADABLE
    assert row.score is None


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("solution.py", b"\xff\xfe\x00binary", "is not UTF-8 text"),
        ("solution.exe", b"MZ", "Upload a .zip of your project"),
        ("project.zip", b"not a zip at all", "The zip file cannot be used"),
        ("solution.py", b"x" * (11 * 1024 * 1024), "the limit is"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(lab_app, learner, filename, data, message):
    with pytest.raises(SubmissionError, match=message):
        submit(lab_app, learner, filename, data)
    with transaction(lab_app) as session:
        assert session.scalar(select(func.count()).select_from(LabSubmission)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_lab_that_no_longer_exists_fails_the_job_for_good(lab_app, learner):
    submission_id = submit(lab_app, learner, "solution.py", GOOD.encode())
    with transaction(lab_app) as session:
        session.get(LabSubmission, submission_id).activity_id = "gone-lab"
    assert Worker(lab_app, "test-worker").run_once()
    with transaction(lab_app) as session:
        job = session.scalars(select(Job)).one()
        assert job.status == JobStatus.DEAD and "no longer exists" in job.last_error


def test_learner_uploads_from_the_lab_page_and_sees_the_grade(lab_app, simulated_lms):
    from tests.conftest import LmsDriver

    lms = LmsDriver(lab_app, lab_app.test_client(), simulated_lms)
    lms.register()
    lms.launch()
    page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = lms.client.post(
        "/learn/a/sample/prompt-lab/lab",
        data={
            "csrf_token": csrf,
            "purpose": "grade",
            "submission": (io.BytesIO(GOOD.encode()), "solution.py"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Waiting to be graded" in lms.client.get("/learn/a/sample/prompt-lab").get_data(
        as_text=True
    )
    assert Worker(lab_app, "test-worker").run_once()
    page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    assert "Graded" in page and "100.0 %" in page


def test_a_check_runs_only_visible_tests_and_never_counts(lab_app, simulated_lms):
    from tests.conftest import LmsDriver, csrf_token_of

    lms = LmsDriver(lab_app, lab_app.test_client(), simulated_lms)
    lms.register()
    lms.launch()
    page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    lms.client.post(
        "/learn/a/sample/prompt-lab/lab",
        data={
            "csrf_token": csrf_token_of(page),
            "purpose": "check",
            "submission": (io.BytesIO(ALWAYS_POSITIVE.encode()), "solution.py"),
        },
        content_type="multipart/form-data",
    )
    status = lms.client.get("/learn/a/sample/prompt-lab/lab-status").get_json()
    assert len(status["waiting"]) == 1
    assert Worker(lab_app, "test-worker").run_once()
    assert lms.client.get("/learn/a/sample/prompt-lab/lab-status").get_json() == {"waiting": []}
    page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    assert "Latest result (check)" in page
    assert "clearly positive" in page and "clearly negative" in page  # visible tests
    assert "mixed case" not in page  # hidden tests never ran
    with transaction(lab_app) as session:
        row = session.query(LabSubmission).one()
        assert row.visible_only and {t["name"] for t in row.result["tests"]} == {
            "clearly positive",
            "clearly negative",
        }
