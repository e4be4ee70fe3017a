"""The demo's five-minute track (assessments/demo_tracks/first-visit).

Served only in demo mode, beside the content folder's tracks; offered first by the demo
LMS; held to the standards of the shipped tracks (tests/test_track_content.py and
tests/test_track_audit.py run on assessments/tracks only, so their checks are applied to
it here); and completed by a newcomer through the demo LMS, with no instructor: lesson
done, quiz submitted, lab graded by the demo's worker in the sandbox, scenario finished,
and the credential in the wallet and on its public page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import time

import pytest
import requests

from assessments import audit
from assessments.catalog import DEMO_TRACKS_DIR, list_tracks
from assessments.items.single_choice import SingleChoice
from assessments.loader import validate_path
from assessments.policy import counts_toward_completion, critical_checks
from lti_tool.db import transaction
from lti_tool.demo_lms.platform import FIRST_VISIT_LINK
from lti_tool.models import Attempt
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.conftest import csrf_token_of as token
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import LTI
from tests.test_content_translations import choose, grades, start
from tests.test_content_translations import text as page_text
from tests.test_serve import launch_from_demo_lms, serving

FIRST_VISIT = DEMO_TRACKS_DIR / "first-visit"
LAB = FIRST_VISIT / "labs" / "keep-recent"
TRACK_TITLE = "First visit: keep a chat in its context window"
#: The right answers, as the attempt form names them.
QUIZ = {"answer-fv-resend": "memory", "answer-fv-trim": "newest", "answer-fv-card": "mask"}
#: The expert path through the scenario: (node, choice).
EXPERT = (("transcripts", "mask"), ("trial", "newest"))
#: Bounded waits for the in-process worker (grading, issuing); not performance assertions.
WAIT_SECONDS = 90
PUBLIC_PAGE = re.compile(r'href="(/credentials/[0-9a-f-]{36})"')


def _loaded():
    result = validate_path(FIRST_VISIT)
    assert result.problems == [], [str(p) for p in result.problems]
    (track,) = result.tracks
    return result, track


# -- where it is served --------------------------------------------------------------------


def test_only_the_demo_serves_the_first_visit_track(make_app, tmp_path):
    production = make_app()
    shipped = {t.id for t in list_tracks(production.config["SETTINGS"].tracks_dir)}
    assert "first-visit" not in shipped and "enterprise-ai-practitioner" in shipped
    demo = make_app(demo=True)
    served = {t.id for t in list_tracks(demo.config["SETTINGS"].tracks_dir)}
    assert served == shipped | {"first-visit"}
    # Beside another content folder too: the demo adds its track, production never does.
    instance = str(tmp_path / "sample-instance")  # tracks are cached by their folder's path
    sample = make_app(demo=True, content_path=str(SAMPLE_CONTENT), instance_path=instance)
    served = {t.id for t in list_tracks(sample.config["SETTINGS"].tracks_dir)}
    assert {"sample", "first-visit"} <= served and "enterprise-ai-practitioner" not in served
    for app in (production, demo, sample):
        app.extensions["skillcert.engine"].dispose()


def test_the_demo_course_offers_the_five_minute_track_first(make_app):
    app = make_app(demo=True)
    page = html.unescape(app.test_client().get("/demo-lms/").get_data(as_text=True))
    start = "Start the five-minute track as Ada Lovelace"
    assert start in page and "a credential lands in your wallet" in page
    assert page.index(start) < page.index("Open SkillCert as")  # offered before anything else
    links = re.findall(r"link=([\w-]+)", page)
    assert links[0] == FIRST_VISIT_LINK["id"]
    placed = page.split("Course content placed from SkillCert", 1)[1]
    assert placed.index(FIRST_VISIT_LINK["title"]) < placed.index("</ul>")
    # Once SkillCert is open in the frame, the invitation steps aside.
    framed = app.test_client().get(f"/demo-lms/?as=learner&link={FIRST_VISIT_LINK['id']}")
    assert start not in html.unescape(framed.get_data(as_text=True))
    app.extensions["skillcert.engine"].dispose()


# -- the shipped tracks' standards ---------------------------------------------------------


def test_it_is_short_valid_and_earns_a_credential_without_an_instructor():
    result, track = _loaded()
    assert result.warnings == []  # no review date passed, no guessable key
    activities = list(track.activities())
    assert [a.kind.value for a in activities] == ["lesson", "quiz", "lab", "scenario"]
    assert sum(a.minutes or 0 for a in activities) <= 6
    assert track.completion.capstone is None and track.credential_validity_months == 12
    for activity in activities:  # nothing waits for a person's marking
        assert activity.rubric is None
        assert all(item.type != "free_response" for item in activity.items)
        if activity.scenario is not None:
            assert all(n.justification is None for n in activity.scenario.nodes.values())
        if counts_toward_completion(activity):  # a newcomer may try again at once
            assert activity.attempt_policy.cooldown is None


def test_it_meets_the_item_writing_rules_of_the_shipped_tracks():
    _, track = _loaded()
    measured = audit.bias(audit.questions(track))
    assert measured.longest_option_share <= 0.40  # test_track_audit.LONGEST_OPTION_SHARE
    assert measured.longest_best == 0
    assert measured.position_share <= 0.45
    assert not measured.above_options
    (quiz,) = [a for a in track.activities() if a.kind.value == "quiz"]
    assert 3 <= len(quiz.items) <= 5
    mandatory = [r.module for r in track.completion.modules if r.because is not None]
    assert mandatory
    for module_id in mandatory:
        for activity in track.module(module_id).activities:
            assert not counts_toward_completion(activity) or critical_checks(activity)


@pytest.mark.slow
def test_its_scenario_rewards_the_expert_as_the_shipped_ones_must():
    from tests import test_track_content as shipped_checks  # loads every shipped track

    _, track = _loaded()
    (scenario,) = [a.scenario for a in track.activities() if a.scenario is not None]
    shipped_checks.test_expert_path_scores_highest(scenario)
    shipped_checks.test_recovering_from_a_serious_error_scores_clearly_below_the_expert(scenario)


@pytest.mark.sandbox
@pytest.mark.slow
def test_its_lab_is_held_to_the_shipped_labs_checks():
    _needs_bwrap()
    from tests import test_track_audit, test_track_content

    test_track_content.test_reference_scores_full_marks_and_wrong_solutions_lose_marks(LAB)
    test_track_audit.test_each_labs_tests_kill_the_mutants_of_its_reference(LAB)


def _needs_bwrap() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (the README's test command installs it)")


# -- a newcomer's five minutes -------------------------------------------------------------


def _activity(base: str, activity: str) -> str:
    return f"{base}/learn/a/first-visit/{activity}"


def _start(browser: requests.Session, base: str, activity: str) -> str:
    page = _activity(base, activity)
    started = browser.post(page + "/start", data={"csrf_token": token(browser.get(page).text)})
    assert started.status_code == 200, started.text
    return started.url


def _wait_for(browser: requests.Session, url: str, found) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while not found(text := html.unescape(browser.get(url, timeout=10).text)):
        assert time.monotonic() < deadline, f"gave up waiting on {url}"
        time.sleep(1)
    return text


@pytest.mark.sandbox
def test_a_newcomer_completes_the_demo_track_and_holds_its_credential(tmp_path):
    _needs_bwrap()
    with serving(tmp_path, "--demo") as base:
        learner, landing = launch_from_demo_lms(base, "learner", link=FIRST_VISIT_LINK["id"])
        overview = html.unescape(landing.text)
        assert "This link opens <strong>First steps</strong>" in overview
        for title in (
            "What a chat model is sent",
            "Three quick questions",
            "Trying a new summariser",
        ):
            assert title in overview

        lesson = _activity(base, "context-lesson")
        done = learner.post(lesson + "/done", data={"csrf_token": token(learner.get(lesson).text)})
        assert done.url.endswith("/learn/m/first-visit/first-steps")  # back to the module
        assert "You marked this lesson as done." in learner.get(lesson).text

        attempt = _start(learner, base, "context-quiz")
        csrf = token(learner.get(attempt).text)
        learner.post(attempt + "/save", data={"csrf_token": csrf, **QUIZ})
        result = learner.post(attempt + "/submit", data={"csrf_token": csrf, "confirm": "yes"})
        assert "Score: 3 of 3 points" in result.text

        lab = _activity(base, "keep-recent-lab")
        code = (LAB / "reference" / "solution.py").read_text()
        form = {"csrf_token": token(learner.get(lab).text), "code": code, "purpose": "grade"}
        assert learner.post(lab + "/lab/code", data=form).status_code == 200
        _wait_for(learner, lab + "/lab-status", lambda status: json.loads(status)["waiting"] == [])
        graded = html.unescape(learner.get(lab).text)
        assert "Latest result (graded submission)" in graded and "(1 / 1)" in graded

        attempt = _start(learner, base, "masking-scenario")
        csrf = token(learner.get(attempt).text)
        for node, choice in EXPERT:
            form = {"csrf_token": csrf, "node": node, "choice": choice}
            learner.post(attempt + "/choose", data=form)
        debrief = html.unescape(learner.get(attempt).text)
        assert "Customers' details stayed in the company" in debrief

        # The demo's worker issues the credential; the wallet shows it, and its public page
        # verifies for anyone, valid for the track's twelve months.
        wallet = _wait_for(learner, f"{base}/learn/credentials", PUBLIC_PAGE.search)
        assert TRACK_TITLE in wallet
        public = PUBLIC_PAGE.search(wallet).group(1)
        page = html.unescape(requests.get(base + public, timeout=10).text)
        assert TRACK_TITLE in page and "Verified:" in page
        document = requests.get(base + public + ".json", timeout=10).json()
        valid_from = dt.datetime.fromisoformat(document["validFrom"])
        valid_until = dt.datetime.fromisoformat(document["validUntil"])
        months = (valid_until.year - valid_from.year) * 12 + valid_until.month - valid_from.month
        assert months == 12


# -- in Spanish ----------------------------------------------------------------------------
#
# The module's `translations: es:` give every text a learner reads in Spanish; the track's
# own title and summary cannot be translated (pages mark them lang="en"), and code stays as
# written: the lab's starter, its tests and the identifiers in its instructions.

SPANISH = {LTI + "launch_presentation": {"locale": "es-MX"}}
MODULE_PAGE = "/learn/m/first-visit/first-steps"
QUIZ_PAGE = _activity("", "context-quiz")
SCENARIO_PAGE = _activity("", "masking-scenario")
#: A mixed answer sheet: one right, one wrong, and the critical card question failed.
QUIZ_MIXED = {**QUIZ, "answer-fv-trim": "oldest", "answer-fv-card": "vendor"}
#: The shortest way through the scenario: straight into the data leak.
LEAK = (("transcripts", "send"),)
#: A text that reads the same in every language: a number, or code alone.
SAME_IN_EVERY_LANGUAGE = re.compile(r"\s*(?:<code>[^<]*</code>|[\d\s.,%]+)\s*")


def _learner_texts(activity) -> dict[str, str]:
    """Every text a learner reads in ``activity``, by where it sits (the same keys in any
    language), leaving out the empty ones (an end of a scenario has no situation)."""
    texts = {"title": activity.title, "body": activity.body_html}
    for item in activity.items:
        # The walk knows single-choice texts only: another item type must be added here.
        assert isinstance(item.definition, SingleChoice), item.id
        texts[f"{item.id}/stem"] = item.stem_html
        for option in item.definition.options:
            texts[f"{item.id}/{option.id}"] = option.html
            texts[f"{item.id}/{option.id}/rationale"] = option.rationale_html
    for node in activity.scenario.nodes.values() if activity.scenario else ():
        texts[f"{node.id}/situation"] = node.situation_html
        texts[f"{node.id}/debrief"] = node.debrief_html
        for choice in node.choices:
            texts[f"{node.id}/{choice.id}"] = choice.html
            texts[f"{node.id}/{choice.id}/consequence"] = choice.consequence_html
    return {where: text for where, text in texts.items() if text}


def test_every_text_a_learner_reads_is_translated_into_spanish():
    _, track = _loaded()
    spanish = track.translated("es")
    ((original,), (module,)) = track.modules, spanish.modules
    assert module.language == "es"
    assert module.title != original.title and module.summary != original.summary
    for english, translated in zip(track.activities(), spanish.activities(), strict=True):
        assert (english.language, translated.language) == ("en", "es")
        before, after = _learner_texts(english), _learner_texts(translated)
        assert after.keys() == before.keys()
        untranslated = [
            where
            for where, text in before.items()
            if after[where] == text and not SAME_IN_EVERY_LANGUAGE.fullmatch(text)
        ]
        assert untranslated == [], f"{english.id}: {untranslated}"
        assert translated.lab == english.lab  # the starter, tests and points: code stays
    # Translated, the questions still keep the item-writing rules (the right option is never
    # the longest, nor always in one place).
    measured = audit.bias(audit.questions(spanish))
    assert measured.longest_best == 0 and measured.position_share <= 0.45


@pytest.fixture
def demo_course(make_app, simulated_lms):
    """The demo's tool (the five-minute track beside the shipped ones) and the simulated LMS,
    with an English-speaking learner (``client``) and a Spanish-speaking one (``spanish``)."""
    app = make_app(demo=True)
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    driver.launch()
    driver.spanish = app.test_client()
    driver.launch(client=driver.spanish, sub="learner-es", name="Lucía Pérez", claims=SPANISH)
    yield driver
    app.extensions["skillcert.engine"].dispose()


def _main(page: str) -> str:
    """The page's <main>: the track's content and its frame (the header names the LMS's
    course, in a language nobody knows)."""
    return "<main" + page.split("<main", 1)[1].split("</main>", 1)[0] + "</main>"


def _results_by_learner(app) -> list[dict[str, list[tuple[float, dict]]]]:
    """For each learner, in the order they launched: activity → each attempt's (score,
    result), in order."""
    with transaction(app) as session:
        found: dict[int, dict[str, list]] = {}
        for attempt in session.query(Attempt).order_by(Attempt.user_id, Attempt.number):
            by_activity = found.setdefault(attempt.user_id, {})
            by_activity.setdefault(attempt.activity_id, []).append((attempt.score, attempt.result))
        return list(found.values())


def test_a_spanish_launch_shows_the_demo_track_in_spanish(demo_course):
    client = demo_course.spanish
    module = _main(page_text(client, MODULE_PAGE))
    for title in ("Primeros pasos", "Qué recibe un modelo de chat", "Tres preguntas rápidas"):
        assert title in module
    assert "What a chat model is sent" not in module
    assert f'lang="en">{html.escape(TRACK_TITLE)}<' in module  # the track's own title
    pages = {
        activity.id: _main(page_text(client, _activity("", activity.id)))
        for activity in _loaded()[1].activities()
    }
    assert "recibe los mensajes de un chat" in pages["keep-recent-lab"]
    assert "def keep_recent(" in pages["keep-recent-lab"]  # the starter code stays as written
    for page in (module, *pages.values()):
        assert english_outside_lang_en(page) == []


def _play(client, answer_sheets, paths) -> list[str]:
    """Each answer sheet handed in as one quiz attempt, each path through the scenario as
    one scenario attempt; the attempts' addresses, in that order."""
    attempts = []
    for answers in answer_sheets:
        attempts.append(attempt := start(client, QUIZ_PAGE))
        csrf = token(page_text(client, attempt))
        client.post(attempt + "/save", data={"csrf_token": csrf, **answers})
        client.post(attempt + "/submit", data={"csrf_token": csrf, "confirm": "yes"})
    for path in paths:
        attempts.append(attempt := start(client, SCENARIO_PAGE))
        for node, choice in path:
            assert choose(client, attempt, node, choice).status_code == 302
    return attempts


