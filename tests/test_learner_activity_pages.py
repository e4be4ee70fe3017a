"""The learner's activity pages say what a result means and where to go next: "Next" after
every lesson, quiz, scenario, lab and project; passed or not against the pass mark, in
words; "Step N of M" in scenarios and a debrief that tells the path beside the expert's;
rubric levels and comments once a grade is released; a time estimate; lab results worded
from their data. Every page type also renders in Spanish with no English outside lang="en"
but the content the sample track's translation leaves in English, and reflows (no fixed
``cols``; wide tables scroll in labelled regions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import inspect
import json
import re
from collections.abc import Iterator, Mapping

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessments.catalog import find_activity, list_tracks
from assessments.labs import runner
from assessments.labs.results import LabResult, ResultStatus, TestResult, TestStatus, Visibility
from assessments.policy import Accommodation
from assessments.scenarios import Choice, Node, Scenario, ScenarioRun, Step
from lti_tool.db import transaction
from lti_tool.i18n import lab_words
from lti_tool.learning import next_step, scenario_story, verdict
from lti_tool.models import Attempt, LabSubmission, SubmissionStatus
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import LTI
from tests.test_rubric_grading import second_instructor

SPANISH = {"claims": {LTI + "launch_presentation": {"locale": "es-MX"}}}
LESSON = "/learn/a/sample/intro"
QUIZ = "/learn/a/sample/basics-quiz"
SCENARIO = "/learn/a/sample/ethics-scenario"
PROJECT = "/learn/a/sample/capstone-project"
LAB = "/learn/a/sample/prompt-lab"
#: Right on temperature, the evaluation methods and accuracy: 3 of the quiz's 10 points.
FEW_RIGHT = {
    "answer-q-temperature": "zero",
    "answer-q-eval-methods": ["holdout", "crossval"],
    "answer-q-accuracy": "90",
}


def sample_track():
    (track,) = [t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample"]
    return track


def squeezed(page: str) -> str:
    """What a person reads: inline tags removed, other tags a space, spaces collapsed."""
    inline = re.sub(r"</?(?:a|span|strong|em|code)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def start(client, path: str) -> str:
    response = client.post(path + "/start", data={"csrf_token": token(get(client, path))})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def hand_in_quiz(client, answers: Mapping) -> str:
    url = start(client, QUIZ)
    form = {"csrf_token": token(get(client, url)), "confirm": "yes", **answers}
    client.post(url + "/save", data=form)
    assert client.post(url + "/submit", data=form).status_code == 302
    return url


def choose(client, url: str, node: str, choice: str, why: str | None = None) -> None:
    data = {"csrf_token": token(get(client, url)), "node": node, "choice": choice}
    if why is not None:
        data["justification"] = why
    assert client.post(url + "/choose", data=data).status_code == 302


def mark_done(client, path: str):
    return client.post(path + "/done", data={"csrf_token": token(get(client, path))})


def learner(course, **launch) -> FlaskClient:
    client = course.app.test_client()
    course.launch(client=client, sub="ada", name="Ada Lovelace", **launch)
    return client


# -- where to go next ---------------------------------------------------------------------


def test_next_is_the_following_activity_then_the_next_module_then_nothing():
    track = sample_track()
    after_intro = next_step.after(track, "intro")
    assert after_intro.activity.id == "basics-quiz" and not after_intro.opens_module
    last_of_basics = track.module("basics").activities[-1]
    first_of_ethics = track.module("ethics").activities[0]
    crossing = next_step.after(track, last_of_basics.id)
    assert crossing.activity == first_of_ethics and crossing.opens_module
    assert crossing.activity_module.id == "ethics" and crossing.module.id == "basics"
    last = list(track.activities())[-1]
    end = next_step.after(track, last.id)
    assert end.activity is None and end.module == track.module_of(last.id)


def test_a_lesson_marked_done_offers_the_next_activity_and_its_time(course):
    ada = learner(course)
    before = squeezed(get(ada, LESSON))
    assert re.search(r"lesson · about \d+ min", before)
    assert "Next:" not in before  # nothing is done yet
    done = mark_done(ada, LESSON)
    assert done.headers["Location"].endswith("/learn/m/sample/basics")  # the module, as before
    page = get(ada, LESSON)
    assert "Next: Check your understanding" in squeezed(page)
    assert 'href="/learn/a/sample/basics-quiz"' in page


# -- passed or not --------------------------------------------------------------------------


def test_the_pass_mark_is_the_highest_rule_that_names_the_activity():
    track = sample_track()

    def mark(activity_id: str) -> float | None:
        return verdict.pass_mark(track, track.activity(activity_id))

    assert mark("basics-quiz") == 70  # the module's mean (70) beats its own minimum (40)
    assert mark("basics-exam") == 70  # and the exam's own 50
    assert mark("ethics-scenario") == 80
    assert mark("capstone-project") == 60  # the capstone's
    assert mark("intro") is None  # a lesson
    assert mark("warm-up") is None and mark("prompt-lab") is None  # no rule names them


ALL_RIGHT = {
    **FEW_RIGHT,
    "answer-q-drift": "data drift",
    "answer-q-steps-define": "1",
    "answer-q-steps-collect": "2",
    "answer-q-steps-run": "3",
    "answer-q-steps-compare": "4",
    "answer-q-roles-system": "rules",
    "answer-q-roles-user": "asks",
    "answer-q-roles-assistant": "answers",
    "answer-q-explain": "Unseen data, like last month's tickets, shows if it generalises.",
}


def grade_explanation(course, attempt_url: str, reason: str, example: str) -> None:
    """The instructor grades the quiz's free response in this attempt."""
    course.launch("instructor")
    queue = get(course.client, "/teach/grading")
    attempt_id = attempt_url.rsplit("/", 1)[1]
    form = {"csrf_token": token(queue), "level-reason": reason, "level-example": example}
    action = f"/teach/grading/{attempt_id}/item:q-explain"
    assert course.client.post(action, data=form).status_code == 302


