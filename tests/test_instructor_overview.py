"""The course overview: where learners stand, each count linking to its list, and the
completions chart, for a course built through real launches."""

from __future__ import annotations

import datetime as dt
import re

from tests.test_gradebook import body, build_class, place_quiz


def counts(page):
    """Each count on the overview → (number, the page it links to)."""
    section = re.search(r'<ul class="overview-counts">(.*?)</ul>', page, re.S).group(1)
    found = {}
    for href, number, words in re.findall(
        r'<a href="([^"]+)"><strong>(\d+)</strong> ([^<]+)</a>', section
    ):
        found[words.strip()] = (int(number), href.replace("&amp;", "&"))
    return found


def test_overview_counts_match_the_course_and_link_to_the_learners_they_count(course):
    build_class(course)  # Ada: quiz awaiting grading; Bob: a module complete; Cy: nothing
    page = course.client.get("/teach/").get_data(as_text=True)
    found = counts(page)
    assert found == {
        "learners": (3, "/teach/gradebook"),
        "started": (2, "/teach/gradebook?status=started"),
        "completed a module or track": (1, "/teach/gradebook?status=complete"),
        "with work awaiting grading": (1, "/teach/gradebook?status=awaiting+grading"),
        "scores could not be sent to the LMS": (0, "/teach/grade-sync"),
    }
    # Each link lists exactly the learners its number counts.
    for number, href in list(found.values())[:4]:
        listed = body(course.client.get(href).get_data(as_text=True))
        assert len(listed) == number
    listed = body(course.client.get(found["completed a module or track"][1]).text)
    assert list(listed) == ["Bob"]


def test_completions_over_time_chart_and_its_table_agree(course):
    build_class(course)
    page = course.client.get("/teach/").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert '<title id="completions-title">' in svg and '<desc id="completions-desc">' in svg
    points = re.findall(r"<circle[^>]*><title>Week of ([^:]+): (\d+) completed, (\d+) in all", svg)
    table = re.search(r'<table class="chart-data">.*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td></tr>', table)
    assert points == rows
    # Bob finished this week: one completion, one in all.
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    assert rows == [(f"{monday:%b} {monday.day}, {monday.year}", "1", "1")]


def test_overview_before_anyone_completes(course):
    link, custom = place_quiz(course)
    course.launch(
        client=course.app.test_client(), sub="ada", name="Ada", resource_link=link, claims=custom
    )
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/").get_data(as_text=True)
    assert counts(page)["learner"] == (1, "/teach/gradebook")
    assert "No learner has completed a module or track placed in this course yet." in page
    assert "<svg" not in page
