"""In the demo, completing a track issues a credential that an independent verifier accepts.

`skillcert serve --demo` serves the sample track here (a whole shipped track is a day's
work). The learner launches from the demo course and does the required work through the
tool's own pages; the instructor grades what waits for a person; the demo's in-process
worker issues the credential; the learner's wallet and the credential's public page show
it, and Digital Bazaar's verifier (tests/verifier) accepts the downloaded JSON.
"""

from __future__ import annotations

import html
import re
import time

import requests

from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.independent_verifier import independent_verdict
from tests.test_serve import launch_from_demo_lms, serving

#: Right answers to the sample track's questions, as the attempt form names them (the
#: exam draws two of its three: the third is refused as not part of the attempt).
QUIZ = {
    "answer-q-temperature": "zero",
    "answer-q-eval-methods": ["holdout", "crossval"],
    "answer-q-accuracy": "90",
    "answer-q-drift": "data drift",
    "answer-q-steps-define": "1",
    "answer-q-steps-collect": "2",
    "answer-q-steps-run": "3",
    "answer-q-steps-compare": "4",
    "answer-q-roles-system": "rules",
    "answer-q-roles-user": "asks",
    "answer-q-roles-assistant": "answers",
    "answer-q-explain": "A held-out set shows how the model does on data it never saw.",
}
EXAM = {"answer-e-context": "window", "answer-e-tokens": "1000", "answer-e-role": "system"}
WAIT_SECONDS = 60
PUBLIC_PAGE = re.compile(r'href="(/credentials/[0-9a-f-]{36})"')
GRADING_FORM = re.compile(r'<form method="post" action="(/teach/grading/[^"]+)">(.*?)</form>', re.S)


def start(browser: requests.Session, base: str, activity: str) -> str:
    """Start (or resume) an attempt from the activity's page; returns the attempt's URL."""
    page = f"{base}/learn/a/sample/{activity}"
    response = browser.post(page + "/start", data={"csrf_token": token(browser.get(page).text)})
    assert response.status_code == 200, response.text  # the redirect to the attempt, followed
    return response.url


def take(browser: requests.Session, base: str, activity: str, answers: dict) -> None:
    """Start the quiz or exam, save the answers, submit them."""
    attempt = start(browser, base, activity)
    csrf = token(browser.get(attempt).text)
    browser.post(attempt + "/save", data={"csrf_token": csrf, **answers})
    done = browser.post(attempt + "/submit", data={"csrf_token": csrf, "confirm": "yes"})
    assert "Score:" in done.text


def play_scenario(browser: requests.Session, base: str) -> None:
    attempt = start(browser, base, "ethics-scenario")
    csrf = token(browser.get(attempt).text)
    why = "A biased screen harms applicants."
    for node_id, choice in (("request", "audit"), ("audit", "fix")):
        form = {"csrf_token": csrf, "node": node_id, "choice": choice, "justification": why}
        browser.post(attempt + "/choose", data=form)
    # Summative: the result per competency until the last attempt, not the expert path.
    assert "Your result per competency" in browser.get(attempt).text


def grade_everything(teacher: requests.Session, base: str) -> int:
    """Give every piece waiting on the grading page its best level; returns how many."""
    graded = 0
    while True:
        page = teacher.get(f"{base}/teach/grading").text
        form = re.search(
            r'<form method="post" action="(/teach/grading/[^"]+)">(.*?)</form>', page, re.S
        )
        if form is None:
            return graded
        levels: dict[str, tuple[float, str]] = {}
        for field, value, points in re.findall(
            r'name="(level-[^"]+)" value="([^"]+)".*?\(([\d.]+) points?\)', form.group(2), re.S
        ):
            if field not in levels or float(points) > levels[field][0]:
                levels[field] = (float(points), value)
        choices = {field: value for field, (_, value) in levels.items()}
        saved = teacher.post(
            base + html.unescape(form.group(1)), data={"csrf_token": token(page), **choices}
        )
        assert saved.status_code == 200 and "saved." in saved.text, saved.text
        graded += 1


def test_completing_a_track_in_the_demo_earns_a_verified_credential(tmp_path, node):
    with serving(tmp_path, "--demo", SKILLCERT_CONTENT_PATH=str(SAMPLE_CONTENT)) as base:
        learner, _ = launch_from_demo_lms(base, "learner")
        take(learner, base, "basics-quiz", QUIZ)
        take(learner, base, "basics-exam", EXAM)
        play_scenario(learner, base)
        learner.post(
            f"{base}/learn/a/sample/capstone-project/project",
            data={
                "csrf_token": token(learner.get(f"{base}/learn/a/sample/capstone-project").text),
                "text": "Method: a held-out evaluation. Risks: drift, bias; both monitored.",
            },
        )
        teacher, _ = launch_from_demo_lms(base, "instructor")
        assert grade_everything(teacher, base) == 3  # free response, justification, project
        # The sample capstone is double-marked: a second instructor marks it, blind.
        co_teacher, _ = launch_from_demo_lms(base, "co-instructor")
        assert grade_everything(co_teacher, base) == 1

        # The in-process worker issues the credential within seconds (a bounded wait).
        deadline = time.monotonic() + WAIT_SECONDS
        while (found := PUBLIC_PAGE.search(learner.get(f"{base}/learn/credentials").text)) is None:
            assert time.monotonic() < deadline, "no credential was issued"
            time.sleep(1)
        public = found.group(1)
        page = requests.get(base + public, timeout=10).text  # an employer, no session
        assert "Verified:" in page
        document = requests.get(base + public + ".json", timeout=10).json()
        assert independent_verdict(node, document)["verified"] is True