def test_a_quiz_result_says_pass_or_fail_against_the_pass_mark_and_what_is_next(course):
    ada = learner(course)
    first = hand_in_quiz(ada, {**FEW_RIGHT, "answer-q-explain": "It is better."})
    text = squeezed(get(ada, first))
    assert "pass mark" not in text  # the free response waits for grading
    assert "Next: Basics exam" in text
    grade_explanation(course, first, "vague", "none")
    text = squeezed(get(ada, first))
    # 3 points, and the explanation's rubric gave 0.5 of its 4: 3.5 of 10.
    assert "Score: 3.5 of 10 points." in text
    assert "Not passed yet: 35% against a pass mark of 70%. You have 2 attempts left." in text
    assert "Rubric grade: 0.5 of 4 points" in text
    assert 'Gives the reason: Vague (0.5 of 2 points) "It is better" with no why.' in text

    second = hand_in_quiz(ada, ALL_RIGHT)
    grade_explanation(course, second, "fully", "good")
    text = squeezed(get(ada, second))
    assert "You passed: 100% against a pass mark of 70%." in text
    assert "attempts left" not in text
    text = squeezed(get(ada, first))  # each attempt keeps its own verdict; one attempt is left
    assert "Not passed yet: 35% against a pass mark of 70%. You have 1 attempt left." in text


def test_the_verdict_counts_critical_checks_and_attempts():
    track = sample_track()
    exam = track.activity("basics-exam")
    granted = Accommodation(extra_attempts=1)
    passed = verdict.verdict(
        track, exam, 0.8, critical_failed=False, attempts_used=1, granted=granted
    )
    assert passed.passed and passed.attempts_left == 2  # 2 attempts plus the extra one
    critical = verdict.verdict(
        track, exam, 0.9, critical_failed=True, attempts_used=3, granted=granted
    )
    assert not critical.passed and critical.final
    practice = track.activity("warm-up")
    assert (
        verdict.verdict(
            track, practice, 1.0, critical_failed=False, attempts_used=1, granted=granted
        )
        is None
    )
    pending = verdict.verdict(
        track, exam, None, critical_failed=False, attempts_used=1, granted=granted
    )
    assert pending is None


