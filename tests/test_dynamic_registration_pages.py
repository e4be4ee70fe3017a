"""The Dynamic Registration pages in headless Chromium: WCAG 2.1 AA (axe-core, reflow at
320 px, the page's language) on the page the LMS opens and on the page after registering,
the whole flow done with the keyboard, and the button that tells the LMS to close its
window, working under the pages' Content-Security-Policy (no inline script)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests import browser as browser_tools
from tests import loopback
from tests.language_check import english_outside_lang_en
from tests.simulated_registration import SHAPES, SimulatedPlatform

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    with browser_tools.chromium() as browser:
        yield browser


@pytest.fixture
def served(make_app, db_url) -> Iterator[tuple[str, SimulatedPlatform]]:
    if db_url.startswith("postgresql"):
        pytest.skip("pages are the same on both databases; checked once, on SQLite")
    platform = SimulatedPlatform(SHAPES["moodle"])
    try:
        with loopback.serving(lambda base: make_app(base_url=base)) as (_app, base):
            yield base, platform
    finally:
        platform.close()


def _problems(page, name: str, locale: str) -> list[str]:
    problems = []
    language = page.get_attribute("html", "lang")
    if language != locale[:2]:
        problems.append(f'{name}: <html lang="{language}">, not "{locale[:2]}"')
    if not locale.startswith("en"):
        problems += [f"{name}: lang: {found}" for found in english_outside_lang_en(page.content())]
    for width, size in browser_tools.VIEWPORTS.items():
        page.set_viewport_size(size)
        problems += [f"{name} {width}: axe: {v}" for v in browser_tools.serious_violations(page)]
        problems += [f"{name} {width}: reflow: {v}" for v in browser_tools.reflow_problems(page)]
        browser_tools.screenshot(page, f"a11y/{locale}-{width}", name)
    page.set_viewport_size(browser_tools.DESKTOP)
    return problems


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_register_with_the_keyboard_then_tell_the_lms_to_close(served, chromium, locale):
    base, platform = served
    token = platform.issue_registration_token()
    query = {"openid_configuration": platform.configuration_url(), "registration_token": token}
    context = chromium.new_context(locale=locale)
    page = context.new_page()
    response = page.goto(f"{base}/lti/register?{urlencode(query)}")
    assert response.status == 200
    problems = _problems(page, "register", locale)

    # Tab to the Register button (past the skip link) and press it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert platform.registered, "the LMS received no registration"
    problems += _problems(page, "registered", locale)

    # The page's own script shows the button and posts the close message to the LMS (this
    # window's parent is itself here: the message arrives on it).
    page.evaluate(
        "window.received = [];"
        "window.addEventListener('message', (event) => window.received.push(event.data))"
    )
    close = page.locator("button[data-lti-close]")
    assert close.is_visible()
    close.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("window.received.length > 0")
    assert page.evaluate("window.received") == [{"subject": "org.imsglobal.lti.close"}]
    context.close()
    assert problems == [], "\n".join(problems)
