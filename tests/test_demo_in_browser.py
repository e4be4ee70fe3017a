"""A newcomer's five minutes in headless Chromium, against `skillcert serve --demo`.

The newcomer opens the demo course, follows its invitation to the five-minute track, and
inside SkillCert's frame reads the lesson and marks it done, answers the quiz, writes the
lab's solution in the code editor and waits for the sandboxed grader, plays the scenario's
expert path, then finds the credential in "My credentials" and on its public page, verified.
Locators are what a person goes by: roles, labels and the track's own titles and texts
(assessments/demo_tracks/first-visit); the UI's own words only where nothing else names a
control, and then short ones.

Each page type on the way is saved as a full-page PNG at 1280 by 800 and at 320 by 640
under tests/screenshots/demo/ (git-ignored); CI keeps tests/screenshots/ as the run's
artefacts. tests/test_demo_first_visit.py walks the same track over HTTP without a browser.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from assessments.catalog import DEMO_TRACKS_DIR, list_tracks
from assessments.model import Activity, Track
from tests import browser as browser_tools
from tests.test_demo_first_visit import LAB, WAIT_SECONDS
from tests.test_serve import serving

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

WAIT_MS = WAIT_SECONDS * 1000
SOLUTION = LAB / "reference" / "solution.py"
by_score = operator.attrgetter("score")


@pytest.fixture
def track() -> Track:
    return next(t for t in list_tracks(DEMO_TRACKS_DIR) if t.id == "first-visit")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    browser_tools.require("bwrap")
    with serving(tmp_path, "--demo") as base:
        yield base


def frame_fits(page) -> None:
    """Wait (bounded) until the tool's frame has the height of its page, as the LMS lets
    it: grown to show it all, and shrunk again when the page gets shorter (from 320 px
    back to desktop width), above the frame's minimum height (32rem)."""
    page.wait_for_function(
        """() => {
            const frame = document.querySelector('iframe.tool-frame');
            if (!frame) return true;
            const inner = frame.contentDocument && frame.contentDocument.documentElement;
            if (!inner) return true;
            const content = Math.ceil(inner.getBoundingClientRect().height);
            return frame.clientHeight >= content
                && frame.clientHeight <= Math.max(content + 40, 520);
        }"""
    )


def screenshots(page, name: str) -> None:
    """The page at desktop size and at 320 px, then back to desktop size."""
    for width, size in browser_tools.VIEWPORTS.items():
        page.set_viewport_size(size)
        frame_fits(page)
        browser_tools.screenshot(page, "demo", f"{name}-{width}")
    page.set_viewport_size(browser_tools.DESKTOP)


def visible_text(html: str) -> str:
    """What a person reads of a piece of the track's HTML."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def the(track: Track, kind: str) -> Activity:
    (activity,) = [a for a in track.activities() if a.kind.value == kind]
    return activity


def follow(tool, control) -> None:
    """Click a link or a form's button and wait for the frame's next page."""
    with tool.expect_navigation():
        control.click()


def open_activity(tool, track: Track, activity: Activity) -> None:
    """Follow a link named by the activity's title, from its module's page if need be."""
    link = tool.get_by_role("link", name=activity.title)
    if not link.count():
        (module,) = [m for m in track.modules if activity in m.activities]
        follow(tool, tool.get_by_role("link", name=module.title).first)
    follow(tool, tool.get_by_role("link", name=activity.title).first)
    tool.get_by_role("heading", name=activity.title, level=1).wait_for()


def start(tool) -> None:
    follow(tool, tool.get_by_role("button", name=re.compile(r"^(Start|Resume)$")))


def take_the_quiz(page, tool, quiz: Activity) -> None:
    """Choose each right answer by its text, submit, confirm."""
    start(tool)
    for item in quiz.items:
        (right,) = [o for o in item.definition.options if o.id == item.definition.correct]
        tool.get_by_role("radio", name=visible_text(right.html), exact=True).check()
    screenshots(page, "quiz-attempt")
    follow(tool, tool.get_by_role("button", name=re.compile(r"^Submit")))
    screenshots(page, "quiz-confirm")
    follow(tool, tool.get_by_role("button", name=re.compile(r"^Submit")))
    tool.get_by_text(re.compile(r"\b3 of 3 points\b")).first.wait_for()


def write_the_lab(tool) -> None:
    """The reference solution, typed into the editor and submitted for grading; wait for
    the sandboxed grader's result (bounded) and see full marks."""
    editor = tool.get_by_role("textbox", name=re.compile(r"Your code"))
    editor.fill(SOLUTION.read_text())
    its_form = editor.locator("xpath=ancestor::form")
    follow(tool, its_form.get_by_role("button", name=re.compile(r"grading", re.I)))
    history = tool.get_by_role("table", name=re.compile(r"Newest first"))
    history.get_by_role("row").nth(1).filter(has_text="100").wait_for()