# -- scenarios ------------------------------------------------------------------------------


def test_step_n_of_m_counts_the_longest_way_and_says_when_it_is_not_fixed(course):
    ada = learner(course)
    url = start(ada, SCENARIO)
    # From the start: "ship" ends at once, "audit" takes one more decision.
    assert "Step 1 of at most 2." in squeezed(get(ada, url))
    choose(ada, url, "request", "audit", "Applicants could be harmed.")
    assert "Step 2 of 2." in squeezed(get(ada, url))


def _branching() -> Scenario:
    """start → (a: along the expert path | b: off it) …; off the path, node "off" offers a
    worse and a better way to the same ending."""

    def choice(choice_id: str, score: float, target: str, text: str = "") -> Choice:
        return Choice(choice_id, text or choice_id, f"after {choice_id}", score, target)

    nodes = {
        "start": Node("start", "S", (choice("a", 2, "mid"), choice("b", 0, "off"))),
        "mid": Node("mid", "M", (choice("c", 2, "good"), choice("d", 1, "good"))),
        "off": Node("off", "O", (choice("e", 0, "weak"), choice("f", 1, "weak"))),
        "good": Node("good", "", debrief_html="good ending"),
        "weak": Node("weak", "", debrief_html="weak ending"),
    }
    return Scenario("start", nodes, ("start", "mid", "good"), 4)


def test_the_debrief_story_follows_a_path_that_leaves_the_expert_and_one_that_does_not():
    scenario = _branching()
    off = ScenarioRun("weak", (Step("start", "b"), Step("off", "e", "because")))
    story = scenario_story.story(scenario, off, None)
    first, second = story.steps
    assert (first.chosen.id, first.expert.id, first.agrees) == ("b", "a", False)
    # Off the expert path, the expert's choice is the best-scoring one there.
    assert (second.chosen.id, second.expert.id, second.best_score) == ("e", "f", 1)
    assert second.justification == "because"
    assert story.left_expert_at == 1
    assert (story.ending_html, story.expert_ending_html) == ("weak ending", "good ending")

    along = ScenarioRun("good", (Step("start", "a"), Step("mid", "c")))
    story = scenario_story.story(scenario, along, None)
    assert all(step.agrees for step in story.steps) and story.left_expert_at is None
    assert story.expert_ending_html is None
    # Same ending, another choice on the way: the story says where it differed.
    detour = scenario_story.story(
        scenario, ScenarioRun("good", (Step("start", "a"), Step("mid", "d"))), None
    )
    assert detour.left_expert_at == 2 and detour.expert_ending_html is None


def _reveal_second_attempt(course, client, first_url: str) -> str:
    """End the cool-down of a summative scenario and start the second (last) attempt."""
    with transaction(course.app) as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.activity_id == "ethics-scenario", Attempt.number == 1)
        ).one()
        attempt.submitted_at -= dt.timedelta(hours=25)
    second = start(client, SCENARIO)
    assert second != first_url
    return second


