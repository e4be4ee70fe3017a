"""Module overviews with the learner's state on each activity, and lessons marked as done."""

from __future__ import annotations

import re

from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI

LESSON = "/learn/a/sample/intro"
MODULE = "/learn/m/sample/basics"


def mark_done(client, path: str = LESSON, csrf: str | None = None):
    csrf = csrf or token(client.get(path).text)
    return client.post(path + "/done", data={"csrf_token": csrf})


def state_of(page: str, title: str) -> str:
    """The state text next to an activity's link on a module overview."""
    return re.search(rf">{re.escape(title)}</a>(.*?)</li>", page, re.S).group(1)


def test_marking_a_lesson_done_shows_on_the_module_and_is_kept_once(course):
    course.launch()
    before = course.client.get(MODULE).text
    assert "Not started" in state_of(before, "What a model is")

    csrf = token(course.client.get(LESSON).text)
    first = mark_done(course.client, csrf=csrf)
    assert first.status_code == 302 and first.headers["Location"] == MODULE
    second = mark_done(course.client, csrf=csrf)  # a double click, or a second tab
    assert second.status_code == 302
    after = course.client.get(MODULE).text
    assert "Done" in state_of(after, "What a model is")
    assert "You marked this lesson as done." in course.client.get(LESSON).text


def test_a_quiz_in_progress_then_scored_shows_its_state(course):
    course.launch()
    quiz = "/learn/a/sample/basics-quiz"
    attempt_url = course.client.post(
        quiz + "/start", data={"csrf_token": token(course.client.get(quiz).text)}
    ).headers["Location"]
    assert "In progress" in state_of(course.client.get(MODULE).text, "Check your understanding")
    page = course.client.get(attempt_url).text
    submit = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": "zero"}
    course.client.post(attempt_url + "/submit", data=submit)
    assert "%" in state_of(course.client.get(MODULE).text, "Check your understanding")


def test_only_lessons_are_marked_done(course):
    course.launch()
    response = mark_done(course.client, "/learn/a/sample/basics-quiz")
    assert response.status_code == 400
    assert "Only lessons" in response.text


def test_a_placed_module_opens_on_its_overview(course):
    placed = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
    course.launch(resource_link={"id": "link-m", "title": "Basics"}, claims=placed)
    home = course.client.get("/learn/").text
    assert 'id="module-basics"' in home
    assert "Not started" in state_of(home, "What a model is")


def test_unknown_module_is_404(course):
    course.launch()
    assert course.client.get("/learn/m/sample/no-such-module").status_code == 404
    assert course.client.get("/learn/m/no-such-track/basics").status_code == 404


def test_lesson_done_is_per_learner(course):
    course.launch()
    mark_done(course.client)
    other = course.app.test_client()
    course.launch(client=other, sub="learner-2", name="Someone Else")
    assert "Not started" in state_of(other.get(MODULE).text, "What a model is")
