"""The rubric grading queue for the keyboard: fieldsets of radio levels, comments per
criterion and overall, "Save and next", and a refused grade that keeps what was chosen."""

from __future__ import annotations

import re

from lti_tool.db import transaction
from lti_tool.models import Attempt
from tests.conftest import csrf_token_of as token

PROJECT = "/learn/a/sample/capstone-project"


def hand_in(course, sub: str, name: str, text: str) -> None:
    learner = course.app.test_client()
    course.launch(client=learner, sub=sub, name=name)
    page = learner.get(PROJECT).get_data(as_text=True)
    response = learner.post(PROJECT + "/project", data={"csrf_token": token(page), "text": text})
    assert response.status_code == 302


def actions(page: str) -> list[str]:
    return re.findall(r'action="(/teach/grading/\d+/[^"]+)"', page)


def anchors(page: str) -> list[str]:
    return re.findall(r'<h2 id="(piece-[^"]+)" tabindex="-1">', page)


def test_queue_is_keyboard_ready(course):
    hand_in(course, "ada", "Ada", "Plan A.")
    course.launch("instructor")
    page = course.client.get("/teach/grading").get_data(as_text=True)
    assert "Grading with the keyboard" in page and "arrow keys choose a level" in page
    (anchor,) = anchors(page)
    assert f'href="#{anchor}">Skip to the first submission (1 waiting)' in page
    assert 'href="#grading-end">Skip to the next submission' in page
    assert page.count("<fieldset") == 2 and page.count("<legend>") == 2
    assert page.count('type="radio" name="level-method"') == 4
    assert 'name="comment-method"' in page and 'name="comment"' in page
    assert '<label for="comment-' in page and "Overall comment (optional)" in page
    assert "Save and next" in page


def test_save_and_next_goes_to_the_next_ungraded_submission(course):
    hand_in(course, "ada", "Ada", "Plan A.")
    hand_in(course, "grace", "Grace", "Plan G.")
    course.launch("instructor")
    page = course.client.get("/teach/grading").get_data(as_text=True)
    first, second = actions(page)
    _, second_anchor = anchors(page)
    response = course.client.post(
        first,
        data={
            "csrf_token": token(page),
            "level-method": "sound",
            "level-risks": "present",
            "comment": "Clear and honest.",
        },
    )
    assert response.status_code == 302
    # The sample capstone is double-marked: the mark waits for another instructor's.
    location = response.headers["Location"]
    assert location.endswith(f"/teach/grading?saved=awaiting_second_mark#{second_anchor}")
    page = course.client.get(location).get_data(as_text=True)
    assert "Mark saved. This work is double-marked" in page and actions(page) == [second]
    response = course.client.post(
        second,
        data={"csrf_token": token(page), "level-method": "strong", "level-risks": "present"},
    )
    assert response.headers["Location"].endswith("#grading-end")
    assert "Nothing is waiting" in course.client.get("/teach/grading").get_data(as_text=True)

    other = course.app.test_client()
    course.launch("instructor", client=other, sub="teacher-2", name="Katherine Johnson")
    page = other.get("/teach/grading").get_data(as_text=True)
    assert actions(page) == [first, second]  # both wait for the second mark
    for action in (first, second):
        response = other.post(
            action,
            data={"csrf_token": token(page), "level-method": "strong", "level-risks": "present"},
        )
        assert "saved=released" in response.headers["Location"]
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grade saved." in page
    with transaction(course.app) as session:
        graded = [
            a.result["rubric"]["project"] for a in session.query(Attempt).order_by(Attempt.id)
        ]
    assert [g["comment"] for g in graded] == ["Clear and honest.", ""]


def test_a_refused_grade_keeps_the_choices_and_comments(course):
    hand_in(course, "ada", "Ada", "Plan A.")
    course.launch("instructor")
    page = course.client.get("/teach/grading").get_data(as_text=True)
    (action,) = actions(page)
    response = course.client.post(
        action,
        data={
            "csrf_token": token(page),
            "level-method": "sound",
            "comment-method": "Good <b>start</b>.",
            "comment": "Overall fine.",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Choose a level for: Risks to people" in body and 'role="alert"' in body
    assert 'name="level-method" value="sound" required checked' in body
    assert "Good &lt;b&gt;start&lt;/b&gt;.</textarea>" in body
    assert "Overall fine.</textarea>" in body
    with transaction(course.app) as session:
        assert "rubric" not in session.query(Attempt).one().result
