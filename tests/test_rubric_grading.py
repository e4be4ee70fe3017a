"""Rubric work: projects, free-response answers and scenario justifications, graded by
the course's instructor; scores follow, and other courses cannot touch them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lti_tool.db import transaction
from lti_tool.models import Attempt
from tests.conftest import LmsDriver

CONTENT = Path(__file__).parent / "assessments"


@pytest.fixture
def lms(make_app, simulated_lms):
    app = make_app(content_path=str(CONTENT))
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver
    app.extensions["skillcert.engine"].dispose()


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def grade_form_action(page: str) -> str:
    return re.search(r'action="(/teach/grading/\d+/[^"]+)"', page).group(1)


def test_project_is_handed_in_graded_and_scored(lms):
    learner = lms.app.test_client()
    lms.launch(client=learner, sub="ada", name="Ada Lovelace")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    assert "Rubric (10.0 points)" in page and "Risks to people" in page
    handed = learner.post(
        "/learn/a/sample/capstone-project/project",
        data={"csrf_token": token(page), "text": "My plan: held-out data, bias checks."},
    )
    assert handed.status_code == 302
    assert "awaiting grading" in learner.get("/learn/a/sample/capstone-project").get_data(
        as_text=True
    )

    lms.launch("instructor")
    queue = lms.client.get("/teach/grading").get_data(as_text=True)
    assert "Ada Lovelace" in queue and "My plan: held-out data, bias checks." in queue
    response = lms.client.post(
        grade_form_action(queue),
        data={
            "csrf_token": token(queue),
            "level-method": "sound",
            "level-risks": "present",
            "comment-method": "Good start.",
        },
    )
    assert response.status_code == 302
    assert "Nothing is waiting" in lms.client.get("/teach/grading").get_data(as_text=True)
    with transaction(lms.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.score == pytest.approx(7 / 10)
        assert attempt.result["status"] == "partial"
        assert attempt.result["rubric"]["project"]["criteria"][0]["comment"] == "Good start."
    assert "graded, 70.0 %" in learner.get("/learn/a/sample/capstone-project").get_data(
        as_text=True
    )


def test_a_level_for_every_criterion_is_required(lms):
    learner = lms.app.test_client()
    lms.launch(client=learner, sub="ada")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    learner.post(
        "/learn/a/sample/capstone-project/project", data={"csrf_token": token(page), "text": "x"}
    )
    lms.launch("instructor")
    queue = lms.client.get("/teach/grading").get_data(as_text=True)
    response = lms.client.post(
        grade_form_action(queue), data={"csrf_token": token(queue), "level-method": "sound"}
    )
    assert response.status_code == 400
    assert "Choose a level for: Risks to people" in response.get_data(as_text=True)


def test_free_response_in_a_quiz_is_graded_and_rescored(lms):
    learner = lms.app.test_client()
    lms.launch(client=learner, sub="ada", name="Ada")
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
    with transaction(lms.app) as session:
        before = session.query(Attempt).one().score

    lms.launch("instructor")
    queue = lms.client.get("/teach/grading").get_data(as_text=True)
    assert "It shows how the model does on new data." in queue
    lms.client.post(
        grade_form_action(queue),
        data={"csrf_token": token(queue), "level-reason": "fully", "level-example": "good"},
    )
    with transaction(lms.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["status"] != "pending"
        assert attempt.score > before


def test_other_courses_cannot_grade_this_work(lms):
    learner = lms.app.test_client()
    lms.launch(client=learner, sub="ada")
    page = learner.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    learner.post(
        "/learn/a/sample/capstone-project/project", data={"csrf_token": token(page), "text": "x"}
    )
    lms.launch("instructor")
    action = grade_form_action(lms.client.get("/teach/grading").get_data(as_text=True))

    other = lms.app.test_client()
    lms.launch("instructor", client=other, context={"id": "course-2", "title": "Other"})
    assert "Nothing is waiting" in other.get("/teach/grading").get_data(as_text=True)
    any_form = other.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    response = other.post(
        action,
        data={"csrf_token": token(any_form), "level-method": "strong", "level-risks": "present"},
    )
    assert response.status_code == 400
    assert "no such work to grade in this course" in response.get_data(as_text=True)


def test_scenario_justification_is_graded_and_counts(lms):
    learner = lms.app.test_client()
    lms.launch(client=learner, sub="ada", name="Ada")
    page = learner.get("/learn/a/sample/ethics-scenario").get_data(as_text=True)
    url = learner.post(
        "/learn/a/sample/ethics-scenario/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    for node, choice, why in (("request", "audit", "Bias harms people."), ("audit", "fix", None)):
        data = {"csrf_token": token(page), "node": node, "choice": choice}
        if why:
            data["justification"] = why
        assert learner.post(url + "/choose", data=data).status_code == 302
    with transaction(lms.app) as session:
        assert session.query(Attempt).one().result["status"] == "pending"

    lms.launch("instructor")
    queue = lms.client.get("/teach/grading").get_data(as_text=True)
    assert "Bias harms people." in queue
    lms.client.post(
        grade_form_action(queue), data={"csrf_token": token(queue), "level-risk": "yes"}
    )
    with transaction(lms.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["status"] == "correct"
        assert attempt.score == 1.0  # the expert path's choices plus the full rubric point
