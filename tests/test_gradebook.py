"""The instructor's gradebook: placed activities by learners, CSV export, tenant scope."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.conftest import LmsDriver
from tests.simulated_lms import LTI

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


def take_quiz(lms, client, answer):
    page = client.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    attempt_url = client.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": answer}
    client.post(attempt_url + "/save", data=data)
    assert client.post(attempt_url + "/submit", data=data).status_code == 302


def place_quiz(lms):
    placed = {"id": "link-quiz", "title": "Quiz"}
    custom = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
    return placed, custom


def test_gradebook_and_csv_show_placed_activities_by_learner(lms):
    link, custom = place_quiz(lms)
    ada, evil = lms.app.test_client(), lms.app.test_client()
    lms.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    take_quiz(lms, ada, "zero")
    lms.launch(client=evil, sub="evil", name='=HYPERLINK("x")', resource_link=link, claims=custom)
    lms.launch("instructor", resource_link=link, claims=custom)

    page = lms.client.get("/teach/gradebook").get_data(as_text=True)
    assert "Check your understanding" in page and "Basics exam" in page
    assert "Ada Lovelace" in page and "not started" in page and "submitted" in page

    response = lms.client.get("/teach/gradebook.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Learner" and "Check your understanding (%)" in rows[0]
    by_name = {row[0]: row for row in rows[1:]}
    quiz = rows[0].index("Check your understanding (%)")
    assert float(by_name["Ada Lovelace"][quiz]) > 0
    assert '\'=HYPERLINK("x")' in by_name  # a formula is neutralised, not run


def test_gradebook_is_for_instructors_of_this_course_only(lms):
    link, custom = place_quiz(lms)
    lms.launch(sub="ada", name="Ada", resource_link=link, claims=custom)
    assert lms.client.get("/teach/gradebook").status_code == 403
    assert lms.client.get("/teach/gradebook.csv").status_code == 403

    other_course = lms.app.test_client()
    lms.launch(
        "instructor",
        client=other_course,
        context={"id": "course-2", "title": "Another course"},
        resource_link=link,
        claims=custom,
    )
    page = other_course.get("/teach/gradebook").get_data(as_text=True)
    assert "No learner has launched SkillCert from this course yet." in page