def test_the_debrief_tells_each_step_with_the_experts_choice_and_the_ending(course):
    ada = learner(course)
    first = start(ada, SCENARIO)
    choose(ada, first, "request", "audit", "Applicants could be harmed.")
    choose(ada, first, "audit", "note")
    held = squeezed(get(ada, first))
    assert "Your result per competency" in held and "An expert would choose" not in held
    assert "Next, in the module Practice: Warm-up (practice)" in held

    second = _reveal_second_attempt(course, ada, first)
    choose(ada, second, "request", "ship", "The deadline matters most.")
    text = squeezed(get(ada, second))
    assert "You chose Ship it tomorrow as planned (-1 of 2 points)." in text
    assert (
        "An expert would choose Ask for a bias audit first (2 of 2 points), because of what "
        "follows from it: The launch slips a week, and the audit finds a problem." in text
    )
    assert "Your explanation: The deadline matters most." in text
    assert "How it ended Harm reached people who trusted the system." in text
    assert "Your path left the expert's at step 1." in text
    assert "The expert path ends like this: You protected applicants and the company." in text
    page = get(ada, second)
    assert '<div class="answer" lang="">The deadline matters most.</div>' in page
    # The first attempt, now revealed, agreed at step 1 and left the path at step 2.
    text = squeezed(get(ada, first))
    assert (
        "You chose Ask for a bias audit first (2 of 2 points). The launch slips a week, and "
        "the audit finds a problem. ✓ An expert would choose the same."
    ) in text
    assert "An expert would choose Retrain with balanced data and re-test (2 of 2 points)." in text
    assert "Your path left the expert's at step 2." in text


# -- projects: rubric levels and comments ---------------------------------------------------


def project_action(queue: str) -> str:
    return re.search(r'action="(/teach/grading/\d+/project)"', queue).group(1)


def grade_project(course, ada) -> None:
    """Ada hands in the capstone; two instructors mark it close enough to release the
    first mark: Method "Sound" (3 of 6) with a comment, Risks "Addressed" (4 of 4)."""
    page = get(ada, PROJECT)
    handed = ada.post(
        PROJECT + "/project",
        data={"csrf_token": token(page), "text": "Mi plan: datos reservados y sesgos."},
    )
    assert handed.status_code == 302
    course.launch("instructor")
    queue = get(course.client, "/teach/grading")
    first = {
        "csrf_token": token(queue),
        "level-method": "sound",
        "level-risks": "present",
        "comment-method": "Good start; name the threshold.",
        "comment": "A careful plan.",
    }
    assert course.client.post(project_action(queue), data=first).status_code == 302
    other = second_instructor(course)
    queue = get(other, "/teach/grading")
    marks = {"csrf_token": token(queue), "level-method": "strong", "level-risks": "present"}
    assert other.post(project_action(queue), data=marks).status_code == 302


def test_a_released_project_grade_shows_each_level_its_points_meaning_and_comment(course):
    ada = learner(course)
    grade_project(course, ada)
    page = get(ada, PROJECT)
    text = squeezed(page)
    assert "Rubric grade: 7 of 10 points" in text
    assert (
        "Method: Sound (3 of 6 points) Held-out test data and a metric that fits the task, "
        "with a pass threshold. Your instructor's comment: Good start; name the threshold."
    ) in text
    assert "Risks to people: Addressed (4 of 4 points)" in text
    assert "Overall comment: A careful plan." in text
    assert '<span lang="">Good start; name the threshold.</span>' in page
    assert '<div class="answer" lang="">Mi plan: datos reservados y sesgos.</div>' in page
    assert "You passed: 70% against a pass mark of 60%." in text
    assert "graded, 70.0%" in text
    assert 'aria-labelledby="rubric-caption"' in page and "cols=" not in page


# -- labs -------------------------------------------------------------------------------------

RESULT = LabResult(
    lab_id="prompt-lab",
    status=ResultStatus.GRADED,
    score=0.5,
    tests=(
        TestResult("handles an empty text", 1, 1, Visibility.VISIBLE, TestStatus.PASSED),
        TestResult(
            "says negative", 0, 1, Visibility.VISIBLE, TestStatus.FAILED, "expected 'negative'"
        ),
        TestResult("secret case", 0, 1, Visibility.HIDDEN, TestStatus.TIMEOUT, "secret in"),
    ),
    # What the grader stores for the CLI and logs; the page words the result from its data.
    message="The grader's own sentence." + lab_words.ERROR_OUTPUT_MARKER + "Traceback: oops",
    staff_output="Traceback: oops",
)
NOT_GRADABLE = LabResult(
    lab_id="prompt-lab",
    status=ResultStatus.NOT_GRADABLE,
    score=None,
    format_errors=("solution.py:1: invalid syntax",),
    message="Your submission could not be graded; fix these problems ...",
)


