"""Lab submissions from a launch, graded by the worker in the sandbox, results stored."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from assessments.catalog import lab_spec, list_tracks
from assessments.labs import Visibility
from lti_tool.db import transaction
from lti_tool.entry import main
from lti_tool.grading.labs import ReproduceError, SubmissionError, reproduce, submit_lab
from lti_tool.jobs.worker import Worker
from lti_tool.models import Job, JobStatus, LabSubmission, Role, SubmissionStatus
from lti_tool.scope import CurrentLaunch
from tests.conftest import csrf_token_of as token

pytestmark = pytest.mark.sandbox

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


def submit(app, launch, filename, data, visible_only=False):
    with transaction(app) as session:
        return submit_lab(
            session.connection(),
            launch,
            sample_track(app),
            "prompt-lab",
            filename,
            data,
            visible_only=visible_only,
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
    assert {t["name"] for t in row.result["tests"]} >= {"generated review 1"}


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
    assert "Graded" in page and "100.0%" in page


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
    assert "Hidden test" not in page  # hidden tests never ran
    with transaction(lab_app) as session:
        row = session.query(LabSubmission).one()
        assert row.visible_only and {t["name"] for t in row.result["tests"]} == {
            "clearly positive",
            "clearly negative",
        }
        assert row.seed is None


# -- seeds: each counted submission of a parameterised lab has its own hidden cases --------


def _hidden_cases(app, row):
    spec = lab_spec("sample", "prompt-lab", app.config["SETTINGS"].tracks_dir)
    return [c for c in spec.instance(row.seed).cases if c.visibility is Visibility.HIDDEN]


def test_each_counted_submission_keeps_the_seed_of_its_own_hidden_cases(lab_app, learner):
    first = graded(lab_app, submit(lab_app, learner, "solution.py", GOOD.encode()))
    second = graded(lab_app, submit(lab_app, learner, "solution.py", GOOD.encode()))
    check = graded(lab_app, submit(lab_app, learner, "solution.py", GOOD.encode(), True))
    assert 0 <= first.seed < 2**31 and 0 <= second.seed < 2**31 and first.seed != second.seed
    assert check.seed is None  # a check runs the visible tests only
    for row in (first, second):
        graded_on = [(t["name"], t["visibility"]) for t in row.result["tests"]]
        hidden = _hidden_cases(lab_app, row)
        assert [(c.name, "hidden") for c in hidden] == [t for t in graded_on if t[1] == "hidden"]
    assert [c.args for c in _hidden_cases(lab_app, first)] != [
        c.args for c in _hidden_cases(lab_app, second)
    ]


def test_the_stored_seed_reproduces_the_grade_exactly(lab_app, learner):
    submission_id = submit(lab_app, learner, "solution.py", ALWAYS_POSITIVE.encode())
    row = graded(lab_app, submission_id)
    assert 0 < row.score < 1
    outcome = reproduce(lab_app, submission_id)
    assert outcome.seed == row.seed and outcome.matches, outcome.differences
    assert outcome.reproduced.score == row.score
    assert outcome.reproduced.tests == outcome.stored.tests  # names, scores, outputs alike
    with transaction(lab_app) as session:  # reproducing changes nothing stored
        assert session.get(LabSubmission, submission_id).result == row.result


def test_labs_reproduce_prints_both_scores_and_fails_when_they_differ(lab_app, learner):
    submission_id = submit(lab_app, learner, "solution.py", ALWAYS_POSITIVE.encode())
    row = graded(lab_app, submission_id)
    runner = lab_app.test_cli_runner()
    same = runner.invoke(main, ["labs", "reproduce", str(submission_id)])
    assert same.exit_code == 0, same.output
    assert f"seed {row.seed}" in same.output and "reproduced exactly" in same.output
    with transaction(lab_app) as session:  # as if the stored grade had been tampered with
        session.execute(
            update(LabSubmission).where(LabSubmission.id == submission_id).values(score=1.0)
        )
        stored = session.get(LabSubmission, submission_id)
        stored.result = {**stored.result, "score": 1.0}
    differs = runner.invoke(main, ["labs", "reproduce", str(submission_id)])
    assert differs.exit_code == 1 and "differs:" in differs.output


def test_reproduce_refuses_what_cannot_be_reproduced(lab_app, learner):
    with pytest.raises(ReproduceError):
        reproduce(lab_app, 999_999)
    queued = submit(lab_app, learner, "solution.py", GOOD.encode())
    with pytest.raises(ReproduceError, match="has not been graded yet"):
        reproduce(lab_app, queued)
    missing = lab_app.test_cli_runner().invoke(main, ["labs", "reproduce", "999999"])
    assert missing.exit_code == 1


def test_hidden_test_names_never_reach_the_learner_page(lab_app, simulated_lms):
    from tests.conftest import LmsDriver, csrf_token_of

    lms = LmsDriver(lab_app, lab_app.test_client(), simulated_lms)
    lms.register()
    lms.launch()

    def hand_in() -> str:
        page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
        lms.client.post(
            "/learn/a/sample/prompt-lab/lab",
            data={
                "csrf_token": csrf_token_of(page),
                "purpose": "grade",
                "submission": (io.BytesIO(ALWAYS_POSITIVE.encode()), "solution.py"),
            },
            content_type="multipart/form-data",
        )
        assert Worker(lab_app, "test-worker").run_once()
        return lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)

    page = hand_in()
    # Attempts are left: the result per competency and the visible tests only.
    assert "Your result per competency" in page and "Hidden test" not in page
    assert "clearly positive" in page  # visible tests keep their names
    for _ in range(4):  # the last of the lab's five attempts
        page = hand_in()
    with transaction(lab_app) as session:
        row = session.query(LabSubmission).order_by(LabSubmission.id.desc()).first()
    hidden = [t for t in row.result["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 10
    for test in hidden:
        assert test["name"] not in page
    assert "Hidden test 1" in page and "Hidden test 10" in page
    assert "Critical:" in page and "must never pass as praise" in page


# -- a lab's counted submissions are its attempts ------------------------------------------


def test_counted_submissions_are_limited_and_checks_stay_free(lab_app, learner):
    for _ in range(5):  # the sample lab allows five, with no wait between them
        submit(lab_app, learner, "solution.py", GOOD.encode())
    with pytest.raises(SubmissionError, match="You have used all 5 attempts"):
        submit(lab_app, learner, "solution.py", GOOD.encode())
    submit(lab_app, learner, "solution.py", GOOD.encode(), visible_only=True)
    with transaction(lab_app) as session:
        assert session.scalar(select(func.count()).select_from(LabSubmission)) == 6


def test_a_lab_cool_down_says_when_the_next_submission_opens(make_app, simulated_lms, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    module = content / "sample_track" / "modules" / "practice" / "module.yaml"
    module.write_text(module.read_text().replace("cooldown_hours: 0", "cooldown_hours: 24"))
    app = make_app(content_path=str(content))
    from tests.conftest import LmsDriver

    lms = LmsDriver(app, app.test_client(), simulated_lms)
    lms.register()
    lms.launch()
    page = lms.client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    assert "Leave at least 24 hours between attempts." in page
    form = {"csrf_token": token(page), "code": GOOD, "purpose": "grade"}
    assert lms.client.post("/learn/a/sample/prompt-lab/lab/code", data=form).status_code == 302
    refused = lms.client.post("/learn/a/sample/prompt-lab/lab/code", data=form)
    assert refused.status_code == 422
    assert "Your next attempt opens on" in refused.get_data(as_text=True)
    with transaction(app) as session:
        (row,) = session.scalars(select(LabSubmission)).all()  # the refusal stored nothing
        row.created_at -= dt.timedelta(hours=25)
    assert lms.client.post("/learn/a/sample/prompt-lab/lab/code", data=form).status_code == 302
    app.extensions["skillcert.engine"].dispose()
