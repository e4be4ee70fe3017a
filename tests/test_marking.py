"""Reliable rubric marking: blind double marking of the sample capstone, moderation of
marks more than one level apart, re-grading, marker agreement and the audit trail — all
inside one course."""

from __future__ import annotations

import dataclasses
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assessments.catalog import list_tracks
from assessments.policy import PRACTICE_POLICY
from lti_tool.db import transaction
from lti_tool.learning.rubric_grading import pieces_of
from lti_tool.models import Attempt, AttemptStatus, GradingEvent, RubricMark
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token

PROJECT = "/learn/a/sample/capstone-project"
AGREEMENT = "/teach/agreement/sample/capstone-project"
NAMES = {"teacher-1": "Grace Hopper", "teacher-2": "Katherine Johnson", "teacher-3": "Ida Rhodes"}


def hand_in(course, sub: str = "ada", name: str = "Ada Lovelace", text: str = "Plan.") -> int:
    learner = course.app.test_client()
    course.launch(client=learner, sub=sub, name=name)
    page = learner.get(PROJECT).get_data(as_text=True)
    response = learner.post(PROJECT + "/project", data={"csrf_token": token(page), "text": text})
    assert response.status_code == 302
    with transaction(course.app) as session:
        return session.scalars(select(Attempt.id).order_by(Attempt.id.desc())).first()


def teacher(course, sub: str, **context) -> FlaskClient:
    client = course.app.test_client()
    course.launch("instructor", client=client, sub=sub, name=NAMES[sub], **context)
    return client


def session_token(client: FlaskClient) -> str:
    """The session's CSRF token, from a page that always has a form."""
    return token(client.get(PROJECT).get_data(as_text=True))


def mark(client: FlaskClient, attempt_id: int, method: str, risks: str, **extra: str):
    return client.post(
        f"/teach/grading/{attempt_id}/project",
        data={
            "csrf_token": session_token(client),
            "level-method": method,
            "level-risks": risks,
            **extra,
        },
    )


def final(client: FlaskClient, attempt_id: int, back: str, method: str, risks: str):
    return client.post(
        f"/teach/marking/{attempt_id}/project",
        data={
            "csrf_token": session_token(client),
            "back": back,
            "level-method": method,
            "level-risks": risks,
        },
    )


def attempt_of(course, attempt_id: int) -> Attempt:
    with transaction(course.app) as session:
        return session.get(Attempt, attempt_id)


def test_the_second_grader_is_blind_and_one_grader_marks_once(course):
    attempt_id = hand_in(course)
    first = teacher(course, "teacher-1")
    response = mark(first, attempt_id, "sound", "present", comment="Secret verdict: fine.")
    assert response.status_code == 302
    assert "saved=awaiting_second_mark" in response.headers["Location"]
    assert attempt_of(course, attempt_id).result["status"] == "pending"  # nothing released

    # The same grader cannot give the second mark (the queue no longer offers it either).
    assert f"/teach/grading/{attempt_id}/project" not in first.get("/teach/grading").get_data(
        as_text=True
    )
    again = mark(first, attempt_id, "strong", "present")
    assert again.status_code == 400
    assert "You have already marked this work" in again.get_data(as_text=True)
    with transaction(course.app) as session:
        assert session.query(RubricMark).count() == 1

    # The second grader sees the work and its rubric, never the first mark: not on the
    # grading page, not on the attempt's marking page, not in the history.
    second = teacher(course, "teacher-2")
    queue = second.get("/teach/grading").get_data(as_text=True)
    assert f"/teach/grading/{attempt_id}/project" in queue and "Double-marked" in queue
    assert "Anchor exemplars for Method" in queue and "500 tickets from March" in queue
    for url in ("/teach/grading", f"/teach/marking/{attempt_id}", "/teach/grading-history"):
        page = second.get(url).get_data(as_text=True)
        assert "Secret verdict" not in page and "→ sound" not in page, url
        assert "Your mark" not in page and "3.0 / 10.0" not in page, url
    history = second.get("/teach/grading-history").get_data(as_text=True)
    assert "Grace Hopper" in history and "Hidden until the second mark is saved" in history
    # The first grader still sees their own mark.
    own = first.get(f"/teach/marking/{attempt_id}").get_data(as_text=True)
    assert "Your mark (hidden from the second grader)" in own and "Secret verdict" in own
    assert "method: — → sound" in own