def store_lab_result(course, result: LabResult) -> None:
    """A graded lab submission as the worker stores it, without running the sandbox."""
    with transaction(course.app) as session:
        done = session.scalars(select(Attempt)).first()  # the learner's ids
        session.add(
            LabSubmission(
                registration_id=done.registration_id,
                deployment_id=done.deployment_id,
                context_id=done.context_id,
                user_id=done.user_id,
                track_id="sample",
                activity_id="prompt-lab",
                content_versions={},
                archive=b"",
                status=SubmissionStatus.GRADED
                if result.status is ResultStatus.GRADED
                else SubmissionStatus.NOT_GRADABLE,
                score=result.score,
                result=result.to_dict(),
            )
        )


def test_the_runner_writes_the_error_output_marker_the_page_looks_for():
    assert json.dumps(lab_words.ERROR_OUTPUT_MARKER) in inspect.getsource(runner)


def test_a_lab_result_is_worded_from_its_data(course):
    ada = learner(course)
    mark_done(ada, LESSON)
    store_lab_result(course, RESULT)
    page = get(ada, LAB)
    text = squeezed(page)
    assert "1 of 3 tests passed." in text and "The grader's own sentence" not in text
    assert "handles an empty text Passed (1 / 1)" in text
    assert "says negative Failed (0 / 1)" in text
    assert "Your program's error output: Traceback: oops" in text
    assert "<pre>Traceback: oops</pre>" in page
    assert "secret" not in text  # hidden tests stay hidden
    assert "pass mark" not in text  # no completion rule names the practice module
    assert "Next, in the module Capstone: Evaluate a model for your team" in text
    assert page.count('class="table-scroll" role="region"') == 2
    assert 'aria-labelledby="tests-caption"' in page and 'aria-labelledby="history-caption"' in page
    assert "cols=" not in page

    store_lab_result(course, NOT_GRADABLE)
    text = squeezed(get(ada, LAB))
    assert (
        "Your submission could not be graded; fix these problems and submit again (this "
        "attempt does not count): solution.py:1: invalid syntax"
    ) in text


# -- in Spanish -------------------------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    """Every string inside an activity (its texts, ids and keys too)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, tuple | list | frozenset):
        for item in value:
            yield from _strings(item)


def _plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def left_in_english(app: Flask, activity_id: str) -> set[str]:
    """The texts of an activity that the sample track's Spanish translation leaves as
    written (on purpose: it tests that untranslated texts fall back to the original)."""
    tracks = list_tracks(app.config["SETTINGS"].tracks_dir)
    _, english = find_activity(tracks, "sample", activity_id)
    _, spanish = find_activity([t.translated("es") for t in tracks], "sample", activity_id)
    if spanish.language == "en":
        return set()  # untranslated: the whole activity is marked lang="en"
    return {_plain(s) for s in _strings(spanish)} & {_plain(s) for s in _strings(english)}


def assert_spanish(app: Flask, page: str, *activities: str) -> None:
    """No English outside lang="en" but the sample content left untranslated."""
    assert '<html lang="es"' in page
    leftovers = set().union(*(left_in_english(app, a) for a in activities))
    found = []
    for finding in english_outside_lang_en(page):
        text = re.escape(finding.split(": ", 1)[1])
        if not any(re.search(rf"(?<!\w){text}(?!\w)", leftover) for leftover in leftovers):
            found.append(finding)
    assert found == []


