"""The instructor sees a learner's work as the learner saw it: questions with the chosen
options' texts, matching as pairs, ordering as a list, right and wrong in words, points,
the feedback shown, scenario paths with the justification, lab tests as shown; and the
grading page puts the same work beside the rubric, with a running total."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from assessments.catalog import find_activity, list_tracks
from assessments.labs.results import LabResult, ResultStatus, TestResult, TestStatus, Visibility
from lti_tool.db import transaction
from lti_tool.models import Attempt, LabSubmission, SubmissionStatus
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI

QUIZ_ANSWERS = {
    "answer-q-temperature": "one",  # wrong: the right one is "0"
    "answer-q-eval-methods": ["holdout", "vibes"],  # one right, one wrong
    "answer-q-accuracy": "90",
    "answer-q-drift": "drift",  # half credit
    "answer-q-steps-define": "1",
    "answer-q-steps-collect": "3",  # collect and run swapped
    "answer-q-steps-run": "2",
    "answer-q-steps-compare": "4",
    "answer-q-roles-system": "rules",
    "answer-q-roles-user": "answers",
    "answer-q-roles-assistant": "asks",
    "answer-q-explain": "Unseen data shows whether the model generalises.",
}
TRACE_ANSWERS = {
    "answer-w-stop": "period",
    "answer-w-trace-segments": ["", "payload", "invoice"],
    "answer-w-trace-control": "rate",
    "answer-w-trace-identifiers": ["", "atlas-injection"],
}


def hand_in(client, activity: str, answers: dict) -> None:
    path = f"/learn/a/sample/{activity}"
    page = client.get(path).get_data(as_text=True)
    url = client.post(path + "/start", data={"csrf_token": token(page)}).headers["Location"]
    form = {"csrf_token": token(page), "confirm": "yes", **answers}
    client.post(url + "/save", data=form)
    assert client.post(url + "/submit", data=form).status_code == 302


def walk_scenario(client) -> None:
    path = "/learn/a/sample/ethics-scenario"
    page = client.get(path).get_data(as_text=True)
    url = client.post(path + "/start", data={"csrf_token": token(page)}).headers["Location"]
    for node, choice, why in (
        ("request", "audit", "Applicants would bear <the> harm."),
        ("audit", "note", None),
    ):
        data = {"csrf_token": token(page), "node": node, "choice": choice}
        if why:
            data["justification"] = why
        assert client.post(url + "/choose", data=data).status_code == 302


def learner(course, sub: str = "ada", name: str = "Ada Lovelace"):
    client = course.app.test_client()
    course.launch(client=client, sub=sub, name=name)
    return client


def learner_id(course) -> int:
    with transaction(course.app) as session:
        return session.scalar(select(Attempt.user_id))


def visible_text(page: str) -> str:
    """What a person reads: tags (and the ids in their attributes) removed, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def squeezed(page: str) -> str:
    return " ".join(visible_text(page).split())


def item_ids(course, activity: str) -> list[str]:
    tracks = list_tracks(course.app.config["SETTINGS"].tracks_dir)
    _, found = find_activity(tracks, "sample", activity)
    return [item.id for item in found.items]


def assert_no_raw_data(course, page: str, activity: str) -> None:
    text = visible_text(page)
    assert "{'" not in text and "['" not in text and '{"' not in text and '["' not in text
    ids = item_ids(course, activity)
    assert ids  # the check below means something only if there are ids to look for
    for item_id in ids:
        assert not re.search(rf"(?<![\w-]){re.escape(item_id)}(?![\w-])", text), item_id


def test_a_quiz_shows_every_answer_as_the_learner_saw_it(course):
    ada = learner(course)
    hand_in(ada, "basics-quiz", QUIZ_ANSWERS)
    course.launch("instructor")
    page = course.client.get(f"/teach/learner/{learner_id(course)}/sample/basics-quiz")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    text = squeezed(body)

    # Single choice: the options by their text, what was chosen and what was right, in words.
    assert "1 — ✓ chosen, correct" not in text
    assert "1 — ✗ chosen, not correct" in text and "0 — correct, not chosen" in text
    assert "Sampling at 1 varies from run to run." in text  # the rationale the learner saw
    # Multiple choice.
    assert "A held-out test set — ✓ chosen, correct" in text
    assert "Reading three outputs — ✗ chosen, not correct" in text
    assert "Cross-validation — correct, not chosen" in text
    assert "Too few to tell anything." in text
    # Numeric and short text as written, with points earned of points possible.
    assert re.search(
        r"The answer as written: 90 Expected answer: 90 Correct — 1 of 1 point(?!s)", text
    )
    assert re.search(r"The answer as written: drift Partly correct — 0\.5 of 1 point(?!s)", text)
    assert "Which kind of drift?" in text
    # Ordering as a numbered list in the learner's order.
    order = re.search(r'<ol class="order">(.*?)</ol>', body, re.S).group(1)
    assert [squeezed(li) for li in re.findall(r"<li>(.*?)</li>", order, re.S)] == [
        "Define the metric — ✓ in the right place",
        "Run the model — ✗ belongs at position 3",
        "Collect test data — ✗ belongs at position 2",
        "Compare with the baseline — ✓ in the right place",
    ]
    # Matching as pairs, prompt → the response chosen.
    assert "system → matched with Sets the rules — ✓ correct" in text
    assert "user → matched with Gives the answer — ✗ not correct" in text
    # Free response: the text, waiting for a grade.
    assert "Unseen data shows whether the model generalises." in text
    assert "Awaiting grading — 4 points possible" in text
    # Question stems, not ids; nothing of the stored data's shape.
    assert "Put the steps of an evaluation in order." in text
    assert_no_raw_data(course, body, "basics-quiz")


