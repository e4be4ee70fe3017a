"""Submission review launches (LtiSubmissionReviewRequest) from the LMS gradebook."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import User
from tests.simulated_lms import AGS, DELETE, LTI
from tests.test_gradebook import take_quiz

REVIEW = "LtiSubmissionReviewRequest"
QUIZ_LINK = {"id": "link-quiz", "title": "Quiz"}
MODULE_LINK = {"id": "link-basics", "title": "Basics"}


def placed(target: str) -> dict:
    return {LTI + "custom": {"skillcert_target": target}}


def review_claims(course, for_user: str, target: str) -> dict:
    """What an LMS gradebook sends: the reviewed learner and the line item of the link."""
    items = f"{course.sim.url}/ags/course-1/lineitems"
    return {
        LTI + "for_user": {"user_id": for_user, "name": "Sent But Not Kept"},
        AGS + "claim/endpoint": {"scope": [], "lineitems": items, "lineitem": items + "/1"},
        **placed(target),
    }


def review(course, client, role: str, sub: str, for_user: str, *, link=QUIZ_LINK, **fields):
    """Launch a submission review; the tool's answer after its landing redirect."""
    target = "activity:sample/basics-quiz" if link is QUIZ_LINK else "module:sample/basics"
    launched = course.launch(
        role,
        client=client,
        sub=sub,
        message_type=REVIEW,
        resource_link=link,
        claims={**review_claims(course, for_user, target), **fields.pop("claims", {})},
        **fields,
    )
    assert launched.status_code == 302, launched.get_data(as_text=True)
    assert launched.headers["Location"] == "/lti/review"
    return client.get("/lti/review")


def ada_takes_the_quiz(course, link=QUIZ_LINK, target="activity:sample/basics-quiz"):
    ada = course.app.test_client()
    course.launch(
        client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=placed(target)
    )
    take_quiz(course, ada, "zero")
    with transaction(course.app) as session:
        return ada, session.scalar(select(User.id).where(User.sub == "ada"))


def test_instructor_lands_on_the_learners_work_at_the_activity(course):
    _, ada_id = ada_takes_the_quiz(course)
    teacher = course.app.test_client()
    landing = review(course, teacher, "instructor", "teacher-1", "ada")
    assert landing.status_code == 302
    assert landing.headers["Location"] == f"/teach/learner/{ada_id}/sample/basics-quiz"
    page = teacher.get(landing.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace: Check your understanding" in page and "Attempt 1" in page
    with transaction(course.app) as session:  # the claim's extra fields are not kept
        assert "Sent But Not Kept" not in str(session.scalars(select(User.name)).all())


def test_instructor_lands_on_the_learners_work_across_a_placed_module(course):
    _, ada_id = ada_takes_the_quiz(course, MODULE_LINK, "module:sample/basics")
    teacher = course.app.test_client()
    landing = review(course, teacher, "instructor", "teacher-1", "ada", link=MODULE_LINK)
    assert landing.headers["Location"] == f"/teach/learner/{ada_id}"
    page = teacher.get(landing.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace: Basics" in page
    assert "Check your understanding" in page and "Basics exam" in page
    assert "Attempt 1" in page and "Nothing yet." in page  # the quiz taken, the exam not


def test_learner_lands_on_their_own_activity_or_module(course):
    ada, _ = ada_takes_the_quiz(course)
    landing = review(course, ada, "learner", "ada", "ada")
    assert landing.headers["Location"] == "/learn/a/sample/basics-quiz"
    assert ada.get(landing.headers["Location"]).status_code == 200

    landing = review(course, ada, "learner", "ada", "ada", link=MODULE_LINK)
    assert landing.headers["Location"] == "/learn/m/sample/basics"


def test_learner_asking_for_someone_elses_work_is_refused(course):
    ada_takes_the_quiz(course)
    bob = course.app.test_client()
    refused = review(course, bob, "learner", "bob", "ada")
    assert refused.status_code == 403
    assert "You can only review your own work." in refused.get_data(as_text=True)


def test_a_learner_of_another_course_cannot_be_reviewed_here(course):
    # Mallory is a learner of another course of the same LMS, never of this one.
    mallory = course.app.test_client()
    course.launch(client=mallory, sub="mallory", context={"id": "course-2", "title": "Other"})
    ada_takes_the_quiz(course)
    teacher = course.app.test_client()
    refused = review(course, teacher, "instructor", "teacher-1", "mallory")
    assert refused.status_code == 404
    assert "no record of this learner in this course" in refused.get_data(as_text=True)


def test_a_review_must_name_the_learner_and_the_link(course):
    teacher = course.app.test_client()
    response = course.launch(
        "instructor",
        client=teacher,
        message_type=REVIEW,
        resource_link=QUIZ_LINK,
        claims={**review_claims(course, "ada", "module:sample/basics"), LTI + "for_user": {}},
    )
    assert response.status_code == 400
    assert "does not name the learner (for_user)" in response.get_data(as_text=True)

    response = course.launch(
        "instructor",
        client=teacher,
        message_type=REVIEW,
        claims={
            **review_claims(course, "ada", "module:sample/basics"),
            LTI + "resource_link": DELETE,
        },
    )
    assert response.status_code == 400
    assert "does not identify its resource link" in response.get_data(as_text=True)