def test_the_same_answers_grade_the_same_in_spanish_as_in_english(demo_course):
    _play(demo_course.client, (QUIZ, QUIZ_MIXED), (EXPERT, LEAK))
    *_, mixed, _, leak = _play(demo_course.spanish, (QUIZ, QUIZ_MIXED), (EXPERT, LEAK))
    # The Spanish learner reads the feedback and the debrief in Spanish (immediate feedback).
    feedback, debrief = (_main(page_text(demo_course.spanish, url)) for url in (mixed, leak))
    assert "El número sale de su empresa en cuanto se envía" in html.unescape(feedback)
    assert "The number has left your company" not in html.unescape(feedback)
    assert "salieron de la empresa hacia un servicio que nadie revisó" in debrief
    for page in (feedback, debrief):
        assert english_outside_lang_en(page) == []

    (en, es) = _results_by_learner(demo_course.app)
    quiz_en, quiz_es = en["context-quiz"], es["context-quiz"]
    assert [r["critical_failed"] for _, r in quiz_en] == [[], ["fv-card"]]
    assert quiz_en[0][0] == 1.0 > quiz_en[1][0]
    assert [(score, grades(r)) for score, r in quiz_es] == [
        (score, grades(r)) for score, r in quiz_en
    ]
    scenario_en = en["masking-scenario"]
    assert scenario_en[0][0] > scenario_en[1][0] and scenario_en[1][1]["critical_failed"]
    assert es["masking-scenario"] == scenario_en
