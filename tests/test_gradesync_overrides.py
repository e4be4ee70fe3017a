"""A teacher's change to a grade in the LMS is respected, not fought (issue 20).

Reconcile records it (``GradeOverride``) instead of re-sending SkillCert's score on every
run; the instructor sees both grades on the Grade sync page and may deliberately send
SkillCert's score again; a newer score of the learner is delivered as usual.

The simulated LMS keeps an overridden grade whatever scores are posted later, as Moodle
does for an LTI activity's grade item: an AGS score is saved as the raw grade
(mod/lti/service/gradebookservices/classes/local/service/gradebookservices.php,
save_grade_item), and grade_item::update_raw_grade only recomputes the final grade — what
the results service reports — "if (!$grade->is_locked() and !$grade->is_overridden())";
update_final_grade's comment: the overridden flag "is set to prevent later overriding from
raw grades submitted from modules" (https://github.com/moodle/moodle/blob/main/lib/grade/
grade_item.php, checked 2026-12-06). The score post itself still succeeds, which is why
reconcile used to re-queue the score on every run.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import GradeOverride, JobStatus
from tests.conftest import csrf_token_of as token


@pytest.fixture
def moodle(grades):
    """``grades`` in a Moodle-like course whose activity link has its own grade item (as
    Moodle makes for an LTI activity placed with a line item), given at the first launch."""
    grades.lms.moodle = True
    grades.launch("teacher", role="instructor", lineitem=grades.lms.add_line_item("Capstone"))
    return grades


def item_url(grades) -> str:
    (item,) = grades.lms.line_items.values()
    return item["id"]


def reconcile(grades) -> str:
    result = grades.app.test_cli_runner().invoke(args=["gradesync", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output


def overrides(grades) -> list[GradeOverride]:
    with transaction(grades.app) as session:
        return list(session.scalars(select(GradeOverride)))


def held(grades, user: str) -> float | None:
    """What the LMS's results report for ``user`` (its gradebook's final grade)."""
    number = grades.lms.line_item_number(item_url(grades))
    return grades.lms.results_for(number)[user]["resultScore"]


def graded_and_delivered(grades, *learners: str) -> None:
    for learner in learners:
        grades.hand_in_project(learner)
        grades.grade_project(learner)
    grades.deliver_all()


def test_a_teachers_change_is_recorded_once_and_never_resent(moodle):
    graded_and_delivered(moodle, "ada")
    (delivered,) = moodle.jobs()
    moodle.lms.override_result(item_url(moodle), "ada", 85)
    posts = len(moodle.scores())

    first = reconcile(moodle)

    assert "checked 1, matching 0, changed in the LMS 1, re-queued 0, errors 0" in first
    assert "kept, not re-sent" in first
    assert [job.id for job in moodle.jobs()] == [delivered.id]
    (override,) = overrides(moodle)
    assert (override.job_id, override.sent_score, override.lms_score) == (delivered.id, 70, 85)
    # The run the issue saw repeat forever: nothing is queued, nothing is posted.
    second = reconcile(moodle)
    assert "checked 1, matching 0, changed in the LMS 1, re-queued 0, errors 0" in second
    assert moodle.deliver_all() == 0 and len(moodle.scores()) == posts
    (again,) = overrides(moodle)
    assert (again.job_id, again.lms_score, again.seen_at) == (
        delivered.id,
        85,
        override.seen_at,
    )


def test_a_result_missing_in_the_lms_is_still_sent_again(moodle):
    graded_and_delivered(moodle, "ada", "bob")
    moodle.lms.override_result(item_url(moodle), "ada", 85)
    moodle.lms.scores[:] = [(n, s) for n, s in moodle.lms.scores if s["userId"] != "bob"]

    output = reconcile(moodle)

    assert "checked 2, matching 0, changed in the LMS 1, re-queued 1, errors 0" in output
    (requeued,) = [job for job in moodle.jobs() if job.status is JobStatus.QUEUED]
    assert requeued.payload["score_given"] == 70 and requeued.payload["new_submission"] is False
    moodle.deliver_all()
    assert held(moodle, "bob") == pytest.approx(70)
    assert "checked 2, matching 1, changed in the LMS 1, re-queued 0" in reconcile(moodle)


def test_the_page_shows_both_grades_and_send_again_delivers_skillcerts_score(moodle):
    graded_and_delivered(moodle, "ada")
    moodle.lms.override_result(item_url(moodle), "ada", 85)
    reconcile(moodle)
    (override,) = overrides(moodle)
    teacher = moodle.launch("teacher", role="instructor")
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Changed in the LMS" in page and "Grades changed in the LMS (1)" in page
    assert "Ada" in page and "70.0%" in page and "85.0%" in page
    assert "will not overwrite it unless you send its score again" in page
    action = f"/teach/grade-sync/changed/{override.resource_link_id}/{override.user_id}/send-again"
    assert f'action="{action}"' in page

    refused = teacher.post(action)  # no CSRF token
    assert refused.status_code == 400 and len(overrides(moodle)) == 1
    sent = teacher.post(action, data={"csrf_token": token(page)})
    assert sent.status_code == 302
    assert "Queued to be sent again." in teacher.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    assert overrides(moodle) == []
    queued = moodle.jobs()[-1]
    assert queued.status is JobStatus.QUEUED and queued.payload["score_given"] == 70
    assert queued.payload["new_submission"] is False
    assert moodle.deliver_all() == 1
    assert moodle.scores()[-1]["userId"] == "ada"
    assert moodle.scores()[-1]["scoreGiven"] == pytest.approx(70)

    # Moodle keeps the teacher's override over the posted score: seen again, not fought.
    assert held(moodle, "ada") == 85
    assert "changed in the LMS 1, re-queued 0" in reconcile(moodle)
    (seen_again,) = overrides(moodle)
    assert seen_again.job_id == queued.id
    # The teacher removes the override in the LMS: SkillCert's score shows, nothing is left.
    moodle.lms.remove_override(item_url(moodle), "ada")
    assert "matching 1, changed in the LMS 0, re-queued 0" in reconcile(moodle)
    assert overrides(moodle) == []
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "No grade that SkillCert sent has been found changed in the LMS." in page


def test_a_new_score_is_delivered_as_usual_and_supersedes_the_change(moodle):
    moodle.hand_in_project("ada")
    moodle.deliver_all()  # PendingManual: no score yet
    # A teacher grades it in the LMS meanwhile.
    moodle.lms.override_result(item_url(moodle), "ada", 60)
    reconcile(moodle)
    (override,) = overrides(moodle)
    assert (override.sent_score, override.lms_score) == (None, 60)
    teacher = moodle.launch("teacher", role="instructor")
    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "No score yet" in page and "60.0%" in page

    moodle.grade_project("ada")  # SkillCert's score changes: 70

    page = teacher.get("/teach/grade-sync").get_data(as_text=True)
    assert "Grades changed in the LMS" not in page  # it no longer holds
    assert "checked 0, matching 0, changed in the LMS 0, re-queued 0" in reconcile(moodle)
    assert moodle.deliver_all() == 1
    assert moodle.scores()[-1]["scoreGiven"] == pytest.approx(70)
    # The LMS still differs after the new score: a new change is recorded against it.
    assert "changed in the LMS 1, re-queued 0" in reconcile(moodle)
    (renewed,) = overrides(moodle)
    newest = moodle.jobs()[-1]
    assert (renewed.job_id, renewed.sent_score, renewed.lms_score) == (newest.id, 70, 60)


def test_another_course_can_neither_see_nor_answer_the_change(moodle):
    graded_and_delivered(moodle, "ada")
    moodle.lms.override_result(item_url(moodle), "ada", 85)
    reconcile(moodle)
    (override,) = overrides(moodle)
    jobs_before = [job.id for job in moodle.jobs()]
    other = moodle.app.test_client()
    moodle.driver.launch(
        role="instructor", client=other, context={"id": "course-other", "title": "Other"}
    )

    page = other.get("/teach/grade-sync").get_data(as_text=True)
    assert "85.0%" not in page
    assert "No grade that SkillCert sent has been found changed in the LMS." in page
    any_form = other.get("/teach/").get_data(as_text=True)  # asks what its link opens
    response = other.post(
        f"/teach/grade-sync/changed/{override.resource_link_id}/{override.user_id}/send-again",
        data={"csrf_token": token(any_form)},
    )
    assert response.status_code == 404
    assert len(overrides(moodle)) == 1
    assert [job.id for job in moodle.jobs()] == jobs_before
