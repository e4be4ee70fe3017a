"""Grade sync details against the simulated LMS: a column deleted in the LMS made again by
Send again (and when it is not), dates on line items, Canvas's throttling refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assessments.catalog import list_tracks
from lti_tool.db import transaction
from lti_tool.gradesync import lineitems
from lti_tool.models import Job, JobStatus, ResourceLink
from lti_tool.placements import resolve
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import CAPSTONE, GradeCourse
from tests.simulated_lms import AGS, AGS_SCOPES, LTI

LINK = "link-capstone"
LESSON = "activity:sample/intro"
#: AGS scopes without the one that makes line items (an LMS that keeps columns to itself).
NO_LINEITEM_SCOPE = tuple(scope for scope in AGS_SCOPES if scope != AGS + "scope/lineitem")


def launch(
    grades: GradeCourse,
    sub: str,
    *,
    role: str = "learner",
    target: str = CAPSTONE,
    lineitem: str | None = None,
    scopes: tuple[str, ...] = AGS_SCOPES,
    dates: dict[str, str] | None = None,
) -> FlaskClient:
    """A launch of the capstone link as the LMS sends it: its endpoint claim (with the
    link's own line item, if the LMS has one) and the link's dates, substituted."""
    client = grades.learners.setdefault(sub, grades.app.test_client())
    response = grades.driver.launch(
        role=role,
        client=client,
        sub=sub,
        name=sub.title(),
        context={"id": grades.lms.id, "title": "Grades 101"},
        resource_link={"id": LINK, "title": "Capstone in the LMS"},
        claims={
            **grades.lms.ags_claim(lineitem, scopes),
            LTI + "custom": {"skillcert_target": target, **(dates or {})},
        },
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def hand_in(grades: GradeCourse, sub: str, **launched) -> None:
    client = launch(grades, sub, **launched)
    page = client.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    response = client.post(
        "/learn/a/sample/capstone-project/project",
        data={"csrf_token": token(page), "text": "My plan: held-out data."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def stored_url(grades: GradeCourse) -> str | None:
    with transaction(grades.app) as session:
        return session.scalar(
            select(ResourceLink.ags_lineitem_url).where(ResourceLink.resource_link_id == LINK)
        )


def newest_delivery(grades: GradeCourse) -> Job:
    return grades.jobs()[-1]


def send_again(grades: GradeCourse, job: Job, **launched) -> str:
    """The instructor reads the Grade sync page, presses Send again on ``job``, and the
    worker runs; the page as the instructor read it."""
    teacher = launch(grades, "teacher", role="instructor", **launched)
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    sent = teacher.post(f"/teach/grade-sync/{job.id}/send-again", data={"csrf_token": token(page)})
    assert sent.status_code == 302
    grades.deliver_all()
    return page


def container_posts(grades: GradeCourse) -> int:
    """Line items created in the LMS (POSTs to the course's line item container)."""
    container = grades.lms.lineitems_url.removeprefix(grades.sim.url)
    return grades.lms.requests.count(("POST", container))


def capstone_title(grades: GradeCourse) -> str:
    tracks = list_tracks(grades.app.config["SETTINGS"].tracks_dir)
    return resolve(CAPSTONE, tracks).title


# -- Send again after the LMS's column was deleted ------------------------------------------


def test_send_again_makes_a_new_column_and_the_score_arrives_there(grades, sim):
    hand_in(grades, "ada")
    grades.deliver_all()
    deleted = stored_url(grades)
    sim.delete_line_item(grades.lms, deleted)
    grades.grade_project("ada")
    grades.deliver_all()
    dead = newest_delivery(grades)
    assert dead.status is JobStatus.DEAD
    assert dead.last_error.startswith("The line item was deleted in the LMS (Send again makes")
    assert stored_url(grades) is None  # forgotten, not posted to again

    posts_before = container_posts(grades)
    page = send_again(grades, dead)
    assert "Send again makes a new one" in page
    assert container_posts(grades) == posts_before + 1
    (made,) = grades.lms.line_items.values()
    assert made["id"] != deleted and stored_url(grades) == made["id"]
    assert made["label"] == capstone_title(grades)
    assert made["scoreMaximum"] == 100
    assert made["resourceLinkId"] == LINK
    assert made["resourceId"] == "sample/capstone-project"
    assert made["tag"] == "skillcert"
    (arrived,) = grades.lms.scores_for(made["id"])
    assert arrived["userId"] == "ada" and arrived["scoreGiven"] == pytest.approx(70.0)
    assert newest_delivery(grades).status is JobStatus.DONE


def test_a_column_the_lms_named_in_the_launch_is_made_again_by_send_again(grades, sim):
    theirs = grades.lms.add_line_item("Capstone (LMS column)", 10, resourceLinkId=LINK)
    hand_in(grades, "ada", lineitem=theirs)
    grades.deliver_all()
    assert [s["userId"] for s in grades.lms.scores_for(theirs)] == ["ada"]
    sim.delete_line_item(grades.lms, theirs)
    # The LMS's launches no longer name the deleted column.
    grades.grade_project("ada")
    grades.deliver_all()
    dead = newest_delivery(grades)
    assert dead.status is JobStatus.DEAD and "Send again makes a new one" in dead.last_error

    send_again(grades, dead)
    (made,) = grades.lms.line_items.values()
    assert made["id"] != theirs and made["tag"] == "skillcert"
    assert made["resourceLinkId"] == LINK and made["scoreMaximum"] == 100
    assert [s["gradingProgress"] for s in grades.lms.scores_for(made["id"])] == ["FullyGraded"]
    assert stored_url(grades) == made["id"]


def test_no_new_column_for_a_link_that_now_opens_ungraded_content(grades, sim):
    hand_in(grades, "ada")
    grades.deliver_all()
    sim.delete_line_item(grades.lms, stored_url(grades))
    grades.grade_project("ada")
    grades.deliver_all()
    dead = newest_delivery(grades)
    # The LMS places the link again, on a lesson (its column sync finds nothing to change).
    launch(grades, "teacher", role="instructor", target=LESSON)
    grades.deliver_all()

    posts_before = container_posts(grades)
    send_again(grades, dead, target=LESSON)
    again = newest_delivery(grades)
    assert again.id == dead.id and again.status is JobStatus.DEAD
    assert again.last_error.startswith("The link now opens ungraded content")
    assert "the score was not sent anywhere" in again.last_error
    assert container_posts(grades) == posts_before and grades.lms.line_items == {}


def test_no_new_column_where_the_lms_does_not_let_skillcert_make_one(grades, sim):
    theirs = grades.lms.add_line_item("Capstone (LMS column)", 10, resourceLinkId=LINK)
    hand_in(grades, "ada", lineitem=theirs, scopes=NO_LINEITEM_SCOPE)
    grades.deliver_all()
    sim.delete_line_item(grades.lms, theirs)
    hand_in(grades, "bob", scopes=NO_LINEITEM_SCOPE)
    grades.deliver_all()
    dead = newest_delivery(grades)
    # The advice says Send again will make none, and why.
    assert dead.last_error.startswith(
        "The line item was deleted in the LMS (The LMS does not let SkillCert make gradebook "
        "columns in this course"
    )

    page = send_again(grades, dead, scopes=NO_LINEITEM_SCOPE)
    assert "does not let SkillCert make gradebook columns" in page
    again = newest_delivery(grades)
    assert again.status is JobStatus.DEAD
    assert again.last_error.startswith("The LMS does not let SkillCert make gradebook columns")
    assert container_posts(grades) == 0 and grades.lms.line_items == {}


def test_a_dead_score_sent_again_after_the_link_was_placed_elsewhere_goes_nowhere(grades, sim):
    hand_in(grades, "ada")
    grades.deliver_all()
    hand_in(grades, "bob")
    sim.fail_next(1, status=400)  # bob's score is refused for good
    grades.deliver_all()
    dead = newest_delivery(grades)
    assert dead.status is JobStatus.DEAD
    quiz = "activity:sample/basics-quiz"
    launch(grades, "teacher", role="instructor", target=quiz)  # its column now means the quiz
    grades.deliver_all()
    (column,) = grades.lms.line_items.values()
    assert column["resourceId"] == "sample/basics-quiz"

    send_again(grades, dead, target=quiz)
    again = newest_delivery(grades)
    assert again.id == dead.id and again.status is JobStatus.DEAD
    assert again.last_error.startswith("The link now opens other content than this score is for")
    assert [s["userId"] for s in grades.lms.scores_for(column["id"])] == ["ada"]


# -- dates on line items ----------------------------------------------------------------

OPENS = "2026-12-01T09:00:00Z"
DUE = "2026-12-20T17:00:00Z"
LATER = "2026-12-27T17:00:00Z"


def dated(available_from: str = OPENS, due_at: str = DUE) -> dict[str, str]:
    """The link's custom parameters as an LMS substitutes them (Canvas: no submission
    start; empty where a date is unset)."""
    return {
        "skillcert_available_from": available_from,
        "skillcert_available_until": "",
        "skillcert_submission_from": "$ResourceLink.submission.startDateTime",
        "skillcert_due_at": due_at,
    }


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_a_new_column_carries_the_links_dates_and_follows_them_when_they_change(grades):
    hand_in(grades, "ada", dates=dated())
    grades.deliver_all()
    (made,) = grades.lms.line_items.values()
    # The submission window: no submission start given, so the link's opening bounds it.
    assert moment(made["startDateTime"]) == moment(OPENS)
    assert moment(made["endDateTime"]) == moment(DUE)

    hand_in(grades, "bob", dates=dated())  # queued, not sent yet
    requests_before = len(grades.lms.requests)
    launch(grades, "teacher", role="instructor", dates=dated(due_at=LATER))  # moved in the LMS
    # New dates queue the column's sync, and leave bob's waiting score be.
    assert [job.status for job in grades.jobs()] == [JobStatus.DONE, JobStatus.QUEUED]
    ran = grades.deliver_all()
    assert ran == 2  # the column's sync and bob's score
    (item,) = grades.lms.line_items.values()
    assert moment(item["endDateTime"]) == moment(LATER)
    assert moment(item["startDateTime"]) == moment(OPENS)
    methods = [method for method, _ in grades.lms.requests[requests_before:]]
    assert methods.count("PUT") == 1
    assert [s["userId"] for s in grades.lms.scores_for(item["id"])] == ["ada", "bob"]


def test_the_same_dates_again_cost_no_request_and_deliveries_none_either(grades):
    hand_in(grades, "ada", dates=dated())
    grades.deliver_all()
    requests_before = len(grades.lms.requests)
    launch(grades, "teacher", role="instructor", dates=dated())
    with transaction(grades.app) as session:
        syncs = session.scalars(select(Job).where(Job.kind == lineitems.JOB_KIND)).all()
    assert syncs == []
    hand_in(grades, "bob", dates=dated())
    assert grades.deliver_all() == 1
    # One request for one score: the column's dates are not checked per delivery.
    assert [m for m, _ in grades.lms.requests[requests_before:]] == ["POST"]


# -- Canvas's throttling ----------------------------------------------------------------


def test_a_throttled_request_is_tried_again_and_a_plain_refusal_is_final(grades, sim):
    hand_in(grades, "ada")
    sim.fail_next(1, status=403, body="403 Forbidden (Rate Limit Exceeded)\n")
    worker = grades.worker()
    assert worker.run_once()
    job = newest_delivery(grades)
    assert job.status is JobStatus.QUEUED and "Rate Limit Exceeded" in job.last_error
    grades.deliver_all(worker)
    assert newest_delivery(grades).status is JobStatus.DONE

    grades.grade_project("ada")
    sim.fail_next(1, status=403, body="not allowed in this course")
    grades.deliver_all(worker)
    refused = newest_delivery(grades)
    assert refused.status is JobStatus.DEAD
    assert refused.last_error.startswith("The LMS does not let SkillCert send grades")