def test_marks_within_one_level_release_the_first_grader_s_mark(course):
    attempt_id = hand_in(course)
    mark(teacher(course, "teacher-1"), attempt_id, "sound", "present", **{"comment-method": "Ok"})
    response = mark(teacher(course, "teacher-2"), attempt_id, "strong", "weighed")
    assert "saved=released" in response.headers["Location"]
    attempt = attempt_of(course, attempt_id)
    released = attempt.result["rubric"]["project"]
    # One level apart on each criterion: the first grader's mark (3 + 4 of 10) counts.
    assert [(c["criterion"], c["level"]) for c in released["criteria"]] == [
        ("method", "sound"),
        ("risks", "present"),
    ]
    assert released["criteria"][0]["comment"] == "Ok"
    assert attempt.score == pytest.approx(0.7) and attempt.result["status"] == "partial"
    assert released["critical_failed"] == []


def test_marks_further_apart_wait_for_moderation_by_a_third_instructor(course):
    attempt_id = hand_in(course)
    first, second = teacher(course, "teacher-1"), teacher(course, "teacher-2")
    mark(first, attempt_id, "strong", "present", comment="Excellent.")
    response = mark(second, attempt_id, "partial", "named", comment="Thin.")
    assert "saved=moderation" in response.headers["Location"]
    # Nothing is released: no score, no grade sent, the learner still waits.
    attempt = attempt_of(course, attempt_id)
    assert "rubric" not in attempt.result and attempt.result["status"] == "pending"
    assert attempt.score is None
    assert f"/teach/grading/{attempt_id}/" not in second.get("/teach/grading").get_data(
        as_text=True
    )

    # Both marks side by side; the graders themselves may not decide.
    page = first.get("/teach/moderation").get_data(as_text=True)
    assert "Grace Hopper" in page and "Katherine Johnson" in page
    assert "Excellent." in page and "Thin." in page
    assert "More than one level apart on: Method, Risks to people" in page
    assert "You gave one of these marks" in page and "Save the final mark" not in page
    refused = final(first, attempt_id, "moderation", "strong", "present")
    assert refused.status_code == 400
    assert "another instructor must decide" in refused.get_data(as_text=True)
    assert "rubric" not in attempt_of(course, attempt_id).result

    third = teacher(course, "teacher-3")
    page = third.get("/teach/moderation").get_data(as_text=True)
    assert "Save the final mark" in page
    decided = final(third, attempt_id, "moderation", "sound", "weighed")
    assert decided.status_code == 302 and decided.headers["Location"].endswith("saved=1")
    attempt = attempt_of(course, attempt_id)
    assert attempt.score == pytest.approx(0.5)  # 3 + 2 of 10
    assert attempt.result["rubric"]["project"]["critical_failed"] == []
    assert "Nothing is waiting for moderation" in third.get("/teach/moderation").get_data(
        as_text=True
    )


def test_a_critical_criterion_below_half_is_stored_with_the_scores(course):
    attempt_id = hand_in(course)
    mark(teacher(course, "teacher-1"), attempt_id, "strong", "named")
    mark(teacher(course, "teacher-2"), attempt_id, "strong", "named")
    released = attempt_of(course, attempt_id).result["rubric"]["project"]
    assert released["score"] == 7  # a total that looks fine
    assert released["critical_failed"] == ["risks"]  # … but risks to people were only named
    page = teacher(course, "teacher-3").get(f"/teach/marking/{attempt_id}")
    assert "Critical criteria not met: Risks to people" in page.get_data(as_text=True)


def test_the_audit_trail_lists_every_action_with_old_and_new(course):
    attempt_id = hand_in(course)
    first, second, third = (teacher(course, f"teacher-{n}") for n in (1, 2, 3))
    mark(first, attempt_id, "strong", "present")
    mark(second, attempt_id, "weak", "present")
    final(third, attempt_id, "moderation", "sound", "present")
    regraded = final(third, attempt_id, "marking", "sound", "weighed")
    assert regraded.status_code == 302
    assert regraded.headers["Location"].endswith(f"/teach/marking/{attempt_id}?saved=1")
    assert attempt_of(course, attempt_id).score == pytest.approx(0.5)

    with transaction(course.app) as session:
        events = session.scalars(select(GradingEvent).order_by(GradingEvent.id)).all()
        trail = [
            (e.action.value, e.outcome.value, e.before, e.after["levels"], e.after["score"])
            for e in events
        ]
    assert trail == [
        ("mark", "awaiting_second_mark", None, {"method": "strong", "risks": "present"}, 10),
        ("second_mark", "moderation", None, {"method": "weak", "risks": "present"}, 4),
        ("moderation", "released", None, {"method": "sound", "risks": "present"}, 7),
        (
            "regrade",
            "released",
            {"levels": {"method": "sound", "risks": "present"}, "score": 7},
            {"method": "sound", "risks": "weighed"},
            5,
        ),
    ]
    page = first.get(f"/teach/marking/{attempt_id}").get_data(as_text=True)
    for words in ("Mark", "Second mark", "Moderation", "Re-grade", "Ida Rhodes"):
        assert f">{words}<" in page, words
    assert "risks: present → weighed" in page and "Score: 7 → 5" in page
    assert "method: — → strong" in page  # the first mark: nothing released before it
    # The course's history, newest first.
    history = first.get("/teach/grading-history").get_data(as_text=True)
    assert history.index(">Re-grade<") < history.index(">Moderation<") < history.index(">Mark<")


