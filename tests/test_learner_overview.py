"""The learner's overview pages: progress bars, "In this course" first, time estimates, and
the competency summary with its evidence, in English and Spanish."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from assessments.effort import minutes
from assessments.model import Track
from assessments.policy import completion
from lti_tool.learning.competencies import summary
from lti_tool.learning.learner_overview import TrackOverview
from lti_tool.progress import TrackProgress
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import LTI
from tests.test_gradebook import take_quiz
from tests.test_modules import mark_done

SPANISH = {LTI + "launch_presentation": {"locale": "es-MX"}}
MODULE_LINK = {"id": "link-m", "title": "Basics"}
PLACE_MODULE = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
LAB_LINK = {"id": "link-lab", "title": "The lab"}
PLACE_LAB = {LTI + "custom": {"skillcert_target": "activity:sample/prompt-lab"}}


def report(track: Track, scores: dict[str, float | None], open_=()) -> TrackProgress:
    return TrackProgress(track, completion(track, scores), scores, frozenset(open_))


def words_of(page: str, bar_id: str) -> str:
    """The words beside a progress bar (what its aria-labelledby ends with)."""
    return re.search(rf'id="{bar_id}-words">([^<]*)<', page).group(1)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.named_by: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "progress":
            self.named_by += (values.get("aria-labelledby") or "").split() or ["(none)"]


def assert_bars_are_named(page: str) -> None:
    """Every progress bar is named by elements on the page, and no id is used twice."""
    parser = _Ids()
    parser.feed(page)
    assert parser.named_by, "no progress bar"
    assert set(parser.named_by) <= set(parser.ids), set(parser.named_by) - set(parser.ids)
    assert len(parser.ids) == len(set(parser.ids))


# -- what the pages are built from ---------------------------------------------------------


def test_a_stretch_counts_what_is_handed_in_and_the_time_left(sample_track):
    basics = sample_track.module("basics")
    intro, quiz, exam = basics.activities
    overview = TrackOverview(
        report(sample_track, {"intro": 1.0, "basics-quiz": None}, {"basics-exam"})
    )
    stretch = overview.stretch(basics.activities)
    # Awaiting grading counts as done (the learner's part is over); an open attempt does not.
    assert (stretch.done, stretch.total) == (2, 3)
    assert stretch.share == pytest.approx(2 / 3)
    assert stretch.minutes == minutes(intro) + minutes(quiz) + minutes(exam)
    assert stretch.minutes_left == minutes(exam)
    assert overview.whole.total == len(list(sample_track.activities()))
    assert overview.stretch([]).share == 0.0  # no division by zero for an empty module


def test_each_competency_lists_the_activities_that_assess_it_with_the_learners_results(
    sample_track,
):
    scores = {"intro": 1.0, "basics-quiz": 0.9, "basics-exam": 0.7, "capstone-project": None}
    by_id = {s.competency.id: s for s in summary(report(sample_track, scores, {"prompt-lab"}))}
    assert list(by_id) == [c.id for c in sample_track.competencies]  # the framework's order

    prompting = by_id["prompting"]
    # Assessed work aligned to it, its items' alignment included; never a lesson.
    assert [e.activity.id for e in prompting.evidence] == [
        "basics-quiz",
        "basics-exam",
        "warm-up",
        "prompt-lab",
    ]
    assert (prompting.done, prompting.mean) == (2, pytest.approx(0.8))
    # The quiz's items bring it into evaluation; the capstone awaits grading: done, no score.
    evaluation = by_id["evaluation"]
    assert [e.activity.id for e in evaluation.evidence] == [
        "basics-quiz",
        "prompt-lab",
        "capstone-project",
    ]
    assert (evaluation.done, evaluation.mean) == (2, pytest.approx(0.9))
    ethics = by_id["ethics"]
    assert (ethics.done, ethics.mean) == (1, None)


# -- the pages -------------------------------------------------------------------------------


def test_home_shows_the_course_placements_first_with_bars_and_times(course, sample_track):
    # The course placed the lab through another link; this learner came through the module.
    course.launch(resource_link=LAB_LINK, claims=PLACE_LAB)
    course.launch(resource_link=MODULE_LINK, claims=PLACE_MODULE)
    mark_done(course.client)
    home = course.client.get("/learn/").text

    in_course, catalogue = home.split("<h2>All tracks</h2>")
    assert "<h2" in in_course and ">In this course</h2>" in in_course
    # The link the learner came through first, then the course's other placements.
    assert in_course.index('id="module-basics"') < in_course.index("Write a classifier prompt")
    assert words_of(home, "progress-module-basics") == "1 of 3 activities done (33%)"
    assert '<progress id="progress-module-basics" max="3" value="1"' in home
    # The lab's line: its kind, its estimated time, and where the learner stands.
    lab = minutes(sample_track.activity("prompt-lab"))
    assert re.search(rf'prompt</a>\s*<span class="meta">\(lab, about {lab} min\)', in_course)
    # The catalogue: every track with its bar and time, the placed track first.
    assert catalogue.index("Sample Practitioner<") < catalogue.index("Audit sample<")
    assert words_of(home, "progress-track-sample") == "1 of 9 activities done (11%)"
    # What is left is said when it reads differently from the whole, once rounded.
    total = sum(minutes(activity) for activity in sample_track.module("basics").activities)
    left = total - minutes(sample_track.activity("intro"))
    assert f"Estimated time: about {total} min in all, about {left} min left." in in_course
    assert "Estimated time: about 4.5 h.</span>" in catalogue  # 4.5 h either way
    assert_bars_are_named(home)


def test_a_module_shows_each_activitys_time_and_the_module_total(course, sample_track):
    course.launch()
    page = course.client.get("/learn/m/sample/basics").text
    total = sum(minutes(activity) for activity in sample_track.module("basics").activities)
    assert f"Estimated time: about {total} min." in page
    quiz = sample_track.activity("basics-quiz")
    assert f"(quiz, about {minutes(quiz)} min)" in page
    assert words_of(page, "progress-module-basics") == "0 of 3 activities done (0%)"
    assert_bars_are_named(page)


def test_my_progress_shows_the_placed_track_first_and_the_others_collapsed(course):
    course.launch(resource_link=MODULE_LINK, claims=PLACE_MODULE)
    page = course.client.get("/learn/progress").text
    placed, others = page.split("<h2>Other tracks in the catalogue</h2>")
    assert "<h2>In this course</h2>" in placed and 'id="track-sample"' in placed
    assert 'id="track-audit-sample"' not in placed
    assert re.match(r'\s*<details class="other-tracks">\s*<summary>2 tracks</summary>', others)
    assert 'id="track-audit-sample"' in others and 'id="track-sample-special"' in others
    assert_bars_are_named(page)


def test_my_progress_without_placements_lists_every_track_as_before(course):
    course.launch()
    page = course.client.get("/learn/progress").text
    assert "In this course" not in page and "Other tracks" not in page
    assert '<h2 id="track-sample"' in page and '<h2 id="track-audit-sample"' in page


def test_my_progress_sums_up_each_competency_with_links_to_its_evidence(course):
    course.launch()
    take_quiz(course, course.client, "zero")  # 10 %
    page = course.client.get("/learn/progress").text
    competencies = page[page.index('id="competencies-sample"') :]
    prompting = competencies[competencies.index("Prompt design") :]
    prompting = prompting[: prompting.index("</ul>")]
    assert "1 of 4 activities done, mean score 10%." in prompting
    assert 'href="/learn/a/sample/basics-quiz">Check your understanding</a>' in prompting
    assert 'href="/learn/a/sample/prompt-lab">Write a classifier prompt</a>' in prompting
    assert "Done, 10.0%" in prompting and "Not started" in prompting
    assert words_of(page, "progress-track-sample") == "1 of 9 activities done (11%)"


@pytest.mark.parametrize("path", ["/learn/", "/learn/progress", "/learn/m/sample/basics"])
def test_overview_pages_in_spanish_keep_english_inside_lang_en(course, path):
    course.launch(resource_link=LAB_LINK, claims={**PLACE_LAB, **SPANISH})
    course.launch(resource_link=MODULE_LINK, claims={**PLACE_MODULE, **SPANISH})
    mark_done(course.client)
    take_quiz(course, course.client, "zero")
    page = course.client.get(path).text
    assert '<html lang="es">' in page
    assert english_outside_lang_en(page) == []
    assert_bars_are_named(page)
    if path != "/learn/m/sample/basics":
        assert "En este curso" in page
    # Spanish words and number formats around the bars and times.
    assert "2 de 3 actividades hechas (67\xa0%)" in page
    assert "Tiempo estimado: aprox." in page
    # Untranslated content is marked English; the translated module is not.
    assert 'lang="en">Write a classifier prompt</a>' in page or path.startswith("/learn/m/")
    assert ">Conceptos básicos</" in page


def test_a_placed_track_shows_its_modules_with_their_bars_in_this_course(course):
    whole = {LTI + "custom": {"skillcert_target": "track:sample"}}
    course.launch(resource_link=LAB_LINK, claims=PLACE_LAB)
    course.launch(resource_link={"id": "link-t", "title": "Everything"}, claims=whole)
    mark_done(course.client)
    home = course.client.get("/learn/").text
    in_course = home[home.index(">In this course</h2>") : home.index("<h2>All tracks</h2>")]
    assert '<h3 id="in-course-sample">Sample Practitioner</h3>' in in_course
    assert words_of(home, "progress-in-course-sample") == "1 of 9 activities done (11%)"
    assert words_of(home, "progress-in-course-sample-basics") == "1 of 3 activities done (33%)"
    assert in_course.index('id="in-course-sample"') < in_course.index("Write a classifier prompt")
    assert_bars_are_named(home)


def test_work_counts_where_it_was_done_in_a_course_or_outside_any(course):
    """The learner's work is read by statements built once, one for a course and one for a
    launch without a course: each counts only its own, as ``of_learner`` says."""
    course.launch()
    mark_done(course.client)
    in_course = course.client.get("/learn/").text
    assert words_of(in_course, "progress-track-sample") == "1 of 9 activities done (11%)"

    course.launch(context=None)  # the same learner, from a link outside any course
    outside = course.client.get("/learn/").text
    assert words_of(outside, "progress-track-sample") == "0 of 9 activities done (0%)"
    mark_done(course.client)
    outside = course.client.get("/learn/").text
    assert words_of(outside, "progress-track-sample") == "1 of 9 activities done (11%)"

    course.launch()  # back in the course: still its own one, not two
    again = course.client.get("/learn/").text
    assert words_of(again, "progress-track-sample") == "1 of 9 activities done (11%)"