def test_lesson_and_quiz_pages_in_spanish(course):
    lucia = learner(course, **SPANISH)
    assert_spanish(course.app, get(lucia, LESSON), "intro")
    mark_done(lucia, LESSON)
    lesson = get(lucia, LESSON)
    assert_spanish(course.app, lesson, "intro")
    assert "Siguiente:" in lesson
    assert_spanish(course.app, get(lucia, QUIZ), "basics-quiz")
    url = start(lucia, QUIZ)
    attempt = get(lucia, url)
    assert_spanish(course.app, attempt, "basics-quiz")
    assert "<textarea" in attempt and "cols=" not in attempt
    # A select's options lose their markup: an untranslated one carries its lang itself.
    assert '<option value="answers" lang="en">Gives the answer</option>' in attempt
    assert '<option value="rules">Fija las reglas</option>' in attempt
    form = {"csrf_token": token(attempt), **FEW_RIGHT, "answer-q-accuracy": "noventa"}
    confirm = lucia.post(url + "/submit", data=form)
    assert_spanish(course.app, confirm.get_data(as_text=True), "basics-quiz")
    lucia.post(url + "/submit", data={**form, "confirm": "yes"})
    result = get(lucia, url)
    assert_spanish(course.app, result, "basics-quiz")
    grade_explanation(course, url, "fully", "loose")
    graded = get(lucia, url)
    assert_spanish(course.app, graded, "basics-quiz")
    # Two right answers, the accuracy not a number, 3 of 4 for the explanation: 5 of 10.
    assert (
        "Todavía no aprobado: 50 % frente a un mínimo para aprobar de 70 %. Le quedan 2 intentos."
    ) in squeezed(graded)
    assert "Siguiente: Examen de conceptos básicos" in squeezed(graded)


def test_scenario_pages_in_spanish(course):
    lucia = learner(course, **SPANISH)
    first = start(lucia, SCENARIO)
    step = get(lucia, first)
    assert_spanish(course.app, step, "ethics-scenario")
    assert "Paso 1 de 2 como máximo." in step and "cols=" not in step
    choose(lucia, first, "request", "audit", "Los candidatos podrían sufrir daños.")
    assert_spanish(course.app, get(lucia, first), "ethics-scenario")
    choose(lucia, first, "audit", "fix")
    assert_spanish(course.app, get(lucia, first), "ethics-scenario")  # per competency
    second = _reveal_second_attempt(course, lucia, first)
    choose(lucia, second, "request", "ship", "La fecha manda.")
    debrief = get(lucia, second)
    assert_spanish(course.app, debrief, "ethics-scenario")
    assert "Su camino se apartó del camino del experto en el paso 1." in squeezed(debrief)
    assert_spanish(course.app, get(lucia, first), "ethics-scenario")
    assert_spanish(course.app, get(lucia, SCENARIO), "ethics-scenario")


def test_lab_and_project_pages_in_spanish(course):
    lucia = learner(course, **SPANISH)
    mark_done(lucia, LESSON)
    store_lab_result(course, RESULT)
    lab = get(lucia, LAB)
    assert_spanish(course.app, lab, "prompt-lab")
    assert "1 de 3 pruebas superadas." in lab and "Correcta (1 / 1)" in squeezed(lab)
    store_lab_result(course, NOT_GRADABLE)
    assert_spanish(course.app, get(lucia, LAB), "prompt-lab")
    grade_project(course, lucia)
    project = get(lucia, PROJECT)
    assert_spanish(course.app, project, "capstone-project")
    text = squeezed(project)
    assert "Método: Sound (3 de 6 puntos)" in text  # the level's title is not translated
    assert "Ha aprobado: 70 % frente a un mínimo para aprobar de 60 %." in text


@pytest.mark.parametrize("activity_id", ["ethics-lesson", "warm-up", "basics-exam"])
def test_untranslated_practice_and_timed_activity_pages_in_spanish(course, activity_id):
    lucia = learner(course, **SPANISH)
    path = f"/learn/a/sample/{activity_id}"
    assert_spanish(course.app, get(lucia, path), activity_id)
    if activity_id != "ethics-lesson":
        attempt = get(lucia, start(lucia, path))
        assert_spanish(course.app, attempt, activity_id)
        if activity_id == "basics-exam":
            assert 'id="deadline"' in attempt  # its time limit, in Spanish too
