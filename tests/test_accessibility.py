"""WCAG 2.1 AA checks in headless Chromium over every page type (tests/page_tour.py), in
English and in Spanish, each at desktop size (1280 by 800) and at 320 by 640 CSS px.

The pages are served over real HTTP on loopback; launches happen through the simulated
LMS and each person's browser context gets their session cookie. On every page, at both
sizes: no serious or critical axe-core violation; nothing wider than the window except
inside a labelled, focusable scroll region (tests/browser.py's reflow check, WCAG 1.4.10);
``<html lang>`` is the page's language, and a Spanish page holds no English outside
``lang="en"`` (tests/language_check.py, WCAG 3.1.1 and 3.1.2). Every problem of every page
is collected, then reported at once.

Each page is saved as a full-page PNG under tests/screenshots/a11y/LOCALE-WIDTH/PAGE.png
(git-ignored); CI keeps tests/screenshots/ as the run's artefacts. Needs Debian's chromium
(the README's test command installs it); outside CI the tests skip with the reason when it
is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import browser as browser_tools
from tests import page_tour
from tests.conftest import LmsDriver
from tests.language_check import english_outside_lang_en
from tests.page_tour import http_launch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    with browser_tools.chromium() as browser:
        yield browser


@pytest.fixture
def served(make_app, simulated_lms, db_url) -> Iterator[tuple[str, LmsDriver]]:
    with page_tour.serving_sample(make_app, simulated_lms, db_url) as served:
        yield served


def page_problems(page, base: str, stop: page_tour.Stop, locale: str) -> list[str]:
    """Open ``stop`` and check it at each window size; screenshots on the way."""
    page.set_viewport_size(browser_tools.DESKTOP)
    response = browser_tools.open_page(page, base + stop.path, stop.form)
    where = f"{locale} {stop.name} ({stop.path})"
    problems = []
    if response.status != stop.status:
        problems.append(f"{where}: answered {response.status}, not {stop.status}")
    language = page.get_attribute("html", "lang")
    if language != locale[:2]:
        problems.append(f'{where}: <html lang="{language}">, not "{locale[:2]}"')
    if not locale.startswith("en"):
        problems += [f"{where}: lang: {found}" for found in english_outside_lang_en(page.content())]
    for width, size in browser_tools.VIEWPORTS.items():
        page.set_viewport_size(size)
        at = f"{locale} {width} px {stop.name} ({stop.path})"
        problems += [f"{at}: axe: {found}" for found in browser_tools.serious_violations(page)]
        problems += [f"{at}: reflow: {found}" for found in browser_tools.reflow_problems(page)]
        browser_tools.screenshot(page, f"a11y/{locale}-{width}", stop.name)
    return problems


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_every_page_type_meets_wcag_aa_at_desktop_size_and_320_px(served, chromium, locale):
    base, lms = served
    problems = []
    for visitor in page_tour.tour(base, lms, locale):
        # One context per person (their cookies, their browser's language), one tab reused.
        context = chromium.new_context(bypass_csp=True, locale=locale)
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": base} for c in visitor.http.cookies]
        )
        page = context.new_page()
        for stop in visitor.stops:
            problems += page_problems(page, base, stop, locale)
        context.close()
    assert problems == [], "\n".join(problems)


def test_code_editor_works_with_the_keyboard_and_lets_it_go(served, chromium):
    """Tab indents, Enter keeps the indentation, Escape then Tab leaves the editor."""
    base, lms = served
    learner = http_launch(base, lms)
    context = chromium.new_context()
    context.add_cookies([{"name": c.name, "value": c.value, "url": base} for c in learner.cookies])
    page = context.new_page()
    page.goto(base + "/learn/a/sample/prompt-lab")
    editor = page.locator("textarea#code")
    editor.fill("")
    editor.focus()
    page.keyboard.type("def classify(text):")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("if text:")
    page.keyboard.press("Enter")
    page.keyboard.type("return 'positive'")
    assert editor.input_value() == ("def classify(text):\n    if text:\n    return 'positive'")
    assert page.evaluate("document.activeElement.id") == "code"  # Tab stayed inside
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "code"
    help_text = page.locator("#code-help").inner_text()
    assert "Escape" in help_text  # the page tells keyboard users the way out
    context.close()
