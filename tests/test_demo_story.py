"""The demo's whole story in headless Chromium, against `skillcert serve --demo` on loopback.

An instructor places two modules in the demo course by Deep Linking; a learner opens them
from the course, reads a lesson, takes a quiz, writes a lab that the worker grades in the
sandbox, plays a scenario and hands in the capstone project; the instructor sees all of it
in the gradebook and grades the project with the keyboard alone. Everything goes through
the tool's frame in the demo LMS page, as a person would click it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessments.catalog import TRACKS_DIR, list_tracks
from assessments.model import Track
from tests import browser as browser_tools
from tests.test_serve import serving

pytestmark = pytest.mark.browser

TRACK = "enterprise-ai-practitioner"
LAB_SOLUTION = TRACKS_DIR / TRACK / "labs" / "chunking" / "reference" / "solution.py"
#: Bounded waits for pages and for the sandboxed grader; not performance assertions.
WAIT_MS = 60_000


@pytest.fixture
def track() -> Track:
    return next(t for t in list_tracks(TRACKS_DIR) if t.id == TRACK)


@pytest.fixture
def demo(tmp_path: Path, db_url: str) -> Iterator[str]:
    if db_url.startswith("postgresql"):
        pytest.skip("the demo runs on its embedded SQLite database")
    browser_tools.require("bwrap")
    with serving(tmp_path, "--demo") as base:
        yield base


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = browser_tools.launch(playwright)
        yield chromium
        chromium.close()


def open_in_course(page, base: str, role: str, link: str | None = None):
    """The demo course page with SkillCert launched in its frame; returns the frame."""
    query = f"?as={role}" + (f"&link={link}" if link else "")
    page.goto(f"{base}/demo-lms/{query}")
    return page.frame_locator("iframe.tool-frame")


def placed_links(page, base: str) -> dict[str, str]:
    """Title → id of the links the demo course holds."""
    page.goto(f"{base}/demo-lms/")
    links = {}
    for item in page.locator("#placed-heading + ul > li").all():
        title = item.inner_text().split(":")[0]
        href = item.get_by_role("link", name="open as learner").get_attribute("href")
        links[title] = re.search(r"link=([\w-]+)", href).group(1)
    return links


def take_quiz(frame, quiz) -> None:
    """Answer the choice questions correctly (others stay blank) and submit."""
    frame.get_by_role("button", name=re.compile(r"^Start$")).click()
    for item in quiz.items:
        options = getattr(item.definition, "options", ())
        for option in options:
            if getattr(option, "correct", False):
                frame.locator(f'input[name="answer-{item.id}"][value="{option.id}"]').check()
    frame.get_by_role("button", name="Submit…").click()
    frame.get_by_role("button", name="Submit now").click()


def play_scenario(frame, scenario) -> None:
    """Follow the expert's path to the end, justifying where asked."""
    frame.get_by_role("button", name=re.compile(r"^Start$")).click()
    for here, there in zip(scenario.expert_path, scenario.expert_path[1:], strict=False):
        node = scenario.nodes[here]
        choice = next(c for c in node.choices if c.next == there)
        frame.locator(f'input[name="choice"][value="{choice.id}"]').check()
        if node.justification is not None:
            frame.locator("#justification").fill("The safest choice for the people affected.")
        frame.get_by_role("button", name="Decide").click()


def gradebook_cells(frame, learner: str) -> dict[str, str]:
    """Activity title → the text of the learner's cell in the instructor's gradebook."""
    table = frame.locator("table", has=frame.locator("caption", has_text="per learner"))
    table.locator("tbody tr", has_text=learner).wait_for()  # .all() below does not wait
    headers = table.locator("thead th").all()[1:]
    # A header is a sorting link: its first text is the column's title.
    titles = [
        h.evaluate("th => (th.querySelector('a') || th).firstChild.textContent.trim()")
        for h in headers
    ]
    row = table.locator("tbody tr", has_text=learner).locator("td").all_inner_texts()
    # Scores are written by the page's locale: "72.0\u00a0%" (a no-break space before %).
    return dict(zip(titles, (cell.replace("\u00a0", " ") for cell in row), strict=True))