def play_the_expert_path(tool, scenario: Activity) -> None:
    graph = scenario.scenario
    start(tool)
    for here, there in zip(graph.expert_path, graph.expert_path[1:], strict=False):
        # The expert's choice: the best one on the expert's way (two may lead there).
        choice = max((c for c in graph.nodes[here].choices if c.next == there), key=by_score)
        tool.get_by_role("radio", name=visible_text(choice.html), exact=True).check()
        follow(tool, tool.get_by_role("button", name="Decide"))
    ending = graph.nodes[graph.expert_path[-1]]
    tool.get_by_text(visible_text(ending.debrief_html)).first.wait_for()


def wait_for_the_credential(tool, track: Track):
    """Open My credentials until the worker has issued the track's credential (bounded)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        wallet = tool.get_by_role("link", name="My credentials", exact=True)
        if not wallet.count():  # not linked from every page: from My progress it is
            follow(tool, tool.get_by_role("link", name="My progress", exact=True).first)
        follow(tool, wallet.first)
        card = tool.get_by_role("region", name=track.title)
        if card.count() or time.monotonic() > deadline:
            return card
        time.sleep(1)


def test_a_newcomer_completes_the_demo_track_in_the_browser(demo, track):
    base = demo
    lesson, quiz, lab, scenario = (the(track, k) for k in ("lesson", "quiz", "lab", "scenario"))
    with browser_tools.chromium("bwrap") as chromium:
        context = chromium.new_context(viewport=browser_tools.DESKTOP)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)

        page.goto(base + "/demo-lms/")
        screenshots(page, "demo-course")
        with page.expect_navigation():
            page.get_by_role("link", name="Start the five-minute track as Ada Lovelace").click()
        tool = page.locator("iframe.tool-frame").element_handle().content_frame()
        (module,) = track.modules
        tool.get_by_role("heading", name=module.title).first.wait_for()
        screenshots(page, "module")

        open_activity(tool, track, lesson)
        first_paragraph = re.search(r"<p>(.*?)</p>", lesson.body_html, re.S).group(1)
        assert tool.get_by_text(visible_text(first_paragraph)).is_visible()
        screenshots(page, "lesson")
        follow(tool, tool.get_by_role("button", name=re.compile(r"done", re.I)))

        open_activity(tool, track, quiz)
        screenshots(page, "quiz")
        take_the_quiz(page, tool, quiz)
        screenshots(page, "quiz-result")

        open_activity(tool, track, lab)
        write_the_lab(tool)
        screenshots(page, "lab")

        open_activity(tool, track, scenario)
        play_the_expert_path(tool, scenario)
        screenshots(page, "scenario-debrief")

        card = wait_for_the_credential(tool, track)
        assert card.count() == 1, "no credential in My credentials"
        screenshots(page, "wallet")
        public_link = card.get_by_role("link", name=re.compile(r"public page", re.I))
        if public_link.get_attribute("target") == "_blank":
            with context.expect_page() as opened:
                public_link.click()
            public = opened.value
        else:
            public = context.new_page()
            public.goto(base + public_link.get_attribute("href"))
        public.get_by_role("heading", name=track.title).first.wait_for()
        public.get_by_text(re.compile(r"^Verified")).first.wait_for()
        screenshots(public, "credential")
        context.close()
