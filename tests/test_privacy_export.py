"""A learner's copy of their data: every kind of it, nobody else's, only from their own LMS;
recorded in the access log. The helpers here make real data through real launches and are
shared by the other privacy tests."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

from sqlalchemy import select, update

from assessments.labs.results import LabResult, ResultStatus, TestResult, TestStatus, Visibility
from lti_tool.db import transaction
from lti_tool.models import AccessKind, AccessLogEntry, Attempt, LabSubmission, User, utcnow
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token
from tests.test_credentials_renewal import hold_credential
from tests.test_credentials_wallet import save_choices
from tests.test_gradebook import take_quiz
from tests.test_project_files import hand_in

PDF = b"%PDF-1.7\n" + b"1" * 64
INSTITUTION_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
COURSE_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
#: What identifies the learner whose data the tests export or erase.
ADA = {"sub": "ada-7f3e", "name": "Ada Privacy-Lovelace", "email": "ada.privacy@example.org"}


def launch(course, sub: str, name: str, **fields):
    client = course.app.test_client()
    response = course.launch(client=client, sub=sub, name=name, **fields)
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def staff(course, roles: list[str], sub: str = "teacher-1", **fields):
    client = course.app.test_client()
    response = course.launch(role="learner", client=client, sub=sub, roles=roles, **fields)
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def user_id(app, sub: str) -> int:
    with transaction(app) as session:
        return session.scalar(select(User.id).where(User.sub == sub))


def submit_lab(client) -> None:
    """Upload code at the sample lab (queued for the sandboxed grader)."""
    page = client.get("/learn/a/sample/prompt-lab").get_data(as_text=True)
    response = client.post(
        "/learn/a/sample/prompt-lab/lab",
        data={
            "csrf_token": token(page),
            "purpose": "grade",
            "submission": (io.BytesIO(b"def solve(x):\n    return 'ada-code'\n"), "solution.py"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def lab_result() -> dict:
    """What the grader stores: a visible and a hidden test, and staff output."""
    return LabResult(
        lab_id="prompt-lab",
        status=ResultStatus.GRADED,
        score=0.5,
        tests=(
            TestResult("greets by name", 1, 1, Visibility.VISIBLE, TestStatus.PASSED, "hello"),
            TestResult(
                "refund over 10000", 0, 1, Visibility.HIDDEN, TestStatus.FAILED, "hidden-input-42"
            ),
        ),
        staff_output="Traceback: staff-only",
    ).to_dict()


def grade_labs(app, sub: str, *, graded_at: dt.datetime | None = None) -> None:
    """Store the grader's result, as the sandboxed worker does (the sandbox is not used
    by these tests)."""
    with transaction(app) as session:
        uid = session.scalar(select(User.id).where(User.sub == sub))
        session.execute(
            update(LabSubmission)
            .where(LabSubmission.user_id == uid)
            .values(
                status="graded", score=0.5, result=lab_result(), graded_at=graded_at or utcnow()
            )
        )


def learner_with_everything(course, sub: str = ADA["sub"], name: str = ADA["name"]):
    """A learner with a quiz attempt, a project with a file, a graded lab submission, a
    credential and an e-mail address for reminders; their client."""
    client = launch(course, sub, name)
    take_quiz(course, client, "zero")
    assert hand_in(client, "ada-project-text", [("ada-report.pdf", PDF)]).status_code == 302
    submit_lab(client)
    grade_labs(course.app, sub)
    hold_credential(course.app, sub, valid_until=utcnow() + dt.timedelta(days=400))
    assert save_choices(client, reminders="on", email=ADA["email"]).status_code == 302
    return client


def export(client) -> tuple[dict, zipfile.ZipFile]:
    page = client.get("/learn/privacy").get_data(as_text=True)
    response = client.post("/learn/privacy/export", data={"csrf_token": token(page)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()  # as a WSGI server does: closes the spooled file
    return json.loads(archive.read("skillcert-data.json")), archive


def test_export_holds_every_kind_of_the_learners_data(course):
    ada = learner_with_everything(course)
    bob = launch(course, "bob-2c1d", "Bob Other")
    take_quiz(course, bob, "one")
    teacher = staff(course, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"])
    ada_id = user_id(course.app, ADA["sub"])
    assert teacher.get(f"/teach/learner/{ada_id}/sample/basics-quiz").status_code == 200

    # The progress page links to the learner's data page.
    assert 'href="/learn/privacy"' in ada.get("/learn/progress").get_data(as_text=True)
    data, archive = export(ada)

    assert data["format"] == "skillcert-learner-data"
    assert data["user"]["lms_user_id"] == ADA["sub"] and data["user"]["name"] == ADA["name"]
    (membership,) = data["memberships"]
    assert membership["role"] == "learner" and membership["course"]["title"] == "Intro to AI"
    attempts = {a["activity"]: a for a in data["attempts"]}
    assert attempts["basics-quiz"]["answers"]["q-temperature"] == "zero"
    quiz_result = attempts["basics-quiz"]["result"]
    assert quiz_result["items"]["q-temperature"]["score"] > 0
    assert "feedback" not in quiz_result["items"]["q-temperature"]  # the key stays hidden
    project = attempts["capstone-project"]
    assert "ada-project-text" in json.dumps(project["answers"])
    (file,) = project["project_files"]
    assert file["filename"] == "ada-report.pdf" and file["size"] == len(PDF)
    assert archive.read(file["file"]) == PDF
    (lab,) = data["lab_submissions"]
    assert b"ada-code" in _archived_code(archive.read(lab["code"]))
    # The lab result as the learner sees it: hidden tests renamed, no outputs of theirs.
    assert lab["result"]["score"] == 0.5 and lab["result"]["staff_output"] == ""
    names = [t["name"] for t in lab["result"]["tests"]]
    assert names == ["greets by name", "Hidden test 1"]
    text = json.dumps(data)
    assert "hidden-input-42" not in text and "refund over 10000" not in text
    assert "staff-only" not in text
    (credential,) = data["credentials"]
    assert credential["document"]["proof"]
    assert json.loads(archive.read(credential["file"])) == credential["document"]
    assert data["preferences"]["reminder_email"] == ADA["email"]
    kinds = [entry["kind"] for entry in data["access_log"]]
    assert kinds == ["learner_work", "export"]
    assert data["access_log"][0]["by_role"] == "instructor"
    assert data["access_log"][1]["by_role"] == "you"

    # Nobody else's data: not Bob's name, id, answers; not the instructor's name.
    for name in archive.namelist():
        content = archive.read(name)
        assert b"bob-2c1d" not in content and b"Bob Other" not in content
        assert b"Grace Hopper" not in content  # the instructor, named by role only
    bob_attempts = _attempt_ids(course.app, "bob-2c1d")
    assert not {a["id"] for a in data["attempts"]} & bob_attempts


def test_export_is_recorded_and_scoped_to_the_learners_own_lms(course, simulated_lms):
    ada = launch(course, ADA["sub"], ADA["name"])
    take_quiz(course, ada, "zero")
    # The same LMS user id at another LMS registration is another person's record.
    other = LmsDriver(course.app, course.app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    twin = course.app.test_client()
    assert other.launch(client=twin, sub=ADA["sub"], name="Twin Elsewhere").status_code == 302
    take_quiz(course, twin, "one")

    data, archive = export(ada)
    assert [a["answers"]["q-temperature"] for a in data["attempts"]] == ["zero"]
    assert "Twin Elsewhere" not in archive.read("skillcert-data.json").decode()
    twin_data, _ = export(twin)
    assert [a["answers"]["q-temperature"] for a in twin_data["attempts"]] == ["one"]
    assert twin_data["user"]["name"] == "Twin Elsewhere"

    with transaction(course.app) as session:
        entries = session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind == AccessKind.EXPORT)
        ).all()
    assert len(entries) == 2
    assert {(e.actor_id, e.learner_id) for e in entries} == {
        (user_id_in(course.app, ADA["sub"], "Ada"),) * 2,
        (user_id_in(course.app, ADA["sub"], "Twin"),) * 2,
    }


def test_export_needs_a_launch_and_the_form_token(course):
    assert course.client.get("/learn/privacy").status_code == 401
    assert course.client.post("/learn/privacy/export").status_code in (400, 401)
    ada = launch(course, ADA["sub"], ADA["name"])
    assert ada.post("/learn/privacy/export").status_code == 400  # no CSRF token
    page = ada.get("/learn/privacy").get_data(as_text=True)
    assert "Download all my data (ZIP)" in page
    assert "until your LMS administrator has it erased" in page  # nothing purged by age


def _archived_code(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        return b"".join(inner.read(name) for name in inner.namelist())


def _attempt_ids(app, sub: str) -> set[int]:
    with transaction(app) as session:
        return set(
            session.scalars(
                select(Attempt.id).join(User, User.id == Attempt.user_id).where(User.sub == sub)
            )
        )


def user_id_in(app, sub: str, name_starts: str) -> int:
    with transaction(app) as session:
        (found,) = [
            u.id
            for u in session.scalars(select(User).where(User.sub == sub))
            if u.name.startswith(name_starts)
        ]
        return found


def page_has(client, url: str, *texts: str) -> str:
    page = client.get(url).get_data(as_text=True)
    for text in texts:
        assert re.search(re.escape(text), page), (text, page[:3000])
    return page
