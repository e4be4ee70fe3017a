"""A link's gradebook column follows what the link opens, against the simulated LMS."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from lti_tool.db import transaction
from lti_tool.gradesync import lineitems
from lti_tool.models import Job, JobStatus, ResourceLink
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import CAPSTONE, GradeCourse

#: A link added in the LMS without Deep Linking: the instructor chooses what it opens.
MANUAL = "manual-1"
QUIZ = "activity:sample/basics-quiz"
QUIZ_TITLE = "Check your understanding"
LESSON = "activity:sample/intro"


def launch_manual(grades: GradeCourse, sub: str, *, role: str = "learner", lineitem=None):
    client = grades.learners.setdefault(sub, grades.app.test_client())
    response = grades.driver.launch(
        role=role,
        client=client,
        sub=sub,
        name=sub.title(),
        context={"id": grades.lms.id, "title": "Grades 101"},
        resource_link={"id": MANUAL, "title": "SkillCert link"},
        claims=grades.lms.ags_claim(lineitem),
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def choose(grades: GradeCourse, target: str, *, lineitem=None) -> None:
    """The instructor chooses what the manual link opens."""
    teacher = launch_manual(grades, "teacher", role="instructor", lineitem=lineitem)
    page = teacher.get("/teach/").get_data(as_text=True)
    if "csrf_token" not in page:  # a placed link's overview has no form; the token is the same
        page = teacher.get("/teach/accommodations").get_data(as_text=True)
    response = teacher.post(
        "/teach/link-target", data={"csrf_token": token(page), "target": target}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def hand_in(grades: GradeCourse, sub: str) -> None:
    client = launch_manual(grades, sub)
    page = client.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    response = client.post(
        "/learn/a/sample/capstone-project/project",
        data={"csrf_token": token(page), "text": "My plan: held-out data."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def sync_jobs(grades: GradeCourse) -> list[Job]:
    with transaction(grades.app) as session:
        return list(
            session.scalars(select(Job).where(Job.kind == lineitems.JOB_KIND).order_by(Job.id))
        )


def stored_url(grades: GradeCourse, link: str = MANUAL) -> str | None:
    with transaction(grades.app) as session:
        return session.scalar(
            select(ResourceLink.ags_lineitem_url).where(ResourceLink.resource_link_id == link)
        )


@pytest.fixture
def placed(grades):
    """The manual link opens the capstone, and a delivered score made its line item."""
    choose(grades, CAPSTONE)
    hand_in(grades, "ada")
    grades.deliver_all()
    (item,) = grades.lms.line_items.values()
    assert item["tag"] == "skillcert" and stored_url(grades) == item["id"]
    return item


def test_retarget_to_another_graded_activity_relabels_the_line_item(grades, placed):
    choose(grades, QUIZ)
    assert grades.deliver_all() == 1
    (item,) = grades.lms.line_items.values()
    assert item["id"] == placed["id"]
    assert item["label"] == QUIZ_TITLE
    assert item["resourceId"] == "sample/basics-quiz"
    assert item["scoreMaximum"] == 100 and item["resourceLinkId"] == MANUAL
    assert ("PUT", placed["id"].removeprefix(grades.sim.url)) in grades.lms.requests
    assert sync_jobs(grades)[-1].status is JobStatus.DONE


def test_the_same_placement_again_changes_nothing(grades, placed):
    requests_before = len(grades.lms.requests)
    choose(grades, CAPSTONE)  # what it already opens: no job, no request
    assert not [job for job in sync_jobs(grades) if job.status is JobStatus.QUEUED]
    assert grades.deliver_all() == 0
    assert len(grades.lms.requests) == requests_before


def test_one_sync_per_link_waits_and_it_shares_the_lms_cap(grades, placed):
    choose(grades, QUIZ)
    choose(grades, LESSON)
    (waiting,) = [job for job in sync_jobs(grades) if job.status is JobStatus.QUEUED]
    assert waiting.group_key == f"registration:{grades.registration.id}"
    grades.deliver_all()
    assert grades.lms.line_items == {}  # the newest choice (a lesson) won


def test_retarget_to_ungraded_deletes_the_line_item_and_no_later_score_goes_there(grades, placed):
    hand_in(grades, "bob")  # queued for the capstone column, not yet sent
    scores_before = len(grades.scores())
    choose(grades, LESSON)
    assert not [job for job in grades.jobs() if job.status is JobStatus.QUEUED]
    grades.deliver_all()
    assert grades.lms.line_items == {}
    assert stored_url(grades) is None
    hand_in(grades, "cy")
    assert grades.deliver_all() == 0
    assert grades.lms.line_items == {} and len(grades.scores()) == scores_before


def test_an_ungraded_module_counts_as_ungraded(grades, placed):
    choose(grades, "module:sample/whats-new")
    grades.deliver_all()
    assert grades.lms.line_items == {} and stored_url(grades) is None


def test_a_line_item_the_lms_made_is_never_changed_or_deleted(grades):
    url = grades.lms.add_line_item("Essay (LMS column)", 20, resourceLinkId=MANUAL)
    choose(grades, QUIZ, lineitem=url)
    launch_manual(grades, "ada", lineitem=url)
    grades.deliver_all()
    choose(grades, LESSON, lineitem=url)
    grades.deliver_all()
    (item,) = grades.lms.line_items.values()
    assert item["label"] == "Essay (LMS column)" and item["scoreMaximum"] == 20
    assert not [m for m, _ in grades.lms.requests if m in ("PUT", "DELETE")]
    assert all(job.status is JobStatus.DONE for job in sync_jobs(grades))


def test_a_new_placement_from_the_lms_relabels_the_line_item(grades):
    grades.hand_in_project("ada")  # link-capstone, placed by Deep Linking on the capstone
    grades.deliver_all()
    grades.launch("teacher", role="instructor", target=QUIZ)  # placed again, on the quiz
    assert grades.deliver_all() == 1
    (item,) = grades.lms.line_items.values()
    assert item["label"] == QUIZ_TITLE


def test_a_passing_lms_failure_is_retried(grades, placed, sim):
    sim.fail_next(1, status=503)
    choose(grades, QUIZ)
    worker = grades.worker()
    assert worker.run_once()
    (job,) = sync_jobs(grades)[-1:]
    assert job.status is JobStatus.QUEUED and "HTTP 503" in job.last_error
    grades.deliver_all(worker)
    assert next(iter(grades.lms.line_items.values()))["label"] == QUIZ_TITLE


def test_a_final_lms_refusal_is_dead_with_its_reason_on_the_grade_sync_page(grades, placed, sim):
    sim.fail_next(1, status=403)
    choose(grades, LESSON)
    grades.deliver_all()
    job = sync_jobs(grades)[-1]
    assert job.status is JobStatus.DEAD
    assert "does not let SkillCert change gradebook columns" in job.last_error
    assert placed["id"] in [item["id"] for item in grades.lms.line_items.values()]
    teacher = launch_manual(grades, "teacher", role="instructor")
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Gradebook columns not kept in step" in page
    assert "does not let SkillCert change gradebook columns" in page
    assert "SkillCert link" in page


def test_a_line_item_deleted_in_the_lms_is_forgotten(grades, placed, sim):
    sim.delete_line_item(grades.lms, placed["id"])
    choose(grades, QUIZ)
    grades.deliver_all()
    assert stored_url(grades) is None
    assert sync_jobs(grades)[-1].status is JobStatus.DONE


def test_a_link_whose_content_is_gone_keeps_its_column_and_is_shown(grades, placed):
    with transaction(grades.app) as session:
        session.execute(
            update(ResourceLink)
            .where(ResourceLink.resource_link_id == MANUAL)
            .values(target="activity:sample/removed-activity")
        )
        link_id = session.scalar(
            select(ResourceLink.id).where(ResourceLink.resource_link_id == MANUAL)
        )
        lineitems.queue_sync(session.connection(), link_id, grades.registration.id)
    grades.deliver_all()
    assert list(grades.lms.line_items.values()) == [placed]
    teacher = grades.app.test_client()
    grades.learners["teacher"] = teacher
    launch_manual(grades, "teacher", role="instructor")
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "is no longer in SkillCert" in page
