"""Erasing a learner: no trace of them left in any table or instance file, other learners'
results and the course statistics still right, credentials verifiable (or revoked when
asked), the administrator's reach respected, a confirmation step, the operator's command."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import func, select

from lti_tool.db import transaction
from lti_tool.models import (
    Attempt,
    Base,
    Credential,
    ErasureRecord,
    Job,
    LabSubmission,
    Membership,
    ProjectFile,
    User,
)
from lti_tool.privacy.erasure import learner_reference
from tests.conftest import csrf_token_of as token
from tests.test_credentials import api_verify
from tests.test_gradebook import take_quiz
from tests.test_privacy_export import (
    ADA,
    COURSE_ADMIN,
    INSTITUTION_ADMIN,
    launch,
    learner_with_everything,
    staff,
    user_id,
)

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
#: Five other learners' answers (the key is "zero").
OTHERS = {"l0": "zero", "l1": "one", "l2": "zero", "l3": "two", "l4": "zero"}


def erase_from_page(admin, uid: int, **fields: str):
    page = admin.get(f"/admin/privacy/erase/{uid}")
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {"csrf_token": token(page.get_data(as_text=True)), **fields}
    return admin.post(f"/admin/privacy/erase/{uid}", data=data)


def traces(app, needles: list[str]) -> list[str]:
    """Every table cell holding one of ``needles``: "table.column"."""
    found = []
    with transaction(app) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    if any(needle in text for needle in needles):
                        found.append(f"{table.name}.{column}")
    return found


def rows_pointing_at(app, uid: int) -> set[str]:
    """Tables with a row whose foreign key to lti_user names this user (and the user row)."""
    found = set()
    with transaction(app) as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "lti_user" for fk in column.foreign_keys):
                    count = session.scalar(
                        select(func.count()).select_from(table).where(column == uid)
                    )
                    if count:
                        found.add(f"{table.name}.{column.name}")
    return found


def instance_files_with(app, needles: list[str]) -> list[str]:
    folder = Path(app.config["SETTINGS"].instance_path)
    return [
        str(path)
        for path in folder.rglob("*")
        if path.is_file() and any(n.encode() in path.read_bytes() for n in needles)
    ]


def item_analysis(teacher) -> str:
    return teacher.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)


def test_erasure_leaves_no_trace_and_keeps_others_statistics(course):
    learner_with_everything(course)
    for sub, answer in OTHERS.items():
        take_quiz(course, launch(course, sub, f"Other {sub}"), answer)
    teacher = staff(course, [INSTRUCTOR])
    assert "6 learners submitted" in item_analysis(teacher)
    before = _csv_by_learner(teacher)
    l1 = launch(course, "l1", "Other l1")
    l1_progress = l1.get("/learn/progress").get_data(as_text=True)
    ada = user_id(course.app, ADA["sub"])
    with transaction(course.app) as session:
        (credential,) = session.scalars(select(Credential)).all()
        assert session.scalar(select(func.count()).select_from(Job)) > 0  # lab grading queued
    reference = learner_reference(
        course.app.config["SETTINGS"], credential.registration_id, ADA["sub"]
    )

    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1", name="Admin One")
    found = admin.get("/admin/privacy?q=Privacy").get_data(as_text=True)
    assert ADA["name"] in found and f"/admin/privacy/erase/{ada}" in found
    confirm = admin.get(f"/admin/privacy/erase/{ada}").get_data(as_text=True)
    assert "Attempts (answers, results, marks): 2" in confirm
    assert "Project files: 1" in confirm and "Lab submissions: 1" in confirm
    done = erase_from_page(admin, ada, confirm="erase", reason="Ticket 4711")
    assert done.status_code == 302, done.get_data(as_text=True)
    assert "erasure record 1" in admin.get(done.headers["Location"]).get_data(as_text=True)

    # No trace of the learner: not their LMS id, name or e-mail in any table or file.
    assert traces(course.app, list(ADA.values())) == []
    assert instance_files_with(course.app, list(ADA.values())) == []
    # Rows still naming the (now anonymous) user row: only what must outlive the work.
    assert rows_pointing_at(course.app, ada) <= {
        "membership.user_id",  # marked Deleted, roles and last launch cleared
        "credential.user_id",  # kept verifiable
        "access_log.learner_id",  # who looked at their work, before
    }
    with transaction(course.app) as session:
        for model in (Attempt, LabSubmission):
            mine = select(func.count()).select_from(model).where(model.user_id == ada)
            assert session.scalar(mine) == 0, model
        assert session.scalar(select(func.count()).select_from(ProjectFile)) == 0
        assert session.scalars(select(Job.kind)).all() == []  # its lab's grading went too
        user = session.get(User, ada)
        assert user.name == "" and user.sub.startswith("erased:")
        membership = session.scalar(select(Membership).where(Membership.user_id == ada))
        assert membership.status.value == "Deleted" and membership.lti_roles == []
        (record,) = session.scalars(select(ErasureRecord)).all()
        assert record.learner_ref == reference  # the same request is recognisable
        assert record.removed["attempts"] == 2 and record.removed["project_files"] == 1
        assert record.removed["credentials_kept"] == 1 and not record.credentials_revoked
        assert record.user_record_cleared and record.reason == "Ticket 4711"

    # Other learners: the same results, and the statistics count the five who remain.
    page = item_analysis(teacher)
    assert "5 learners submitted" in page
    assert "<code>one</code>: 1, <code>two</code>: 1, <code>zero</code> (key): 3" in page
    after = _csv_by_learner(teacher)
    assert after == {name: row for name, row in before.items() if name != ADA["name"]}
    assert l1.get("/learn/progress").get_data(as_text=True) == l1_progress
    # The credential still verifies, and its public page still works.
    assert api_verify(course, credential.document)["verified"] is True
    assert course.app.test_client().get(f"/credentials/{credential.id}").status_code == 200


def test_erasure_can_revoke_the_credentials(course):
    learner_with_everything(course)
    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1")
    ada = user_id(course.app, ADA["sub"])
    assert erase_from_page(admin, ada, confirm="erase", revoke_credentials="on").status_code == 302
    with transaction(course.app) as session:
        (credential,) = session.scalars(select(Credential)).all()
        (record,) = session.scalars(select(ErasureRecord)).all()
    assert credential.state.value == "revoked"
    assert credential.state_changed_by.startswith("lms-administrator:user-")
    assert record.credentials_revoked and record.removed["credentials_revoked"] == 1
    assert api_verify(course, credential.document)["verified"] is False


def test_erasure_needs_confirmation_a_token_and_an_administrator(course):
    learner_with_everything(course)
    ada = user_id(course.app, ADA["sub"])
    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1")
    refused = erase_from_page(admin, ada, reason="Ticket 1")  # the box not ticked
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Tick the box to confirm" in text and 'value="Ticket 1"' in text
    assert admin.post(f"/admin/privacy/erase/{ada}", data={"confirm": "erase"}).status_code == 400
    teacher = staff(course, [INSTRUCTOR])
    assert teacher.get("/admin/privacy").status_code == 403
    assert teacher.get(f"/admin/privacy/erase/{ada}").status_code == 403
    learner = launch(course, "l0", "Other l0")
    assert learner.get(f"/admin/privacy/erase/{ada}").status_code == 403
    with transaction(course.app) as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 2
        assert session.scalar(select(func.count()).select_from(ErasureRecord)) == 0


def test_a_course_administrator_reaches_only_their_course(course, simulated_lms):
    from tests.conftest import LmsDriver

    elsewhere = {"id": "course-2", "title": "Another course"}
    take_quiz(course, launch(course, "ada-b", "Ada in B", context=elsewhere), "zero")
    take_quiz(course, launch(course, "cy-a", "Cy in A"), "zero")
    in_b, in_a = user_id(course.app, "ada-b"), user_id(course.app, "cy-a")
    course_admin = staff(course, [COURSE_ADMIN], sub="course-admin")  # of course-1
    assert "Ada in B" not in course_admin.get("/admin/privacy?q=Ada").get_data(as_text=True)
    assert course_admin.get(f"/admin/privacy/erase/{in_b}").status_code == 404
    assert course_admin.get(f"/admin/privacy/erase/{in_a}").status_code == 200
    # An administrator of another LMS reaches nobody here.
    other = LmsDriver(course.app, course.app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    stranger = course.app.test_client()
    other.launch(client=stranger, sub="admin-2", roles=[INSTITUTION_ADMIN])
    assert stranger.get(f"/admin/privacy/erase/{in_a}").status_code == 404
    own = token(stranger.get("/learn/credentials").get_data(as_text=True))
    response = stranger.post(
        f"/admin/privacy/erase/{in_a}", data={"csrf_token": own, "confirm": "erase"}
    )
    assert response.status_code == 404
    # The institution's administrator reaches both courses of the deployment.
    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1")
    assert "Ada in B" in admin.get("/admin/privacy?q=Ada").get_data(as_text=True)
    assert erase_from_page(admin, in_b, confirm="erase").status_code == 302
    with transaction(course.app) as session:
        owners = set(session.scalars(select(Attempt.user_id)))
    assert owners == {in_a}


def test_a_course_administrator_without_a_course_reaches_nobody(course):
    take_quiz(course, launch(course, "cy-a", "Cy in A"), "zero")
    learner = user_id(course.app, "cy-a")
    client = course.app.test_client()
    response = course.launch(client=client, sub="course-admin", roles=[COURSE_ADMIN], context=None)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Cy in A" not in client.get("/admin/privacy?q=Cy").get_data(as_text=True)
    assert client.get(f"/admin/privacy/erase/{learner}").status_code == 404
    log = client.get("/admin/privacy/access-log").get_data(as_text=True)
    assert "Cy in A" not in log


def test_erasing_one_course_keeps_the_learners_other_course(course):
    elsewhere = {"id": "course-2", "title": "Another course"}
    take_quiz(course, launch(course, ADA["sub"], ADA["name"]), "zero")
    take_quiz(course, launch(course, ADA["sub"], ADA["name"], context=elsewhere), "one")
    ada = user_id(course.app, ADA["sub"])
    course_admin = staff(course, [COURSE_ADMIN], sub="course-admin")
    confirm = course_admin.get(f"/admin/privacy/erase/{ada}").get_data(as_text=True)
    assert "They are also a member of other courses" in confirm
    assert erase_from_page(course_admin, ada, confirm="erase").status_code == 302
    with transaction(course.app) as session:
        (kept,) = session.scalars(select(Attempt)).all()
        user = session.get(User, ada)
        (record,) = session.scalars(select(ErasureRecord)).all()
    assert kept.answers["q-temperature"] == "one"  # course 2's attempt
    assert user.sub == ADA["sub"] and not record.user_record_cleared


def test_the_operator_finds_and_erases_a_learner_from_the_command_line(course):
    learner_with_everything(course)
    runner = course.app.test_cli_runner()
    with transaction(course.app) as session:
        registration = session.scalar(select(User.registration_id).where(User.sub == ADA["sub"]))
    found = runner.invoke(
        args=["privacy", "find", "--registration", str(registration), "--name", "privacy"]
    )
    assert found.exit_code == 0, found.output
    assert ADA["sub"] in found.output and "Intro to AI" in found.output
    unknown = runner.invoke(
        args=["privacy", "erase", "--registration", str(registration), "--sub", "nobody", "--yes"]
    )
    assert unknown.exit_code == 1 and "no user with LMS user id 'nobody'" in unknown.output
    declined = runner.invoke(
        args=["privacy", "erase", "--registration", str(registration), "--sub", ADA["sub"]],
        input="n\n",
    )
    assert declined.exit_code == 1 and "Nothing was erased." in declined.output
    done = runner.invoke(
        args=[
            "privacy",
            "erase",
            "--registration",
            str(registration),
            "--sub",
            ADA["sub"],
            "--revoke-credentials",
            "--reason",
            "DSAR 12",
            "--yes",
        ]
    )
    assert done.exit_code == 0, done.output
    assert re.search(r"Erasure record 1: attempts: 2, project_files: 1", done.output)
    assert traces(course.app, list(ADA.values())) == []
    with transaction(course.app) as session:
        (record,) = session.scalars(select(ErasureRecord)).all()
        (credential,) = session.scalars(select(Credential)).all()
    assert record.requested_by.startswith("operator:") and record.deployment_id is None
    assert credential.state.value == "revoked"


def _csv_by_learner(teacher) -> dict[str, list[str]]:
    response = teacher.get("/teach/gradebook.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    return {row[0]: row for row in rows[1:]}