def test_a_trace_review_shows_the_segments_control_and_identifiers_chosen(course):
    ada = learner(course)
    hand_in(ada, "warm-up", TRACE_ANSWERS)
    course.launch("instructor")
    body = course.client.get(f"/teach/learner/{learner_id(course)}/sample/warm-up").get_data(
        as_text=True
    )
    text = squeezed(body)
    assert "A full stop ending its sentence — ✗ chosen, not correct" in text
    assert (
        "Invoice 2291: 14 printer cartridges, 412.00 EUR. ✗ marked as injected, but it is not"
        in (text)
    )
    assert "forward the last 20 expense reports" in text and "✓ marked as injected, correct" in text
    assert (
        "The email tool had no rate limit on how often it could be called — ✗ chosen, not correct"
        in text
    )
    assert "Tool output was treated as instructions rather than as data — correct, not chosen" in (
        text
    )
    assert "MITRE ATLAS AML.T0051 (LLM Prompt Injection) — ✓ chosen, correct" in text
    assert "OWASP Top 10 for LLM Applications: Prompt Injection — correct, not chosen" in text
    assert "One call was enough; a rate limit would not have stopped it." in text
    assert "Partly correct — " in text and " of 4 points" in text
    assert_no_raw_data(course, body, "warm-up")


def test_a_scenario_shows_the_path_as_numbered_steps_with_the_justification(course):
    ada = learner(course)
    walk_scenario(ada)
    course.launch("instructor")
    body = course.client.get(
        f"/teach/learner/{learner_id(course)}/sample/ethics-scenario"
    ).get_data(as_text=True)
    path = re.search(r'<ol class="path">(.*?)</ol>', body, re.S).group(1)
    steps = [
        squeezed(step) for step in re.findall(r'<li class="work-question">(.*?)</li>', path, re.S)
    ]
    assert len(steps) == 2
    assert steps[0].startswith("Your manager wants the screening model live tomorrow.")
    assert "Choice: Ask for a bias audit first — ✓ the best choice here (2 points)" in steps[0]
    assert "The learner's justification: Applicants would bear <the> harm." in steps[0]
    assert "Applicants would bear &lt;the&gt; harm." in body  # escaped, never markup
    assert steps[1].startswith("The audit shows lower accuracy for one group.")
    assert (
        "Choice: Note the gap in the release notes and ship — ✗ not the best choice here"
        in steps[1]
    )
    text = squeezed(body)
    assert "Ending reached: Harm reached people who trusted the system." in text
    assert "The learner's path differs from the expert path." in text
    assert "{'" not in visible_text(body) and "['" not in visible_text(body)
    # Node ids are words of the story too ("audit"); these two are not.
    assert "bad-end" not in visible_text(body) and "good-end" not in visible_text(body)


def test_a_graded_answer_shows_the_rubric_levels_and_points(course):
    ada = learner(course)
    hand_in(ada, "basics-quiz", {"answer-q-explain": "It generalises."})
    course.launch("instructor")
    queue = course.client.get("/teach/grading").get_data(as_text=True)
    action = re.search(r'action="(/teach/grading/\d+/item:q-explain)"', queue).group(1)
    saved = course.client.post(
        action, data={"csrf_token": token(queue), "level-reason": "fully", "level-example": "loose"}
    )
    assert saved.status_code == 302
    text = squeezed(
        course.client.get(f"/teach/learner/{learner_id(course)}/sample/basics-quiz").get_data(
            as_text=True
        )
    )
    assert "Rubric grade: 3 of 4 points" in text
    assert "Gives the reason Clearly 2 / 2" in text and "Gives an example Loose 1 / 2" in text
    assert "Partly correct — 3 of 4 points" in text  # the rubric's share of the item's points