def test_the_course_history_is_paged(course, monkeypatch):
    from lti_tool.learning import grading_audit

    monkeypatch.setattr(grading_audit, "PAGE_SIZE", 2)
    for sub in ("ada", "bob", "cy"):
        mark(teacher(course, "teacher-1"), hand_in(course, sub, sub.title()), "sound", "present")
    client = teacher(course, "teacher-1")
    first_page = client.get("/teach/grading-history").get_data(as_text=True)
    assert "Cy" in first_page and "Bob" in first_page and "Ada" not in first_page
    assert "page=2" in first_page and ">Older<" in first_page
    second_page = client.get("/teach/grading-history?page=2").get_data(as_text=True)
    assert "Ada" in second_page and ">Newer<" in second_page and ">Older<" not in second_page
    assert client.get("/teach/grading-history?page=0").status_code == 400


def test_agreement_per_rubric(course):
    client = teacher(course, "teacher-1")
    assert "No work of this activity has been marked twice" in client.get(AGREEMENT).get_data(
        as_text=True
    )
    first, second = client, teacher(course, "teacher-2")
    # Three pieces; per criterion (method, risks) the two graders choose:
    for sub, one, two in (
        ("ada", ("sound", "present"), ("sound", "present")),
        ("bob", ("strong", "present"), ("sound", "present")),
        ("cy", ("weak", "named"), ("weak", "named")),
    ):
        attempt_id = hand_in(course, sub, sub.title())
        mark(first, attempt_id, *one)
        mark(second, attempt_id, *two)
    page = client.get(AGREEMENT).get_data(as_text=True)
    assert "3 double-marked pieces." in page
    # 5 of 6 criterion marks agree exactly: 83.3 %.
    assert re.search(r"All criteria</th><td>6</td><td>83.3%</td><td>0\.\d{3}</td>", page)
    # Risks: every pair agrees (present, present, named), kappa 1.
    assert "Risks to people</th><td>3</td><td>100.0%</td><td>1.000</td>" in page
    # The agreement page is linked from the grading page once work is marked twice.
    assert AGREEMENT in client.get("/teach/grading").get_data(as_text=True)


def test_agreement_is_not_defined_when_every_mark_is_the_same_level(course):
    first, second = teacher(course, "teacher-1"), teacher(course, "teacher-2")
    for sub in ("ada", "bob"):
        attempt_id = hand_in(course, sub, sub.title())
        mark(first, attempt_id, "sound", "present")
        mark(second, attempt_id, "sound", "present")
    page = first.get(AGREEMENT).get_data(as_text=True)
    # Per criterion every mark is one level (method: sound; risks: present)…
    assert "Method</th><td>2</td><td>100.0%</td><td>not defined</td>" in page
    assert "Risks to people</th><td>2</td><td>100.0%</td><td>not defined</td>" in page
    # … but pooled, two levels are used, and agreement is perfect.
    assert "All criteria</th><td>4</td><td>100.0%</td><td>1.000</td>" in page


def test_another_course_can_neither_see_nor_mark(course):
    attempt_id = hand_in(course)
    mark(teacher(course, "teacher-1"), attempt_id, "strong", "present", comment="Mine.")
    mark(teacher(course, "teacher-2"), attempt_id, "weak", "named")  # → moderation

    other_course = {"context": {"id": "course-2", "title": "Other"}}
    outsider = teacher(course, "teacher-3", **other_course)
    assert "Nothing is waiting for moderation" in outsider.get("/teach/moderation").get_data(
        as_text=True
    )
    assert outsider.get(f"/teach/marking/{attempt_id}").status_code == 404
    assert "No grading yet" in outsider.get("/teach/grading-history").get_data(as_text=True)
    assert "has been marked twice" in outsider.get(AGREEMENT).get_data(as_text=True)
    any_form = outsider.get(PROJECT).get_data(as_text=True)
    refused = outsider.post(
        f"/teach/marking/{attempt_id}/project",
        data={
            "csrf_token": token(any_form),
            "back": "moderation",
            "level-method": "strong",
            "level-risks": "present",
        },
    )
    assert refused.status_code == 400
    assert "no such work to grade in this course" in refused.get_data(as_text=True)
    refused = outsider.post(
        f"/teach/grading/{attempt_id}/project",
        data={"csrf_token": token(any_form), "level-method": "strong", "level-risks": "present"},
    )
    assert refused.status_code == 400
    assert "rubric" not in attempt_of(course, attempt_id).result


