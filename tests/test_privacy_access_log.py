"""The access log: an entry for each page that shows learners' work to staff, readable by
the LMS administrator within their reach, not by instructors or learners, nor other tenants."""

from __future__ import annotations

import re

from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import AccessLogEntry
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token
from tests.test_gradebook import take_quiz
from tests.test_privacy_export import (
    COURSE_ADMIN,
    INSTITUTION_ADMIN,
    PDF,
    launch,
    staff,
    user_id,
)
from tests.test_project_files import hand_in

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def entries(app) -> list[AccessLogEntry]:
    with transaction(app) as session:
        return list(session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)))


def test_each_page_showing_learners_work_is_recorded(course):
    ada = launch(course, "ada", "Ada Lovelace")
    take_quiz(course, ada, "zero")
    assert hand_in(ada, "plan", [("report.pdf", PDF)]).status_code == 302
    uid = user_id(course.app, "ada")
    teacher = staff(course, [INSTRUCTOR])
    teacher_id = user_id(course.app, "teacher-1")
    assert entries(course.app) == []

    assert teacher.get("/teach/gradebook").status_code == 200  # the overview: not logged
    assert teacher.get("/teach/gradebook.csv").status_code == 200
    assert teacher.get(f"/teach/learner/{uid}/sample/basics-quiz").status_code == 200
    queue = teacher.get("/teach/grading").get_data(as_text=True)
    (download,) = re.findall(r'href="(/teach/project-file/\d+)"', queue)
    assert teacher.get(download).data == PDF
    action = next(
        a for a in re.findall(r'action="(/teach/grading/\d+/[^"]+)"', queue) if "project" in a
    )
    attempt_id = int(action.split("/")[3])
    assert teacher.get(f"/teach/marking/{attempt_id}").status_code == 200
    saved = teacher.post(
        action,
        data={"csrf_token": token(queue), "level-method": "sound", "level-risks": "present"},
    )
    assert saved.status_code == 302
    refused = teacher.post(action, data={"csrf_token": token(queue)})  # no levels: refused
    assert refused.status_code == 400

    logged = [(e.kind.value, e.learner_id, e.actor_id, e.actor_role) for e in entries(course.app)]
    assert logged == [
        ("gradebook_csv", None, teacher_id, "instructor"),
        ("learner_work", uid, teacher_id, "instructor"),
        ("grading", uid, teacher_id, "instructor"),
        ("project_file", uid, teacher_id, "instructor"),
        ("marking", uid, teacher_id, "instructor"),
        ("grade", uid, teacher_id, "instructor"),
        # The refused grade left no entry (its transaction was rolled back) but its
        # re-rendered queue did neither: a refused request writes nothing.
    ]
    by_kind = {e.kind.value: e for e in entries(course.app)}
    assert attempt_id in by_kind["grading"].attempt_ids
    assert by_kind["marking"].attempt_ids == [attempt_id]
    assert by_kind["learner_work"].detail == "sample/basics-quiz"
    assert by_kind["project_file"].file_id == int(download.rsplit("/", 1)[1])


def test_the_administrator_reads_the_log_within_their_reach(course, simulated_lms):
    ada = launch(course, "ada", "Ada Lovelace")
    take_quiz(course, ada, "zero")
    uid = user_id(course.app, "ada")
    teacher = staff(course, [INSTRUCTOR], name="Grace Hopper")
    assert teacher.get(f"/teach/learner/{uid}/sample/basics-quiz").status_code == 200
    elsewhere = {"id": "course-2", "title": "Another course"}
    bea = launch(course, "bea", "Bea in B", context=elsewhere)
    take_quiz(course, bea, "one")
    teacher_b = staff(course, [INSTRUCTOR], sub="teacher-b", name="Tess B", context=elsewhere)
    assert teacher_b.get("/teach/gradebook.csv").status_code == 200

    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1")
    assert 'href="/admin/privacy"' in admin.get("/teach/").get_data(as_text=True)
    page = admin.get("/admin/privacy/access-log").get_data(as_text=True)
    assert "Entries: 2 (page 1 of 1)" in page
    assert "Grace Hopper" in page and "Ada Lovelace" in page and "Learner's work" in page
    assert "Gradebook downloaded (CSV)" in page and "Everyone in the course" in page
    assert admin.get("/admin/privacy/access-log?page=0").status_code == 404

    # A course's Administrator sees their course's entries only.
    course_admin = staff(
        course, [COURSE_ADMIN], sub="course-admin", name="Carl Admin", context=elsewhere
    )
    own = course_admin.get("/admin/privacy/access-log").get_data(as_text=True)
    assert "Entries: 1 (page 1 of 1)" in own and "Tess B" in own
    assert "Ada Lovelace" not in own and "Grace Hopper" not in own
    # Instructors and learners may not read it; nor an administrator of another LMS.
    assert teacher.get("/admin/privacy/access-log").status_code == 403
    assert ada.get("/admin/privacy/access-log").status_code == 403
    other = LmsDriver(course.app, course.app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    stranger = course.app.test_client()
    other.launch(client=stranger, sub="admin-2", roles=[INSTITUTION_ADMIN])
    assert "Nothing recorded yet." in stranger.get("/admin/privacy/access-log").get_data(
        as_text=True
    )


def test_the_log_is_read_a_page_at_a_time(course):
    teacher = staff(course, [INSTRUCTOR], name="Grace Hopper")
    for _ in range(51):
        assert teacher.get("/teach/gradebook.csv").status_code == 200
    admin = staff(course, [INSTITUTION_ADMIN], sub="admin-1")
    first = admin.get("/admin/privacy/access-log").get_data(as_text=True)
    assert "Entries: 51 (page 1 of 2)" in first
    assert 'href="/admin/privacy/access-log?page=2"' in first and "Previous page" not in first
    second = admin.get("/admin/privacy/access-log?page=2").get_data(as_text=True)
    assert "Entries: 51 (page 2 of 2)" in second
    assert 'href="/admin/privacy/access-log?page=1"' in second and "Next page" not in second
