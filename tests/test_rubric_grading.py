"""Rubric work: projects, free-response answers and scenario justifications, graded by
the course's instructor; scores follow, and other courses cannot touch them."""

from __future__ import annotations

import re

import pytest

from lti_tool.db import transaction
from lti_tool.models import Attempt
from tests.conftest import csrf_token_of as token


def grade_form_action(page: str) -> str:
    return re.search(r'action="(/teach/grading/\d+/[^"]+)"', page).group(1)


def second_instructor(course):
    """Another instructor of the same course (the sample capstone is double-marked)."""
    client = course.app.test_client()
    course.launch("instructor", client=client, sub="teacher-2", name="Katherine Johnson")
    return client


def test_project_is_handed_in_graded_and_scored(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada Lovelace")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    assert "Rubric (10 points)" in page and "Risks to people" in page
    handed = learner.post(
        "/learn/a/sample/capstone-project/project",
        data={"csrf_token": token(page), "text": "My plan: held-out data, bias checks."},
    )
    assert handed.status_code == 302
    assert "awaiting grading" in learner.get("/learn/a/sample/capstone-project").get_data(
        as_text=True
    )

    course.launch("instructor")
    queue = course.client.get("/teach/grading").get_data(as_text=True)
    assert "Ada Lovelace" in queue and "My plan: held-out data, bias checks." in queue
    assert "Double-marked" in queue  # the sample capstone is marked twice, blind
    response = course.client.post(
        grade_form_action(queue),
        data={
            "csrf_token": token(queue),
            "level-method": "sound",
            "level-risks": "present",
            "comment-method": "Good start.",
        },
    )
    assert response.status_code == 302
    assert "Nothing is waiting" in course.client.get("/teach/grading").get_data(as_text=True)
    assert "awaiting grading" in learner.get("/learn/a/sample/capstone-project").get_data(
        as_text=True
    )
    second = second_instructor(course)
    queue = second.get("/teach/grading").get_data(as_text=True)
    response = second.post(
        grade_form_action(queue),
        data={"csrf_token": token(queue), "level-method": "strong", "level-risks": "present"},
    )
    assert response.status_code == 302
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.score == pytest.approx(7 / 10)
        assert attempt.result["status"] == "partial"
        assert attempt.result["rubric"]["project"]["criteria"][0]["comment"] == "Good start."
    assert "graded, 70.0%" in learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)


def test_a_level_for_every_criterion_is_required(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    learner.post(
        "/learn/a/sample/capstone-project/project", data={"csrf_token": token(page), "text": "x"}
    )
    course.launch("instructor")
    queue = course.client.get("/teach/grading").get_data(as_text=True)
    response = course.client.post(
        grade_form_action(queue), data={"csrf_token": token(queue), "level-method": "sound"}
    )
    assert response.status_code == 400
    assert "Choose a level for: Risks to people" in response.get_data(as_text=True)


def test_free_response_in_a_quiz_is_graded_and_rescored(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada")
    page = learner.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    url = learner.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    form = {
        "csrf_token": token(page),
        "confirm": "yes",
        "answer-q-temperature": "zero",
        "answer-q-explain": "It shows how the model does on new data.",
    }
    learner.post(url + "/save", data=form)
    learner.post(url + "/submit", data=form)
    with transaction(course.app) as session:
        before = session.query(Attempt).one().score

    course.launch("instructor")
    queue = course.client.get("/teach/grading").get_data(as_text=True)
    assert "It shows how the model does on new data." in queue
    course.client.post(
        grade_form_action(queue),
        data={"csrf_token": token(queue), "level-reason": "fully", "level-example": "good"},
    )
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["status"] != "pending"
        assert attempt.score > before


def test_other_courses_cannot_grade_this_work(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    learner.post(
        "/learn/a/sample/capstone-project/project", data={"csrf_token": token(page), "text": "x"}
    )
    course.launch("instructor")
    action = grade_form_action(course.client.get("/teach/grading").get_data(as_text=True))

    other = course.app.test_client()
    course.launch("instructor", client=other, context={"id": "course-2", "title": "Other"})
    assert "Nothing is waiting" in other.get("/teach/grading").get_data(as_text=True)
    any_form = other.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    response = other.post(
        action,
        data={"csrf_token": token(any_form), "level-method": "strong", "level-risks": "present"},
    )
    assert response.status_code == 400
    assert "no such work to grade in this course" in response.get_data(as_text=True)


def test_scenario_justification_is_graded_and_counts(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada")
    page = learner.get("/learn/a/sample/ethics-scenario").get_data(as_text=True)
    url = learner.post(
        "/learn/a/sample/ethics-scenario/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    for node, choice, why in (("request", "audit", "Bias harms people."), ("audit", "fix", None)):
        data = {"csrf_token": token(page), "node": node, "choice": choice}
        if why:
            data["justification"] = why
        assert learner.post(url + "/choose", data=data).status_code == 302
    with transaction(course.app) as session:
        assert session.query(Attempt).one().result["status"] == "pending"

    course.launch("instructor")
    queue = course.client.get("/teach/grading").get_data(as_text=True)
    assert "Bias harms people." in queue
    course.client.post(
        grade_form_action(queue), data={"csrf_token": token(queue), "level-risk": "yes"}
    )
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["status"] == "correct"
        assert attempt.score == 1.0  # the expert path's choices plus the full rubric point