def test_final_marks_need_csrf_and_a_known_page(course):
    attempt_id = hand_in(course)
    client = teacher(course, "teacher-1")
    mark(client, attempt_id, "sound", "present")
    mark(teacher(course, "teacher-2"), attempt_id, "sound", "present")
    third = teacher(course, "teacher-3")
    no_token = third.post(
        f"/teach/marking/{attempt_id}/project",
        data={"back": "marking", "level-method": "strong", "level-risks": "present"},
    )
    assert no_token.status_code == 400
    page = third.get(f"/teach/marking/{attempt_id}").get_data(as_text=True)
    wrong_page = third.post(
        f"/teach/marking/{attempt_id}/project",
        data={"csrf_token": token(page), "back": "elsewhere", "level-method": "strong"},
    )
    assert wrong_page.status_code == 400
    assert attempt_of(course, attempt_id).score == pytest.approx(0.7)


def test_single_marked_work_is_released_by_one_mark_and_re_graded_by_anyone(course):
    """The quiz's free-response question has no double marking: one mark releases it."""
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada")
    page = learner.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    url = learner.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    form = {"csrf_token": token(page), "confirm": "yes", "answer-q-explain": "New data."}
    learner.post(url + "/save", data=form)
    learner.post(url + "/submit", data=form)
    client = teacher(course, "teacher-1")
    queue = client.get("/teach/grading").get_data(as_text=True)
    action = re.search(r'action="(/teach/grading/(\d+)/item:q-explain)"', queue)
    response = client.post(
        action.group(1),
        data={"csrf_token": token(queue), "level-reason": "partly", "level-example": "none"},
    )
    assert "saved=released" in response.headers["Location"]
    attempt_id = int(action.group(2))
    page = client.get(f"/teach/marking/{attempt_id}").get_data(as_text=True)
    assert "Re-grade this work" in page  # the grader may re-grade single-marked work
    response = client.post(
        f"/teach/marking/{attempt_id}/item:q-explain",
        data={
            "csrf_token": token(page),
            "back": "marking",
            "level-reason": "fully",
            "level-example": "good",
        },
    )
    assert response.status_code == 302
    graded = attempt_of(course, attempt_id).result["rubric"]["item:q-explain"]
    assert graded["score"] == 4


def test_the_lms_gets_a_score_only_once_the_marks_settle_it(grades):
    """Grade sync: the hand-in's "pending" is sent; no score while the piece waits for a
    second mark or for moderation; the moderated score once decided."""
    grades.hand_in_project("ada")
    grades.deliver_all()

    def send(sub: str, method: str, risks: str, url: str = "/teach/grading/{}/project") -> None:
        client = grades.launch(sub, role="instructor")
        with transaction(grades.app) as session:
            attempt_id = session.scalar(select(Attempt.id))
        data = {"csrf_token": session_token(client), "level-method": method, "level-risks": risks}
        if "marking" in url:
            data["back"] = "moderation"
        assert client.post(url.format(attempt_id), data=data).status_code == 302

    send("teacher", "strong", "present")
    send("teacher-2", "weak", "absent")  # far apart: moderation
    assert grades.deliver_all() == 0  # nothing new to send
    assert [s["gradingProgress"] for s in grades.scores()] == ["PendingManual"]
    send("teacher-3", "sound", "present", "/teach/marking/{}/project")
    grades.deliver_all()
    assert grades.scores()[-1]["gradingProgress"] == "FullyGraded"
    assert grades.scores()[-1]["scoreGiven"] == pytest.approx(70.0)


def test_only_summative_work_is_double_marked():
    """The sample capstone's share is 1.0: every summative attempt is chosen, practice never."""
    (track,) = [t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample"]
    capstone = track.activity("capstone-project")
    attempt = Attempt(id=3, status=AttemptStatus.SUBMITTED, answers={"text": "Plan."})
    (piece,) = pieces_of(attempt, capstone, "Ada")
    assert piece.double_marked and piece.marks_needed == 2
    practice = dataclasses.replace(capstone, policy=PRACTICE_POLICY)
    (piece,) = pieces_of(attempt, practice, "Ada")
    assert not piece.double_marked and piece.marks_needed == 1