def grade_first_with_keyboard(page, frame) -> None:
    """Give the first piece on the grading page the best level of each criterion.

    In a criterion Space picks the first level and the arrow keys move on; Tab goes to its
    anchor exemplars if it has any, to its comment, then to the next criterion; after the
    overall comment Tab reaches "Save and next". Only the first radio is focused by the
    test, as a click on it would.
    """
    form = frame.locator("form:has(fieldset)").first
    action = form.get_attribute("action")
    criteria = form.locator("fieldset").all()
    criteria[0].locator("input[type=radio]").first.focus()
    for criterion in criteria:
        labels = criterion.locator("label:has(input[type=radio])").all_inner_texts()
        points = [float(re.search(r"\(([\d.]+) points?\)", label).group(1)) for label in labels]
        page.keyboard.press("Space")
        for _ in range(points.index(max(points))):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        if criterion.locator("details.exemplars").count():
            page.keyboard.press("Tab")  # past the criterion's anchor exemplars
        page.keyboard.press("Tab")
    page.keyboard.type("Clear and well argued.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    # The page before already said a piece was saved: wait until the frame has left it.
    frame.locator(f'form[action="{action}"]').wait_for(state="detached")


def grade_all_with_keyboard(page, frame) -> None:
    """Grade every piece waiting for this instructor; each save says what became of it."""
    frame.get_by_role("heading", name="Grading with the keyboard").wait_for()
    while frame.locator("form fieldset").count():
        grade_first_with_keyboard(page, frame)
        frame.get_by_role("status").filter(has_text="saved.").wait_for()


def test_demo_story(demo, browser, track):
    base = demo
    rag, capstone = track.module("rag"), track.module("capstone")
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)

    # The instructor adds two modules to the course by Deep Linking.
    frame = open_in_course(page, base, "instructor", "deep-link")
    # The picker is a tree of closed groups: open the track, then each module.
    # (Specialisations repeat the base track's modules, so look inside this track's group.)
    summary = frame.locator(
        f'details.picker-track > summary:has(.picker-name:text-is("{track.title}"))'
    )
    summary.click()
    group = summary.locator("xpath=..")
    for module in (rag, capstone):
        group.locator(f'summary:has(.picker-name:text-is("Module: {module.title}"))').click()
        group.get_by_label(f"The whole module: {module.title} ").check()
    frame.get_by_role("button", name="Add to course").click()
    # The demo course already lists its built-in first-visit link; wait for the new ones.
    page.locator("#placed-heading + ul > li", has_text=f"{capstone.title}:").wait_for()
    links = placed_links(page, base)
    assert set(links) == {"Start here", rag.title, capstone.title}

    # The learner opens the RAG module from the course and works through it.
    frame = open_in_course(page, base, "learner", links[rag.title])
    lesson = rag.activities[0]
    frame.get_by_role("link", name=lesson.title).click()
    frame.get_by_role("button", name="Mark as done").click()
    frame.get_by_text("Done").first.wait_for()
    assert "Done" in frame.locator(f"li:has(a:text-is('{lesson.title}'))").inner_text()

    quiz = track.activity("rag-practice-quiz")
    frame.get_by_role("link", name=quiz.title).click()
    take_quiz(frame, quiz)
    frame.get_by_text(re.compile(r"^Score: ")).first.wait_for()

    open_in_course(page, base, "learner", links[rag.title])
    lab = track.activity("chunking-lab")
    frame.get_by_role("link", name=lab.title).click()
    code = frame.locator("form.code-form")
    code.get_by_role("textbox").fill(LAB_SOLUTION.read_text())
    code.get_by_role("button", name="Submit for grading").click()
    # The page's live region follows the grader and shows the result in place.
    frame.get_by_text("Graded: the result is shown below.").wait_for()
    history = frame.get_by_role("table", name="Newest first").inner_text()
    assert "Graded\t100.0%" in history

    open_in_course(page, base, "learner", links[rag.title])
    scenario = track.activity("compliance-assistant-scenario")
    frame.get_by_role("link", name=scenario.title).click()
    play_scenario(frame, scenario.scenario)
    # Summative: until the last attempt, the result per competency, not the expert path.
    frame.get_by_text("Your result per competency").wait_for()

    # The capstone project, handed in from its own link.
    frame = open_in_course(page, base, "learner", links[capstone.title])
    project = track.activity("capstone-design-document")
    frame.get_by_role("link", name=project.title).click()
    frame.get_by_label("Write or paste your project").fill("Design: retrieval, guards, evals.")
    frame.get_by_role("button", name="Hand in").click()
    frame.get_by_text("awaiting grading").first.wait_for()

    # The instructor sees the learner's work in the gradebook …
    frame = open_in_course(page, base, "instructor", links[capstone.title])
    frame.get_by_role("link", name="Gradebook").click()
    cells = gradebook_cells(frame, "Ada Lovelace")
    assert re.match(r"\d+\.\d%", cells[quiz.title])
    assert cells[lab.title].startswith("100.0%")  # graded in the sandbox
    assert cells[scenario.title].startswith("100.0%") or "awaiting grading" in cells[scenario.title]
    assert "awaiting grading" in cells[project.title]

    # … and grades the work awaiting grading (the scenario's justifications and the
    # project) with the keyboard alone.
    frame.get_by_role("link", name="← Course overview").click()
    frame.get_by_role("link", name="Work awaiting grading", exact=True).click()
    grade_all_with_keyboard(page, frame)
    # The capstone's rubric marks every design twice, blind: the co-instructor's mark,
    # within a level of the first on every criterion, releases the first grader's.
    frame = open_in_course(page, base, "co-instructor", links[capstone.title])
    frame.get_by_role("link", name="Gradebook").click()
    frame.get_by_role("link", name="← Course overview").click()
    frame.get_by_role("link", name="Work awaiting grading", exact=True).click()
    grade_all_with_keyboard(page, frame)
    frame = open_in_course(page, base, "instructor", links[capstone.title])
    frame.get_by_role("link", name="Gradebook").click()
    assert gradebook_cells(frame, "Ada Lovelace")[project.title].startswith("100.0%")

    # The demo LMS's own gradebook received the learner's scores on both placed links:
    # the in-process worker sends them within seconds, so the page is reloaded until the
    # graded project's score has replaced "Pending manual grading" (a bounded wait).
    score = re.compile(r"\d+\.\d / 100\.0")
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        page.goto(f"{base}/demo-lms/gradebook")
        lms_cells = gradebook_cells(page, "Ada Lovelace")
        arrived = all(score.fullmatch(lms_cells.get(t, "")) for t in (rag.title, capstone.title))
        if arrived or time.monotonic() > deadline:
            break
        page.wait_for_timeout(1000)
    assert score.fullmatch(lms_cells[rag.title]), lms_cells
    assert score.fullmatch(lms_cells[capstone.title]), lms_cells
    assert lms_cells[capstone.title] != "0.0 / 100.0"
    roster = page.get_by_role("table", name="Members the demo LMS serves to SkillCert")
    assert "Alan Turing" in roster.inner_text()  # a learner who never opened SkillCert

    # The demo LMS's own pages meet WCAG 2.1 AA too (the tool's pages have their own suite).
    assert browser_tools.serious_violations(page) == []
    page.goto(f"{base}/demo-lms/")
    assert browser_tools.serious_violations(page) == []
