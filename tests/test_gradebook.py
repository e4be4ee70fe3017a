"""The instructor's gradebook: placed activities by learners, CSV export, tenant scope."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI


def take_quiz(course, client, answer):
    page = client.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    attempt_url = client.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": answer}
    client.post(attempt_url + "/save", data=data)
    assert client.post(attempt_url + "/submit", data=data).status_code == 302


def place_quiz(course):
    placed = {"id": "link-quiz", "title": "Quiz"}
    custom = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
    return placed, custom


def test_gradebook_and_csv_show_placed_activities_by_learner(course):
    link, custom = place_quiz(course)
    ada, evil = course.app.test_client(), course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    course.launch(
        client=evil, sub="evil", name='=HYPERLINK("x")', resource_link=link, claims=custom
    )
    course.launch("instructor", resource_link=link, claims=custom)

    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "Check your understanding" in page and "Basics exam" in page
    assert "Ada Lovelace" in page and "not started" in page and "submitted" in page

    response = course.client.get("/teach/gradebook.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Learner" and "Check your understanding (%)" in rows[0]
    by_name = {row[0]: row for row in rows[1:]}
    quiz = rows[0].index("Check your understanding (%)")
    assert float(by_name["Ada Lovelace"][quiz]) > 0
    assert '\'=HYPERLINK("x")' in by_name  # a formula is neutralised, not run


def test_gradebook_is_for_instructors_of_this_course_only(course):
    link, custom = place_quiz(course)
    course.launch(sub="ada", name="Ada", resource_link=link, claims=custom)
    assert course.client.get("/teach/gradebook").status_code == 403
    assert course.client.get("/teach/gradebook.csv").status_code == 403

    other_course = course.app.test_client()
    course.launch(
        "instructor",
        client=other_course,
        context={"id": "course-2", "title": "Another course"},
        resource_link=link,
        claims=custom,
    )
    page = other_course.get("/teach/gradebook").get_data(as_text=True)
    assert "No learner has launched SkillCert from this course yet." in page


def test_item_analysis_of_a_quiz_with_an_svg_chart(course):
    link, custom = place_quiz(course)
    answers = ["zero", "zero", "one", "zero", "one", "zero"]
    for n, answer in enumerate(answers):
        learner = course.app.test_client()
        course.launch(
            client=learner, sub=f"l{n}", name=f"Learner {n}", resource_link=link, claims=custom
        )
        take_quiz(course, learner, answer)
    course.launch("instructor", resource_link=link, claims=custom)
    gradebook_page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "/teach/analysis/sample/basics-quiz" in gradebook_page
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    assert "6 learners submitted" in page
    assert '<svg role="img"' in page and '<title id="difficulty-title">' in page
    assert "one: 2, two: 0, zero (key): 4" in page  # distractor counts from the answers given
    assert "Reliability (Cronbach&#39;s alpha)" in page or "Reliability (Cronbach's alpha)" in page


def test_item_analysis_flags_a_question_everyone_gets_right(course):
    link, custom = place_quiz(course)
    for n in range(5):
        learner = course.app.test_client()
        course.launch(client=learner, sub=f"l{n}", name=f"L{n}", resource_link=link, claims=custom)
        take_quiz(course, learner, "zero")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    row = re.search(r'<th scope="row">q-temperature</th>.*?</tr>', page, re.S).group(0)
    assert "Learners earn more than 95% of its points, so it separates almost nobody" in row


def test_item_analysis_waits_for_enough_learners_and_skips_pools(course):
    link, custom = place_quiz(course)
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    assert "At least 5 learners must submit" in page
    pooled = course.client.get("/teach/analysis/sample/basics-exam").get_data(as_text=True)
    assert "draws its questions from a pool" in pooled
    assert course.client.get("/teach/analysis/sample/intro").status_code == 400


def test_instructor_opens_a_learners_attempts_from_the_gradebook(course):
    link, custom = place_quiz(course)
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    take_quiz(course, ada, "one")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    detail_url = re.search(r'href="(/teach/learner/\d+/sample/basics-quiz)"', page).group(1)
    detail = course.client.get(detail_url).get_data(as_text=True)
    assert "Ada Lovelace: Check your understanding" in detail
    assert "q-temperature" in detail and "<pre>one</pre>" in detail

    other_course = course.app.test_client()
    course.launch("instructor", client=other_course, context={"id": "c2", "title": "Other"})
    refused = other_course.get(detail_url)
    assert refused.status_code == 400 and "not in this course" in refused.get_data(as_text=True)


def csv_rows(course):
    response = course.client.get("/teach/gradebook.csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_gradebook_cell_counts_every_attempt_and_shows_the_latest_status(course):
    link, custom = place_quiz(course)
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    course.launch("instructor", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    rows = csv_rows(course)
    quiz = rows[0].index("Check your understanding (%)")
    first = float(rows[1][quiz])

    take_quiz(course, ada, "one")  # a worse second attempt: "highest" keeps the first
    page = ada.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    ada.post("/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)})

    rows = csv_rows(course)
    assert float(rows[1][quiz]) == first
    assert rows[1][quiz + 1] == "in progress"
    gradebook_page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert f"<strong>{first:.1f} %</strong>" in gradebook_page
    assert "in progress, 3 attempts" in gradebook_page


def test_gradebook_orders_learners_by_name_and_escapes_them(course):
    link, custom = place_quiz(course)
    for sub, name in [("z", "Zoe <b>Bold</b>"), ("a", "Ada"), ("m", "@SUM(1)"), ("n", "-2+3")]:
        course.launch(
            client=course.app.test_client(), sub=sub, name=name, resource_link=link, claims=custom
        )
    course.launch("instructor", resource_link=link, claims=custom)

    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "Zoe &lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page
    names = re.findall(r'<th scope="row">([^<]*)', page)
    assert names == ["-2+3", "@SUM(1)", "Ada", "Zoe &lt;b&gt;Bold&lt;/b&gt;"]

    learners = [row[0] for row in csv_rows(course)[1:]]
    assert learners == ["'-2+3", "'@SUM(1)", "Ada", "Zoe <b>Bold</b>"]
