"""Quizzes and exams from a launch: autosave, resume after closing the tab, submit once,
server-side time limits, and no way into someone else's attempt."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lti_tool.db import transaction
from lti_tool.models import Attempt, utcnow
from tests.conftest import csrf_token_of as token

QUIZ = "/learn/a/sample/basics-quiz"


def start(course, client=None, path=QUIZ):
    client = client or course.client
    page = client.get(path).get_data(as_text=True)
    response = client.post(path + "/start", data={"csrf_token": token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_answers_saved_then_tab_closed_are_all_there_on_relaunch(course):
    course.launch()
    attempt_url = start(course)
    page = course.client.get(attempt_url).get_data(as_text=True)
    answers = {
        "answer-q-temperature": "zero",
        "answer-q-eval-methods": ["holdout", "crossval"],
        "answer-q-accuracy": "90",
        "answer-q-drift": "Data  Drift",
        "answer-q-steps-define": "1",
        "answer-q-steps-collect": "2",
        "answer-q-steps-run": "3",
        "answer-q-steps-compare": "4",
        "answer-q-roles-system": "rules",
        "answer-q-explain": "Because it shows performance on unseen data.",
    }
    saved = course.client.post(
        attempt_url + "/save",
        data={"csrf_token": token(page), **answers},
        headers={"Accept": "application/json"},
    )
    body = saved.get_json()
    assert body["saved"] == 7 and body["errors"] == {}
    # A half-done matching question is kept, and the learner hears it cannot score yet.
    assert set(body["problems"]) == {"q-roles"}

    # The tab closes; the learner launches again from the course (a new session).
    course.client.delete_cookie("skillcert_session")
    course.launch()
    assert start(course) == attempt_url  # resumes, does not start attempt 2
    page = course.client.get(attempt_url).get_data(as_text=True)
    assert 'value="zero" checked' in page
    assert 'value="holdout" checked' in page and 'value="crossval" checked' in page
    assert 'value="90"' in page and 'value="Data  Drift"' in page
    assert 'name="answer-q-steps-compare" inputmode="numeric" size="3" value="4"' in page
    assert 'value="rules" selected' in page
    assert "Because it shows performance on unseen data." in page

    confirm = course.client.post(attempt_url + "/submit", data={"csrf_token": token(page)})
    assert "Submit now" in confirm.get_data(as_text=True)
    done = course.client.post(
        attempt_url + "/submit", data={"csrf_token": token(page), "confirm": "yes"}
    )
    assert done.status_code == 302
    result = course.client.get(attempt_url).get_data(as_text=True)
    assert "some answers wait for your instructor" in result
    assert "Temperature 0 picks the most likely token every time." in result


def test_wrong_shaped_answers_are_kept_reported_and_score_nothing(course):
    course.launch()
    attempt_url = start(course)
    page = course.client.get(attempt_url).get_data(as_text=True)
    response = course.client.post(
        attempt_url + "/save",
        data={
            "csrf_token": token(page),
            "answer-q-accuracy": "ninety",
            "answer-q-temperature": "zero",
        },
        headers={"Accept": "application/json"},
    )
    body = response.get_json()
    assert body["saved"] == 2 and set(body["problems"]) == {"q-accuracy"}
    with transaction(course.app) as session:
        assert session.query(Attempt).one().answers == {
            "q-temperature": "zero",
            "q-accuracy": "ninety",
        }
    done = course.client.post(
        attempt_url + "/submit", data={"csrf_token": token(page), "confirm": "yes"}
    )
    assert done.status_code == 302
    with transaction(course.app) as session:
        result = session.query(Attempt).one().result
    assert result["items"]["q-accuracy"]["score"] == 0
    assert result["items"]["q-accuracy"]["problem"]
    assert (
        result["items"]["q-temperature"]["score"] == result["items"]["q-temperature"]["max_score"]
    )


def test_submitting_twice_scores_once(course):
    course.launch()
    attempt_url = start(course)
    page = course.client.get(attempt_url).get_data(as_text=True)
    form = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": "zero"}
    course.client.post(attempt_url + "/save", data=form)
    for _ in range(2):
        assert course.client.post(attempt_url + "/submit", data=form).status_code == 302
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        first_submitted = attempt.submitted_at
    course.client.post(attempt_url + "/submit", data=form)
    with transaction(course.app) as session:
        assert session.query(Attempt).one().submitted_at == first_submitted
    late = course.client.post(attempt_url + "/save", data=form)
    assert late.status_code == 400
    assert "has been submitted" in late.get_data(as_text=True)


def test_answers_after_the_time_limit_are_refused_and_saved_ones_count(course):
    course.launch()
    attempt_url = start(course, path="/learn/a/sample/basics-exam")
    page = course.client.get(attempt_url).get_data(as_text=True)
    assert 'role="timer"' in page
    field = re.search(r'name="(answer-e-[a-z-]+)"', page).group(1)
    with transaction(course.app) as session:
        session.query(Attempt).update({"deadline_at": utcnow() - dt.timedelta(seconds=1)})
    late = course.client.post(attempt_url + "/save", data={"csrf_token": token(page), field: "x"})
    assert late.status_code == 400
    assert "The time for this attempt is up" in late.get_data(as_text=True)
    assert "Score:" in course.client.get(attempt_url).get_data(as_text=True)  # closed on the server


def test_another_learners_attempt_is_not_found(course):
    course.launch(sub="owner")
    attempt_url = start(course)
    intruder = course.app.test_client()
    course.launch(client=intruder, sub="intruder", name="Mallory")
    assert intruder.get(attempt_url).status_code == 404
    page = intruder.get(QUIZ).get_data(as_text=True)
    response = intruder.post(
        attempt_url + "/save", data={"csrf_token": token(page), "answer-q-temperature": "one"}
    )
    assert response.status_code == 404


def test_lesson_page_shows_sanitised_markdown(course):
    course.launch()
    page = course.client.get("/learn/a/sample/intro").get_data(as_text=True)
    assert "A <em>model</em> maps inputs to outputs." in page
    assert 'alert("never shown")' not in page and "<script>alert" not in page


SCENARIO = "/learn/a/sample/ethics-scenario"


def choose(course, attempt_url, node, choice, justification=None):
    page = course.client.get(attempt_url).get_data(as_text=True)
    data = {"csrf_token": token(page), "node": node, "choice": choice}
    if justification is not None:
        data["justification"] = justification
    return course.client.post(attempt_url + "/choose", data=data)


def test_a_choice_posted_to_a_quiz_attempt_is_refused_and_changes_nothing(course):
    course.launch()
    attempt_url = start(course)
    before = course.client.get(attempt_url).get_data(as_text=True)
    response = choose(course, attempt_url, "request", "audit")
    assert response.status_code == 400
    assert "is not a scenario" in response.get_data(as_text=True)
    assert course.client.get(attempt_url).get_data(as_text=True) == before


def test_scenario_step_by_step_back_button_safe_with_debrief(course):
    course.launch()
    attempt_url = start(course, path=SCENARIO)
    page = course.client.get(attempt_url).get_data(as_text=True)
    assert "Your manager wants the screening model live tomorrow." in page
    assert "Why did you choose this?" in page
    missing = choose(course, attempt_url, "request", "audit")
    assert missing.status_code == 400 and "Explain your choice" in missing.get_data(as_text=True)
    assert (
        choose(course, attempt_url, "request", "audit", "Bias harms applicants.").status_code == 302
    )
    # The back button re-sends the first step: answered once, not twice.
    assert (
        choose(course, attempt_url, "request", "audit", "Bias harms applicants.").status_code == 302
    )
    changed = choose(course, attempt_url, "request", "ship", "Speed.")
    assert changed.status_code == 400
    assert "already made a choice here" in changed.get_data(as_text=True)
    assert "The audit shows lower accuracy for one group." in course.client.get(
        attempt_url
    ).get_data(as_text=True)
    assert choose(course, attempt_url, "audit", "note").status_code == 302
    debrief = course.client.get(attempt_url).get_data(as_text=True)
    assert "your explanations wait for your instructor" in debrief
    # Summative: until the last attempt, the result per competency, not the expert path.
    assert "Your result per competency" in debrief and "An expert would choose" not in debrief
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["path"] != attempt.result["expert_path"]
        assert attempt.result["justifications"][0]["justification"] == "Bias harms applicants."


def test_summative_scenario_cools_down_then_reveals_everything_after_the_last_attempt(course):
    course.launch()
    first = start(course, path=SCENARIO)
    choose(course, first, "request", "audit", "Bias harms applicants.")
    choose(course, first, "audit", "fix")
    held = course.client.get(first).get_data(as_text=True)
    assert "Your result per competency" in held
    assert "You protected applicants" not in held  # the debrief waits for the last attempt
    assert "The launch slips a week" not in held  # so do the consequences

    page = course.client.get(SCENARIO).get_data(as_text=True)
    assert "Your next attempt opens on" in page and "/start" not in page
    form = course.client.get(QUIZ).get_data(as_text=True)  # a page with a form: its token
    refused = course.client.post(SCENARIO + "/start", data={"csrf_token": token(form)})
    assert refused.status_code == 409
    assert "Your next attempt opens on" in refused.get_data(as_text=True)
    with transaction(course.app) as session:
        (attempt,) = session.query(Attempt).all()  # nothing was recorded
        attempt.submitted_at -= dt.timedelta(hours=25)

    second = start(course, path=SCENARIO)
    assert second != first
    choose(course, second, "request", "ship", "The deadline.")
    final = course.client.get(second).get_data(as_text=True)
    assert "Harm reached people" in final and "Your path left the expert's at step 1." in final
    assert "You protected applicants" in course.client.get(first).get_data(as_text=True)
    with transaction(course.app) as session:
        latest = session.query(Attempt).order_by(Attempt.number.desc()).first()
        assert latest.result["critical_failed"] == ["request", "bad-end"]
    progress = course.client.get("/learn/progress").get_data(as_text=True)
    assert (
        "The rushed launch: a critical check was not passed, so this activity is not passed "
        "whatever its total." in progress
    )
    assert "/start" not in course.client.get(SCENARIO).get_data(as_text=True)


def test_options_are_shown_in_a_per_learner_order_kept_on_resume(course):
    orders = set()
    for learner in ("ada", "bob", "cy", "dee", "eve", "fay"):
        client = course.app.test_client()
        course.launch(client=client, sub=learner, name=learner)
        url = start(course, client=client, path="/learn/a/sample/basics-quiz")
        page = client.get(url).get_data(as_text=True)
        order = re.findall(r'name="answer-q-eval-methods" value="([a-z-]+)"', page)
        again = client.get(url).get_data(as_text=True)
        assert re.findall(r'name="answer-q-eval-methods" value="([a-z-]+)"', again) == order
        orders.add(tuple(order))
    assert len(orders) > 1


def test_accommodation_extends_the_time_limit_and_attempts(course):
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada")
    course.launch("instructor")
    page = course.client.get("/teach/accommodations").get_data(as_text=True)
    user_id = re.search(r'action="/teach/accommodations/(\d+)"', page).group(1)
    bad = course.client.post(
        f"/teach/accommodations/{user_id}",
        data={"csrf_token": token(page), "extra_time_multiplier": "9", "extra_attempts": "0"},
    )
    assert bad.status_code == 400 and "outside the allowed range" in bad.get_data(as_text=True)
    saved = course.client.post(
        f"/teach/accommodations/{user_id}",
        data={"csrf_token": token(page), "extra_time_multiplier": "1.5", "extra_attempts": "1"},
    )
    assert saved.status_code == 302

    start(course, client=learner, path="/learn/a/sample/basics-exam")
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        minutes = (attempt.deadline_at - attempt.started_at).total_seconds() / 60
    assert minutes == pytest.approx(30)  # 20 minutes x 1.5

    other_course = course.app.test_client()
    course.launch("instructor", client=other_course, context={"id": "c2", "title": "Other"})
    form = other_course.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    refused = other_course.post(
        f"/teach/accommodations/{user_id}",
        data={"csrf_token": token(form), "extra_time_multiplier": "2", "extra_attempts": "0"},
    )
    assert refused.status_code == 400
    assert "not in this course" in refused.get_data(as_text=True)


def test_my_progress_lists_what_remains_for_completion(course):
    course.launch()
    page = course.client.get("/learn/progress").get_data(as_text=True)
    assert "What remains before you complete the track" in page
    before = page.count("<li>")
    attempt_url = start(course)
    form = {
        "csrf_token": token(course.client.get(attempt_url).get_data(as_text=True)),
        "confirm": "yes",
        "answer-q-temperature": "zero",
        "answer-q-explain": "Unseen data shows how the model generalises.",
    }
    course.client.post(attempt_url + "/save", data=form)
    course.client.post(attempt_url + "/submit", data=form)
    after = course.client.get("/learn/progress").get_data(as_text=True)
    assert "Check your understanding: awaiting grading" in after  # free response pending
    # "Basics: not started" became "below the mark", plus the quiz's and the exam's own
    # minimums, plus the quiz's score.
    assert "Check your understanding: waits for grading; 40% needed" in after
    assert "Basics exam: 0% so far, 50% needed in this activity on its own." in after
    assert after.count("<li>") == before + 3


def test_a_trace_review_is_answered_from_the_page_and_scored(course):
    course.launch()
    url = start(course, path="/learn/a/sample/warm-up")
    page = course.client.get(url).get_data(as_text=True)
    assert "<code>read_email</code>" in page and "Which control failed?" in page
    form = {
        "csrf_token": token(page),
        "confirm": "yes",
        "answer-w-trace-segments": ["", "payload"],
        "answer-w-trace-control": "trust",
        "answer-w-trace-identifiers": ["", "atlas-injection", "owasp-injection"],
    }
    course.client.post(url + "/save", data=form)
    resumed = course.client.get(url).get_data(as_text=True)
    assert re.search(r'value="payload" aria-describedby="seg-w-trace-payload" checked', resumed)
    course.client.post(url + "/submit", data=form)
    with transaction(course.app) as session:
        attempt = session.query(Attempt).one()
        assert attempt.result["items"]["w-trace"]["score"] == 4.0
    result = course.client.get(url).get_data(as_text=True)  # practice: everything at once
    assert "The email&#39;s text was obeyed" in result or "The email's text was obeyed" in result