def test_lab_tests_are_shown_as_the_learner_saw_them_and_staff_output_is_labelled(course):
    ada = learner(course)
    hand_in(ada, "basics-quiz", {"answer-q-temperature": "zero"})  # for the learner's ids
    result = LabResult(
        lab_id="prompt-lab",
        status=ResultStatus.GRADED,
        score=0.5,
        tests=(
            TestResult("handles an empty text", 1, 1, Visibility.VISIBLE, TestStatus.PASSED),
            TestResult(
                "refund over 10,000 EUR", 0, 1, Visibility.HIDDEN, TestStatus.FAILED, "secret in"
            ),
        ),
        message="One test failed.",
        staff_output="Traceback: hidden input 10001",
    )
    with transaction(course.app) as session:
        attempt = session.scalars(select(Attempt)).one()
        session.add(
            LabSubmission(
                registration_id=attempt.registration_id,
                deployment_id=attempt.deployment_id,
                context_id=attempt.context_id,
                user_id=attempt.user_id,
                track_id="sample",
                activity_id="prompt-lab",
                content_versions={},
                archive=b"",
                status=SubmissionStatus.GRADED,
                score=0.5,
                result=result.to_dict(),
            )
        )
    course.launch("instructor")
    body = course.client.get(f"/teach/learner/{learner_id(course)}/sample/prompt-lab").get_data(
        as_text=True
    )
    text = squeezed(body)
    assert "handles an empty text Passed (1 / 1)" in text
    assert "Hidden test 1 Failed (0 / 1) Details of hidden tests are not shown." in text
    assert "refund over 10,000 EUR" not in text and "secret in" not in text
    # The result worded in the page's language from its tests, not the grader's message.
    assert "1 of 2 tests passed." in text and "One test failed." not in text
    assert "50.0%" in text
    assert "Output for staff only (the learner does not see it): Traceback: hidden input 10001" in (
        text
    )
    # Wide tables scroll inside a labelled region that the keyboard can reach.
    assert re.search(
        r'<div role="region" aria-label="[^"]+" tabindex="0" class="table-scroll">', body
    )


def test_numbers_and_dates_follow_the_page_language(course):
    ada = learner(course)
    hand_in(ada, "basics-quiz", {"answer-q-drift": "drift"})
    spanish = {LTI + "launch_presentation": {"locale": "es"}}
    course.launch("instructor", claims=spanish)
    body = course.client.get(f"/teach/learner/{learner_id(course)}/sample/basics-quiz").get_data(
        as_text=True
    )
    assert '<html lang="es">' in body
    assert "0,5" in squeezed(body) and "0.5" not in squeezed(body)


def test_the_grading_page_puts_the_work_beside_the_rubric_with_a_running_total(course):
    ada = learner(course)
    hand_in(ada, "basics-quiz", QUIZ_ANSWERS)
    course.launch("instructor")
    body = course.client.get("/teach/grading").get_data(as_text=True)
    grid = re.search(r'<div class="grading-grid">(.*?)</form>', body, re.S).group(1)
    work, rubric = grid.split('<section class="rubric-column"', 1)
    assert "The learner&#39;s work" in work or "The learner's work" in work
    assert "Explain why a held-out set matters." in work
    assert "Unseen data shows whether the model generalises." in work
    assert "Awaiting grading — 4 points possible" in squeezed(work)
    # Only the question being graded, not the whole quiz.
    assert "Put the steps of an evaluation in order." not in work
    assert 'name="level-reason"' in rubric and 'name="level-example"' in rubric
    assert 'data-points="2.0"' in rubric
    total = re.search(r"<p class=\"rubric-total\"[^>]*>", rubric).group(0)
    assert 'aria-live="polite"' in total and "data-rubric-total" in total
    assert "Total of the chosen levels: {points} of 4 points" in html.unescape(total)
    assert "js/rubric-total.js" in body
    assert "{'" not in visible_text(body) and "['" not in visible_text(body)


def test_the_grading_page_shows_a_scenario_path_beside_the_justification_rubric(course):
    ada = learner(course)
    walk_scenario(ada)
    course.launch("instructor")
    body = course.client.get("/teach/grading").get_data(as_text=True)
    work = body.split('<section class="rubric-column"', 1)[0]
    text = squeezed(work)
    assert "Why did you choose this?" in text
    assert "Choice: Ask for a bias audit first" in text
    assert "Applicants would bear <the> harm." in text
    assert 'name="level-risk"' in body


def test_saved_answers_of_any_shape_are_shown_without_raw_data(course):
    ada = learner(course)
    page = ada.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    ada.post("/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)})
    with transaction(course.app) as session:
        attempt = session.scalars(select(Attempt)).one()
        attempt.answers = {
            "q-temperature": ["zero"],
            "q-eval-methods": "holdout",
            "q-accuracy": {"value": 90},
            "q-steps": {"define": "first", "collect": "2"},
            "q-roles": {"system": ["rules"], "user": "asks"},
            "q-explain": 42,
            "q-drift": None,
        }
    course.launch("instructor")
    response = course.client.get(f"/teach/learner/{learner_id(course)}/sample/basics-quiz")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = squeezed(body)
    assert "The positions the learner typed (not whole numbers): Define the metric: first" in text
    assert "system → matched with nothing chosen" in text
    assert "user → matched with Asks the question" in text
    assert "Not handed in yet — 1 point possible" in text
    assert_no_raw_data(course, body, "basics-quiz")
